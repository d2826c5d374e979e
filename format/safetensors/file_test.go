package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/internal/fixture"
)

// raw builds a file image: the 8-byte length of header, header, and
// dataLen zero bytes.
func raw(header string, dataLen int) []byte {
	b := make([]byte, 8, 8+len(header)+dataLen)
	binary.LittleEndian.PutUint64(b, uint64(len(header)))
	b = append(b, header...)
	return append(b, make([]byte, dataLen)...)
}

func parse(b []byte) (*File, error) {
	return NewFile(bytes.NewReader(b), int64(len(b)))
}

func TestEveryDType(t *testing.T) {
	// One tensor of every dtype, each with 8 elements (a multiple of every
	// block size), so each byte size follows from the dtype's width alone.
	widths := map[string]int{ // bits per element, from the format's table
		"BOOL": 8, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8,
		"F8_E4M3FNUZ": 8, "F8_E5M2FNUZ": 8, "I16": 16, "U16": 16, "F16": 16, "BF16": 16,
		"I32": 32, "U32": 32, "F32": 32, "I64": 64, "U64": 64, "F64": 64, "C64": 64,
		"F4": 4, "F6_E2M3": 6, "F6_E3M2": 6,
	}
	require.Len(t, DTypes(), len(widths), "the reader's dtype table and this test's must list the same dtypes")
	var specs []fixture.TensorSpec
	for name := range widths {
		specs = append(specs, fixture.TensorSpec{Name: "t_" + name, Shape: []uint64{2, 4}, DType: name})
	}
	path := filepath.Join(t.TempDir(), "all.safetensors")
	require.NoError(t, fixture.Safetensors{Tensors: specs}.Write(path))
	f, err := Open(path)
	require.NoError(t, err)
	defer f.Close()
	require.Len(t, f.Tensors, len(widths))
	for _, tn := range f.Tensors {
		name := strings.TrimPrefix(tn.Name, "t_")
		require.Equal(t, name, tn.DType.Name)
		require.Equal(t, uint64(8), tn.Elements())
		require.Equal(t, int64(8*widths[name]/8), tn.Size, name)
		require.Equal(t, path, tn.File)
	}
}

func TestShapes(t *testing.T) {
	cases := []struct {
		name     string
		header   string
		dataLen  int
		elements []uint64
		sizes    []int64
	}{
		{"scalar", `{"s":{"dtype":"I32","shape":[],"data_offsets":[0,4]}}`, 4, []uint64{1}, []int64{4}},
		{"zero-size", `{"z":{"dtype":"F32","shape":[2,0],"data_offsets":[0,0]}}`, 0, []uint64{0}, []int64{0}},
		{"zero-size tensors sharing an offset", `{"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"b":{"dtype":"F16","shape":[3,0,2],"data_offsets":[0,0]},"c":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}`, 2, []uint64{0, 0, 2}, []int64{0, 0, 2}},
		{"F4 pair per byte", `{"q":{"dtype":"F4","shape":[3,6],"data_offsets":[0,9]}}`, 9, []uint64{18}, []int64{9}},
		{"F6 four per three bytes", `{"q":{"dtype":"F6_E2M3","shape":[8],"data_offsets":[0,6]}}`, 6, []uint64{8}, []int64{6}},
		{"key order irrelevant", `{"b":{"data_offsets":[4,6],"shape":[1],"dtype":"F16"},"a":{"shape":[1],"dtype":"F32","data_offsets":[0,4]}}`, 6, []uint64{1, 1}, []int64{2, 4}},
		{"empty file", `{}`, 0, nil, nil},
		{"leading and trailing whitespace", " \t\n{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}\r\n \t", 1, []uint64{1}, []int64{1}},
		{"unknown member ignored", `{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"extra":{"x":[1,2]}}}`, 1, []uint64{1}, []int64{1}},
		{"escaped member name", `{"a":{"dt\u0079pe":"U8","shape":[1],"data_offsets":[0,1]}}`, 1, []uint64{1}, []int64{1}},
		{"odd names", `{"":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a/b\u001b[2J":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}`, 2, []uint64{1, 1}, []int64{1, 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := parse(raw(c.header, c.dataLen))
			require.NoError(t, err)
			require.Len(t, f.Tensors, len(c.elements))
			for i, tn := range f.Tensors {
				require.Equal(t, c.elements[i], tn.Elements(), tn.Name)
				require.Equal(t, c.sizes[i], tn.Size, tn.Name)
			}
		})
	}
}

func TestOffsetsAreAbsolute(t *testing.T) {
	h := `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F16","shape":[2],"data_offsets":[8,12]}}`
	f, err := parse(raw(h, 12))
	require.NoError(t, err)
	require.Equal(t, int64(8+len(h)), f.DataOffset)
	require.Equal(t, f.DataOffset, f.Tensors[0].Offset)
	require.Equal(t, f.DataOffset+8, f.Tensors[1].Offset)
	require.Equal(t, []uint64{2}, f.Tensors[1].Shape)
	require.Equal(t, uint64(len(h)), f.HeaderSize)
}

