package source

import (
	"context"
	"strings"
)

// Sub returns the part of s under the folder prefix (hf://org/name/sub):
// names are relative to the folder.
func Sub(s Source, prefix string) Source {
	prefix = strings.Trim(prefix, "/")
	if prefix == "" {
		return s
	}
	return &sub{s, prefix + "/"}
}

type sub struct {
	s      Source
	prefix string
}

func (d *sub) Describe() string { return d.s.Describe() + "/" + strings.TrimSuffix(d.prefix, "/") }

func (d *sub) List(ctx context.Context) ([]Entry, error) {
	all, err := d.s.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, e := range all {
		if rest, ok := strings.CutPrefix(e.Name, d.prefix); ok {
			e.Name = rest
			out = append(out, e)
		}
	}
	return out, nil
}

func (d *sub) Open(ctx context.Context, name string) (File, error) {
	return d.s.Open(ctx, d.prefix+name)
}

func (d *sub) ReadFile(ctx context.Context, name string, limit int64) ([]byte, error) {
	return d.s.ReadFile(ctx, d.prefix+name, limit)
}

func (d *sub) Remote() bool { return IsRemote(d.s) }

func (d *sub) LocalDir() string {
	if l, ok := d.s.(Local); ok && l.LocalDir() != "" {
		return l.LocalDir() + "/" + strings.TrimSuffix(d.prefix, "/")
	}
	return ""
}
