package bench

import (
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/tensorcount/tensorcount/format/gguf"
	"github.com/tensorcount/tensorcount/format/safetensors"
)

// countingFile counts what is read through it.
type countingFile struct {
	f     *os.File
	reads atomic.Int64
	bytes atomic.Int64
}

func (c *countingFile) ReadAt(p []byte, off int64) (int, error) {
	c.reads.Add(1)
	n, err := c.f.ReadAt(p, off)
	c.bytes.Add(int64(n))
	return n, err
}

func open(t testing.TB, path string) (*countingFile, int64) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	fi, _ := f.Stat()
	return &countingFile{f: f}, fi.Size()
}

// TestBytesRead measures what counting reads: each safetensors shard in
// at most two reads, no more than 64 KiB past its header, and a GGUF
// header with its tokenizer arrays without reading any tensor data.
func TestBytesRead(t *testing.T) {
	setup(t)
	shards, _ := filepath.Glob(filepath.Join(fixtures.ds163, "*.safetensors"))
	var header, read, reads int64
	for _, p := range shards {
		c, size := open(t, p)
		f, err := safetensors.NewFile(c, size)
		if err != nil {
			t.Fatal(err)
		}
		if c.reads.Load() > 2 {
			t.Errorf("%s: %d reads", p, c.reads.Load())
		}
		header += f.DataOffset
		read += c.bytes.Load()
		reads += c.reads.Load()
	}
	t.Logf("safetensors, %d shards: %d header bytes, %d bytes read in %d reads (%.3f×)", len(shards), header, read, reads, float64(read)/float64(header))
	if read > header+int64(len(shards))*64<<10 {
		t.Errorf("read %d bytes for %d header bytes", read, header)
	}

	c, size := open(t, fixtures.vocab256)
	f, err := gguf.NewFile(c, size)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("gguf, 256k vocabulary: %d header bytes (file %d), %d bytes read in %d reads (%.3f×)", f.DataOffset, size, c.bytes.Load(), c.reads.Load(), float64(c.bytes.Load())/float64(f.DataOffset))
	if c.bytes.Load() > f.DataOffset {
		t.Errorf("read %d bytes, past the %d-byte header", c.bytes.Load(), f.DataOffset)
	}
}
