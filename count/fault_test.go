package count

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/model"
	"github.com/tensorcount/tensorcount/scan"
)

// A file truncated between reading its header and comparing tensor data
// (a download tool rewriting it, say) fails the count with an error naming
// the file, never a "differs" verdict drawn from data that is not there.
// (scan.Source reads with positioned reads, so a truncation is a short
// read, never a SIGBUS.)
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
	_, err = Build(m, Options{})
	require.ErrorIs(t, err, scan.ErrChanged)
	require.ErrorContains(t, err, path+": changed while it was read")

	// A file replaced by one of another size, even where the data read
	// is there, is caught by its size.
	require.NoError(t, s.Write(path))
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.Write(make([]byte, 100))
	require.NoError(t, err)
	require.NoError(t, f.Close())
	_, err = Build(m, Options{})
	require.ErrorIs(t, err, scan.ErrChanged)
	require.ErrorContains(t, err, path+": changed while it was read")

	// Deleted.
	require.NoError(t, os.Remove(path))
	_, err = Build(m, Options{})
	require.ErrorIs(t, err, scan.ErrChanged)

	// Untouched, the same model is found tied by content.
	require.NoError(t, s.Write(path))
	m, err = model.Load(dir)
	require.NoError(t, err)
	r, err := Build(m, Options{})
	require.NoError(t, err)
	require.True(t, r.Tie.Tied)
	require.Equal(t, "identical content", r.Tie.Evidence)
}
