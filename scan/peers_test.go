package scan

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// Only tensors with a same-dtype, same-size peer are hashed; duplicates
// among them are still found, and equal bytes under another dtype or
// size are not duplicates.
func TestHashOnlyPeers(t *testing.T) {
	a := encode("F32", []float64{1, 2, 3, 4})
	b := encode("F32", []float64{1, 2, 3, 5})
	var m memFile
	m.add("a", "F32", a, 4)
	m.add("a_copy", "F32", a, 4)
	m.add("b", "F32", b, 4)                                     // a peer by size, different bytes
	m.add("alone", "F32", encode("F32", []float64{1, 2, 3}), 3) // no peer
	m.add("as_i32", "I32", a, 4)                                // same bytes, another dtype
	res, err := Scan(context.Background(), m.tensors, Options{Open: m.open})
	require.NoError(t, err)
	require.Equal(t, [][]int{{0, 1}}, res.Findings.Identical)
	require.NotZero(t, res.Tensors[0].Hash)
	require.Equal(t, res.Tensors[0].Hash, res.Tensors[1].Hash)
	require.NotEqual(t, res.Tensors[0].Hash, res.Tensors[2].Hash)
	require.Zero(t, res.Tensors[3].Hash)
	require.Zero(t, res.Tensors[4].Hash)
	require.Equal(t, []bool{true, true, true, false, false}, peers(m.tensors, res))
}

// Equal Stats only nominate: a permutation of a 16-bit tensor's values
// has the same histogram, hence the same Stats and Hash, and is still
// not a duplicate once the bytes are compared; an exact copy is.
func TestEqualStatsAreOnlyCandidates(t *testing.T) {
	const n = 1 << 17 // enough elements for the histogram path
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = float64(i%512) - 256
	}
	rev := make([]float64, n)
	for i := range rev {
		rev[i] = vals[n-1-i]
	}
	a, b := encode("BF16", vals), encode("BF16", rev)
	var m memFile
	m.add("a", "BF16", a, n)
	m.add("reversed", "BF16", b, n)
	m.add("copy", "BF16", a, n)
	res, err := Scan(context.Background(), m.tensors, Options{Open: m.open})
	require.NoError(t, err)
	require.Equal(t, res.Tensors[0].Stats, res.Tensors[1].Stats)
	require.Equal(t, res.Tensors[0].Hash, res.Tensors[1].Hash)
	require.Equal(t, [][]int{{0, 2}}, res.Findings.Identical)
	// Both candidates were compared with the first: the copy in full,
	// the permutation up to its first differing megabyte.
	require.Greater(t, res.BytesRead, res.BytesScanned+2*int64(len(a)))
}
