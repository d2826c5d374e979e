package hf

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/tensorcount/tensorcount/source"
	"github.com/tensorcount/tensorcount/source/rangeio"
)

// A Repo is one Hub repository pinned at a commit.
type Repo struct {
	opt      Options
	id       string
	rev      string // as asked ("" → main)
	commit   string
	gated    bool
	local    string // snapshot directory in the local HF cache, if complete
	siblings []string

	mu      sync.Mutex
	entries []source.Entry
	byName  map[string]int
}

var commitRE = regexp.MustCompile(`^[0-9a-f]{40}$`)

// maxAPIBody bounds an API answer (a revision, a tree page).
const maxAPIBody = 64 << 20

// Open resolves rev (default "main") of repository id ("org/name") to a
// commit with one request (none when rev is a commit the cache knows, or
// when offline), and returns the repository pinned there.
func Open(ctx context.Context, id, rev string, opt Options) (*Repo, error) {
	if opt.Endpoint == "" {
		opt.Endpoint = source.DefaultEndpoint
	}
	opt.Endpoint = strings.TrimRight(opt.Endpoint, "/")
	if opt.Client == nil {
		opt.Client = rangeio.NewClient()
	}
	if opt.MaxPages <= 0 {
		opt.MaxPages = 1000
	}
	if rev == "" {
		rev = "main"
	}
	r := &Repo{opt: opt, id: id, rev: rev}
	if err := r.resolve(ctx); err != nil {
		return nil, err
	}
	r.local = r.localSnapshot()
	return r, nil
}

type revInfo struct {
	SHA      string `json:"sha"`
	Gated    any    `json:"gated"`
	Siblings []struct {
		RFilename string `json:"rfilename"`
	} `json:"siblings"`
}

func (r *Repo) cacheKey(kind string, parts ...string) string {
	return "hf-" + kind + "\x00" + r.opt.Endpoint + "\x00" + r.id + "\x00" + strings.Join(parts, "\x00")
}

func (r *Repo) resolve(ctx context.Context) error {
	key := r.cacheKey("rev", r.rev)
	if b, ok := r.opt.Cache.Get(key); ok && (r.opt.Offline || commitRE.MatchString(r.rev)) {
		var ri revInfo
		if json.Unmarshal(b, &ri) == nil && commitRE.MatchString(ri.SHA) {
			r.setRev(ri)
			return nil
		}
	}
	if r.opt.Offline {
		if c := r.localRef(); c != "" {
			r.commit = c
			return nil
		}
		return &Error{Kind: ErrOffline, Endpoint: r.opt.Endpoint, Repo: r.id, Revision: r.rev}
	}
	u := r.opt.Endpoint + "/api/models/" + r.id + "/revision/" + url.PathEscape(r.rev)
	b, err := r.getAPI(ctx, u)
	if err != nil {
		return err
	}
	var ri revInfo
	if err := json.Unmarshal(b, &ri); err != nil || !commitRE.MatchString(ri.SHA) {
		return fmt.Errorf("hf://%s@%s: the Hub's revision answer has no commit", r.id, r.rev)
	}
	r.setRev(ri)
	slim, _ := json.Marshal(ri)
	r.opt.Cache.Put(key, slim)
	r.opt.Cache.Put(r.cacheKey("rev", ri.SHA), slim)
	return nil
}

func (r *Repo) setRev(ri revInfo) {
	r.commit = ri.SHA
	r.gated = ri.Gated != nil && ri.Gated != false
	for _, s := range ri.Siblings {
		r.siblings = append(r.siblings, s.RFilename)
	}
}

