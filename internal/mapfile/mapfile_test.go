package mapfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReadAt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	require.NoError(t, os.WriteFile(path, []byte("hello, mapped world"), 0o644))
	f, err := Open(path)
	require.NoError(t, err)
	defer f.Close()
	require.Equal(t, int64(19), f.Size())
	p := make([]byte, 6)
	n, err := f.ReadAt(p, 7)
	require.NoError(t, err)
	require.Equal(t, "mapped", string(p[:n]))
	require.Equal(t, int64(6), f.BytesRead())
	n, err = f.ReadAt(p, 16)
	require.Equal(t, 3, n)
	require.ErrorIs(t, err, io.EOF)
}

func TestOpenRefusesDirectories(t *testing.T) {
	_, err := Open(t.TempDir())
	require.ErrorContains(t, err, "not a regular file")
}

// A file truncated after it was mapped raises SIGBUS on access to the
// vanished pages; ReadAt must turn that into an error.
func TestTruncatedAfterOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	const size = 1 << 20
	require.NoError(t, os.WriteFile(path, make([]byte, size), 0o644))
	f, err := Open(path)
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, os.Truncate(path, 0))
	p := make([]byte, 4096)
	_, err = f.ReadAt(p, size/2)
	require.Error(t, err)
	require.True(t, errors.Is(err, ErrFault), "%v", err)
	require.Contains(t, err.Error(), "truncated or replaced")
}
