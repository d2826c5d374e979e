// Package hubtest serves directories the way the Hugging Face Hub does —
// API, tree listing with pagination, resolve with redirects to a second
// "CDN" host that honours Range — plus an Ollama registry, for tests of
// the remote sources. It counts requests and bytes per host and path,
// records whether a token ever reached the CDN, and injects faults.
// Everything listens on 127.0.0.1.
package hubtest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// A Repo is a model repository served from a directory.
type Repo struct {
	ID  string // "org/name"
	Dir string
	// Commit is the sha of the default branch; derived from ID if empty.
	Commit string
	// Refs maps further revisions (branches, tags) to commits. Any
	// revision equal to Commit also works, as does "main".
	Refs map[string]string
	// Gated repos need the server's token; a missing token is a 401
	// GatedRepo, a wrong one a 403 GatedRepo. Private repos answer 401
	// RepoNotFound without the token.
	Gated, Private bool
	// Params is the Hub's own safetensors figure (expand[]=safetensors):
	// dtype → parameters. nil leaves it out.
	Params map[string]int64
}

// Faults are injected into answers. Counts are per URL path, so that
// every file sees the fault once, whatever the concurrency.
type Faults struct {
	Latency time.Duration // before every answer, on both hosts
	// Only restricts the faults (not the latency) to paths containing it.
	Only string
	// Fail answers the first N requests of each CDN path with Status
	// (default 503).
	Fail   int
	Status int
	// RateLimit answers the first N requests of each hub API path with
	// 429 and these headers.
	RateLimit       int
	RetryAfter      string // e.g. "3" or an HTTP date
	RateLimitHeader string // e.g. `"api";r=0;t=12`
	IgnoreRange     bool   // the CDN answers 200 with the whole file
	CutAfter        int64  // the first CDN answer of each path stops after N body bytes
	StallAfter      int64  // the first CDN answer of each path stalls after N body bytes
	ChangeETagAfter int    // from the (N+1)th CDN request of a path on, its ETag differs
	ExpireCDN       int    // the first N CDN requests of each path answer 403 (an expired URL)
	MaxRange        int64  // the CDN answers at most N bytes of a range (a capped server)
}

// A Count is requests and body bytes.
type Count struct {
	Requests int64
	Bytes    int64
}

// A Server is a fake Hub (Hub) with its CDN (CDN) on another port.
type Server struct {
	Hub, CDN *httptest.Server
	// Token is the token gated and private repositories need.
	Token string
	// TreePage is the tree listing's page size (default 50).
	TreePage int

	mu        sync.Mutex
	repos     map[string]*Repo
	ollama    map[string][]byte // "ns/name:tag" → manifest
	blobs     map[string]string // CDN key → file path
	faults    Faults
	byPath    map[string]*Count
	byHost    map[string]*Count
	seen      map[string]int // requests per path, for fault scheduling
	authToCDN bool
	stall     chan struct{}
}

// New starts a Hub and a CDN; both stop when the test ends.
func New(t testing.TB) *Server {
	s := &Server{
		Token:  "hf_test_secret_token",
		repos:  map[string]*Repo{},
		ollama: map[string][]byte{},
		blobs:  map[string]string{},
		byPath: map[string]*Count{},
		byHost: map[string]*Count{},
		seen:   map[string]int{},
		stall:  make(chan struct{}),
	}
	s.Hub = httptest.NewServer(http.HandlerFunc(s.serveHub))
	s.CDN = httptest.NewServer(http.HandlerFunc(s.serveCDN))
	t.Cleanup(func() {
		close(s.stall)
		s.CDN.CloseClientConnections()
		s.Hub.CloseClientConnections()
		s.Hub.Close()
		s.CDN.Close()
	})
	return s
}

// URL is the Hub's address, for HF_ENDPOINT.
func (s *Server) URL() string { return s.Hub.URL }

// AddRepo serves r.
func (s *Server) AddRepo(r Repo) *Repo {
	if r.Commit == "" {
		h := sha256.Sum256([]byte("commit:" + r.ID))
		r.Commit = hex.EncodeToString(h[:20])
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repos[r.ID] = &r
	return &r
}

// SetFaults replaces the injected faults and forgets earlier requests,
// so per-path counts start again.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	s.seen = map[string]int{}
}

