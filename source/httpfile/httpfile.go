// Package httpfile reads a weight or index file at a plain http(s) URL
// as a source.Source. Files beside it (the shards an index names) are
// opened relative to the URL. Nothing is cached on disk: a plain URL has
// no immutable version to key bytes on.
package httpfile

import (
	"context"
	"fmt"
	"net/url"
	"path"
	"strings"
	"sync"

	"github.com/tensorcount/tensorcount/source"
	"github.com/tensorcount/tensorcount/source/rangeio"
)

// A Source is the file at a URL and its siblings.
type Source struct {
	c     *rangeio.Client
	ctx   context.Context
	base  *url.URL // the URL's directory
	name  string   // the file's base name
	shown string   // the URL without query or fragment, for messages

	mu    sync.Mutex
	first *rangeio.File // the prefetched main file, handed to the first Open
	entry source.Entry
}

// Open fetches the speculative first block of rawURL (learning its size
// and version) and returns the Source. client nil uses rangeio.NewClient().
func Open(ctx context.Context, rawURL string, client *rangeio.Client) (*Source, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s: not an http(s) URL", rangeio.Escape(rawURL))
	}
	if u.User != nil {
		return nil, fmt.Errorf("%s: URLs with credentials are refused", rangeio.Escape(u.Host))
	}
	if client == nil {
		client = rangeio.NewClient()
	}
	name := path.Base(u.Path)
	if name == "/" || name == "." || name == "" {
		return nil, fmt.Errorf("%s: the URL names no file", rangeio.Escape(rawURL))
	}
	shown := *u
	shown.RawQuery, shown.Fragment = "", ""
	s := &Source{c: client, ctx: ctx, base: u.JoinPath(".."), name: name, shown: shown.String()}
	s.base.RawQuery = ""
	f := s.open(u)
	if err := f.Prefetch(); err != nil {
		return nil, err
	}
	s.first = f
	s.entry = source.Entry{Name: name, Size: f.Size(), ETag: f.ETag()}
	return s, nil
}

func (s *Source) open(u *url.URL) *rangeio.File {
	shown := *u
	shown.RawQuery = ""
	return rangeio.Open(s.ctx, s.c, rangeio.Origin{URL: u.String()}, rangeio.Options{Name: rangeio.Escape(shown.String()), Size: -1})
}

// Name is the file the URL names, as List and Open know it.
func (s *Source) Name() string { return s.name }

func (s *Source) Describe() string { return rangeio.Escape(s.shown) }
func (s *Source) Remote() bool     { return true }

// List returns the one file the URL names: a URL cannot be listed.
func (s *Source) List(ctx context.Context) ([]source.Entry, error) {
	return []source.Entry{s.entry}, nil
}

// Open opens the URL's file or a sibling named relative to it
// ("model-00001-of-00002.safetensors", "sub/x.gguf").
func (s *Source) Open(ctx context.Context, name string) (source.File, error) {
	if name == s.name {
		s.mu.Lock()
		f := s.first
		s.first = nil
		s.mu.Unlock()
		if f != nil {
			return f, nil
		}
	}
	clean := path.Clean(name)
	if name == "" || clean != name || strings.HasPrefix(name, "/") || strings.HasPrefix(clean, "..") ||
		strings.Contains(name, "://") || strings.ContainsAny(name, "?#\\") {
		return nil, fmt.Errorf("%s: not a file name beside %s", rangeio.Escape(name), s.Describe())
	}
	// The size comes with the first answer, which is the speculative
	// block a header parse starts with anyway.
	f := s.open(s.base.JoinPath(name))
	if err := f.Prefetch(); err != nil {
		return nil, err
	}
	return f, nil
}

// ReadFile reads a small file whole.
func (s *Source) ReadFile(ctx context.Context, name string, limit int64) ([]byte, error) {
	f, err := s.Open(ctx, name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return source.ReadAll(f, name, limit)
}
