//go:build unix

package fsroot_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/internal/fsroot"
)

// tree makes files and links under dir: "name" → content for a file,
// "name@" → target for a link.
func tree(t *testing.T, dir string, entries map[string]string) {
	t.Helper()
	for name, v := range entries {
		link := strings.HasSuffix(name, "@")
		p := filepath.Join(dir, strings.TrimSuffix(name, "@"))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		if link {
			require.NoError(t, os.Symlink(v, p))
		} else {
			require.NoError(t, os.WriteFile(p, []byte(v), 0o644))
		}
	}
}

func open(t *testing.T, dir string, opt fsroot.Options) *fsroot.Root {
	t.Helper()
	r, err := fsroot.Open(dir, opt)
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	return r
}

func read(r *fsroot.Root, rel string) (string, error) {
	b, err := r.ReadSmall(rel, format.SmallConfig)
	return string(b), err
}

// prompt fails the test instead of hanging it if f blocks (a deadlock
// guard, not a timing assertion).
func prompt[T any](t *testing.T, f func() T) T {
	t.Helper()
	done := make(chan T, 1)
	go func() { done <- f() }()
	select {
	case v := <-done:
		return v
	case <-time.After(30 * time.Second):
		t.Fatal("blocked on a special file")
		panic("unreachable")
	}
}

func TestLinksInside(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "model")
	tree(t, dir, map[string]string{
		"config.json":       "c",
		"sub/real.json":     "r",
		"inside.json@":      "sub/real.json",
		"up.json@":          "sub/../config.json",
		"sub/back.json@":    "../config.json",
		"chain.json@":       "inside.json",
		"linkdir@":          "sub",
		"abs.json@":         filepath.Join(dir, "sub", "real.json"),
		"sub/deeper/x.json": "x",
	})
	r := open(t, dir, fsroot.Options{})
	for rel, want := range map[string]string{
		"config.json":               "c",
		"inside.json":               "r",
		"up.json":                   "c",
		"sub/back.json":             "c",
		"chain.json":                "r",
		"linkdir/real.json":         "r",
		"linkdir/../config.json":    "c", // .. after a directory link climbs from its target
		"abs.json":                  "r",
		"sub/../config.json":        "c",
		"./sub/deeper/../real.json": "r",
	} {
		got, err := read(r, rel)
		require.NoError(t, err, rel)
		require.Equal(t, want, got, rel)
	}
	fi, err := r.Stat("inside.json")
	require.NoError(t, err)
	require.Equal(t, "inside.json", fi.Name())
	require.Equal(t, int64(1), fi.Size())
	require.True(t, fi.Mode().IsRegular())
}

