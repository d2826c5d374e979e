package remote_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/format/gguf"
	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/internal/fixture/ggufw"
	"github.com/tensorcount/tensorcount/internal/hubtest"
	"github.com/tensorcount/tensorcount/source"
	"github.com/tensorcount/tensorcount/source/remote"
)

func gguFile(t *testing.T, path string) {
	w := ggufw.File{
		Metadata: []ggufw.KV{{Key: "general.architecture", Value: ggufw.Str("llama")}},
		Tensors:  []fixture.TensorSpec{{Name: "token_embd.weight", Shape: []uint64{1000, 256}, DType: "Q8_0"}},
	}
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, w.Write(path))
}

// The argument forms reach the right repository, file or folder, with
// the environment as the CLI will set it; the cache lands under
// XDG_CACHE_HOME.
func TestOpenHubForms(t *testing.T) {
	dir := t.TempDir()
	gguFile(t, filepath.Join(dir, "Llama-3.1-8B-Q4_K_M.gguf"))
	gguFile(t, filepath.Join(dir, "Llama-3.1-8B-Q8_0.gguf"))
	gguFile(t, filepath.Join(dir, "sub", "x.gguf"))
	srv := hubtest.New(t)
	srv.AddRepo(hubtest.Repo{ID: "bartowski/Llama-3.1-8B-GGUF", Dir: dir})
	xdg := t.TempDir()
	t.Setenv("HF_ENDPOINT", srv.URL())
	t.Setenv("HF_TOKEN", srv.Token)
	t.Setenv("HF_HOME", t.TempDir())
	t.Setenv("HF_HUB_CACHE", "")
	t.Setenv("HF_HUB_OFFLINE", "")
	t.Setenv("XDG_CACHE_HOME", xdg)
	ctx := context.Background()

	for arg, want := range map[string]string{
		"hf://bartowski/Llama-3.1-8B-GGUF/Llama-3.1-8B-Q4_K_M.gguf":                    "Llama-3.1-8B-Q4_K_M.gguf",
		srv.URL() + "/bartowski/Llama-3.1-8B-GGUF/blob/main/Llama-3.1-8B-Q8_0.gguf":    "Llama-3.1-8B-Q8_0.gguf",
		srv.URL() + "/bartowski/Llama-3.1-8B-GGUF/resolve/main/Llama-3.1-8B-Q8_0.gguf": "Llama-3.1-8B-Q8_0.gguf",
		"hf://bartowski/Llama-3.1-8B-GGUF":                                             "",
	} {
		spec, err := source.Parse(arg)
		require.NoError(t, err)
		tg, err := remote.Open(ctx, spec, remote.Options{})
		require.NoError(t, err, arg)
		require.Equal(t, want, tg.File, arg)
		require.True(t, source.IsRemote(tg.Source))
		if want == "" {
			es, err := tg.Source.List(ctx)
			require.NoError(t, err)
			require.Len(t, source.GGUFChoices(es), 3, "several quantizations: the CLI asks")
			continue
		}
		f, err := tg.Source.Open(ctx, tg.File)
		require.NoError(t, err)
		_, err = gguf.NewFile(f, f.Size())
		require.NoError(t, err)
		require.NoError(t, f.Close())
	}
	entries, _ := filepath.Glob(filepath.Join(xdg, "tensorcount", "v1", "*", "*"))
	require.NotEmpty(t, entries, "the cache is under XDG_CACHE_HOME/tensorcount")

	spec, err := source.Parse(srv.URL() + "/bartowski/Llama-3.1-8B-GGUF/tree/main/sub")
	require.NoError(t, err)
	tg, err := remote.Open(ctx, spec, remote.Options{NoCache: true})
	require.NoError(t, err)
	es, err := tg.Source.List(ctx)
	require.NoError(t, err)
	require.Equal(t, "x.gguf", es[0].Name)

	_, err = remote.Open(ctx, source.Spec{Kind: source.KindLocal, Arg: "x"}, remote.Options{})
	require.Error(t, err)
	require.False(t, srv.AuthReachedCDN())
}

// ollama:// through the registry option.
func TestOpenOllama(t *testing.T) {
	dir := t.TempDir()
	gguFile(t, filepath.Join(dir, "blob"))
	srv := hubtest.New(t)
	require.NoError(t, srv.AddOllama("library", "llama3.1", "8b", hubtest.Layer{MediaType: hubtest.MediaModel, Path: filepath.Join(dir, "blob")}))
	t.Setenv("OLLAMA_MODELS", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	spec, err := source.Parse("ollama://llama3.1:8b")
	require.NoError(t, err)
	tg, err := remote.Open(context.Background(), spec, remote.Options{OllamaRegistry: srv.URL()})
	require.NoError(t, err)
	es, err := tg.Source.List(context.Background())
	require.NoError(t, err)
	require.Len(t, es, 1)
}

// A repository whose pinned commit is in the local Hugging Face cache is
// reported with its path there.
func TestLocalPath(t *testing.T) {
	dir := t.TempDir()
	gguFile(t, filepath.Join(dir, "a.gguf"))
	srv := hubtest.New(t)
	r := srv.AddRepo(hubtest.Repo{ID: "org/m", Dir: dir})
	hub := t.TempDir()
	snap := filepath.Join(hub, "models--org--m", "snapshots", r.Commit)
	gguFile(t, filepath.Join(snap, "a.gguf"))
	t.Setenv("HF_ENDPOINT", srv.URL())
	t.Setenv("HF_TOKEN", "")
	t.Setenv("HF_HOME", t.TempDir())
	t.Setenv("HF_HUB_CACHE", hub)
	t.Setenv("HF_HUB_OFFLINE", "")
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	for arg, want := range map[string]string{"hf://org/m": snap, "hf://org/m/a.gguf": filepath.Join(snap, "a.gguf")} {
		spec, err := source.Parse(arg)
		require.NoError(t, err)
		tg, err := remote.Open(context.Background(), spec, remote.Options{})
		require.NoError(t, err)
		require.Equal(t, want, tg.LocalPath)
	}
}