// getAPI GETs an API URL on the endpoint with the token and returns the
// bounded body; errors are *Error.
func (r *Repo) getAPI(ctx context.Context, u string) ([]byte, error) {
	for hop := 0; ; hop++ {
		resp, err := r.opt.Client.Do(ctx, rangeio.Request{URL: u, Header: r.auth(u)}, nil)
		if err != nil {
			return nil, fmt.Errorf("hf://%s: %w", r.id, err)
		}
		if loc := resp.Header.Get("Location"); resp.StatusCode/100 == 3 && loc != "" && hop < 3 {
			resp.Body.Close()
			next, err := url.Parse(u)
			if err == nil {
				next, err = next.Parse(loc)
			}
			if err != nil {
				return nil, fmt.Errorf("hf://%s: bad redirect", r.id)
			}
			u = next.String()
			continue
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, classify(resp, Error{Endpoint: r.opt.Endpoint, Repo: r.id, Revision: r.rev})
		}
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxAPIBody+1))
		if err != nil {
			return nil, fmt.Errorf("hf://%s: %w", r.id, err)
		}
		if len(b) > maxAPIBody {
			return nil, fmt.Errorf("hf://%s: API answer larger than %d bytes", r.id, maxAPIBody)
		}
		return b, nil
	}
}

// auth returns the Authorization header for u when u is on the
// endpoint's host, and nothing otherwise.
func (r *Repo) auth(u string) http.Header {
	if r.opt.Token == "" || !onHost(u, r.opt.Endpoint) {
		return nil
	}
	return http.Header{"Authorization": {"Bearer " + r.opt.Token}}
}

func onHost(u, endpoint string) bool {
	a, err1 := url.Parse(u)
	b, err2 := url.Parse(endpoint)
	return err1 == nil && err2 == nil && a.Scheme == b.Scheme && strings.EqualFold(a.Host, b.Host)
}

// ID returns "org/name"; Commit the pinned commit; Revision what was
// asked for.
func (r *Repo) ID() string       { return r.id }
func (r *Repo) Commit() string   { return r.commit }
func (r *Repo) Revision() string { return r.rev }

// Gated reports whether the Hub marks the repository gated.
func (r *Repo) Gated() bool { return r.gated }

// Describe returns hf://org/name@<commit>.
func (r *Repo) Describe() string { return "hf://" + r.id + "@" + r.commit }

// Remote is true: a Hub repository is read over the network.
func (r *Repo) Remote() bool { return true }

// LocalDir returns the snapshot directory of the pinned commit in the
// local Hugging Face cache when it is there, so the loader can read it
// from disk; "" otherwise.
func (r *Repo) LocalDir() string { return r.local }

type treeItem struct {
	Type string `json:"type"`
	OID  string `json:"oid"`
	Size int64  `json:"size"`
	Path string `json:"path"`
	LFS  *struct {
		OID  string `json:"oid"`
		Size int64  `json:"size"`
	} `json:"lfs"`
}

// List returns every file at the commit with its size, from the tree
// API (following Link rel="next" pages) or the cache.
func (r *Repo) List(ctx context.Context) ([]source.Entry, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.entries != nil {
		return r.entries, nil
	}
	key := r.cacheKey("tree", r.commit)
	if b, ok := r.opt.Cache.Get(key); ok {
		var es []source.Entry
		if json.Unmarshal(b, &es) == nil {
			r.setEntries(es)
			return es, nil
		}
	}
	if r.opt.Offline {
		if r.local != "" {
			es, err := source.Dir(r.local).List(ctx)
			if err == nil {
				r.setEntries(es)
			}
			return es, err
		}
		return nil, &Error{Kind: ErrOffline, Endpoint: r.opt.Endpoint, Repo: r.id, Revision: r.commit}
	}
	var es []source.Entry
	u := r.opt.Endpoint + "/api/models/" + r.id + "/tree/" + r.commit + "?recursive=true"
	for page := 0; u != ""; page++ {
		if page >= r.opt.MaxPages {
			return nil, fmt.Errorf("hf://%s: the listing has more than %d pages", r.id, r.opt.MaxPages)
		}
		b, next, err := r.treePage(ctx, u)
		if err != nil {
			return nil, err
		}
		var items []treeItem
		if err := json.Unmarshal(b, &items); err != nil {
			return nil, fmt.Errorf("hf://%s: the Hub's listing is not JSON: %w", r.id, err)
		}
		for _, it := range items {
			if it.Type != "file" {
				continue
			}
			e := source.Entry{Name: it.Path, Size: it.Size, ETag: it.OID}
			if it.LFS != nil {
				e.LFS, e.ETag, e.Size = true, it.LFS.OID, it.LFS.Size
			}
			es = append(es, e)
		}
		u = next
	}
	sort.Slice(es, func(i, j int) bool { return es[i].Name < es[j].Name })
	if es == nil {
		es = []source.Entry{}
	}
	r.setEntries(es)
	if b, err := json.Marshal(es); err == nil {
		r.opt.Cache.Put(key, b)
	}
	return es, nil
}

