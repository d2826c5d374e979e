package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/internal/corpus"
)

// FuzzNewFile checks that no input panics the header reader, that every
// rejection is a *format.Error, and that an accepted file's tensors tile
// its data exactly.
func FuzzNewFile(f *testing.F) {
	for _, h := range []string{
		`{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}`,
		`{"__metadata__":{"format":"pt"},"b":{"dtype":"F4","shape":[4],"data_offsets":[0,2]},"a":{"dtype":"BF16","shape":[],"data_offsets":[2,4]}}`,
		`{"__metadata__":null,"z":{"dtype":"I8","shape":[0],"data_offsets":[0,0]}}`,
		` {}  `,
	} {
		f.Add(raw(h, 64))
	}
	if dir, ok := corpus.Find(); ok {
		paths, _ := filepath.Glob(filepath.Join(dir, "*", "*.safetensors"))
		for _, p := range paths {
			if b, err := os.ReadFile(p); err == nil {
				n := binary.LittleEndian.Uint64(b)
				f.Add(b[:min(uint64(len(b)), 8+n+64)]) // header and a little data
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := NewFile(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			var fe *format.Error
			if !errors.As(err, &fe) {
				t.Fatalf("error is %T, not *format.Error: %v", err, err)
			}
			_ = err.Error()
			return
		}
		var total int64
		for _, tn := range file.Tensors {
			if tn.Offset < file.DataOffset || tn.Offset+tn.Size > file.Size {
				t.Fatalf("tensor %q [%d, +%d) outside the data", tn.Name, tn.Offset, tn.Size)
			}
			if n, ok := tn.DType.ByteSize(tn.Elements()); !ok || int64(n) != tn.Size {
				t.Fatalf("tensor %q: %d bytes for %d elements of %s", tn.Name, tn.Size, tn.Elements(), tn.DType.Name)
			}
			total += tn.Size
		}
		if file.DataOffset+total != file.Size {
			t.Fatalf("tensors cover %d of %d data bytes", total, file.Size-file.DataOffset)
		}
	})
}

// FuzzReadIndex checks the index parser the same way.
func FuzzReadIndex(f *testing.F) {
	f.Add([]byte(`{"metadata":{"total_size":8},"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors"}}`))
	f.Add([]byte(`{"weight_map":{"a\u0000":"x.safetensors"},"metadata":null}`))
	f.Add([]byte(`{"weight_map":{"a":"../x"}}`))
	if dir, ok := corpus.Find(); ok {
		if b, err := os.ReadFile(filepath.Join(dir, "hf-sharded-safetensors", "model.safetensors.index.json")); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		idx, err := ReadIndex(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			var fe *format.Error
			if !errors.As(err, &fe) {
				t.Fatalf("error is %T, not *format.Error: %v", err, err)
			}
			return
		}
		for _, e := range idx.Entries {
			if e.Shard < 0 || e.Shard >= len(idx.Shards) {
				t.Fatalf("entry %q names shard %d of %d", e.Name, e.Shard, len(idx.Shards))
			}
		}
		for _, s := range idx.Shards {
			if CheckShardName(s) != nil || strings.ContainsAny(s, `/\`) {
				t.Fatalf("accepted shard name %q", s)
			}
		}
	})
}
