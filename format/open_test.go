//go:build unix

package format_test

import (
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/format/gguf"
	"github.com/tensorcount/tensorcount/format/safetensors"
)

// prompt runs f and fails the test if it has not returned after a
// generous time: a regression that blocks on a named pipe then fails
// instead of hanging the suite. The bound is a deadlock guard, not a
// timing assertion.
func prompt[T any](t *testing.T, f func() T) T {
	t.Helper()
	done := make(chan T, 1)
	go func() { done <- f() }()
	select {
	case v := <-done:
		return v
	case <-time.After(30 * time.Second):
		t.Fatal("blocked: the open waited on a special file")
		panic("unreachable")
	}
}

func mkfifo(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, syscall.Mkfifo(p, 0o644))
	return p
}

// openers are every way a file is opened through the one open path.
var openers = map[string]func(string) error{
	"OpenRegular": func(p string) error {
		f, _, err := format.OpenRegular(p)
		if err == nil {
			f.Close()
		}
		return err
	},
	"ReadSmall":        func(p string) error { _, err := format.ReadSmall(p, format.SmallConfig); return err },
	"safetensors.Open": func(p string) error { _, err := safetensors.Open(p); return err },
	"gguf.Open":        func(p string) error { _, err := gguf.Open(p); return err },
	"OpenIndex":        func(p string) error { _, err := safetensors.OpenIndex(p); return err },
	"OpenSet":          func(p string) error { _, err := safetensors.OpenSet(p); return err },
}

func requireOpenError(t *testing.T, err error, file, msg string) *format.Error {
	t.Helper()
	require.Error(t, err)
	var fe *format.Error
	require.True(t, errors.As(err, &fe), "not a *format.Error: %T %v", err, err)
	require.Equal(t, file, fe.File)
	require.Equal(t, int64(-1), fe.Offset)
	require.EqualError(t, err, file+": "+msg)
	return fe
}

func TestOpenNamedPipe(t *testing.T) {
	for _, name := range []string{"model.safetensors", "config.json", "main", "model.safetensors.index.json", "x-00001-of-00002.gguf"} {
		p := mkfifo(t, name)
		for how, open := range openers {
			t.Run(name+"/"+how, func(t *testing.T) {
				err := prompt(t, func() error { return open(p) })
				requireOpenError(t, err, p, "is a named pipe, not a regular file")
				require.ErrorIs(t, err, format.ErrNamedPipe)
				require.ErrorIs(t, err, format.ErrNotRegular)
			})
		}
	}
}

func TestOpenDevices(t *testing.T) {
	link := filepath.Join(t.TempDir(), "config.json")
	require.NoError(t, os.Symlink("/dev/zero", link))
	for _, p := range []string{"/dev/zero", "/dev/urandom", "/dev/null", link} {
		if _, err := os.Stat(p); err != nil {
			t.Logf("skipping %s: %v", p, err)
			continue
		}
		for how, open := range openers {
			t.Run(p+"/"+how, func(t *testing.T) {
				err := prompt(t, func() error { return open(p) })
				requireOpenError(t, err, p, "is a device, not a regular file")
				require.ErrorIs(t, err, format.ErrDevice)
			})
		}
	}
}

func TestOpenSocket(t *testing.T) {
	dir, err := os.MkdirTemp("", "sock")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	p := filepath.Join(dir, "model.gguf")
	l, err := net.Listen("unix", p)
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	for how, open := range openers {
		t.Run(how, func(t *testing.T) {
			err := prompt(t, func() error { return open(p) })
			requireOpenError(t, err, p, "is a socket, not a regular file")
			require.ErrorIs(t, err, format.ErrSocket)
		})
	}
}

func TestOpenDirectory(t *testing.T) {
	p := t.TempDir()
	for how, open := range openers {
		t.Run(how, func(t *testing.T) {
			err := open(p)
			requireOpenError(t, err, p, "is a directory")
			require.ErrorIs(t, err, format.ErrDirectory)
			require.ErrorIs(t, err, format.ErrNotRegular)
		})
	}
}

func TestOpenMissing(t *testing.T) {
	p := filepath.Join(t.TempDir(), "config.json")
	for how, open := range openers {
		t.Run(how, func(t *testing.T) {
			err := open(p)
			requireOpenError(t, err, p, "no such file or directory")
			require.ErrorIs(t, err, fs.ErrNotExist)
		})
	}
	// A dangling link reads the same.
	link := filepath.Join(t.TempDir(), "model.safetensors")
	require.NoError(t, os.Symlink("nowhere", link))
	requireOpenError(t, openers["OpenRegular"](link), link, "no such file or directory")
}

func TestOpenLinkLoop(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.safetensors"), filepath.Join(dir, "b.safetensors")
	require.NoError(t, os.Symlink(b, a))
	require.NoError(t, os.Symlink(a, b))
	for how, open := range openers {
		t.Run(how, func(t *testing.T) {
			err := open(a)
			requireOpenError(t, err, a, "too many levels of symbolic links")
		})
	}
}

func TestOpenPermissionDenied(t *testing.T) {
	p := filepath.Join(t.TempDir(), "config.json")
	require.NoError(t, os.WriteFile(p, []byte("{}"), 0o000))
	if f, err := os.Open(p); err == nil {
		f.Close()
		t.Skip("running with the privilege to read a mode-000 file (root); cannot provoke permission denied")
	}
	for how, open := range openers {
		t.Run(how, func(t *testing.T) {
			err := open(p)
			requireOpenError(t, err, p, "permission denied")
			require.ErrorIs(t, err, fs.ErrPermission)
		})
	}
}

