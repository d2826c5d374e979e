package model

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/internal/fixture"
)

func writeST(t *testing.T, path string, names ...string) {
	t.Helper()
	var specs []fixture.TensorSpec
	for _, n := range names {
		specs = append(specs, fixture.TensorSpec{Name: n, Shape: []uint64{2, 3}, DType: "BF16"})
	}
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, fixture.Safetensors{Tensors: specs}.Write(path))
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
}

func noteWith(t *testing.T, m *Model, sub string) string {
	t.Helper()
	for _, n := range m.Notes {
		if strings.Contains(n, sub) {
			return n
		}
	}
	t.Fatalf("no note contains %q; notes: %q", sub, m.Notes)
	return ""
}

func TestLoadSingleFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "model.safetensors")
	writeST(t, p, "a", "b")
	writeFile(t, filepath.Join(dir, "config.json"), `{"model_type":"llama","num_hidden_layers":2,"hidden_size":8}`)
	for _, path := range []string{p, dir} {
		m, err := Load(path)
		require.NoError(t, err)
		require.Equal(t, Safetensors, m.Format)
		require.Len(t, m.Files, 1)
		require.Len(t, m.Tensors, 2)
		require.Equal(t, int64(24), m.Files[0].Bytes)
		require.Equal(t, "llama", m.Arch.Architecture)
		require.Equal(t, 2, m.Arch.Layers)
	}
}

func writeIndexSet(t *testing.T, dir string) {
	t.Helper()
	writeST(t, filepath.Join(dir, "model-00001-of-00002.safetensors"), "a", "b")
	writeST(t, filepath.Join(dir, "model-00002-of-00002.safetensors"), "c")
	writeFile(t, filepath.Join(dir, "model.safetensors.index.json"),
		`{"metadata":{"total_size":36,"total_parameters":18},"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00001-of-00002.safetensors","c":"model-00002-of-00002.safetensors"}}`)
}

func TestLoadIndexWinsOverOtherWeights(t *testing.T) {
	dir := t.TempDir()
	writeIndexSet(t, dir)
	// A Mistral-style repository: the same weights again, consolidated,
	// and the original checkpoint in a subfolder.
	writeST(t, filepath.Join(dir, "consolidated.safetensors"), "a", "b", "c")
	writeFile(t, filepath.Join(dir, "original", "consolidated.00.pth"), "x")
	writeFile(t, filepath.Join(dir, "original", "params.json"), "{}")
	m, err := Load(dir)
	require.NoError(t, err)
	require.Len(t, m.Files, 2)
	require.Len(t, m.Tensors, 3)
	require.Equal(t, uint64(18), m.IndexTotalParameters)
	n := noteWith(t, m, "not counted")
	require.Contains(t, n, "consolidated.safetensors")
	require.Contains(t, n, "original/consolidated.00.pth")
	require.NotContains(t, n, "model-0000")
	require.NotContains(t, n, "params.json")
	noteWith(t, m, "model.safetensors.index.json selects 2 shards")

	// The index file itself is a valid PATH too.
	m, err = Load(filepath.Join(dir, "model.safetensors.index.json"))
	require.NoError(t, err)
	require.Len(t, m.Tensors, 3)
}

func TestLoadShardAloneSaysSo(t *testing.T) {
	dir := t.TempDir()
	writeIndexSet(t, dir)
	m, err := Load(filepath.Join(dir, "model-00002-of-00002.safetensors"))
	require.NoError(t, err)
	require.Len(t, m.Tensors, 1)
	noteWith(t, m, "is one of 2 shards listed in model.safetensors.index.json")
}

func TestLoadShardsWithoutIndex(t *testing.T) {
	dir := t.TempDir()
	writeST(t, filepath.Join(dir, "model-00002-of-00002.safetensors"), "c")
	writeST(t, filepath.Join(dir, "model-00001-of-00002.safetensors"), "a", "b")
	m, err := Load(dir)
	require.NoError(t, err)
	require.Len(t, m.Files, 2)
	require.Equal(t, "model-00001-of-00002.safetensors", filepath.Base(m.Files[0].Path))
	noteWith(t, m, "no index file")

	// An incomplete set is not guessed at.
	require.NoError(t, os.Remove(filepath.Join(dir, "model-00001-of-00002.safetensors")))
	writeST(t, filepath.Join(dir, "other.safetensors"), "x")
	_, err = Load(dir)
	require.ErrorContains(t, err, "2 safetensors files and no index")
}

