package hubtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

func (s *Server) serveHub(w http.ResponseWriter, r *http.Request) {
	f, n := s.count("hub", r)
	if f.Latency > 0 {
		time.Sleep(f.Latency)
	}
	cw := &countingWriter{ResponseWriter: w, s: s, host: "hub", path: r.URL.Path, limit: -1}
	p := r.URL.Path
	if strings.HasPrefix(p, "/v2/") {
		s.serveRegistry(cw, r)
		return
	}
	if strings.HasPrefix(p, "/api/") && n < f.RateLimit {
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		if f.RateLimitHeader != "" {
			w.Header().Set("RateLimit", f.RateLimitHeader)
		}
		http.Error(cw, "rate limited", http.StatusTooManyRequests)
		return
	}
	if rest, ok := strings.CutPrefix(p, "/api/models/"); ok {
		s.serveAPI(cw, r, rest)
		return
	}
	s.serveResolve(cw, r, strings.TrimPrefix(p, "/"))
}

func hubError(w http.ResponseWriter, status int, code, msg string) {
	if code != "" {
		w.Header().Set("X-Error-Code", code)
	}
	w.Header().Set("X-Error-Message", msg)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// lookup splits "org/name/rest…" into a served repo and the rest, and
// checks access. It writes the error answer itself.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request, p string) (*Repo, string, bool) {
	s.mu.Lock()
	var repo *Repo
	var rest string
	segs := strings.SplitN(p, "/", 3)
	if len(segs) >= 2 {
		repo = s.repos[segs[0]+"/"+segs[1]]
		if len(segs) == 3 {
			rest = segs[2]
		}
	}
	if repo == nil && len(segs) >= 1 {
		if repo = s.repos[segs[0]]; repo != nil {
			rest = strings.Join(segs[1:], "/")
		}
	}
	s.mu.Unlock()
	auth := r.Header.Get("Authorization")
	good := auth == "Bearer "+s.Token
	switch {
	case repo == nil || (repo.Private && !good):
		status := http.StatusNotFound
		if auth == "" {
			status = http.StatusUnauthorized
		}
		hubError(w, status, "RepoNotFound", "Repository Not Found for url: "+r.URL.String()+".")
		return nil, "", false
	case repo.Gated && auth == "":
		hubError(w, http.StatusUnauthorized, "GatedRepo", "Access to model "+repo.ID+" is restricted. You must have access to it and be authenticated to access it. Please log in.")
		return nil, "", false
	case repo.Gated && !good:
		hubError(w, http.StatusForbidden, "GatedRepo", "Access to model "+repo.ID+" is restricted and you are not in the authorized list. Visit https://huggingface.co/"+repo.ID+" to ask for access.")
		return nil, "", false
	}
	return repo, rest, true
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, p string) {
	repo, rest, ok := s.lookup(w, r, p)
	if !ok {
		return
	}
	files, err := repo.files()
	if err != nil {
		hubError(w, 500, "", err.Error())
		return
	}
	siblings := make([]map[string]any, len(files))
	for i, f := range files {
		siblings[i] = map[string]any{"rfilename": f.path}
	}
	info := map[string]any{"id": repo.ID, "modelId": repo.ID, "private": repo.Private, "gated": false, "siblings": siblings}
	if repo.Gated {
		info["gated"] = "auto"
	}
	switch {
	case rest == "":
		info["sha"] = repo.Commit
		expand(r, repo, info)
		writeJSON(w, info)
	case strings.HasPrefix(rest, "revision/"):
		rev, _ := url.PathUnescape(strings.TrimPrefix(rest, "revision/"))
		commit, ok := repo.commitOf(rev)
		if !ok {
			hubError(w, http.StatusNotFound, "RevisionNotFound", "Invalid rev id: "+rev)
			return
		}
		info["sha"] = commit
		expand(r, repo, info)
		writeJSON(w, info)
	case strings.HasPrefix(rest, "tree/"):
		s.serveTree(w, r, repo, files, strings.TrimPrefix(rest, "tree/"))
	default:
		hubError(w, http.StatusNotFound, "", "Not Found")
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

// serveTree lists files under a path, paginated with Link: rel="next".
func (s *Server) serveTree(w http.ResponseWriter, r *http.Request, repo *Repo, files []fileInfo, rest string) {
	rev, sub, _ := strings.Cut(rest, "/")
	rev, _ = url.PathUnescape(rev)
	if _, ok := repo.commitOf(rev); !ok {
		hubError(w, http.StatusNotFound, "RevisionNotFound", "Invalid rev id: "+rev)
		return
	}
	var items []map[string]any
	dirs := map[string]bool{}
	for _, f := range files {
		if sub != "" && !strings.HasPrefix(f.path, sub+"/") {
			continue
		}
		for d := f.path; strings.Contains(d, "/"); {
			d = d[:strings.LastIndexByte(d, '/')]
			if !dirs[d] && (sub == "" || strings.HasPrefix(d, sub+"/")) {
				dirs[d] = true
				items = append(items, map[string]any{"type": "directory", "oid": "0000", "size": 0, "path": d})
			}
		}
		it := map[string]any{"type": "file", "size": f.size, "path": f.path}
		if f.lfs {
			it["oid"] = "b10b" + f.oid[:36]
			it["lfs"] = map[string]any{"oid": f.oid, "size": f.size, "pointerSize": 134}
		} else {
			it["oid"] = f.oid
		}
		items = append(items, it)
	}
	if r.URL.Query().Get("recursive") != "true" && r.URL.Query().Get("recursive") != "1" {
		hubError(w, 400, "", "this fake only lists recursively")
		return
	}
	page := s.TreePage
	if page <= 0 {
		page = 50
	}
	start, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
	if start < 0 || start > len(items) {
		start = len(items)
	}
	end := min(start+page, len(items))
	if end < len(items) {
		q := r.URL.Query()
		q.Set("cursor", strconv.Itoa(end))
		next := *r.URL
		next.RawQuery = q.Encode()
		w.Header().Set("Link", fmt.Sprintf(`<%s%s>; rel="next"`, s.Hub.URL, next.RequestURI()))
	}
	out := items[start:end]
	if out == nil {
		out = []map[string]any{}
	}
	writeJSON(w, out)
}

// serveResolve answers /{repo}/resolve/{rev}/{path}: small files
// directly, LFS files with a 302 to the CDN.
func (s *Server) serveResolve(w http.ResponseWriter, r *http.Request, p string) {
	repo, rest, ok := s.lookup(w, r, p)
	if !ok {
		return
	}
	tail, ok := strings.CutPrefix(rest, "resolve/")
	if !ok {
		hubError(w, http.StatusNotFound, "", "Not Found")
		return
	}
	rev, name, _ := strings.Cut(tail, "/")
	rev, _ = url.PathUnescape(rev)
	name, _ = url.PathUnescape(name)
	commit, ok := repo.commitOf(rev)
	if !ok {
		hubError(w, http.StatusNotFound, "RevisionNotFound", "Invalid rev id: "+rev)
		return
	}
	f, ok := repo.file(name)
	if !ok {
		hubError(w, http.StatusNotFound, "EntryNotFound", name+" does not exist on \""+rev+"\"")
		return
	}
	h := w.Header()
	h.Set("X-Repo-Commit", commit)
	if f.lfs {
		key := f.oid
		s.mu.Lock()
		s.blobs[key] = f.full
		s.mu.Unlock()
		h.Set("X-Linked-Size", strconv.FormatInt(f.size, 10))
		h.Set("X-Linked-Etag", `"`+f.oid+`"`)
		h.Set("ETag", `W/"`+f.oid[:20]+`"`)
		h.Set("Location", s.CDN.URL+"/repos/"+key[:2]+"/"+key+"?X-Amz-Signature=fake&response-content-disposition=inline")
		w.WriteHeader(http.StatusFound)
		return
	}
	h.Set("ETag", `"`+f.oid+`"`)
	serveRange(w, r, f.full, f.size, Faults{})
}

// serveRange answers a GET with an optional single Range, applying the
// CDN faults that concern bodies.
func serveRange(w http.ResponseWriter, r *http.Request, full string, size int64, f Faults) {
	fd, err := os.Open(full)
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	defer fd.Close()
	start, end := int64(0), size-1
	status := http.StatusOK
	if rg := r.Header.Get("Range"); rg != "" && !f.IgnoreRange {
		a, b, ok := parseRange(rg)
		if !ok || a >= size {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", size))
			w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
			return
		}
		start, end = a, min(b, size-1)
		if f.MaxRange > 0 {
			end = min(end, start+f.MaxRange-1)
		}
		status = http.StatusPartialContent
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end, size))
	}
	w.Header().Set("Accept-Ranges", "bytes")
	w.Header().Set("Content-Length", strconv.FormatInt(end-start+1, 10))
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	io.Copy(w, io.NewSectionReader(fd, start, end-start+1))
}

func parseRange(v string) (int64, int64, bool) {
	rest, ok := strings.CutPrefix(v, "bytes=")
	if !ok || strings.Contains(rest, ",") {
		return 0, 0, false
	}
	a, b, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, 0, false
	}
	x, e1 := strconv.ParseInt(a, 10, 64)
	y, e2 := strconv.ParseInt(b, 10, 64)
	if b == "" {
		y, e2 = 1<<62, nil
	}
	if e1 != nil || e2 != nil || x < 0 || y < x {
		return 0, 0, false
	}
	return x, y, true
}

// expand applies expand[]=safetensors: the Hub's own parameter figure
// replaces the listing.
func expand(r *http.Request, repo *Repo, info map[string]any) {
	for _, e := range r.URL.Query()["expand[]"] {
		if e != "safetensors" {
			continue
		}
		delete(info, "siblings")
		if repo.Params != nil {
			var total int64
			for _, n := range repo.Params {
				total += n
			}
			info["safetensors"] = map[string]any{"parameters": repo.Params, "total": total}
		}
	}
}
