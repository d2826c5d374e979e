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

// requireNoPasswd fails if s holds a byte of /etc/passwd's first line.
func requireNoPasswd(t *testing.T, s string) {
	t.Helper()
	require.NotContains(t, s, "root:")
}

func TestLoadLinksOutside(t *testing.T) {
	if _, err := os.Stat("/etc/passwd"); err != nil {
		t.Skip("no /etc/passwd")
	}
	dir := t.TempDir()
	require.NoError(t, os.Symlink("/etc/passwd", filepath.Join(dir, "model.safetensors")))
	_, err := loadSoon(t, dir, Options{})
	require.ErrorContains(t, err, "model.safetensors: a link to outside the model directory (/etc/passwd)")
	requireNoPasswd(t, err.Error())

	// Optional files: skipped with a note.
	dir = t.TempDir()
	writeST(t, filepath.Join(dir, "model.safetensors"), "a")
	require.NoError(t, os.Symlink("/etc/passwd", filepath.Join(dir, "config.json")))
	require.NoError(t, os.Symlink("/etc/passwd", filepath.Join(dir, "README.md")))
	m, err := loadSoon(t, dir, Options{})
	require.NoError(t, err)
	require.Equal(t, "skipped config.json: a link to outside the model directory (/etc/passwd)", noteWith(t, m, "config.json"))
	require.Equal(t, "skipped README.md: a link to outside the model directory (/etc/passwd)", noteWith(t, m, "README.md"))
	requireNoPasswd(t, strings.Join(m.Notes, "\n"))
	_, err = m.ReadSmall("README.md", 0)
	require.ErrorContains(t, err, "a link to outside the model directory")

	// A shard of an index behind a link out is refused before it is read.
	dir = t.TempDir()
	writeIndexSet(t, dir)
	other := filepath.Join(t.TempDir(), "elsewhere.safetensors")
	writeST(t, other, "c")
	shard := filepath.Join(dir, "model-00002-of-00002.safetensors")
	require.NoError(t, os.Remove(shard))
	require.NoError(t, os.Symlink(other, shard))
	_, err = loadSoon(t, dir, Options{})
	require.ErrorContains(t, err, "model-00002-of-00002.safetensors: a link to outside the model directory")
	m, err = loadSoon(t, dir, Options{FollowLinks: true})
	require.NoError(t, err)
	require.Len(t, m.Files, 2)
}

func TestLoadLinkedDirectories(t *testing.T) {
	dir := t.TempDir()
	writeST(t, filepath.Join(dir, "model.safetensors"), "a")
	require.NoError(t, os.Symlink("/", filepath.Join(dir, "original")))
	m, err := loadSoon(t, dir, Options{})
	require.NoError(t, err)
	for _, n := range m.Notes {
		require.NotContains(t, n, "original/", "a link to / is not listed")
	}

	// A link inside the directory is followed.
	dir = t.TempDir()
	writeST(t, filepath.Join(dir, "weights", "real.safetensors"), "a", "b")
	require.NoError(t, os.Symlink("weights/real.safetensors", filepath.Join(dir, "model.safetensors")))
	writeFile(t, filepath.Join(dir, "configs", "c.json"), `{"model_type":"llama","num_hidden_layers":2}`)
	require.NoError(t, os.Symlink("configs/c.json", filepath.Join(dir, "config.json")))
	m, err = loadSoon(t, dir, Options{})
	require.NoError(t, err)
	require.Len(t, m.Tensors, 2)
	require.Equal(t, 2, m.Arch.Layers)
}

func TestLoadHFCacheLinks(t *testing.T) {
	root, rev := hfEntry(t)
	writeFile(t, filepath.Join(root, "refs", "main"), rev)
	writeFile(t, filepath.Join(root, "blobs", "ccc"), `{"model_type":"qwen2","num_hidden_layers":3}`)
	snap := filepath.Join(root, "snapshots", rev)
	require.NoError(t, os.Symlink("../../blobs/ccc", filepath.Join(snap, "config.json")))
	for _, p := range []string{root, snap} {
		m, err := loadSoon(t, p, Options{})
		require.NoError(t, err)
		require.Len(t, m.Tensors, 1)
		require.Equal(t, 3, m.Arch.Layers)
	}

	// A snapshot that is a link to /etc is refused.
	bad := "fedcba9876543210fedcba9876543210fedcba98"
	require.NoError(t, os.Symlink("/etc", filepath.Join(root, "snapshots", bad)))
	writeFile(t, filepath.Join(root, "refs", "main"), bad)
	_, err := loadSoon(t, root, Options{})
	require.ErrorContains(t, err, "a link to outside the model directory (/etc)")
	requireNoPasswd(t, err.Error())

	// Without refs/main, the link to /etc is not a snapshot to choose.
	require.NoError(t, os.Remove(filepath.Join(root, "refs", "main")))
	m, err := loadSoon(t, root, Options{})
	require.NoError(t, err)
	require.Equal(t, snap, m.Dir)
}
