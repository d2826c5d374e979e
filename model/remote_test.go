package model

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/internal/hubtest"
	"github.com/tensorcount/tensorcount/source"
	"github.com/tensorcount/tensorcount/source/remote"
)

func hubSetup(t *testing.T) *hubtest.Server {
	t.Helper()
	srv := hubtest.New(t)
	t.Setenv("HF_ENDPOINT", srv.URL())
	t.Setenv("HF_TOKEN", "")
	t.Setenv("HF_TOKEN_PATH", "")
	t.Setenv("HF_HOME", t.TempDir())
	t.Setenv("HF_HUB_CACHE", "")
	t.Setenv("HF_HUB_OFFLINE", "")
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	return srv
}

func loadArg(t *testing.T, arg string) (*Model, error) {
	t.Helper()
	spec, err := source.Parse(arg)
	require.NoError(t, err)
	tg, err := remote.Open(context.Background(), spec, remote.Options{NoCache: true})
	if err != nil {
		return nil, err
	}
	return LoadRemote(context.Background(), tg, Options{})
}

func writeRemoteST(t *testing.T, path string, ts ...fixture.TensorSpec) {
	t.Helper()
	require.NoError(t, fixture.Safetensors{Tensors: ts, Metadata: map[string]string{"format": "pt"}}.Write(path))
}

var (
	tA = fixture.TensorSpec{Name: "model.embed_tokens.weight", Shape: []uint64{100, 16}, DType: "BF16"}
	tB = fixture.TensorSpec{Name: "model.layers.0.mlp.up_proj.weight", Shape: []uint64{32, 16}, DType: "BF16"}
	tC = fixture.TensorSpec{Name: "lm_head.weight", Shape: []uint64{100, 16}, DType: "BF16"}
)

// twoShards writes a two-shard set whose index says what index holds.
func twoShards(t *testing.T, index string) string {
	dir := t.TempDir()
	writeRemoteST(t, filepath.Join(dir, "model-00001-of-00002.safetensors"), tA, tB)
	writeRemoteST(t, filepath.Join(dir, "model-00002-of-00002.safetensors"), tC)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "model.safetensors.index.json"), []byte(index), 0o644))
	return dir
}

// A remote shard set loads as the same directory does locally, tensors
// in shard order, file paths under the source's description; an index
// that disagrees with the shards is refused as locally.
func TestLoadRemoteIndex(t *testing.T) {
	srv := hubSetup(t)
	good := `{"metadata":{"total_size":6656},"weight_map":{"lm_head.weight":"model-00002-of-00002.safetensors",
		"model.embed_tokens.weight":"model-00001-of-00002.safetensors","model.layers.0.mlp.up_proj.weight":"model-00001-of-00002.safetensors"}}`
	dir := twoShards(t, good)
	r := srv.AddRepo(hubtest.Repo{ID: "org/good", Dir: dir})
	m, err := loadArg(t, "hf://org/good")
	require.NoError(t, err)
	l, err := Load(dir)
	require.NoError(t, err)
	require.True(t, m.Remote())
	require.False(t, l.Remote())
	require.Equal(t, "hf://org/good", m.Path)
	require.Equal(t, "hf://org/good@"+r.Commit, m.Dir)
	require.Len(t, m.Files, 2)
	for i := range l.Files { // the index's order, as locally
		require.Equal(t, m.Dir+"/"+filepath.Base(l.Files[i].Path), m.Files[i].Path)
	}
	require.Len(t, m.Tensors, len(l.Tensors))
	for i := range l.Tensors {
		a, b := l.Tensors[i], m.Tensors[i]
		require.Equal(t, a.Name, b.Name)
		require.Equal(t, a.Shape, b.Shape)
		require.Equal(t, a.DType, b.DType)
		require.Equal(t, a.Offset, b.Offset)
		require.Equal(t, a.Size, b.Size)
	}
	for i := range l.Files {
		require.Equal(t, l.Files[i].HeaderBytes, m.Files[i].HeaderBytes)
		require.Equal(t, l.Files[i].Size, m.Files[i].Size)
	}

	misplaced := `{"weight_map":{"lm_head.weight":"model-00001-of-00002.safetensors",
		"model.embed_tokens.weight":"model-00001-of-00002.safetensors","model.layers.0.mlp.up_proj.weight":"model-00002-of-00002.safetensors"}}`
	srv.AddRepo(hubtest.Repo{ID: "org/misplaced", Dir: twoShards(t, misplaced)})
	_, err = loadArg(t, "hf://org/misplaced")
	require.ErrorContains(t, err, "the index assigns it to another")

	unlisted := `{"weight_map":{"model.embed_tokens.weight":"model-00001-of-00002.safetensors",
		"model.layers.0.mlp.up_proj.weight":"model-00001-of-00002.safetensors","x":"model-00002-of-00002.safetensors"}}`
	srv.AddRepo(hubtest.Repo{ID: "org/unlisted", Dir: twoShards(t, unlisted)})
	_, err = loadArg(t, "hf://org/unlisted")
	require.ErrorContains(t, err, "the index does not list it")

	// One shard named on its own is counted alone.
	m, err = loadArg(t, "hf://org/good/model-00002-of-00002.safetensors")
	require.NoError(t, err)
	require.Len(t, m.Tensors, 1)
	require.Contains(t, m.Notes, "model-00002-of-00002.safetensors is one of 2 shards listed in model.safetensors.index.json; pass the repository to count the whole model")
}

