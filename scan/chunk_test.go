package scan

import (
	"bytes"
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// randomTensor returns about n bytes of dtype: normal weights for the
// wide float types (random bits would overflow the sums), random bytes
// for the rest, which gives the narrow float and quant types their NaN,
// Inf and extreme values too.
func randomTensor(rng *rand.Rand, dtype string, n int) ([]byte, uint64) {
	d := testDTypes[dtype]
	blocks := n / int(d.BlockBytes)
	var raw []byte
	switch dtype {
	case "F64", "F32":
		vals := make([]float64, blocks)
		for i := range vals {
			vals[i] = float64(float32(1e3 + 0.02*rng.NormFloat64()))
		}
		raw = encode(dtype, vals)
	default:
		raw = make([]byte, blocks*int(d.BlockBytes))
		for i := range raw {
			raw[i] = byte(rng.Uint32())
		}
	}
	return raw, uint64(blocks * int(d.BlockSize))
}

// A tensor split into chunks over many workers gives the statistics of
// one pass, and identical tensors get equal hashes whatever the split.
func TestChunkMerging(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var m memFile
	var dtypes []string
	for dt := range codecs {
		dtypes = append(dtypes, dt)
	}
	slices.Sort(dtypes)
	want := map[string]Stats{}
	for _, dt := range dtypes {
		raw, n := randomTensor(rng, dt, 300_001)
		m.add(dt, dt, raw, n)
		m.add(dt+".copy", dt, bytes.Clone(raw), n)
		vals := make([]float64, n)
		codecs[dt].decode(vals, raw)
		want[dt] = reference(vals)
	}
	for _, opt := range []Options{
		{Workers: 1, ChunkBytes: 1 << 40}, // one chunk per tensor, counting paths
		{Workers: 2, ChunkBytes: 140_000}, // a few chunks, still counting
		{Workers: 4, ChunkBytes: 1000},    // hundreds of chunks, decoding
		{Workers: 3, ChunkBytes: 70},      // a block or two of each quant type per chunk
	} {
		opt.Open = m.open
		res, err := Scan(context.Background(), m.tensors, opt)
		require.NoError(t, err)
		for i, ts := range res.Tensors {
			requireStats(t, want[m.tensors[i&^1].Name], ts.Stats, ts.Name, opt.ChunkBytes)
		}
		require.Len(t, res.Findings.Identical, len(dtypes), "chunk bytes %d", opt.ChunkBytes)
		for _, g := range res.Findings.Identical {
			require.Equal(t, res.Tensors[g[0]].Name+".copy", res.Tensors[g[1]].Name)
		}
	}
}
