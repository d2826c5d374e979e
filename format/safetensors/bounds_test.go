package safetensors

import (
	"bytes"
	"encoding/binary"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Hostile lengths in a small file are rejected after reading the first
// bytes, allocating nothing in proportion to the claimed sizes.
func TestBoundedResources(t *testing.T) {
	small := func(n uint64) []byte {
		b := make([]byte, 1024)
		binary.LittleEndian.PutUint64(b, n)
		copy(b[8:], "{")
		return b
	}
	for _, c := range []struct {
		name  string
		image []byte
	}{
		{"header length 2^40", small(1 << 40)},
		{"header length 2^64-1", small(1<<64 - 1)},
		{"header length just past the file", small(1017)},
		{"header length 99,999,999", small(99_999_999)},
	} {
		t.Run(c.name, func(t *testing.T) {
			cr := &countingReader{r: bytes.NewReader(c.image)}
			var err error
			allocs := testing.AllocsPerRun(20, func() {
				_, err = NewFile(cr, int64(len(c.image)))
			})
			require.Error(t, err)
			require.LessOrEqual(t, allocs, 8.0)
			require.LessOrEqual(t, cr.bytes/21, int64(1024), "reads no more than the file's first KiB per attempt")
		})
	}
}

// A header describing enormous tensors costs memory in proportion to the
// header, not to the shapes it describes.
func TestHugeShapesSmallMemory(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := range 1000 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"t` + itoa(i) + `":{"dtype":"F64","shape":[4294967296,4294967296,4],"data_offsets":[0,0]}`)
	}
	img := raw(b.String()+"}", 0)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := NewFile(bytes.NewReader(img), int64(len(img)))
	runtime.ReadMemStats(&after)
	require.ErrorContains(t, err, "overflows")
	require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(40*len(img)), "allocation stays proportional to the header")
}