func (r *Repo) setEntries(es []source.Entry) {
	r.entries = es
	r.byName = make(map[string]int, len(es))
	for i, e := range es {
		r.byName[e.Name] = i
	}
}

// treePage fetches one listing page and the next page's URL, which must
// stay on the endpoint's host (the token goes with it).
func (r *Repo) treePage(ctx context.Context, u string) ([]byte, string, error) {
	resp, err := r.opt.Client.Do(ctx, rangeio.Request{URL: u, Header: r.auth(u)}, nil)
	if err != nil {
		return nil, "", fmt.Errorf("hf://%s: %w", r.id, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", classify(resp, Error{Endpoint: r.opt.Endpoint, Repo: r.id, Revision: r.rev})
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAPIBody+1))
	if err != nil {
		return nil, "", fmt.Errorf("hf://%s: listing: %w", r.id, err)
	}
	if len(b) > maxAPIBody {
		return nil, "", fmt.Errorf("hf://%s: a listing page is larger than %d bytes", r.id, maxAPIBody)
	}
	next := nextLink(resp.Header.Values("Link"))
	if next != "" {
		base, _ := url.Parse(u)
		n, err := base.Parse(next)
		if err != nil || !onHost(n.String(), r.opt.Endpoint) {
			return nil, "", fmt.Errorf("hf://%s: the listing's next page is not on the Hub", r.id)
		}
		next = n.String()
	}
	return b, next, nil
}

// nextLink finds the rel="next" target of Link headers.
func nextLink(values []string) string {
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			target, params, ok := strings.Cut(strings.TrimSpace(part), ";")
			if !ok {
				continue
			}
			target = strings.TrimSpace(target)
			if !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
				continue
			}
			for _, p := range strings.Split(params, ";") {
				k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
				if strings.EqualFold(k, "rel") && strings.Trim(val, `"`) == "next" {
					return target[1 : len(target)-1]
				}
			}
		}
	}
	return ""
}