func TestLoadPrefersModelOverConsolidated(t *testing.T) {
	dir := t.TempDir()
	writeST(t, filepath.Join(dir, "model.safetensors"), "a")
	writeST(t, filepath.Join(dir, "consolidated.safetensors"), "a")
	m, err := Load(dir)
	require.NoError(t, err)
	require.Equal(t, "model.safetensors", filepath.Base(m.Files[0].Path))
	require.Contains(t, noteWith(t, m, "not counted"), "consolidated.safetensors")
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := Load(filepath.Join(dir, "missing"))
	require.Error(t, err)

	_, err = Load(dir)
	require.ErrorContains(t, err, "no safetensors or GGUF files")

	writeFile(t, filepath.Join(dir, "pytorch_model.bin"), "PK\x03\x04")
	_, err = Load(dir)
	require.ErrorContains(t, err, "pytorch_model.bin: zip central directory: not a readable zip archive")
	_, err = Load(filepath.Join(dir, "pytorch_model.bin"))
	require.ErrorContains(t, err, "a zip archive")

	writeFile(t, filepath.Join(dir, "notes.txt"), "hello there, world")
	_, err = Load(filepath.Join(dir, "notes.txt"))
	require.ErrorContains(t, err, "neither a safetensors nor a GGUF file")

	writeFile(t, filepath.Join(dir, "broken.safetensors"), "\x05\x00\x00\x00\x00\x00\x00\x00{}")
	_, err = Load(filepath.Join(dir, "broken.safetensors"))
	require.ErrorContains(t, err, "broken.safetensors: byte 0: header length")

	two := t.TempDir()
	writeFile(t, filepath.Join(two, "a.safetensors.index.json"), `{"weight_map":{}}`)
	writeFile(t, filepath.Join(two, "b.safetensors.index.json"), `{"weight_map":{}}`)
	_, err = Load(two)
	require.ErrorContains(t, err, "several index files")
}

// A Hugging Face cache entry: refs/main names a snapshot whose files are
// symbolic links into blobs/.
func TestLoadHFCache(t *testing.T) {
	root := filepath.Join(t.TempDir(), "models--org--tiny")
	blobs := filepath.Join(root, "blobs")
	rev := "0123456789abcdef0123456789abcdef01234567"
	snap := filepath.Join(root, "snapshots", rev)
	writeST(t, filepath.Join(blobs, "aaa"), "w")
	writeFile(t, filepath.Join(blobs, "bbb"), `{"model_type":"qwen2","num_hidden_layers":3}`)
	require.NoError(t, os.MkdirAll(snap, 0o755))
	require.NoError(t, os.Symlink("../../blobs/aaa", filepath.Join(snap, "model.safetensors")))
	require.NoError(t, os.Symlink("../../blobs/bbb", filepath.Join(snap, "config.json")))

	// Without refs/main, the only snapshot is used.
	require.NoError(t, os.MkdirAll(filepath.Join(root, "refs"), 0o755))
	m, err := Load(root)
	require.NoError(t, err)
	require.Len(t, m.Tensors, 1)
	require.Equal(t, snap, m.Dir)
	require.Equal(t, 3, m.Arch.Layers)
	noteWith(t, m, "the only one")

	writeFile(t, filepath.Join(root, "refs", "main"), rev+"\n")
	m, err = Load(root)
	require.NoError(t, err)
	noteWith(t, m, "snapshot 0123456789ab (refs/main)")

	writeFile(t, filepath.Join(root, "refs", "main"), "../../etc")
	_, err = Load(root)
	require.ErrorContains(t, err, "refs/main does not hold a revision")
	require.NotContains(t, err.Error(), "etc", "the ref's bytes are not shown")

	writeFile(t, filepath.Join(root, "refs", "main"), "fedcba")
	_, err = Load(root)
	require.ErrorContains(t, err, "not in snapshots/")

	require.NoError(t, os.Remove(filepath.Join(root, "refs", "main")))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "snapshots", "other"), 0o755))
	_, err = Load(root)
	require.ErrorContains(t, err, "no refs/main and 2 snapshots")
}

func TestParseShardName(t *testing.T) {
	p, k, n, ok := parseShardName("model-00002-of-00005.safetensors", ".safetensors")
	require.True(t, ok)
	require.Equal(t, "model", p)
	require.Equal(t, 2, k)
	require.Equal(t, 5, n)
	_, _, _, ok = parseShardName("model-00006-of-00005.safetensors", ".safetensors")
	require.False(t, ok)
	_, _, _, ok = parseShardName("model.safetensors", ".safetensors")
	require.False(t, ok)
	p, _, _, ok = parseShardName("Llama-3-8B-Q4_K_M-00001-of-00002.gguf", ".gguf")
	require.True(t, ok)
	require.Equal(t, "Llama-3-8B-Q4_K_M", p)
}

// A cache entry with 10,000 snapshots and no refs/main: the error names a
// few and says how many more, in under 1 KB.
func TestHFCacheManySnapshotsBounded(t *testing.T) {
	root := filepath.Join(t.TempDir(), "models--org--tiny")
	require.NoError(t, os.MkdirAll(filepath.Join(root, "refs"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "snapshots"), 0o755))
	for i := range 10000 {
		require.NoError(t, os.Mkdir(filepath.Join(root, "snapshots", fmt.Sprintf("%040x", i)), 0o755))
	}
	_, err := Load(root)
	require.Error(t, err)
	msg := err.Error()
	require.Less(t, len(msg), 1024, msg)
	require.Contains(t, msg, "no refs/main and 10000 snapshots")
	require.Contains(t, msg, "and 9,995 more")
}
