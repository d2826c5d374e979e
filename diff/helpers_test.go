package diff

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/count"
	"github.com/tensorcount/tensorcount/internal/fixture/archs"
	"github.com/tensorcount/tensorcount/model"
)

// build writes m as a sparse checkpoint (header only) and counts it.
func build(t *testing.T, m archs.Model) *count.Report {
	t.Helper()
	dir := t.TempDir()
	_, err := archs.Write(dir, m)
	require.NoError(t, err)
	return buildPath(t, dir)
}

func buildPath(t *testing.T, path string) *count.Report {
	t.Helper()
	mod, err := model.Load(path)
	require.NoError(t, err)
	r, err := count.Build(mod, count.Options{})
	require.NoError(t, err)
	return r
}

// compare diffs two reports that must be comparable.
func compare(t *testing.T, a, b *count.Report) *Diff {
	t.Helper()
	d, err := Compare(a, b)
	require.NoError(t, err)
	return d
}

// checkpoint keeps what a comparison needs of r, which must be loaded.
func checkpoint(t *testing.T, r *count.Report) *Checkpoint {
	t.Helper()
	c, err := NewCheckpoint(r)
	require.NoError(t, err)
	return c
}

// sharing is the checkpoint of r that reads r's names.
func sharing(t *testing.T, r *count.Report) *Checkpoint {
	t.Helper()
	c, err := NewCheckpointSharing(r)
	require.NoError(t, err)
	require.Zero(t, c.names.Len(), "a sharing checkpoint copies no name")
	return c
}

// bothKinds are the two ways to make a checkpoint.
var bothKinds = map[string]func(*testing.T, *count.Report) *Checkpoint{"copying": checkpoint, "sharing": sharing}