// Several GGUF models: a *ChooseError listing them; a split set is one
// choice and loads joined; a projector beside one model is not counted.
func TestLoadRemoteGGUF(t *testing.T) {
	srv := hubSetup(t)
	dir := t.TempDir()
	for _, n := range []string{"m-Q4_K_M.gguf", "m-Q8_0.gguf"} {
		require.NoError(t, tinyGGUF().Write(filepath.Join(dir, n)))
	}
	srv.AddRepo(hubtest.Repo{ID: "org/two", Dir: dir})
	_, err := loadArg(t, "hf://org/two")
	var ce *ChooseError
	require.True(t, errors.As(err, &ce), "%v", err)
	require.Len(t, ce.Choices, 2)
	require.Contains(t, err.Error(), "holds 2 GGUF models; name one")

	split := t.TempDir()
	for _, n := range []string{"m-Q4_K_M-00001-of-00002.gguf", "m-Q4_K_M-00002-of-00002.gguf", "mmproj-m-f16.gguf"} {
		require.NoError(t, tinyGGUF().Write(filepath.Join(split, n)))
	}
	srv.AddRepo(hubtest.Repo{ID: "org/split", Dir: split})
	m, err := loadArg(t, "hf://org/split")
	require.NoError(t, err)
	require.Equal(t, GGUF, m.Format)
	require.Len(t, m.Files, 2)
	require.Equal(t, "llama", m.Arch.Architecture)
	require.Contains(t, m.Notes, "split GGUF: 2 parts; model metadata from the first")

	m, err = loadArg(t, "hf://org/split/m-Q4_K_M-00002-of-00002.gguf")
	require.NoError(t, err)
	require.Len(t, m.Files, 2, "a part names its whole set")
	require.Nil(t, m.HubParameters, "the Hub's figure is for safetensors")
}

// A repository whose pinned commit is in the local Hugging Face cache
// is read from disk: no file is fetched.
func TestLoadRemoteFromHFCache(t *testing.T) {
	srv := hubSetup(t)
	dir := t.TempDir()
	writeRemoteST(t, filepath.Join(dir, "model.safetensors"), tA, tB)
	r := srv.AddRepo(hubtest.Repo{ID: "org/cached", Dir: dir})
	hub := t.TempDir()
	t.Setenv("HF_HUB_CACHE", hub)
	snap := filepath.Join(hub, "models--org--cached", "snapshots", r.Commit)
	require.NoError(t, os.MkdirAll(snap, 0o755))
	writeRemoteST(t, filepath.Join(snap, "model.safetensors"), tA, tB)
	srv.Reset()
	m, err := loadArg(t, "hf://org/cached")
	require.NoError(t, err)
	require.False(t, m.Remote())
	require.Len(t, m.Tensors, 2)
	require.Equal(t, "hf://org/cached", m.Path)
	require.Zero(t, srv.Host("cdn").Requests)
}

// README.md is read through the source; a missing file is
// fs.ErrNotExist, with no request.
func TestLoadRemoteReadSmall(t *testing.T) {
	srv := hubSetup(t)
	dir := t.TempDir()
	writeRemoteST(t, filepath.Join(dir, "model.safetensors"), tA)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "README.md"), []byte("# card\n"), 0o644))
	srv.AddRepo(hubtest.Repo{ID: "org/card", Dir: dir, Params: map[string]int64{"BF16": 1600}})
	m, err := loadArg(t, "hf://org/card")
	require.NoError(t, err)
	require.Equal(t, &HubParameters{Total: 1600, ByDType: map[string]int64{"BF16": 1600}}, m.HubParameters)
	b, err := m.ReadSmall("README.md", format.SmallCard)
	require.NoError(t, err)
	require.Equal(t, "# card\n", string(b))
	before := srv.Host("hub").Requests
	_, err = m.ReadSmall("config.json", format.SmallConfig)
	require.ErrorIs(t, err, os.ErrNotExist)
	require.Equal(t, before, srv.Host("hub").Requests)
	require.Equal(t, "org/card", m.RemoteName())
}

// An Ollama model in the local store is read from its blob on disk, with
// no request; one that is not is read from the registry.
func TestLoadRemoteOllama(t *testing.T) {
	srv := hubSetup(t)
	store := t.TempDir()
	t.Setenv("OLLAMA_MODELS", store)
	t.Setenv("TENSORCOUNT_OLLAMA_REGISTRY", srv.URL())
	blob := filepath.Join(t.TempDir(), "model")
	require.NoError(t, tinyGGUF().Write(blob))
	require.NoError(t, srv.AddOllama("library", "tiny", "2m", hubtest.Layer{MediaType: hubtest.MediaModel, Path: blob}))

	m, err := loadArg(t, "ollama://tiny:2m")
	require.NoError(t, err)
	require.True(t, m.Remote())
	require.Equal(t, GGUF, m.Format)
	require.Equal(t, "tiny:2m", m.RemoteName())
	remoteCount := len(m.Tensors)

	manifest, err := srv.Manifest(hubtest.Layer{MediaType: hubtest.MediaModel, Path: blob})
	require.NoError(t, err)
	digest, err := hubtest.Digest(blob)
	require.NoError(t, err)
	mdir := filepath.Join(store, "manifests", "registry.ollama.ai", "library", "tiny")
	require.NoError(t, os.MkdirAll(mdir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(mdir, "2m"), manifest, 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(store, "blobs"), 0o755))
	b, err := os.ReadFile(blob)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(store, "blobs", "sha256-"+digest[len("sha256:"):]), b, 0o644))
	srv.Reset()
	m, err = loadArg(t, "ollama://tiny:2m")
	require.NoError(t, err)
	require.False(t, m.Remote(), "read from the store")
	require.Len(t, m.Tensors, remoteCount)
	require.Zero(t, srv.Host("hub").Requests+srv.Host("cdn").Requests)
}
