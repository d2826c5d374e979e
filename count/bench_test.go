package count

import (
	"testing"

	"github.com/tensorcount/tensorcount/internal/fixture/archs"
	"github.com/tensorcount/tensorcount/model"
)

// BenchmarkBuildDeepSeekV3 reports on 91,991 tensors already loaded: the
// cost of classifying, counting and explaining, without any file I/O but
// the tie check's sampled pages.
func BenchmarkBuildDeepSeekV3(b *testing.B) {
	dir := b.TempDir()
	if _, err := archs.Write(dir, archs.DeepSeekV3()); err != nil {
		b.Fatal(err)
	}
	m, err := model.Load(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(m, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
