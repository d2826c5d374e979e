// Package fsroot reads a model directory without leaving it: a Root is a
// directory the user named, and every file read through it is opened by
// format's one open path (regular files only, non-blocking, checked again
// after the open) at a place the link rule allows.
//
// # The link rule
//
// A path given to a Root is relative to the model directory. It is
// resolved one component at a time; each symbolic link met on the way is
// read and its target resolved in its place, at most 40 links per path
// ("too many levels of symbolic links" beyond). A link is followed when
// the file it finally leads to lies inside the allowed area:
//
//   - the model directory itself, for any directory;
//   - for a directory inside a Hugging Face cache entry (a models--org--name
//     directory holding snapshots/ and blobs/), the snapshot directory it is
//     in or under, and the entry's blobs/ directory: the cache stores each
//     file once in blobs/ and links snapshots/<rev>/config.json to
//     ../../blobs/<hash>.
//
// Nothing else is followed. A path that is absolute or climbs above the
// model directory ("../x", even "../model/x"), a link whose target climbs
// above the top directory (the model directory, or the cache entry for a
// snapshot) or is an absolute path outside it, and a path that ends
// outside the allowed area are refused with an error matching ErrOutside,
// which for a link is a *LinkError naming the link and its target:
//
//	m/config.json: a link to outside the model directory (/etc/passwd)
//
// The target is the link's own text, escaped; nothing read from a file is
// ever put in a message. Options.FollowLinks (the --follow-links flag)
// turns the rule off: every link is followed wherever it points, and only
// the open path's checks remain.
//
// # Races
//
// The resolved path has no links left in it; it is opened through an
// os.Root held on the top directory (the model directory, or the cache
// entry), which opens each component with O_NOFOLLOW relative to the one
// before, so a directory swapped for a link meanwhile cannot lead out of
// the top directory. The file itself is Lstat'ed, opened with O_NOFOLLOW
// and O_NONBLOCK, and its descriptor Fstat'ed and compared with the Lstat
// (format.OpenChecked): a file replaced between the resolution and the
// open, by a link or by a pipe, is refused unread.
//
// os.Root is the base rather than plain paths because it already makes
// escaping the top directory impossible at the system-call level (openat
// relative to a held directory descriptor), on every system Go supports.
// It is not enough alone: it follows any link that stays inside the top
// directory (for a snapshot, that would admit refs/ and other snapshots),
// refuses absolute links even to places inside, says only "path escapes
// from parent" without naming the link, and opens named pipes and devices.
// So the rule is applied by the resolver here, and os.Root only opens
// paths already resolved.
package fsroot

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/tensorcount/tensorcount/format"
)

// MaxLinks bounds the links followed in resolving one path, as Linux's
// own 40.
const MaxLinks = 40

// ErrOutside is matched (errors.Is) by the error for a path the link rule
// refuses: a link leading out of the model directory, or a ".." climbing
// out of it.
var ErrOutside = errors.New("is outside the model directory")

// A LinkError is the cause of the error for a link the rule refuses. It
// matches ErrOutside.
type LinkError struct {
	// Link is the refused link, relative to the model directory.
	Link string
	// Target is what the link says it points to.
	Target string
	// Via is true when Link is not the path asked for but a link met on
	// the way (a directory link, or one link of a chain).
	Via bool
}

func (e *LinkError) Error() string {
	if e.Via {
		return "goes through " + format.Escape(e.Link) + ", a link to outside the model directory (" + format.Escape(e.Target) + ")"
	}
	return "a link to outside the model directory (" + format.Escape(e.Target) + ")"
}

// Is makes errors.Is(err, ErrOutside) hold.
func (e *LinkError) Is(target error) bool { return target == ErrOutside }

// Options change a Root's rule.
type Options struct {
	// FollowLinks follows every link wherever it points.
	FollowLinks bool
}

// A Root reads files in one model directory by the link rule. It is safe
// for use by several goroutines at once. Close it when done.
type Root struct {
	dir    string   // the model directory, as given
	follow bool     // Options.FollowLinks
	top    *os.Root // the top directory: dir, or the cache entry dir is in
	// topPaths are the absolute paths of the top directory, as made
	// absolute and with links resolved, to recognise absolute links to it.
	topPaths []string
	base     []string // dir's components below the top directory
	areas    []string // allowed areas, slash paths below the top; "" is all
}

