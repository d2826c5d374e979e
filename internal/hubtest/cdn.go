package hubtest

import (
	"net/http"
	"os"
	"strings"
	"time"
)

// serveCDN answers /repos/xx/<key> and /ollama/<hex> by range, with the
// body faults.
func (s *Server) serveCDN(w http.ResponseWriter, r *http.Request) {
	f, n := s.count("cdn", r)
	if f.Latency > 0 {
		time.Sleep(f.Latency)
	}
	key := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	s.mu.Lock()
	full, ok := s.blobs[key]
	s.mu.Unlock()
	if !ok {
		http.Error(w, "NoSuchKey", http.StatusNotFound)
		return
	}
	switch {
	case n < f.ExpireCDN:
		http.Error(w, "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>", http.StatusForbidden)
		return
	case n < f.Fail:
		st := f.Status
		if st == 0 {
			st = http.StatusServiceUnavailable
		}
		http.Error(w, "upstream trouble", st)
		return
	}
	fi, err := os.Stat(full)
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	tag := `"cdn-` + key[:min(16, len(key))] + `"`
	if f.ChangeETagAfter > 0 && n >= f.ChangeETagAfter {
		tag = `"cdn-changed-` + key[:min(8, len(key))] + `"`
	}
	w.Header().Set("ETag", tag)
	cw := &countingWriter{ResponseWriter: w, s: s, host: "cdn", path: r.URL.Path, limit: -1}
	if n == 0 && f.CutAfter > 0 {
		cw.limit = f.CutAfter
	}
	if n == 0 && f.StallAfter > 0 {
		cw.limit = f.StallAfter
		serveRange(cw, r, full, fi.Size(), f)
		cw.Flush()
		select { // hold the connection open without sending more
		case <-r.Context().Done():
		case <-s.stall:
		}
		return
	}
	serveRange(cw, r, full, fi.Size(), f)
}