func TestLinksOutside(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "model")
	tree(t, base, map[string]string{"secret": "s", "model/config.json": "c"})
	tree(t, dir, map[string]string{
		"passwd.json@":   "/etc/passwd",
		"rel.json@":      "../secret",
		"deep.json@":     "sub/../../secret",
		"etc@":           "/etc",
		"chain.json@":    "rel.json",
		"dotdot@":        "..",
		"sub/up.json@":   "../../secret",
		"zero.json@":     "/dev/zero",
		"\x1bname.json@": "/etc/\x1b[2Jx",
	})
	r := open(t, dir, fsroot.Options{})
	for _, c := range []struct{ rel, msg string }{
		{"passwd.json", "a link to outside the model directory (/etc/passwd)"},
		{"rel.json", "a link to outside the model directory (../secret)"},
		{"deep.json", "a link to outside the model directory (sub/../../secret)"},
		{"etc/passwd", "goes through etc, a link to outside the model directory (/etc)"},
		{"chain.json", "goes through rel.json, a link to outside the model directory (../secret)"},
		{"dotdot/secret", "goes through dotdot, a link to outside the model directory (..)"},
		{"sub/up.json", "a link to outside the model directory (../../secret)"},
		{"zero.json", "a link to outside the model directory (/dev/zero)"},
		{"\x1bname.json", `a link to outside the model directory (/etc/\x1b[2Jx)`},
	} {
		_, err := read(r, c.rel)
		require.ErrorIs(t, err, fsroot.ErrOutside, c.rel)
		require.Equal(t, format.Escape(filepath.Join(dir, c.rel))+": "+c.msg, err.Error())
		var le *fsroot.LinkError
		require.True(t, errors.As(err, &le), c.rel)
		_, err = r.Stat(c.rel)
		require.ErrorIs(t, err, fsroot.ErrOutside, c.rel)
		_, _, err = r.Open(c.rel)
		require.ErrorIs(t, err, fsroot.ErrOutside, c.rel)
	}
	// A path that climbs out by itself, no link involved.
	for _, rel := range []string{"../secret", "sub/../../secret", "../model/../../secret", "/etc/passwd"} {
		_, err := read(r, rel)
		require.ErrorIs(t, err, fsroot.ErrOutside, rel)
		require.EqualError(t, err, r.Path(rel)+": is outside the model directory")
	}
	_, err := r.ReadDir("etc")
	require.ErrorIs(t, err, fsroot.ErrOutside)
	_, _, err = r.OpenPath(filepath.Join(base, "secret"))
	require.ErrorIs(t, err, fsroot.ErrOutside)
	// Climbing out and back in is refused too: ".." never goes above the
	// model directory.
	_, err = read(r, "../model/config.json")
	require.EqualError(t, err, dir+"/../model/config.json: is outside the model directory")
}

func TestFollowLinks(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "model")
	tree(t, base, map[string]string{"secret": "s", "model/config.json": "c"})
	tree(t, dir, map[string]string{"rel.json@": "../secret", "zero.json@": "/dev/zero", "up@": ".."})
	r := open(t, dir, fsroot.Options{FollowLinks: true})
	got, err := read(r, "rel.json")
	require.NoError(t, err)
	require.Equal(t, "s", got)
	got, err = read(r, "up/secret")
	require.NoError(t, err)
	require.Equal(t, "s", got)
	// Special files stay refused.
	err = prompt(t, func() error { _, err := read(r, "zero.json"); return err })
	require.ErrorIs(t, err, format.ErrDevice)
	entries, err := r.ReadDir("up")
	require.NoError(t, err)
	require.Equal(t, []string{"model", "secret"}, names(entries))
}

func names(entries []fs.DirEntry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestLinkLoops(t *testing.T) {
	dir := t.TempDir()
	tree(t, dir, map[string]string{"a@": "b", "b@": "a", "self@": "self", "d@": "d/x"})
	// A chain of exactly MaxLinks links resolves; one more does not.
	tree(t, dir, map[string]string{"end": "e"})
	prev := "end"
	for i := 1; i <= fsroot.MaxLinks+1; i++ {
		name := fmt.Sprintf("l%d", i)
		tree(t, dir, map[string]string{name + "@": prev})
		prev = name
	}
	r := open(t, dir, fsroot.Options{})
	for _, rel := range []string{"a", "self", "d", fmt.Sprintf("l%d", fsroot.MaxLinks+1)} {
		_, err := read(r, rel)
		require.EqualError(t, err, filepath.Join(dir, rel)+": too many levels of symbolic links", rel)
		require.ErrorIs(t, err, syscall.ELOOP)
	}
	got, err := read(r, fmt.Sprintf("l%d", fsroot.MaxLinks))
	require.NoError(t, err)
	require.Equal(t, "e", got)
}

func TestSpecialFilesInRoot(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"model.safetensors", "config.json", "params.json"} {
		require.NoError(t, syscall.Mkfifo(filepath.Join(dir, name), 0o644))
	}
	tree(t, dir, map[string]string{"link.json@": "config.json", "sub/x": "x"})
	r := open(t, dir, fsroot.Options{})
	for _, rel := range []string{"model.safetensors", "config.json", "params.json", "link.json"} {
		err := prompt(t, func() error { _, err := read(r, rel); return err })
		require.EqualError(t, err, filepath.Join(dir, rel)+": is a named pipe, not a regular file")
		err = prompt(t, func() error { _, _, err := r.Open(rel); return err })
		require.ErrorIs(t, err, format.ErrNamedPipe)
		err = prompt(t, func() error { _, err := r.ReadDir(rel); return err })
		require.EqualError(t, err, filepath.Join(dir, rel)+": not a directory")
	}
	_, err := read(r, "sub")
	require.EqualError(t, err, filepath.Join(dir, "sub")+": is a directory")
	_, err = read(r, "missing.json")
	require.EqualError(t, err, filepath.Join(dir, "missing.json")+": no such file or directory")
	require.ErrorIs(t, err, fs.ErrNotExist)
	_, err = read(r, "sub/x/y")
	require.EqualError(t, err, filepath.Join(dir, "sub/x/y")+": not a directory")
}

