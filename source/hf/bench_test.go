package hf_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/tensorcount/tensorcount/internal/hubtest"
	"github.com/tensorcount/tensorcount/source"
	"github.com/tensorcount/tensorcount/source/hf"
)

// benchRepo serves the 163-shard set with latency on every request.
func benchRepo(b *testing.B, latency time.Duration) *hubtest.Server {
	dir := b.TempDir()
	writeDeepSeek(b, dir)
	srv := hubtest.New(b)
	srv.TreePage = 1000 // the Hub's page size
	srv.AddRepo(hubtest.Repo{ID: "deepseek-ai/DeepSeek-V3", Dir: dir})
	srv.SetFaults(hubtest.Faults{Latency: latency})
	return srv
}

// run is a whole remote load: revision, listing, config, index, every
// shard header parsed with bounded concurrency.
func run(b *testing.B, srv *hubtest.Server, cache string) {
	ctx := context.Background()
	repo, err := hf.Open(ctx, "deepseek-ai/DeepSeek-V3", "", options(srv, cache, &waits{}))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := repo.List(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := repo.ReadFile(ctx, "config.json", 1<<20); err != nil {
		b.Fatal(err)
	}
	got, _, err := loadSet(ctx, repo, source.DefaultConcurrency)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, ts := range got {
		n += len(ts)
	}
	if n != 91_991 {
		b.Fatalf("%d tensors", n)
	}
}

// BenchmarkHub163Shards50ms: DeepSeek-V3's 163 shards (91,991 tensors)
// over a link with 50 ms per request, no cache.
func BenchmarkHub163Shards50ms(b *testing.B) {
	srv := benchRepo(b, 50*time.Millisecond)
	b.ReportAllocs()
	var peak uint64
	for b.Loop() {
		srv.Reset()
		run(b, srv, "")
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
	}
	b.ReportMetric(float64(srv.Host("hub").Requests+srv.Host("cdn").Requests), "requests/op")
	b.ReportMetric(float64(srv.Host("cdn").Bytes)/1e6, "MB-fetched/op")
	b.ReportMetric(float64(peak)/1e6, "MB-heap-inuse")
}

// BenchmarkHub163ShardsCached: the second run of the same repository,
// from the cache (the revision check is the only request).
func BenchmarkHub163ShardsCached(b *testing.B) {
	for _, lat := range []time.Duration{0, 50 * time.Millisecond} {
		b.Run(lat.String(), func(b *testing.B) {
			srv := benchRepo(b, lat)
			cache := b.TempDir()
			run(b, srv, cache)
			b.ReportAllocs()
			for b.Loop() {
				srv.Reset()
				run(b, srv, cache)
			}
			b.ReportMetric(float64(srv.Host("hub").Requests+srv.Host("cdn").Requests), "requests/op")
			b.ReportMetric(float64(srv.Host("cdn").Bytes), "file-bytes/op")
		})
	}
}

// BenchmarkDir163Shards is the floor the cached run compares with: the
// same load through source.Dir, from local files.
func BenchmarkDir163Shards(b *testing.B) {
	dir := b.TempDir()
	writeDeepSeek(b, dir)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		got, _, err := loadSet(ctx, source.Dir(dir), source.DefaultConcurrency)
		if err != nil || len(got) != 163 {
			b.Fatal(err)
		}
	}
}
