package hubtest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
)

// Ollama layer media types.
const (
	MediaModel     = "application/vnd.ollama.image.model"
	MediaProjector = "application/vnd.ollama.image.projector"
	MediaTemplate  = "application/vnd.ollama.image.template"
	MediaParams    = "application/vnd.ollama.image.params"
)

// A Layer is one blob of an Ollama model.
type Layer struct {
	MediaType string
	Path      string // file served as the blob
}

// Digest returns "sha256:<hex>" of a file.
func Digest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// Manifest builds the manifest JSON Ollama stores and serves for the
// layers, registering their blobs with the CDN.
func (s *Server) Manifest(layers ...Layer) ([]byte, error) {
	type desc struct {
		MediaType string `json:"mediaType"`
		Digest    string `json:"digest"`
		Size      int64  `json:"size"`
	}
	m := struct {
		SchemaVersion int    `json:"schemaVersion"`
		MediaType     string `json:"mediaType"`
		Config        desc   `json:"config"`
		Layers        []desc `json:"layers"`
	}{SchemaVersion: 2, MediaType: "application/vnd.docker.distribution.manifest.v2+json",
		Config: desc{"application/vnd.docker.container.image.v1+json", "sha256:" + strings.Repeat("c", 64), 2}}
	for _, l := range layers {
		d, err := Digest(l.Path)
		if err != nil {
			return nil, err
		}
		fi, err := os.Stat(l.Path)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		s.blobs[strings.TrimPrefix(d, "sha256:")] = l.Path
		s.mu.Unlock()
		m.Layers = append(m.Layers, desc{l.MediaType, d, fi.Size()})
	}
	return json.MarshalIndent(m, "", "  ")
}

// AddOllama serves a model ns/name:tag from the registry.
func (s *Server) AddOllama(ns, name, tag string, layers ...Layer) error {
	b, err := s.Manifest(layers...)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ollama[ns+"/"+name+":"+tag] = b
	return nil
}

// serveRegistry answers /v2/<ns>/<name>/manifests/<tag> and
// /v2/<ns>/<name>/blobs/sha256:<hex> (a 307 to the CDN).
func (s *Server) serveRegistry(w http.ResponseWriter, r *http.Request) {
	segs := strings.Split(strings.TrimPrefix(r.URL.Path, "/v2/"), "/")
	if len(segs) != 4 {
		http.Error(w, `{"errors":[{"code":"NAME_UNKNOWN"}]}`, http.StatusNotFound)
		return
	}
	ns, name, kind, ref := segs[0], segs[1], segs[2], segs[3]
	switch kind {
	case "manifests":
		s.mu.Lock()
		b, ok := s.ollama[ns+"/"+name+":"+ref]
		s.mu.Unlock()
		if !ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`))
			return
		}
		w.Header().Set("Content-Type", "application/vnd.docker.distribution.manifest.v2+json")
		w.Write(b)
	case "blobs":
		hexd, ok := strings.CutPrefix(ref, "sha256:")
		s.mu.Lock()
		_, known := s.blobs[hexd]
		s.mu.Unlock()
		if !ok || !known {
			http.Error(w, `{"errors":[{"code":"BLOB_UNKNOWN"}]}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Location", s.CDN.URL+"/ollama/"+hexd+"?sig=fake")
		w.WriteHeader(http.StatusTemporaryRedirect)
	default:
		http.Error(w, "not found", http.StatusNotFound)
	}
}
