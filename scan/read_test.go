package scan

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/format"
)

// A file truncated under the Source, after it was opened or before: the
// short read is a *ChangedError naming the file, matching ErrChanged.
func TestSourceFileChanged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.bin")
	const size = 1 << 20
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i * 7)
	}
	require.NoError(t, os.WriteFile(path, data, 0o644))
	bf16 := testDTypes["BF16"]
	a := format.Tensor{Name: "a", File: path, DType: bf16, Shape: []uint64{size / 4}, Offset: 0, Size: size / 2}
	b := format.Tensor{Name: "b", File: path, DType: bf16, Shape: []uint64{size / 4}, Offset: size / 2, Size: size / 2}

	s := NewSource()
	defer s.Close()
	_, err := s.ReaderAt(path) // opened at full size
	require.NoError(t, err)
	require.NoError(t, os.Truncate(path, 4096))
	_, err = s.Compare(a, b)
	require.ErrorIs(t, err, ErrChanged)
	require.ErrorContains(t, err, path+": changed while it was read (shorter than its header says)")
	_, err = s.ReadSmall(format.Tensor{Name: "c", File: path, DType: bf16, Shape: []uint64{8}, Offset: size - 16, Size: 16}, 4096)
	require.ErrorIs(t, err, ErrChanged)

	// Opened after the truncation: a short read too.
	s2 := NewSource()
	defer s2.Close()
	_, err = s2.Compare(a, b)
	require.ErrorIs(t, err, ErrChanged)
	require.ErrorContains(t, err, path+": changed while it was read (shorter than its header says)")
	var ce *ChangedError
	require.True(t, errors.As(err, &ce))
	require.Equal(t, path, ce.File)
}
