package httpfile_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/format/gguf"
	"github.com/tensorcount/tensorcount/format/safetensors"
	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/internal/fixture/ggufw"
	"github.com/tensorcount/tensorcount/source"
	"github.com/tensorcount/tensorcount/source/httpfile"
)

// serve serves dir with http.ServeContent (which honours Range) and
// counts requests.
func serve(t *testing.T, dir string) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if r.Header.Get("Authorization") != "" {
			t.Error("no credentials go to a plain URL")
		}
		http.FileServer(http.Dir(dir)).ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestGGUFByURL(t *testing.T) {
	dir := t.TempDir()
	w := ggufw.File{
		Metadata: []ggufw.KV{{Key: "general.architecture", Value: ggufw.Str("llama")}},
		Tensors:  []fixture.TensorSpec{{Name: "token_embd.weight", Shape: []uint64{32000, 4096}, DType: "Q4_K"}},
	}
	path := filepath.Join(dir, "x.gguf")
	require.NoError(t, w.Write(path))
	local, err := gguf.Open(path)
	require.NoError(t, err)
	defer local.Close()
	srv, n := serve(t, dir)

	ctx := context.Background()
	s, err := httpfile.Open(ctx, srv.URL+"/models/../x.gguf?sig=secret", nil)
	require.NoError(t, err)
	require.True(t, source.IsRemote(s))
	require.NotContains(t, s.Describe(), "secret")
	es, err := s.List(ctx)
	require.NoError(t, err)
	require.Equal(t, "x.gguf", es[0].Name)
	fi, _ := os.Stat(path)
	require.Equal(t, fi.Size(), es[0].Size)
	f, err := s.Open(ctx, s.Name())
	require.NoError(t, err)
	defer f.Close()
	gf, err := gguf.NewFile(f, f.Size())
	require.NoError(t, err)
	require.Equal(t, local.Tensors, gf.FormatTensors(path), "the same tensors, named by the path Open opened")
	require.Equal(t, int64(1), n.Load(), "one speculative request holds this header")
}

// An index URL: the shards are opened beside it.
func TestIndexByURL(t *testing.T) {
	dir := t.TempDir()
	var names []string
	for i, n := range []string{"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"} {
		ts := []fixture.TensorSpec{{Name: "w" + string(rune('a'+i)), Shape: []uint64{4, 4}, DType: "F32"}}
		require.NoError(t, fixture.Safetensors{Tensors: ts}.Write(filepath.Join(dir, n)))
		names = append(names, n)
	}
	idx := `{"metadata":{},"weight_map":{"wa":"` + names[0] + `","wb":"` + names[1] + `"}}`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "model.safetensors.index.json"), []byte(idx), 0o644))
	srv, _ := serve(t, dir)
	ctx := context.Background()
	s, err := httpfile.Open(ctx, srv.URL+"/model.safetensors.index.json", nil)
	require.NoError(t, err)
	b, err := s.ReadFile(ctx, s.Name(), 1<<20)
	require.NoError(t, err)
	ix, err := safetensors.ReadIndex(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	for _, name := range ix.Shards {
		f, err := s.Open(ctx, name)
		require.NoError(t, err)
		sf, err := safetensors.NewFile(f, f.Size())
		require.NoError(t, err)
		require.Len(t, sf.Tensors, 1)
		f.Close()
	}
	for _, bad := range []string{"../x", "/etc/passwd", "http://evil/x", "a/../../b"} {
		_, err := s.Open(ctx, bad)
		require.Error(t, err, bad)
	}
	_, err = s.Open(ctx, "missing.safetensors")
	require.ErrorContains(t, err, "404")
}