// TestPathError checks the wording of operating-system errors without
// provoking them, for those (permission denied, as root) a test cannot.
func TestPathError(t *testing.T) {
	for _, c := range []struct {
		err    error
		msg    string
		target error
	}{
		{&fs.PathError{Op: "open", Path: "/x/config.json", Err: syscall.EACCES}, "permission denied", fs.ErrPermission},
		{&fs.PathError{Op: "stat", Path: "/x/config.json", Err: syscall.ENOENT}, "no such file or directory", fs.ErrNotExist},
		{&fs.PathError{Op: "open", Path: "/x/config.json", Err: syscall.ELOOP}, "too many levels of symbolic links", syscall.ELOOP},
		{syscall.EISDIR, "is a directory", syscall.EISDIR},
	} {
		err := format.PathError("m/config.json", c.err)
		require.EqualError(t, err, "m/config.json: "+c.msg)
		require.ErrorIs(t, err, c.target)
	}
	// An *Error passes through unchanged.
	fe := &format.Error{File: "a", Offset: -1, Msg: "b"}
	require.Same(t, fe, format.PathError("c", fe))
}

func TestOpenRegularFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "config.json")
	require.NoError(t, os.WriteFile(p, []byte(`{"a":1}`), 0o644))
	f, size, err := format.OpenRegular(p)
	require.NoError(t, err)
	require.Equal(t, int64(7), size)
	require.NoError(t, f.Close())
	// A link to a regular file is followed.
	link := filepath.Join(dir, "params.json")
	require.NoError(t, os.Symlink("config.json", link))
	b, err := format.ReadSmall(link, format.SmallConfig)
	require.NoError(t, err)
	require.Equal(t, `{"a":1}`, string(b))
}

// TestOpenCheckedReplaced: a file swapped between the stat and the open is
// refused, by kind when it became a pipe, as changed when it became
// another regular file.
func TestOpenCheckedReplaced(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "model.safetensors")
	other := filepath.Join(dir, "other")
	require.NoError(t, os.WriteFile(p, []byte("12345678"), 0o644))
	require.NoError(t, os.WriteFile(other, []byte("12345678"), 0o644))
	before, err := os.Stat(p)
	require.NoError(t, err)
	stat := func() (fs.FileInfo, error) { return before, nil }

	_, _, err = format.OpenChecked(p, stat, func() (*os.File, error) { return os.OpenFile(other, format.OpenFlags, 0) })
	requireOpenError(t, err, p, "was replaced while being opened")
	require.ErrorIs(t, err, format.ErrChanged)

	fifo := mkfifo(t, "fifo")
	err = prompt(t, func() error {
		_, _, err := format.OpenChecked(p, stat, func() (*os.File, error) { return os.OpenFile(fifo, format.OpenFlags, 0) })
		return err
	})
	requireOpenError(t, err, p, "is a named pipe, not a regular file")
}

func TestReadSmallLimit(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "main")
	require.NoError(t, os.WriteFile(p, []byte(strings.Repeat("a", format.MaxRefBytes)), 0o644))
	b, err := format.ReadSmall(p, format.SmallRef)
	require.NoError(t, err)
	require.Len(t, b, format.MaxRefBytes)

	require.NoError(t, os.WriteFile(p, []byte(strings.Repeat("a", format.MaxRefBytes+1)), 0o644))
	_, err = format.ReadSmall(p, format.SmallRef)
	requireOpenError(t, err, p, "larger than the 256-byte limit for a Hugging Face ref")
	require.ErrorIs(t, err, format.ErrTooLarge)

	empty := filepath.Join(dir, "empty")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	b, err = format.ReadSmall(empty, format.SmallConfig)
	require.NoError(t, err)
	require.Empty(t, b)
}

// TestReadSmallSparse: a 1 GiB sparse refs/main is refused from its size,
// without reading it or allocating for it.
func TestReadSmallSparse(t *testing.T) {
	p := filepath.Join(t.TempDir(), "main")
	f, err := os.Create(p)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(1<<30))
	require.NoError(t, f.Close())

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = format.ReadSmall(p, format.SmallRef)
	runtime.ReadMemStats(&after)
	requireOpenError(t, err, p, "larger than the 256-byte limit for a Hugging Face ref")
	require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<10), "bytes allocated refusing a 1 GiB file")

	for _, kind := range []format.Small{format.SmallConfig, format.SmallCard, format.SmallIndex} {
		_, err = format.ReadSmall(p, kind)
		require.ErrorIs(t, err, format.ErrTooLarge, kind.String())
	}
}

// growing reads as a file that has grown since its size was taken.
type growing struct{ left int }

func (g *growing) Read(p []byte) (int, error) {
	if g.left == 0 {
		return 0, io.EOF
	}
	n := min(len(p), g.left)
	for i := range p[:n] {
		p[i] = 'x'
	}
	g.left -= n
	return n, nil
}

// TestReadLimitedGrowing: a file larger than its stated size is refused
// once limit+1 bytes arrived, never read on.
func TestReadLimitedGrowing(t *testing.T) {
	g := &growing{left: 1 << 30}
	_, err := format.ReadLimited(g, 10, "refs/main", format.SmallRef)
	require.EqualError(t, err, "refs/main: larger than the 256-byte limit for a Hugging Face ref")
	require.Equal(t, 1<<30-(format.MaxRefBytes+1), g.left, "bytes left unread")
}

func TestSmallKinds(t *testing.T) {
	require.Equal(t, int64(safetensors.MaxIndexSize), format.SmallIndex.Limit(), "the index limit is the streaming reader's")
	for k := format.SmallRef; k <= format.SmallModelIndex; k++ {
		require.Positive(t, k.Limit(), k.String())
		require.NotEqual(t, "small file", k.String())
	}
	require.Zero(t, format.Small(99).Limit())
	require.Equal(t, "small file", format.Small(99).String())
}
