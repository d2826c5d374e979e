package audit

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/count"
	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/internal/fixture/archs"
	"github.com/tensorcount/tensorcount/model"
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

// build writes m as a sparse checkpoint (header only) and counts it.
func build(t *testing.T, m archs.Model) *count.Report {
	t.Helper()
	dir := t.TempDir()
	_, err := archs.Write(dir, m)
	require.NoError(t, err)
	mod, err := model.Load(dir)
	require.NoError(t, err)
	r, err := count.Build(mod, count.Options{})
	require.NoError(t, err)
	return r
}
