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

func TestEach(t *testing.T) {
	dir := t.TempDir()
	var names []string
	for i := range 40 {
		n := filepath.Join(dir, "f"+string(rune('A'+i)))
		require.NoError(t, os.WriteFile(n, []byte{byte(i)}, 0o644))
		names = append(names, filepath.Base(n))
	}
	got := make([]byte, len(names))
	err := source.Each(context.Background(), source.Dir(dir), names, 4, func(i int, f source.File) error {
		_, err := f.ReadAt(got[i:i+1], 0)
		return err
	})
	require.NoError(t, err)
	for i := range got {
		require.Equal(t, byte(i), got[i])
	}
	err = source.Each(context.Background(), source.Dir(dir), append(names, "missing"), 4, func(int, source.File) error { return nil })
	require.ErrorContains(t, err, "missing")
	msg := source.FormatChoices("hf://org/m@abc", []source.Choice{{Label: "Q4_K_M", Files: []string{"m-Q4_K_M.gguf"}, Size: 4_920_000_000}})
	require.Contains(t, msg, "Q4_K_M")
	require.Contains(t, msg, "4.9 GB")
	require.Contains(t, msg, "hf://org/m@abc/m-Q4_K_M.gguf")
}
