package count

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/model"
)

// A file truncated between reading its header and comparing tensor data
// (a download tool rewriting it, say) gives a note, not a crash. (A
// truncation after the data is mapped raises SIGBUS; internal/mapfile's
// tests show that it becomes an error too.)
func TestFileTruncatedDuringCount(t *testing.T) {
	s, config := fixture.ExampleModel()
	// Make the head a copy of the embedding so the tie check reads data.
	s.Data["lm_head.weight"] = s.Data["model.embed_tokens.weight"]
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	require.NoError(t, s.Write(path))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o644))

	m, err := model.Load(dir)
	require.NoError(t, err)
	require.NoError(t, os.Truncate(path, 4096))
	r, err := Build(m, Options{})
	require.NoError(t, err)
	require.False(t, r.Tie.Tied)
	requireNote(t, r, "could not compare model.embed_tokens.weight with lm_head.weight")
	requireNote(t, r, "cannot read tensor data (4096 bytes at 2160): unexpected EOF")

	// Untouched, the same model is found tied by content.
	require.NoError(t, s.Write(path))
	m, err = model.Load(dir)
	require.NoError(t, err)
	r, err = Build(m, Options{})
	require.NoError(t, err)
	require.True(t, r.Tie.Tied)
	require.Equal(t, "identical content", r.Tie.Evidence)
}