// Entry returns the listing entry of name.
func (r *Repo) Entry(ctx context.Context, name string) (source.Entry, error) {
	if _, err := r.List(ctx); err != nil {
		return source.Entry{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	i, ok := r.byName[name]
	if !ok {
		return source.Entry{}, &Error{Kind: ErrEntryNotFound, Endpoint: r.opt.Endpoint, Repo: r.id, Revision: r.rev, File: name}
	}
	return r.entries[i], nil
}

// Open opens a file at the pinned commit. No request is made until a
// read needs bytes the cache does not hold.
func (r *Repo) Open(ctx context.Context, name string) (source.File, error) {
	return r.OpenFile(ctx, name)
}

// OpenFile is Open returning the concrete type.
func (r *Repo) OpenFile(ctx context.Context, name string) (*rangeio.File, error) {
	e, err := r.Entry(ctx, name)
	if err != nil {
		return nil, err
	}
	etag := ""
	if e.LFS {
		etag = e.ETag // X-Linked-Etag is the LFS sha256
	}
	u := r.opt.Endpoint + "/" + r.id + "/resolve/" + r.commit + "/" + escapePath(name)
	var key string
	if r.opt.Cache != nil {
		key = r.cacheKey("file", r.commit, name, e.ETag)
	}
	return rangeio.Open(ctx, r.opt.Client, rangeio.Origin{URL: u, Header: r.auth(u)}, rangeio.Options{
		Name:     "hf://" + r.id + "@" + short(r.commit) + "/" + name,
		Size:     e.Size,
		ETag:     etag,
		Cache:    r.opt.Cache,
		CacheKey: key,
		Offline:  r.opt.Offline,
		Commit:   r.commit,
		Check: func(_ string, resp *http.Response) error {
			return classify(resp, Error{Endpoint: r.opt.Endpoint, Repo: r.id, Revision: r.rev, File: name})
		},
	}), nil
}

func short(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// ReadFile returns a small file (config.json, an index, README.md) whole;
// the bytes are cached like a header's.
func (r *Repo) ReadFile(ctx context.Context, name string, limit int64) ([]byte, error) {
	e, err := r.Entry(ctx, name)
	if err != nil {
		return nil, err
	}
	if e.Size > limit {
		return nil, &source.TooLargeError{Name: "hf://" + r.id + "/" + name, Size: e.Size, Limit: limit}
	}
	f, err := r.OpenFile(ctx, name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return source.ReadAll(f, name, limit)
}

// localRef reads refs/<rev> of the repository in the local HF cache.
func (r *Repo) localRef() string {
	if r.opt.HubCache == "" {
		return ""
	}
	if commitRE.MatchString(r.rev) {
		if fi, err := os.Stat(filepath.Join(r.cacheRepoDir(), "snapshots", r.rev)); err == nil && fi.IsDir() {
			return r.rev
		}
		return ""
	}
	b, err := os.ReadFile(filepath.Join(r.cacheRepoDir(), "refs", filepath.FromSlash(r.rev)))
	if err != nil {
		return ""
	}
	c := strings.TrimSpace(string(b))
	if !commitRE.MatchString(c) {
		return ""
	}
	return c
}

func (r *Repo) cacheRepoDir() string {
	return filepath.Join(r.opt.HubCache, "models--"+strings.ReplaceAll(r.id, "/", "--"))
}

// localSnapshot returns snapshots/<commit> in the local HF cache if it
// holds every file the Hub lists for the commit (when the siblings are
// known) — a partial download would give a partial count.
func (r *Repo) localSnapshot() string {
	if r.opt.HubCache == "" || r.commit == "" {
		return ""
	}
	dir := filepath.Join(r.cacheRepoDir(), "snapshots", r.commit)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return ""
	}
	for _, s := range r.siblings {
		if strings.HasSuffix(s, ".safetensors") || strings.HasSuffix(s, ".gguf") || strings.HasSuffix(s, ".json") {
			if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(s))); err != nil {
				return ""
			}
		}
	}
	return dir
}

// Parameters is the Hub's own count of a repository's safetensors
// parameters, by dtype.
type Parameters struct {
	ByDType map[string]int64
	Total   int64
}

// HubParameters returns the Hub's safetensors figure at the pinned
// commit (GET /api/models/{id}/revision/{commit}?expand[]=safetensors),
// or nil when the Hub has none.
func (r *Repo) HubParameters(ctx context.Context) (*Parameters, error) {
	if r.opt.Offline {
		return nil, nil
	}
	u := r.opt.Endpoint + "/api/models/" + r.id + "/revision/" + r.commit + "?expand%5B%5D=safetensors"
	b, err := r.getAPI(ctx, u)
	if err != nil {
		return nil, err
	}
	var v struct {
		Safetensors *struct {
			Parameters map[string]int64 `json:"parameters"`
			Total      int64            `json:"total"`
		} `json:"safetensors"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("hf://%s: the Hub's safetensors figure is not JSON: %w", r.id, err)
	}
	if v.Safetensors == nil {
		return nil, nil
	}
	return &Parameters{ByDType: v.Safetensors.Parameters, Total: v.Safetensors.Total}, nil
}
