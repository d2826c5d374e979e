package bench

import (
	"sort"
	"testing"

	ggufparser "github.com/gpustack/gguf-parser-go"

	"github.com/tensorcount/tensorcount/format/gguf"
)

// BenchmarkGGUF parses the same GGUF headers with tensorcount's reader
// and with gguf-parser-go (its defaults, and its fastest local mode:
// mmap with large metadata skipped).
func BenchmarkGGUF(b *testing.B) {
	setup(b)
	files := map[string]string{"vocab256k-724tensors": fixtures.vocab256}
	for k, v := range corpusGGUF() {
		files[k] = v
	}
	names := make([]string, 0, len(files))
	for k := range files {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		path := files[name]
		b.Run(name+"/tensorcount", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				f, err := gguf.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				_ = f.FormatTensors(path)
				f.Close()
			}
		})
		b.Run(name+"/gguf-parser-go", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ggufparser.ParseGGUFFile(path); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/gguf-parser-go-mmap-skip", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ggufparser.ParseGGUFFile(path, ggufparser.UseMMap(), ggufparser.SkipLargeMetadata()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
