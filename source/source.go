// Package source is the seam between the loader and where weight files
// live: a local directory, a Hugging Face Hub repository, a single URL or
// an Ollama model. A Source names files by slash-separated paths relative
// to its root and opens them for positioned reads, so that the format
// readers (safetensors.NewFile, gguf.NewFile) read remote headers exactly
// as they read local ones.
//
// A loader uses it in this order:
//
//	spec, err := source.Parse(arg)             // KindLocal: the old path
//	t, err := remote.Open(ctx, spec, remote.Options{NoCache: noCache, Progress: p})
//	if t.LocalPath != "" { load from disk }     // already in the HF cache
//	entries, err := t.Source.List(ctx)         // names and sizes
//	// choose: t.File if set; else the index (ReadFile, then
//	// safetensors.ReadIndex), model.safetensors, or a GGUF from
//	// GGUFChoices (several: print FormatChoices, exit 2)
//	err = source.Each(ctx, t.Source, shards, 0, func(i int, f source.File) error {
//		sf, err := safetensors.NewFile(f, f.Size()) // or gguf.NewFile
//		...
//	})
//
// Scan refuses sources for which IsRemote is true.
package source

import (
	"context"
	"io"
	"sync/atomic"
)

// A Source is a set of named files.
type Source interface {
	// Describe names the source for messages and reports:
	// "hf://org/name@<commit>", a URL, "ollama://host/ns/name:tag" or a
	// directory. It never contains a token.
	Describe() string
	// List returns every file with its size, recursively, sorted by name.
	List(ctx context.Context) ([]Entry, error)
	// Open opens a file for positioned reads. Opening is cheap (no request
	// is made until the first read) and a File may be read from several
	// goroutines.
	Open(ctx context.Context, name string) (File, error)
	// ReadFile returns a small file whole. A file larger than limit bytes
	// is an error that names the limit.
	ReadFile(ctx context.Context, name string, limit int64) ([]byte, error)
}

// An Entry is one file of a Source.
type Entry struct {
	Name string // slash-separated, relative to the source's root
	Size int64
	// ETag identifies the content: the LFS sha256 or git blob id on the
	// Hub, a layer digest for Ollama; "" when unknown.
	ETag string
	// LFS is true for files the Hub stores in LFS (weights).
	LFS bool
}

// A File is an open file of a Source.
type File interface {
	io.ReaderAt
	Size() int64
	Close() error
	Stats() Stats
}

// Stats says what reading a file cost.
type Stats struct {
	Requests  int64 // HTTP requests made (redirects and retries included)
	Bytes     int64 // body bytes received from the network
	Retries   int64 // requests repeated after a fault
	CacheHits int64 // reads served entirely from memory or the disk cache
}

// Add returns the sum of two Stats.
func (s Stats) Add(o Stats) Stats {
	return Stats{s.Requests + o.Requests, s.Bytes + o.Bytes, s.Retries + o.Retries, s.CacheHits + o.CacheHits}
}

// Progress counts work across every file of a load, for a progress line:
// the sources update it, the CLI reads it (from any goroutine) and draws.
// A nil *Progress is valid and counts nothing.
type Progress struct {
	FilesOpened atomic.Int64
	FilesDone   atomic.Int64 // files closed
	Requests    atomic.Int64
	Bytes       atomic.Int64
}

// AddBytes records n bytes received.
func (p *Progress) AddBytes(n int64) {
	if p != nil {
		p.Bytes.Add(n)
	}
}

// AddRequest records one HTTP request.
func (p *Progress) AddRequest() {
	if p != nil {
		p.Requests.Add(1)
	}
}

// Opened records a file opened.
func (p *Progress) Opened() {
	if p != nil {
		p.FilesOpened.Add(1)
	}
}

// Done records a file closed.
func (p *Progress) Done() {
	if p != nil {
		p.FilesDone.Add(1)
	}
}

// A Limiter bounds how many files are read at once. Remote loaders open
// shards in parallel through it; 16 keeps a 163-shard set fast without
// looking like a flood to the server.
type Limiter chan struct{}

// DefaultConcurrency is the number of files read at once by default.
const DefaultConcurrency = 16

// NewLimiter returns a Limiter admitting n at once (DefaultConcurrency
// when n ≤ 0).
func NewLimiter(n int) Limiter {
	if n <= 0 {
		n = DefaultConcurrency
	}
	return make(Limiter, n)
}

// Acquire waits for a slot or for ctx to end.
func (l Limiter) Acquire(ctx context.Context) error {
	select {
	case l <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Release frees a slot taken by Acquire.
func (l Limiter) Release() { <-l }

// Remote is implemented by sources that read over the network. Scan, which
// reads tensor data, refuses them.
type Remote interface {
	Remote() bool
}

// IsRemote reports whether s reads over the network.
func IsRemote(s Source) bool {
	r, ok := s.(Remote)
	return ok && r.Remote()
}

// Local is implemented by remote sources whose files are already on disk
// (a Hub repository in the local Hugging Face cache at the pinned commit):
// LocalDir returns the directory to load from instead, or "".
type Local interface {
	LocalDir() string
}