func TestMetadataForms(t *testing.T) {
	tensor := `"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}`
	f, err := parse(raw(`{`+tensor+`}`, 1))
	require.NoError(t, err)
	require.Nil(t, f.Metadata)
	require.False(t, f.MetadataNull)

	f, err = parse(raw(`{"__metadata__":null,`+tensor+`}`, 1))
	require.NoError(t, err)
	require.Nil(t, f.Metadata)
	require.True(t, f.MetadataNull)

	f, err = parse(raw(`{`+tensor+`,"__metadata__":{"format":"pt","x":""}}`, 1))
	require.NoError(t, err)
	require.Equal(t, map[string]string{"format": "pt", "x": ""}, f.Metadata)
	require.Len(t, f.Tensors, 1, "__metadata__ is not a tensor")
}

func TestUnpaddedHeaderNote(t *testing.T) {
	h := `{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}` // 54 bytes
	require.NotZero(t, len(h)%8)
	f, err := parse(raw(h, 1))
	require.NoError(t, err)
	require.Len(t, f.Notes, 1)
	require.Contains(t, f.Notes[0], "not padded to a multiple of 8 bytes")

	padded := h + strings.Repeat(" ", 8-len(h)%8)
	f, err = parse(raw(padded, 1))
	require.NoError(t, err)
	require.Empty(t, f.Notes)
}

func TestLargeHeaderTwoReads(t *testing.T) {
	// A header larger than the speculative first read must be read in
	// exactly one more read.
	var specs []fixture.TensorSpec
	for i := range 3000 {
		specs = append(specs, fixture.TensorSpec{Name: fmt.Sprintf("model.layers.%d.weight", i), Shape: []uint64{1}, DType: "U8"})
	}
	h, n, err := fixture.Safetensors{Tensors: specs}.Header()
	require.NoError(t, err)
	require.Greater(t, len(h), speculativeRead)
	img := raw(string(h), int(n))
	cr := &countingReader{r: bytes.NewReader(img)}
	f, err := NewFile(cr, int64(len(img)))
	require.NoError(t, err)
	require.Len(t, f.Tensors, 3000)
	require.Equal(t, 2, cr.calls)
	require.Equal(t, int64(8+len(h)), cr.bytes, "reads exactly the length prefix and the header")

	small := raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, 1)
	cr = &countingReader{r: bytes.NewReader(small)}
	_, err = NewFile(cr, int64(len(small)))
	require.NoError(t, err)
	require.Equal(t, 1, cr.calls)
}

type countingReader struct {
	r     *bytes.Reader
	calls int
	bytes int64
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	c.calls++
	n, err := c.r.ReadAt(p, off)
	c.bytes += int64(n)
	return n, err
}

func TestCloseIsIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.safetensors")
	require.NoError(t, fixture.Safetensors{Tensors: []fixture.TensorSpec{{Name: "a", Shape: []uint64{1}, DType: "U8"}}}.Write(path))
	f, err := Open(path)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	require.NoError(t, f.Close())
}

func TestOpenNamesFileInErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.safetensors")
	require.NoError(t, os.WriteFile(path, []byte{1, 2, 3}, 0o644))
	_, err := Open(path)
	var fe *format.Error
	require.True(t, errors.As(err, &fe))
	require.Equal(t, path, fe.File)
	require.True(t, strings.HasPrefix(err.Error(), path+": byte 0: header length:"), err.Error())
}

func TestParseUint(t *testing.T) {
	for _, c := range []struct {
		in string
		n  uint64
		ok bool
	}{
		{"0", 0, true}, {"18446744073709551615", math.MaxUint64, true}, {"18446744073709551616", 0, false},
		{"-1", 0, false}, {"1.0", 0, false}, {"1e3", 0, false}, {"", 0, false},
	} {
		n, ok := parseUint([]byte(c.in))
		require.Equal(t, c.ok, ok, c.in)
		require.Equal(t, c.n, n, c.in)
	}
}

// A header too big to recycle (over 16 MiB) is dropped after its parse;
// the next file is read with a fresh buffer.
func TestBigHeaderThenSmall(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, pad int) string {
		h := `{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}` + strings.Repeat(" ", pad)
		h += strings.Repeat(" ", (8-len(h)%8)%8)
		b := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
		b = append(append(b, h...), 7)
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b, 0o644))
		return p
	}
	big, small := write("big.safetensors", 17<<20), write("small.safetensors", 0)
	for range 3 {
		for _, p := range []string{big, small} {
			f, err := Open(p)
			require.NoError(t, err, p)
			require.Len(t, f.Tensors, 1)
			f.Close()
		}
	}
}
