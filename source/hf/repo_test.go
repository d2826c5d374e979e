package hf_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/internal/hubtest"
	"github.com/tensorcount/tensorcount/source"
	"github.com/tensorcount/tensorcount/source/hf"
	"github.com/tensorcount/tensorcount/source/rangeio"
)

// The 163-shard, 91,991-tensor set through the Hub: identical tensors to
// a local parse, at most two requests per shard (the Hub's 302 and the
// CDN's 206) plus the revision, the listing pages, the index and the
// config, header bytes only, the token never at the CDN; then a second
// run from the cache fetches no file byte.
func TestShardedRepoBudgetsAndCache(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	names := writeDeepSeek(t, dir)
	srv := hubtest.New(t)
	srv.TreePage = 100
	srv.AddRepo(hubtest.Repo{ID: "deepseek-ai/DeepSeek-V3", Dir: dir, Gated: true})
	cache := t.TempDir()
	w := &waits{}

	repo, err := hf.Open(ctx, "deepseek-ai/DeepSeek-V3", "", options(srv, cache, w))
	require.NoError(t, err)
	require.Equal(t, "hf://deepseek-ai/DeepSeek-V3@"+repo.Commit(), repo.Describe())
	require.True(t, source.IsRemote(repo))
	entries, err := repo.List(ctx)
	require.NoError(t, err)
	require.Len(t, entries, 163+3) // shards, index, config, README
	_, err = repo.ReadFile(ctx, "config.json", 1<<20)
	require.NoError(t, err)

	got, st, err := loadSet(ctx, repo, source.DefaultConcurrency)
	require.NoError(t, err)
	n := 0
	var headerBytes, budget int64
	for _, name := range names {
		local := localTensors(t, filepath.Join(dir, name))
		require.Equal(t, local, got[name], name)
		n += len(got[name])
		h := headerLen(t, filepath.Join(dir, name))
		headerBytes += h
		budget += h*11/10 + rangeio.Speculative
		require.LessOrEqual(t, srv.Path("/deepseek-ai/DeepSeek-V3/resolve/"+repo.Commit()+"/"+name).Requests, int64(1), name)
	}
	require.Equal(t, 91_991, n)

	hub, cdn := srv.Host("hub"), srv.Host("cdn")
	pages := int64((166 + 99) / 100)
	require.LessOrEqual(t, hub.Requests+cdn.Requests, int64(2*163)+1+pages+2, "requests")
	require.LessOrEqual(t, cdn.Requests, int64(163))
	require.LessOrEqual(t, cdn.Bytes, budget, "CDN bytes")
	require.LessOrEqual(t, st.Bytes, budget)
	require.False(t, srv.AuthReachedCDN(), "the token must not reach the CDN")
	for _, p := range srv.Paths() {
		require.NotContains(t, p, "README", "nothing but headers, config and index is read")
	}
	require.Empty(t, w.all(), "no retries on a healthy server")
	t.Logf("first run: hub %d requests, CDN %d requests %d bytes for %d header bytes", hub.Requests, cdn.Requests, cdn.Bytes, headerBytes)

	// Second run, same cache: only the revision check.
	srv.Reset()
	repo2, err := hf.Open(ctx, "deepseek-ai/DeepSeek-V3", "", options(srv, cache, w))
	require.NoError(t, err)
	got2, st2, err := loadSet(ctx, repo2, source.DefaultConcurrency)
	require.NoError(t, err)
	require.Equal(t, got, got2)
	require.Zero(t, st2.Bytes)
	require.Zero(t, srv.Host("cdn").Requests)
	require.Equal(t, int64(1), srv.Host("hub").Requests, "the revision check only")

	// Pinned to the commit, the cache answers everything.
	srv.Reset()
	repo3, err := hf.Open(ctx, "deepseek-ai/DeepSeek-V3", repo.Commit(), options(srv, cache, w))
	require.NoError(t, err)
	_, _, err = loadSet(ctx, repo3, source.DefaultConcurrency)
	require.NoError(t, err)
	require.Zero(t, srv.Host("hub").Requests+srv.Host("cdn").Requests)
}

// The tree listing follows Link rel="next" pages and keeps LFS sizes
// and sha256s.
func TestListPaginated(t *testing.T) {
	ctx := context.Background()
	dir := smallRepo(t, 40)
	srv := hubtest.New(t)
	srv.TreePage = 7
	srv.AddRepo(hubtest.Repo{ID: "org/m", Dir: dir})
	repo, err := hf.Open(ctx, "org/m", "main", options(srv, "", &waits{}))
	require.NoError(t, err)
	es, err := repo.List(ctx)
	require.NoError(t, err)
	require.Len(t, es, 42)
	require.Equal(t, int64((42+1+6)/7), srv.Path("/api/models/org/m/tree/"+repo.Commit()).Requests, "42 files and the sub/ folder")
	for _, e := range es {
		if strings.HasSuffix(e.Name, ".safetensors") {
			require.True(t, e.LFS)
			require.Len(t, e.ETag, 64)
		} else {
			require.False(t, e.LFS, e.Name)
		}
		require.Positive(t, e.Size)
	}
	require.Equal(t, "sub/model-00040-of-00040.safetensors", es[len(es)-1].Name)
	bounded := options(srv, "", &waits{})
	bounded.MaxPages = 3
	repo, err = hf.Open(ctx, "org/m", "main", bounded)
	require.NoError(t, err)
	_, err = repo.List(ctx)
	require.ErrorContains(t, err, "more than 3 pages")
}

// smallRepo writes n tiny shards under sub/, a config and a README.
func smallRepo(t *testing.T, n int) string {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "sub"), 0o755))
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("sub/model-%05d-of-%05d.safetensors", i, n)
		ts := []fixture.TensorSpec{{Name: fmt.Sprintf("w%d", i), Shape: []uint64{2}, DType: "F32"}}
		require.NoError(t, fixture.Safetensors{Tensors: ts}.Write(filepath.Join(dir, name)))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{}`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "README.md"), []byte("# m\n"), 0o644))
	return dir
}

func TestHubParameters(t *testing.T) {
	ctx := context.Background()
	dir := smallRepo(t, 1)
	srv := hubtest.New(t)
	srv.AddRepo(hubtest.Repo{ID: "org/with", Dir: dir, Params: map[string]int64{"BF16": 100, "F8_E4M3": 900}})
	srv.AddRepo(hubtest.Repo{ID: "org/without", Dir: dir})
	repo, err := hf.Open(ctx, "org/with", "", options(srv, "", &waits{}))
	require.NoError(t, err)
	p, err := repo.HubParameters(ctx)
	require.NoError(t, err)
	require.Equal(t, &hf.Parameters{ByDType: map[string]int64{"BF16": 100, "F8_E4M3": 900}, Total: 1000}, p)
	repo, err = hf.Open(ctx, "org/without", "", options(srv, "", &waits{}))
	require.NoError(t, err)
	p, err = repo.HubParameters(ctx)
	require.NoError(t, err)
	require.Nil(t, p)
}
