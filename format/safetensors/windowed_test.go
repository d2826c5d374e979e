package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/format"
)

// bigHeaderFile is a safetensors file of n one-byte tensors whose header
// is over maxRecycled, so that it is parsed a window at a time: meta
// goes first, tail after the closing brace, and edit changes the entry of
// tensor i.
func bigHeaderFile(n int, meta, tail string, edit func(i int, entry string) string) []byte {
	var h strings.Builder
	h.WriteString("{" + meta)
	for i := range n {
		if i > 0 || meta != "" {
			h.WriteByte(',')
		}
		e := fmt.Sprintf(`"model.layers.%d.mlp.experts.%d.down_proj.weight":{"dtype":"U8","shape":[1],"data_offsets":[%d,%d]}`, i/256, i%256, i, i+1)
		if edit != nil {
			e = edit(i, e)
		}
		h.WriteString(e)
	}
	h.WriteString("}" + tail)
	s := h.String()
	s += strings.Repeat(" ", (8-len(s)%8)%8)
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(s)))
	return append(append(b, s...), make([]byte, n)...)
}

// largestRead records the largest read made through it.
type largestRead struct {
	r          *bytes.Reader
	max, total int
}

func (l *largestRead) ReadAt(p []byte, off int64) (int, error) {
	l.max = max(l.max, len(p))
	l.total += len(p)
	return l.r.ReadAt(p, off)
}

// parseBoth parses b through NewFile and through the general path with
// the header whole. whole is whether NewFile read the header whole (its
// largest read is more than a window), which it does only when the
// windowed scanner gives up.
func parseBoth(t *testing.T, b []byte) (windowed, general *File, werr, gerr error, whole bool) {
	t.Helper()
	n := binary.LittleEndian.Uint64(b)
	require.Greater(t, n, uint64(maxRecycled))
	r := &largestRead{r: bytes.NewReader(b)}
	windowed, werr = NewFile(r, int64(len(b)))
	general, gerr = newFileWith(bytes.NewReader(b), int64(len(b)), "", parseOptions{generalOnly: true})
	whole = r.max > indexWindow
	if !whole && werr == nil {
		// Each byte of the prefix and the header is read once.
		require.Equal(t, 8+int(n), r.total, "bytes read")
	}
	return windowed, general, werr, gerr, whole
}

// A header read a window at a time gives what the whole header gives the
// general path: the same tensors, metadata and notes.
func TestWindowedHeaderAgrees(t *testing.T) {
	const n = 200_000 // a 21 MB header
	for _, c := range []struct {
		what  string
		meta  string
		edit  func(int, string) string
		whole bool
	}{
		{"plain", "", nil, false},
		{"metadata, a megabyte of blanks after the object", `"__metadata__":{"format":"pt","note":"a"}`, nil, false},
		{"an unknown member (the general path's note)", "", func(i int, e string) string {
			if i == 7 {
				return strings.Replace(e, `"dtype"`, `"x":1,"dtype"`, 1)
			}
			return e
		}, true},
		{"a name longer than the window", "", func(i int, e string) string {
			if i == 99_999 {
				return strings.Replace(e, `"model.`, `"`+strings.Repeat("m", indexWindow)+`.`, 1)
			}
			return e
		}, true},
	} {
		t.Run(c.what, func(t *testing.T) {
			tail := ""
			if c.meta != "" {
				tail = strings.Repeat(" \n", 1<<19)
			}
			b := bigHeaderFile(n, c.meta, tail, c.edit)
			w, g, werr, gerr, whole := parseBoth(t, b)
			require.NoError(t, werr)
			require.NoError(t, gerr)
			require.Equal(t, c.whole, whole, "read whole")
			require.Len(t, w.Tensors, n)
			require.Equal(t, g.Tensors, w.Tensors)
			require.Equal(t, g.Metadata, w.Metadata)
			require.Equal(t, g.Notes, w.Notes)
			require.Equal(t, g.HeaderSize, w.HeaderSize)
		})
	}
}

// Errors deep in a big header are the general path's: the same field,
// offset and message, whether the windowed scanner found the entries (a
// duplicate name, a wrong size: the layout's errors, at the offsets the
// scanner took) or gave up on one (the general path then reads it).
func TestWindowedHeaderErrors(t *testing.T) {
	const n = 180_000
	replaceAt := func(at int, old, new string) func(int, string) string {
		return func(i int, e string) string {
			if i == at {
				return strings.Replace(e, old, new, 1)
			}
			return e
		}
	}
	for _, c := range []struct {
		what  string
		edit  func(int, string) string
		whole bool
	}{
		{"duplicate", replaceAt(150_000, "layers.585.mlp.experts.240.", "layers.0.mlp.experts.3."), false},
		{"size", replaceAt(170_001, `"shape":[1]`, `"shape":[2]`), false},
		{"bad dtype", replaceAt(123_456, `"U8"`, `"U9"`), true},
		{"syntax", replaceAt(100_000, `:{`, `:{{`), true},
	} {
		t.Run(c.what, func(t *testing.T) {
			_, _, werr, gerr, whole := parseBoth(t, bigHeaderFile(n, "", "", c.edit))
			require.Error(t, gerr)
			require.Equal(t, c.whole, whole, "read whole")
			require.Equal(t, gerr.Error(), werr.Error())
			var we, ge *format.Error
			require.True(t, errors.As(werr, &we) && errors.As(gerr, &ge))
			require.Equal(t, ge.Offset, we.Offset)
		})
	}
}
