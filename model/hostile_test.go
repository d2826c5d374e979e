//go:build unix

package model

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// loadSoon runs LoadWith in a goroutine and fails the test if it has not
// returned after 10 seconds, instead of hanging on a pipe.
func loadSoon(t *testing.T, path string, opt Options) (*Model, error) {
	t.Helper()
	type result struct {
		m   *Model
		err error
	}
	done := make(chan result, 1)
	go func() {
		m, err := LoadWith(path, opt)
		done <- result{m, err}
	}()
	select {
	case r := <-done:
		return r.m, r.err
	case <-time.After(10 * time.Second):
		t.Fatalf("Load(%s) has not returned after 10 s", path)
		return nil, nil
	}
}

func mkfifo(t *testing.T, path string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, syscall.Mkfifo(path, 0o644))
}

const namedPipe = "is a named pipe, not a regular file"

func TestLoadFIFOConfig(t *testing.T) {
	dir := t.TempDir()
	writeST(t, filepath.Join(dir, "model.safetensors"), "a")
	mkfifo(t, filepath.Join(dir, "config.json"))
	m, err := loadSoon(t, dir, Options{})
	require.NoError(t, err)
	require.Contains(t, noteWith(t, m, "config.json"), namedPipe)
	// The same beside a file given directly.
	m, err = loadSoon(t, filepath.Join(dir, "model.safetensors"), Options{})
	require.NoError(t, err)
	require.Contains(t, noteWith(t, m, "config.json"), namedPipe)
}

func TestLoadFIFOReadme(t *testing.T) {
	dir := t.TempDir()
	writeST(t, filepath.Join(dir, "model.safetensors"), "a")
	mkfifo(t, filepath.Join(dir, "README.md"))
	m, err := loadSoon(t, dir, Options{})
	require.NoError(t, err)
	require.Contains(t, noteWith(t, m, "README.md"), namedPipe)
	_, err = m.ReadSmall("README.md", 0)
	require.ErrorContains(t, err, namedPipe)
}

func TestLoadFIFOWeights(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "model.safetensors")
	mkfifo(t, p)
	_, err := loadSoon(t, p, Options{})
	require.ErrorContains(t, err, namedPipe)
	_, err = loadSoon(t, dir, Options{})
	require.ErrorContains(t, err, namedPipe)
}

// hfEntry writes a cache entry with one snapshot and returns the entry
// and the snapshot's revision.
func hfEntry(t *testing.T) (string, string) {
	t.Helper()
	root := filepath.Join(t.TempDir(), "models--org--tiny")
	rev := "0123456789abcdef0123456789abcdef01234567"
	snap := filepath.Join(root, "snapshots", rev)
	writeST(t, filepath.Join(root, "blobs", "aaa"), "w")
	require.NoError(t, os.MkdirAll(snap, 0o755))
	require.NoError(t, os.Symlink("../../blobs/aaa", filepath.Join(snap, "model.safetensors")))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "refs"), 0o755))
	return root, rev
}

func TestLoadHostileRef(t *testing.T) {
	root, rev := hfEntry(t)
	ref := filepath.Join(root, "refs", "main")

	mkfifo(t, ref)
	_, err := loadSoon(t, root, Options{})
	require.ErrorContains(t, err, namedPipe)
	require.NoError(t, os.Remove(ref))

	// A 1 GiB sparse ref is refused by its size, unread.
	writeFile(t, ref, rev)
	require.NoError(t, os.Truncate(ref, 1<<30))
	start := time.Now()
	_, err = loadSoon(t, root, Options{})
	require.ErrorContains(t, err, "256-byte limit")
	require.Less(t, time.Since(start), 2*time.Second)
	require.NoError(t, os.Remove(ref))

	require.NoError(t, os.Symlink("/dev/zero", ref))
	_, err = loadSoon(t, root, Options{})
	require.ErrorContains(t, err, "a link to outside the model directory (/dev/zero)")
	_, err = loadSoon(t, root, Options{FollowLinks: true})
	require.ErrorContains(t, err, "is a device, not a regular file")
	require.NoError(t, os.Remove(ref))

	writeFile(t, ref, rev+"\n")
	m, err := loadSoon(t, root, Options{})
	require.NoError(t, err)
	require.Len(t, m.Tensors, 1)
	require.False(t, strings.Contains(strings.Join(m.Notes, "\n"), "could not"))
}