// Reset clears the counters.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byPath = map[string]*Count{}
	s.byHost = map[string]*Count{}
	s.seen = map[string]int{}
	s.authToCDN = false
}

// Host returns the counts of "hub" or "cdn".
func (s *Server) Host(name string) Count {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.byHost[name]; c != nil {
		return *c
	}
	return Count{}
}

// Path returns the counts of one URL path on either host.
func (s *Server) Path(p string) Count {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.byPath[p]; c != nil {
		return *c
	}
	return Count{}
}

// Paths lists every path requested, sorted.
func (s *Server) Paths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.byPath))
	for p := range s.byPath {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// AuthReachedCDN reports whether any CDN request carried Authorization.
func (s *Server) AuthReachedCDN() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authToCDN
}

// count records a request and returns the fault state for it: the
// faults and how many earlier requests its path had.
func (s *Server) count(host string, r *http.Request) (Faults, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := r.URL.Path
	for m, k := range map[*map[string]*Count]string{&s.byPath: p, &s.byHost: host} {
		if (*m)[k] == nil {
			(*m)[k] = &Count{}
		}
		(*m)[k].Requests++
	}
	if host == "cdn" && r.Header.Get("Authorization") != "" {
		s.authToCDN = true
	}
	n := s.seen[p]
	s.seen[p]++
	f := s.faults
	if f.Only != "" && !strings.Contains(p, f.Only) {
		f = Faults{Latency: f.Latency}
	}
	return f, n
}

func (s *Server) addBytes(host, p string, n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.byPath[p]; c != nil {
		c.Bytes += n
	}
	if c := s.byHost[host]; c != nil {
		c.Bytes += n
	}
}

// countingWriter counts body bytes written.
type countingWriter struct {
	http.ResponseWriter
	s     *Server
	host  string
	path  string
	limit int64 // -1: none; else stop after limit bytes
	n     int64
}

func (w *countingWriter) Write(p []byte) (int, error) {
	if w.limit >= 0 && w.n+int64(len(p)) > w.limit {
		p = p[:w.limit-w.n]
	}
	n, err := w.ResponseWriter.Write(p)
	w.n += int64(n)
	w.s.addBytes(w.host, w.path, int64(n))
	return n, err
}

func (w *countingWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// fileInfo describes a repository file.
type fileInfo struct {
	path string // slash path in the repo
	full string
	size int64
	lfs  bool
	oid  string // git blob id (non-LFS) or LFS sha256
}

// lfsFile says which files the Hub keeps in LFS: weights, and anything
// over 10 MB.
func lfsFile(name string, size int64) bool {
	for _, ext := range []string{".safetensors", ".gguf", ".bin", ".pt", ".pth", ".onnx"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return size > 10<<20
}

// files walks a repo's directory.
func (r *Repo) files() ([]fileInfo, error) {
	var out []fileInfo
	err := filepath.Walk(r.Dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(r.Dir, p)
		rel = filepath.ToSlash(rel)
		out = append(out, fileInfo{path: rel, full: p, size: fi.Size(), lfs: lfsFile(rel, fi.Size()), oid: oid(r, rel, fi)})
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out, err
}

// oid stands in for a content hash: stable for an unchanged file, cheap
// for a sparse gigabyte.
func oid(r *Repo, rel string, fi os.FileInfo) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("%s|%s|%s|%d|%d", r.ID, r.Commit, rel, fi.Size(), fi.ModTime().UnixNano())))
	if lfsFile(rel, fi.Size()) {
		return hex.EncodeToString(h[:])
	}
	return hex.EncodeToString(h[:20])
}

func (r *Repo) file(p string) (fileInfo, bool) {
	files, err := r.files()
	if err != nil {
		return fileInfo{}, false
	}
	for _, f := range files {
		if f.path == p {
			return f, true
		}
	}
	return fileInfo{}, false
}

// commitOf resolves a revision.
func (r *Repo) commitOf(rev string) (string, bool) {
	if rev == "main" || rev == r.Commit {
		return r.Commit, true
	}
	c, ok := r.Refs[rev]
	return c, ok
}

// CommitFor returns the commit AddRepo gives a repository without one.
func CommitFor(id string) string {
	h := sha256.Sum256([]byte("commit:" + id))
	return hex.EncodeToString(h[:20])
}
