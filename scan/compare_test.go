package scan

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/format"
)

var f32 = format.DType{Name: "F32", BlockSize: 1, BlockBytes: 4}

func f32Bytes(vals func(i int) float32, n int) []byte {
	b := make([]byte, 4*n)
	for i := range n {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(vals(i)))
	}
	return b
}

func TestCompare(t *testing.T) {
	const n = 300_000 // 1.2 MB: more pages than are sampled, more than one chunk
	ramp := f32Bytes(func(i int) float32 { return float32(i) * 0.5 }, n)
	ones := f32Bytes(func(int) float32 { return 1 }, n)
	// Differs only in one element between sampled pages.
	almost := bytes.Clone(ramp)
	almost[4*123_457] ^= 1

	file := append(append(append(append(bytes.Clone(ramp), ramp...), ones...), ones...), almost...)
	r := bytes.NewReader(file)
	at := func(i int) format.Tensor {
		return format.Tensor{Name: "t", DType: f32, Offset: int64(i * 4 * n), Size: int64(4 * n), Shape: []uint64{n}}
	}

	c, err := Compare(at(0), at(1), r, r)
	require.NoError(t, err)
	require.Equal(t, Identical, c.Verdict)
	// The last sampled page is partial: 1,200,000 bytes end 3,968 bytes
	// into page 292.
	sampled := int64(7*samplePage + 3968)
	require.Equal(t, sampled+4*n, c.BytesRead)

	c, err = Compare(at(2), at(3), r, r)
	require.NoError(t, err)
	require.Equal(t, Constant, c.Verdict)
	require.Equal(t, sampled, c.BytesRead, "constant data stops after the samples")

	c, err = Compare(at(0), at(4), r, r)
	require.NoError(t, err)
	require.Equal(t, Different, c.Verdict, "a difference between samples is found by the full pass")

	c, err = Compare(at(0), at(2), r, r)
	require.NoError(t, err)
	require.Equal(t, Different, c.Verdict)
	require.Equal(t, int64(samplePage), c.BytesRead, "stops at the first differing sample")

	other := at(1)
	other.Size -= 4
	c, err = Compare(at(0), other, r, r)
	require.NoError(t, err)
	require.Equal(t, Different, c.Verdict)
	require.Zero(t, c.BytesRead)

	past := at(4)
	past.Offset += 8
	_, err = Compare(past, past, r, r)
	require.ErrorContains(t, err, "cannot read tensor data")
}

func TestSampleOffsets(t *testing.T) {
	require.Equal(t, []int64{0}, sampleOffsets(1))
	require.Equal(t, []int64{0, 4096}, sampleOffsets(4097))
	offs := sampleOffsets(100 * samplePage)
	require.Len(t, offs, samplePages)
	require.Equal(t, int64(0), offs[0])
	require.Equal(t, int64(99*samplePage), offs[len(offs)-1])
}