// Open returns a Root for the model directory dir. The path dir itself is
// the user's, so links in it are followed. If dir is in a Hugging Face
// cache entry, the root's top directory is the entry and its blobs/ is
// allowed too (see the package documentation).
func Open(dir string, opt Options) (*Root, error) {
	r := &Root{dir: dir, follow: opt.FollowLinks}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, format.PathError(dir, err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, format.PathError(dir, err)
	}
	fi, err := os.Stat(real)
	if err != nil {
		return nil, format.PathError(dir, err)
	}
	if !fi.IsDir() {
		return nil, &format.Error{File: dir, Offset: -1, Err: syscall.ENOTDIR}
	}
	if opt.FollowLinks {
		return r, nil
	}
	top := real
	r.areas = []string{""}
	if entry, below, ok := hfEntry(real); ok {
		top = entry
		r.base = below
		r.areas = []string{strings.Join(below[:2], "/"), "blobs"}
	}
	r.topPaths = []string{top}
	if top == real && abs != real {
		r.topPaths = append(r.topPaths, abs)
	}
	if r.top, err = os.OpenRoot(top); err != nil {
		return nil, format.PathError(dir, err)
	}
	return r, nil
}

// hfEntry finds the Hugging Face cache entry that dir (an absolute path
// without links) is a snapshot directory of, or is under one of, and
// returns the entry and dir's components below it, snapshots/<rev>/….
func hfEntry(dir string) (entry string, below []string, ok bool) {
	for d := dir; ; {
		parent := filepath.Dir(d)
		if parent == d {
			return "", nil, false
		}
		if filepath.Base(parent) == "snapshots" {
			e := filepath.Dir(parent)
			if strings.HasPrefix(filepath.Base(e), "models--") && isDir(filepath.Join(e, "blobs")) {
				rel, err := filepath.Rel(e, dir)
				if err != nil {
					return "", nil, false
				}
				return e, split(rel), true
			}
		}
		d = parent
	}
}

func isDir(path string) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.IsDir()
}

// Dir returns the model directory as given to Open.
func (r *Root) Dir() string { return r.dir }

// Path returns the path messages name rel by: the model directory joined
// with rel, cleaned unless rel climbs out (so that the message shows the
// ".."); an absolute rel is itself.
func (r *Root) Path(rel string) string {
	if rel == "" {
		return r.dir
	}
	if filepath.IsAbs(rel) {
		return rel
	}
	if !filepath.IsLocal(rel) {
		return r.dir + string(filepath.Separator) + rel
	}
	return filepath.Join(r.dir, rel)
}

// Close releases the root.
func (r *Root) Close() error {
	if r.top == nil {
		return nil
	}
	return r.top.Close()
}

// Open opens the regular file rel by the link rule and the one open path
// (format.OpenChecked), and returns it with its size. Errors are
// *format.Error values naming r.Path(rel).
func (r *Root) Open(rel string) (*os.File, int64, error) {
	name := r.Path(rel)
	if r.follow {
		return format.OpenRegular(name)
	}
	p, err := r.resolve(rel)
	if err != nil {
		return nil, 0, err
	}
	return format.OpenChecked(name,
		func() (fs.FileInfo, error) { return r.top.Lstat(p) },
		func() (*os.File, error) { return r.top.OpenFile(p, format.NoFollowFlags, 0) })
}

// OpenPath is Open for a path written as filepath.Join(r.Dir(), rel),
// the form the model loader and the readers build, so that it can stand
// in for format.OpenRegular (it is a format.OpenFunc). A path not under
// r.Dir() is refused as outside.
func (r *Root) OpenPath(path string) (*os.File, int64, error) {
	rel, err := filepath.Rel(r.dir, path)
	if err != nil || !filepath.IsLocal(rel) {
		return nil, 0, &format.Error{File: path, Offset: -1, Err: ErrOutside}
	}
	return r.Open(rel)
}

// ReadSmall reads the whole small file rel of the given kind, as
// format.ReadSmall does but by the link rule.
func (r *Root) ReadSmall(rel string, kind format.Small) ([]byte, error) {
	f, size, err := r.Open(rel)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return format.ReadLimited(f, size, r.Path(rel), kind)
}

// Stat returns the FileInfo of what rel leads to by the link rule (a link
// the rule allows is followed; one it refuses is an error). The FileInfo's
// Name is the last element of rel, as os.Stat's would be.
func (r *Root) Stat(rel string) (fs.FileInfo, error) {
	if r.follow {
		fi, err := os.Stat(r.Path(rel))
		if err != nil {
			return nil, format.PathError(r.Path(rel), err)
		}
		return fi, nil
	}
	p, err := r.resolve(rel)
	if err != nil {
		return nil, err
	}
	fi, err := r.top.Lstat(p)
	if err != nil {
		return nil, format.PathError(r.Path(rel), err)
	}
	return namedInfo{fi, filepath.Base(r.Path(rel))}, nil
}

type namedInfo struct {
	fs.FileInfo
	name string
}

func (n namedInfo) Name() string { return n.name }

