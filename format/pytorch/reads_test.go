package pytorch_test

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/format/pytorch"
)

// TestReadsZipFixture: for a real fixture, every byte read lies in the
// central directory, data.pkl, a local header or archive/zip's 1 KiB
// search window for the end-of-directory record at the tail; no storage
// byte is read outside that window.
func TestReadsZipFixture(t *testing.T) {
	b, err := os.ReadFile("testdata/module.pt")
	require.NoError(t, err)
	c := &counting{r: bytes.NewReader(b)}
	f, err := pytorch.NewFile(c, int64(len(b)))
	require.NoError(t, err)
	tail := int64(len(b)) - 1024
	for _, st := range f.Storages {
		require.Zero(t, c.overlap(st.Offset, min(st.Offset+int64(st.Bytes), tail)), "storage %s read", st.Key)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	var pkl int64
	for _, zf := range zr.File {
		if zf.Name == "module/data.pkl" {
			pkl = int64(zf.UncompressedSize64)
		}
	}
	t.Logf("module.pt: %d bytes, read %d bytes in %d calls (data.pkl %d bytes, %d storages)", len(b), c.bytes, c.calls, pkl, len(f.Storages))
}

// TestReadsLlama8B builds a sparse zip with Llama-3.1-8B's 291 tensors
// (16 GB of BF16 storages, ZIP64) and checks that reading it touches only
// the tail, data.pkl and the local headers.
func TestReadsLlama8B(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 16 GB through zip.Writer into a sparse buffer")
	}
	specs := llamaSpecs(32, 4096, 1024, 14336, 128256)
	require.Len(t, specs, 291)
	s := checkpoint(t, specs, 2)
	c := &counting{r: s}
	f, err := pytorch.NewFile(c, s.size)
	require.NoError(t, err)
	require.Len(t, f.Tensors, 291)
	var n uint64
	for _, tt := range f.Tensors {
		n += tt.Elements()
	}
	require.Equal(t, uint64(8_030_261_248), n)
	require.Equal(t, n*2, f.StorageBytes())
	pkl := int64(len(stateDict(specs)))
	// Local headers are 30 bytes + name + ZIP64 extra; the tail search
	// reads 1 KiB and the directory is read in 4 KiB blocks.
	require.Less(t, c.bytes, pkl+int64(len(specs))*(30+64+20)+1024+64<<10)
	for _, st := range f.Storages {
		require.Zero(t, c.overlap(st.Offset+64, st.Offset+int64(st.Bytes)-1024), "storage %s read", st.Key)
	}
	t.Logf("Llama-3.1-8B zip: %d bytes, read %d bytes in %d calls (data.pkl %d bytes)", s.size, c.bytes, c.calls, pkl)
}

// legacyStream builds a legacy torch.save stream of the specs (one
// storage per key, element size es) with sparse storages.
func legacyStream(specs []spec, es uint64) *sparse {
	var head bytes.Buffer
	magic := []byte{0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19}
	head.WriteString("\x80\x02\x8a\x0a")
	head.Write(magic)
	head.WriteString(".\x80\x02M\xe9\x03.\x80\x02}(X\x0d\x00\x00\x00little_endian\x88u.")
	head.Write(stateDict(specs))
	keys := newPK()
	keys.WriteString("](")
	var sorted []spec
	seen := map[string]bool{}
	for _, s := range specs {
		if !seen[s.key] {
			seen[s.key] = true
			sorted = append(sorted, s)
		}
	}
	slices.SortFunc(sorted, func(a, b spec) int { return strings.Compare(a.key, b.key) })
	for _, s := range sorted {
		keys.str(s.key)
	}
	keys.WriteString("e.")
	head.Write(keys.Bytes())
	sp := &sparse{}
	sp.segs = append(sp.segs, seg{0, bytes.Clone(head.Bytes())})
	pos := int64(head.Len())
	for _, s := range sorted {
		n := s.numel
		if n == 0 {
			n = numel(s.shape)
		}
		var h [8]byte
		binary.LittleEndian.PutUint64(h[:], n)
		sp.segs = append(sp.segs, seg{pos, h[:]})
		pos += 8 + int64(n*es)
	}
	sp.size = pos
	return sp
}

// TestReadsLegacy8B: a legacy stream is read up to its leading pickles
// (rounded up by the doubling window) and the 8-byte size of each storage.
func TestReadsLegacy8B(t *testing.T) {
	specs := llamaSpecs(32, 4096, 1024, 14336, 128256)
	s := legacyStream(specs, 2)
	c := &counting{r: s}
	f, err := pytorch.NewFile(c, s.size)
	require.NoError(t, err)
	require.Equal(t, pytorch.Legacy, f.Kind)
	require.Len(t, f.Tensors, 291)
	head := int64(len(s.segs[0].data))
	require.LessOrEqual(t, c.bytes, 2*head+8*291)
	t.Logf("Llama-3.1-8B legacy stream: %d bytes, read %d bytes in %d calls (leading pickles %d bytes)", s.size, c.bytes, c.calls, head)
}

// TestReadsLegacy: a legacy stream is read up to its leading pickles
// (rounded up by the doubling window) and the 8-byte size of each storage.
func TestReadsLegacy(t *testing.T) {
	b, err := os.ReadFile("testdata/dtypes_legacy.pt")
	require.NoError(t, err)
	c := &counting{r: bytes.NewReader(b)}
	f, err := pytorch.NewFile(c, int64(len(b)))
	require.NoError(t, err)
	t.Logf("dtypes_legacy.pt: %d bytes, read %d bytes in %d calls (%d storages)", len(b), c.bytes, c.calls, len(f.Storages))
	// The file is smaller than the first window, so all of it is read
	// once, plus the magic (4 bytes), the tar check (5) and each size.
	require.Equal(t, int64(len(b))+8*int64(len(f.Storages))+4+5, c.bytes)
}
