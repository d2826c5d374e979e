package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Dir is a Source over a local directory. It exists for tests and for
// the loader's uniformity; it does not guard against symbolic links that
// leave the directory (local safety stays with the loader).
type Dir string

func (d Dir) Describe() string { return string(d) }

func (d Dir) List(ctx context.Context) ([]Entry, error) {
	var out []Entry
	root := string(d)
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			return nil
		}
		fi, err := e.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		out = append(out, Entry{Name: filepath.ToSlash(rel), Size: fi.Size()})
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

func (d Dir) path(name string) (string, error) {
	clean := path.Clean(name)
	if name == "" || clean != name || strings.HasPrefix(clean, "../") || clean == ".." || path.IsAbs(clean) {
		return "", fmt.Errorf("%s: not a file name inside %s", quoteArg(name), d)
	}
	return filepath.Join(string(d), filepath.FromSlash(clean)), nil
}

func (d Dir) Open(ctx context.Context, name string) (File, error) {
	p, err := d.path(name)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return localFile{f, fi.Size()}, nil
}

func (d Dir) ReadFile(ctx context.Context, name string, limit int64) ([]byte, error) {
	f, err := d.Open(ctx, name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadAll(f, name, limit)
}

// ReadAll reads a whole File of at most limit bytes.
func ReadAll(f File, name string, limit int64) ([]byte, error) {
	if f.Size() > limit {
		return nil, &TooLargeError{Name: name, Size: f.Size(), Limit: limit}
	}
	b := make([]byte, f.Size())
	n, err := f.ReadAt(b, 0)
	if n == len(b) {
		return b, nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return nil, err
}

// A TooLargeError reports a small file over its limit.
type TooLargeError struct {
	Name        string
	Size, Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s: %d bytes, larger than the %d-byte limit for this kind of file", quoteArg(e.Name), e.Size, e.Limit)
}

type localFile struct {
	*os.File
	size int64
}

func (f localFile) Size() int64  { return f.size }
func (f localFile) Stats() Stats { return Stats{} }