// ReadDir lists the directory rel ("." for the model directory) by the
// link rule, sorted by name as os.ReadDir sorts. Entries that are links
// say so (Type() has fs.ModeSymlink); Stat says where such an entry leads
// and whether the rule allows it.
func (r *Root) ReadDir(rel string) ([]fs.DirEntry, error) {
	name := r.Path(rel)
	var f *os.File
	if r.follow {
		fi, err := os.Stat(name)
		if err != nil {
			return nil, format.PathError(name, err)
		}
		if !fi.IsDir() {
			return nil, &format.Error{File: name, Offset: -1, Err: syscall.ENOTDIR}
		}
		if f, err = os.OpenFile(name, format.OpenFlags, 0); err != nil {
			return nil, format.PathError(name, err)
		}
	} else {
		p, err := r.resolve(rel)
		if err != nil {
			return nil, err
		}
		fi, err := r.top.Lstat(p)
		if err != nil {
			return nil, format.PathError(name, err)
		}
		if !fi.IsDir() {
			return nil, &format.Error{File: name, Offset: -1, Err: syscall.ENOTDIR}
		}
		if f, err = r.top.OpenFile(p, format.NoFollowFlags, 0); err != nil {
			return nil, format.PathError(name, err)
		}
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.IsDir() {
		return nil, &format.Error{File: name, Offset: -1, Err: format.ErrChanged}
	}
	entries, err := f.ReadDir(-1)
	if err != nil {
		return nil, format.PathError(name, err)
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return entries, nil
}

// A part is one path component still to resolve, with the link whose
// target it came from (nil for the path asked for).
type part struct {
	name string
	from *LinkError
}

// resolve applies the link rule to rel and returns the path it leads to,
// relative to the top directory, with no links in it ("." for the top).
func (r *Root) resolve(rel string) (string, error) {
	if rel == "" {
		rel = "."
	}
	name := r.Path(rel)
	if !filepath.IsLocal(rel) {
		// Absolute, or climbing above the model directory (even to come
		// back down: "../model/x" is refused as "../x" is).
		return "", &format.Error{File: name, Offset: -1, Err: ErrOutside}
	}
	asked := filepath.Clean(rel)
	var todo []part
	for _, c := range r.base {
		todo = append(todo, part{c, nil})
	}
	for _, c := range split(rel) {
		todo = append(todo, part{c, nil})
	}
	var done []string
	var last *LinkError
	for links := 0; len(todo) > 0; {
		c := todo[0]
		todo = todo[1:]
		switch c.name {
		case "", ".":
			continue
		case "..":
			if len(done) == 0 {
				return "", r.outside(name, c.from)
			}
			done = done[:len(done)-1]
			continue
		}
		p := strings.Join(append(done, c.name), "/")
		fi, err := r.top.Lstat(p)
		if err != nil {
			return "", format.PathError(name, err)
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			done = append(done, c.name)
			continue
		}
		if links++; links > MaxLinks {
			return "", &format.Error{File: name, Offset: -1, Err: syscall.ELOOP}
		}
		target, err := r.top.Readlink(p)
		if err != nil {
			return "", format.PathError(name, err)
		}
		link := &LinkError{Link: r.fromDir(p), Target: target}
		link.Via = link.Link != asked
		last = link
		if filepath.IsAbs(target) || filepath.VolumeName(target) != "" {
			in, ok := r.underTop(target)
			if !ok {
				return "", r.outside(name, link)
			}
			done = done[:0]
			target = in
		}
		var parts []part
		for _, t := range split(target) {
			parts = append(parts, part{t, link})
		}
		todo = append(parts, todo...)
	}
	p := strings.Join(done, "/")
	if !r.allowed(p) {
		return "", r.outside(name, last)
	}
	if p == "" {
		p = "."
	}
	return p, nil
}

func (r *Root) outside(name string, link *LinkError) error {
	if link == nil {
		return &format.Error{File: name, Offset: -1, Err: ErrOutside}
	}
	return &format.Error{File: name, Offset: -1, Err: link}
}

// allowed reports whether p, a slash path below the top, is in an
// allowed area.
func (r *Root) allowed(p string) bool {
	for _, a := range r.areas {
		if a == "" || p == a || strings.HasPrefix(p, a+"/") {
			return true
		}
	}
	return false
}

// underTop returns an absolute path's place below the top directory.
func (r *Root) underTop(target string) (string, bool) {
	target = filepath.Clean(target)
	for _, t := range r.topPaths {
		if rel, err := filepath.Rel(t, target); err == nil && (rel == "." || filepath.IsLocal(rel)) {
			return filepath.ToSlash(rel), true
		}
	}
	return "", false
}

// fromDir writes p, a slash path below the top, relative to the model
// directory, for a message.
func (r *Root) fromDir(p string) string {
	rel, err := filepath.Rel(filepath.Join(r.base...), filepath.FromSlash(p))
	if err != nil {
		return p
	}
	return rel
}

// split cuts a path into its components, on / and on the system's
// separator.
func split(p string) []string {
	return strings.FieldsFunc(p, func(c rune) bool { return c == '/' || c == filepath.Separator })
}