// hfCache lays out a Hugging Face cache entry with one snapshot.
func hfCache(t *testing.T) (entry, snap string) {
	hub := t.TempDir()
	entry = filepath.Join(hub, "models--org--name")
	rev := "0123456789abcdef0123456789abcdef01234567"
	snap = filepath.Join(entry, "snapshots", rev)
	tree(t, hub, map[string]string{"secret": "s"})
	tree(t, entry, map[string]string{
		"blobs/aaaa":                                  `{"model_type":"llama"}`,
		"blobs/bbbb":                                  "weights",
		"refs/main":                                   rev,
		"snapshots/other/config.json":                 "other",
		"snapshots/" + rev + "/config.json@":          "../../blobs/aaaa",
		"snapshots/" + rev + "/model.safetensors@":    "../../blobs/bbbb",
		"snapshots/" + rev + "/original/params.json@": "../../../blobs/aaaa",
		"snapshots/" + rev + "/abs.json@":             filepath.Join(entry, "blobs", "aaaa"),
		"snapshots/" + rev + "/passwd@":               "/etc/passwd",
		"snapshots/" + rev + "/ref@":                  "../../refs/main",
		"snapshots/" + rev + "/sibling.json@":         "../other/config.json",
		"snapshots/" + rev + "/out@":                  "../../../secret",
		"snapshots/" + rev + "/blobdir@":              "../../blobs",
	})
	return entry, snap
}

func TestHFCacheSnapshot(t *testing.T) {
	entry, snap := hfCache(t)
	r := open(t, snap, fsroot.Options{})
	for rel, want := range map[string]string{
		"config.json":          `{"model_type":"llama"}`,
		"model.safetensors":    "weights",
		"original/params.json": `{"model_type":"llama"}`,
		"abs.json":             `{"model_type":"llama"}`,
		"blobdir/bbbb":         "weights",
	} {
		got, err := read(r, rel)
		require.NoError(t, err, rel)
		require.Equal(t, want, got, rel)
	}
	fi, err := r.Stat("model.safetensors")
	require.NoError(t, err)
	require.Equal(t, "model.safetensors", fi.Name())
	require.Equal(t, int64(len("weights")), fi.Size())
	entries, err := r.ReadDir("")
	require.NoError(t, err)
	require.Equal(t, []string{"abs.json", "blobdir", "config.json", "model.safetensors", "original", "out", "passwd", "ref", "sibling.json"}, names(entries))
	require.NotZero(t, entries[2].Type()&fs.ModeSymlink, "entries that are links say so")
	f, size, err := r.OpenPath(filepath.Join(snap, "model.safetensors"))
	require.NoError(t, err)
	require.Equal(t, int64(7), size)
	f.Close()

	for rel, target := range map[string]string{
		"passwd":       "/etc/passwd",
		"ref":          "../../refs/main",      // inside the entry, but not blobs/
		"sibling.json": "../other/config.json", // another snapshot
		"out":          "../../../secret",
	} {
		_, err := read(r, rel)
		require.EqualError(t, err, filepath.Join(snap, rel)+": a link to outside the model directory ("+target+")", rel)
	}
	// The path itself may not climb to blobs/ or a sibling snapshot.
	for _, rel := range []string{"../../blobs/aaaa", "../other/config.json", "../" + filepath.Base(snap) + "/config.json"} {
		_, err := read(r, rel)
		require.EqualError(t, err, r.Path(rel)+": is outside the model directory", rel)
	}
	// The entry itself, as hfSnapshot reads it.
	er := open(t, entry, fsroot.Options{})
	b, err := er.ReadSmall("refs/main", format.SmallRef)
	require.NoError(t, err)
	require.Len(t, b, 40)
	fi, err = er.Stat("snapshots/" + string(b))
	require.NoError(t, err)
	require.True(t, fi.IsDir())
}

