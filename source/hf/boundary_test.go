package hf_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/format/gguf"
	"github.com/tensorcount/tensorcount/format/safetensors"
	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/internal/fixture/ggufw"
	"github.com/tensorcount/tensorcount/internal/hubtest"
	"github.com/tensorcount/tensorcount/source"
	"github.com/tensorcount/tensorcount/source/hf"
)

// Headers at huggingface_hub#4602's boundary (99,994–100,000 bytes, cut
// by a 0-100000 range) and just past the speculative block: one CDN
// request up to 102,400 header bytes, exactly two after.
func TestSpeculativeBoundary(t *testing.T) {
	for _, tc := range []struct {
		hdr  int
		reqs int64
	}{{99_994, 1}, {100_000, 1}, {102_300, 1}, {103_000, 2}, {400_000, 2}} {
		dir := t.TempDir()
		path := filepath.Join(dir, "model.safetensors")
		exactHeaderFile(t, path, tc.hdr)
		h := headerLen(t, path)
		require.Equal(t, int64(8+tc.hdr), h)
		srv := hubtest.New(t)
		srv.AddRepo(hubtest.Repo{ID: "org/m", Dir: dir})
		ctx := context.Background()
		repo, err := hf.Open(ctx, "org/m", "", options(srv, "", &waits{}))
		require.NoError(t, err)
		f, err := repo.Open(ctx, "model.safetensors")
		require.NoError(t, err)
		sf, err := safetensors.NewFile(f, f.Size())
		require.NoError(t, err)
		require.Equal(t, localTensors(t, path), sf.Tensors)
		if h > 8+100<<10 {
			require.Equal(t, h, srv.Host("cdn").Bytes, "the rest of the header, exactly")
		}
		require.Equal(t, tc.reqs, srv.Host("cdn").Requests, "header %d bytes", h)
	}
}

// Offline, a repository read before comes from the tensorcount cache
// alone; Progress counts what the first run fetched.
func TestOfflineFromCache(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writeDeepSeek(t, dir)
	srv := hubtest.New(t)
	srv.AddRepo(hubtest.Repo{ID: "org/m", Dir: dir})
	cache := t.TempDir()
	opt := options(srv, cache, &waits{})
	opt.Client.Progress = &source.Progress{}
	repo, err := hf.Open(ctx, "org/m", "", opt)
	require.NoError(t, err)
	want, _, err := loadSet(ctx, repo, 8)
	require.NoError(t, err)
	p := opt.Client.Progress
	require.Equal(t, int64(164), p.FilesOpened.Load(), "163 shards and the index")
	require.Equal(t, p.FilesOpened.Load(), p.FilesDone.Load())
	require.Equal(t, srv.Host("hub").Requests+srv.Host("cdn").Requests, p.Requests.Load())
	require.GreaterOrEqual(t, p.Bytes.Load(), srv.Host("cdn").Bytes)

	srv.Reset()
	off := options(srv, cache, &waits{})
	off.Offline = true
	repo, err = hf.Open(ctx, "org/m", "", off)
	require.NoError(t, err)
	got, _, err := loadSet(ctx, repo, 8)
	require.NoError(t, err)
	require.Equal(t, want, got)
	require.Zero(t, srv.Host("hub").Requests+srv.Host("cdn").Requests)
}

// A CDN that ignores Range under a GGUF header walk: each answer is read
// only as far as needed, and the window doubles so the walk stays short.
func TestGGUFNoRangeServer(t *testing.T) {
	dir := t.TempDir()
	w := ggufw.File{
		Metadata: append([]ggufw.KV{{Key: "general.architecture", Value: ggufw.Str("llama")}}, ggufw.Vocab(100_000, 100_000)...),
		Tensors:  []fixture.TensorSpec{{Name: "token_embd.weight", Shape: []uint64{100_000, 4096}, DType: "Q4_K"}},
	}
	path := filepath.Join(dir, "m.gguf")
	require.NoError(t, w.Write(path))
	local, err := gguf.Open(path)
	require.NoError(t, err)
	defer local.Close()
	srv := hubtest.New(t)
	srv.AddRepo(hubtest.Repo{ID: "org/m", Dir: dir})
	srv.SetFaults(hubtest.Faults{IgnoreRange: true})
	ctx := context.Background()
	repo, err := hf.Open(ctx, "org/m", "", options(srv, "", &waits{}))
	require.NoError(t, err)
	f, err := repo.Open(ctx, "m.gguf")
	require.NoError(t, err)
	gf, err := gguf.NewFile(f, f.Size())
	require.NoError(t, err)
	require.Equal(t, local.Tensors, gf.FormatTensors(path), "the same tensors, named by the path Open opened")
	fi, _ := os.Stat(path)
	require.Less(t, f.Stats().Bytes, fi.Size()/10, "never the whole file")
	require.LessOrEqual(t, srv.Host("cdn").Requests, int64(12))
	t.Logf("no-Range CDN: %d requests, %d bytes for a %d-byte header", srv.Host("cdn").Requests, f.Stats().Bytes, local.DataOffset)
}

// exactHeaderFile writes a safetensors file whose header is exactly hdr
// bytes: a few tensors, then spaces (which the format allows after the
// JSON).
func exactHeaderFile(t testing.TB, path string, hdr int) {
	ts := []fixture.TensorSpec{{Name: "a", Shape: []uint64{2, 2}, DType: "F32"}, {Name: "b", Shape: []uint64{3}, DType: "BF16"}}
	h, dataLen, err := fixture.Safetensors{Tensors: ts, Unpadded: true}.Header()
	require.NoError(t, err)
	require.Less(t, len(h), hdr)
	padded := string(h) + strings.Repeat(" ", hdr-len(h))
	require.NoError(t, fixture.RawSafetensors(path, padded, int64(dataLen)))
}
