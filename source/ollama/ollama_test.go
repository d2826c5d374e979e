package ollama_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/format/gguf"
	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/internal/fixture/ggufw"
	"github.com/tensorcount/tensorcount/internal/hubtest"
	"github.com/tensorcount/tensorcount/source"
	"github.com/tensorcount/tensorcount/source/ollama"
	"github.com/tensorcount/tensorcount/source/rangeio"
)

func writeGGUF(t *testing.T, path, arch string, vocab int) {
	w := ggufw.File{
		Metadata: append([]ggufw.KV{{Key: "general.architecture", Value: ggufw.Str(arch)}}, ggufw.Vocab(vocab, 0)...),
		Tensors:  []fixture.TensorSpec{{Name: "token_embd.weight", Shape: []uint64{uint64(vocab), 256}, DType: "Q8_0"}},
	}
	require.NoError(t, w.Write(path))
}

func ref(t *testing.T, arg string) source.OllamaRef {
	s, err := source.Parse(arg)
	require.NoError(t, err)
	return s.Ollama
}

// From the registry: manifest, then the model blob by range through the
// CDN redirect; the projector is a second file.
func TestRegistry(t *testing.T) {
	dir := t.TempDir()
	model, proj := filepath.Join(dir, "m"), filepath.Join(dir, "p")
	writeGGUF(t, model, "llama", 20_000)
	writeGGUF(t, proj, "clip", 10)
	srv := hubtest.New(t)
	require.NoError(t, srv.AddOllama("library", "llama3.1", "8b",
		hubtest.Layer{MediaType: hubtest.MediaModel, Path: model},
		hubtest.Layer{MediaType: hubtest.MediaTemplate, Path: proj},
		hubtest.Layer{MediaType: hubtest.MediaProjector, Path: proj}))
	ctx := context.Background()
	opt := ollama.Options{Registry: srv.URL(), Models: "-", Cache: &rangeio.Cache{Dir: t.TempDir()}}
	s, err := ollama.Open(ctx, ref(t, "ollama://llama3.1:8b"), opt)
	require.NoError(t, err)
	require.True(t, source.IsRemote(s))
	require.Equal(t, "ollama://registry.ollama.ai/library/llama3.1:8b", s.Describe())
	es, err := s.List(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{ollama.ModelName, ollama.ProjectorName}, []string{es[0].Name, es[1].Name})
	require.True(t, source.GGUFChoices(es)[1].Projector)

	local, err := gguf.Open(model)
	require.NoError(t, err)
	defer local.Close()
	for round := range 2 {
		srv.Reset()
		f, err := s.Open(ctx, ollama.ModelName)
		require.NoError(t, err)
		gf, err := gguf.NewFile(f, f.Size())
		require.NoError(t, err)
		require.Equal(t, local.Tensors, gf.FormatTensors(model), "the same tensors, named by the path Open opened")
		require.NoError(t, f.Close())
		if round == 0 {
			// A header of ~400 kB: the first block, then a window
			// growing by at least a block a request.
			require.LessOrEqual(t, srv.Host("cdn").Requests, int64(6))
			require.Equal(t, int64(1), srv.Path("/v2/library/llama3.1/blobs/"+es[0].ETag).Requests, "the registry once, then the CDN location")
		} else {
			require.Zero(t, srv.Host("cdn").Requests+srv.Host("hub").Requests, "second read from the cache")
		}
	}
	f, err := s.Open(ctx, ollama.ProjectorName)
	require.NoError(t, err)
	gf, err := gguf.NewFile(f, f.Size())
	require.NoError(t, err)
	require.Equal(t, "clip", gf.Architecture())
	require.False(t, srv.AuthReachedCDN())

	_, err = ollama.Open(ctx, ref(t, "ollama://nope"), opt)
	require.ErrorContains(t, err, "no such model or tag")
}

// From the local store: no request at all.
func TestLocalStore(t *testing.T) {
	store := t.TempDir()
	blob := filepath.Join(t.TempDir(), "m")
	writeGGUF(t, blob, "qwen3", 1000)
	srv := hubtest.New(t)
	m, err := srv.Manifest(hubtest.Layer{MediaType: hubtest.MediaModel, Path: blob})
	require.NoError(t, err)
	md := filepath.Join(store, "manifests", "registry.ollama.ai", "library", "qwen3")
	require.NoError(t, os.MkdirAll(md, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(md, "latest"), m, 0o644))
	d, err := hubtest.Digest(blob)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(store, "blobs"), 0o755))
	b, err := os.ReadFile(blob)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(store, "blobs", strings.Replace(d, ":", "-", 1)), b, 0o644))

	t.Setenv("OLLAMA_MODELS", store)
	ctx := context.Background()
	s, err := ollama.Open(ctx, ref(t, "ollama://qwen3"), ollama.Options{Registry: srv.URL()})
	require.NoError(t, err)
	require.False(t, source.IsRemote(s))
	f, err := s.Open(ctx, ollama.ModelName)
	require.NoError(t, err)
	defer f.Close()
	gf, err := gguf.NewFile(f, f.Size())
	require.NoError(t, err)
	require.Equal(t, "qwen3", gf.Architecture())
	require.Zero(t, srv.Host("hub").Requests+srv.Host("cdn").Requests)
}

// Bad manifests are refused: digest form, missing model layer, size.
func TestBadManifests(t *testing.T) {
	store := t.TempDir()
	md := filepath.Join(store, "manifests", "registry.ollama.ai", "library", "bad")
	require.NoError(t, os.MkdirAll(md, 0o755))
	ctx := context.Background()
	for body, want := range map[string]string{
		`{"layers":[{"mediaType":"application/vnd.ollama.image.model","digest":"sha256:../../etc","size":1}]}`: "not sha256",
		`{"layers":[]}`: "no model layer",
		`{"layers":`:    "not JSON",
		`{"layers":[` + strings.Repeat(`{"mediaType":"x","digest":"y","size":1},`, 70000) + `{}]}`: "larger than",
	} {
		require.NoError(t, os.WriteFile(filepath.Join(md, "latest"), []byte(body), 0o644))
		_, err := ollama.Open(ctx, ref(t, "ollama://bad"), ollama.Options{Models: store, Registry: "http://127.0.0.1:1"})
		require.ErrorContains(t, err, want)
	}
}