// TestHFCacheLookalike: blobs/ is allowed only for a real cache entry.
func TestHFCacheLookalike(t *testing.T) {
	base := t.TempDir()
	tree(t, base, map[string]string{
		"notmodels/blobs/aaaa":               "a",
		"notmodels/snapshots/r/config.json@": "../../blobs/aaaa",
	})
	r := open(t, filepath.Join(base, "notmodels", "snapshots", "r"), fsroot.Options{})
	_, err := read(r, "config.json")
	require.ErrorIs(t, err, fsroot.ErrOutside)
}

// TestSparseRef: a 1 GiB sparse refs/main is refused from its size, with
// next to no memory.
func TestSparseRef(t *testing.T) {
	entry, _ := hfCache(t)
	p := filepath.Join(entry, "refs", "main")
	require.NoError(t, os.Truncate(p, 1<<30))
	r := open(t, entry, fsroot.Options{})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := r.ReadSmall("refs/main", format.SmallRef)
	runtime.ReadMemStats(&after)
	require.EqualError(t, err, p+": larger than the 256-byte limit for a Hugging Face ref")
	require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<10))
}

func TestOpenRootErrors(t *testing.T) {
	dir := t.TempDir()
	tree(t, dir, map[string]string{"file": "x"})
	_, err := fsroot.Open(filepath.Join(dir, "file"), fsroot.Options{})
	require.EqualError(t, err, filepath.Join(dir, "file")+": not a directory")
	_, err = fsroot.Open(filepath.Join(dir, "missing"), fsroot.Options{})
	require.ErrorIs(t, err, fs.ErrNotExist)
	// A root given through a link is the link's target; absolute links to
	// it by either name are inside.
	tree(t, dir, map[string]string{"real/config.json": "c", "alias@": "real"})
	tree(t, dir, map[string]string{"real/viaalias.json@": filepath.Join(dir, "alias", "config.json")})
	r := open(t, filepath.Join(dir, "alias"), fsroot.Options{})
	got, err := read(r, "viaalias.json")
	require.NoError(t, err)
	require.Equal(t, "c", got)
}

func ExampleRoot() {
	dir, _ := os.MkdirTemp("", "model")
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"model_type":"llama"}`), 0o644)
	os.Symlink("/etc/passwd", filepath.Join(dir, "params.json"))

	root, err := fsroot.Open(dir, fsroot.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer root.Close()
	for _, name := range []string{"config.json", "params.json"} {
		b, err := root.ReadSmall(name, format.SmallConfig)
		if errors.Is(err, fsroot.ErrOutside) {
			fmt.Println("skipped", strings.TrimPrefix(err.Error(), dir+"/"))
			continue
		}
		fmt.Println(name, len(b), "bytes")
	}
	// Output:
	// config.json 22 bytes
	// skipped params.json: a link to outside the model directory (/etc/passwd)
}
