package source_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/source"
)

func TestDirAndSub(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "unet"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"a":1}`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "unet", "config.json"), []byte(`{"b":2}`), 0o644))
	ctx := context.Background()
	d := source.Dir(dir)
	require.False(t, source.IsRemote(d))
	es, err := d.List(ctx)
	require.NoError(t, err)
	require.Equal(t, []source.Entry{{Name: "config.json", Size: 7}, {Name: "unet/config.json", Size: 7}}, es)
	b, err := d.ReadFile(ctx, "config.json", 100)
	require.NoError(t, err)
	require.Equal(t, `{"a":1}`, string(b))
	_, err = d.ReadFile(ctx, "config.json", 3)
	require.ErrorContains(t, err, "3-byte limit")
	_, err = d.Open(ctx, "../x")
	require.Error(t, err)

	s := source.Sub(d, "unet")
	es, err = s.List(ctx)
	require.NoError(t, err)
	require.Equal(t, []source.Entry{{Name: "config.json", Size: 7}}, es)
	b, err = s.ReadFile(ctx, "config.json", 100)
	require.NoError(t, err)
	require.Equal(t, `{"b":2}`, string(b))
}

func TestLimiter(t *testing.T) {
	l := source.NewLimiter(2)
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, l.Acquire(ctx))
	require.NoError(t, l.Acquire(ctx))
	cancel()
	require.ErrorIs(t, l.Acquire(ctx), context.Canceled)
	l.Release()
	require.NoError(t, l.Acquire(context.Background()))
}
