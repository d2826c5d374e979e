package model

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/internal/fixture/archs"
)

// Llama-3.1-8B at real scale: the published tensor names and shapes in 4
// sparse shards with an index and the published config.
func TestLlama31_8BShards(t *testing.T) {
	dir := t.TempDir()
	m := archs.Llama31_8B()
	_, err := archs.WriteSharded(dir, m, archs.Llama31_8BShards())
	require.NoError(t, err)

	got, err := Load(dir)
	require.NoError(t, err)
	require.Len(t, got.Files, 4)
	require.Len(t, got.Tensors, 291)
	var elements uint64
	var bytes int64
	for _, tn := range got.Tensors {
		elements += tn.Elements()
		bytes += tn.Size
	}
	require.Equal(t, uint64(8_030_261_248), elements)
	require.Equal(t, int64(2*8_030_261_248), bytes, "all BF16")
	require.Equal(t, 32, got.Arch.Layers)
	require.Equal(t, 4096, got.Arch.HiddenSize)
	require.Equal(t, 8, got.Arch.KVHeads)
	require.Equal(t, 14336, got.Arch.FFNSize)
	require.Equal(t, 128256, got.Arch.VocabSize)
	require.NotNil(t, got.Arch.TiedEmbeddings)
	require.False(t, *got.Arch.TiedEmbeddings)
}

// BenchmarkLoad163Shards parses a DeepSeek-V3-shaped checkpoint of 163
// sparse shards and 91,991 tensors through its index, as a user pointing
// tensorcount at such a directory would.
func BenchmarkLoad163Shards(b *testing.B) {
	dir := b.TempDir()
	m, shards := archs.DeepSeekV3Bench()
	if _, err := archs.WriteSharded(dir, m, shards); err != nil {
		b.Fatal(err)
	}
	var peak uint64
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		got, err := Load(dir)
		if err != nil {
			b.Fatal(err)
		}
		if len(got.Tensors) != 91_991 {
			b.Fatalf("%d tensors", len(got.Tensors))
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
	}
	b.ReportMetric(float64(peak)/(1<<20), "heap-MiB")
}
