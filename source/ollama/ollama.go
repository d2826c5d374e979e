// Package ollama reads Ollama models as a source.Source: from the local
// store ($OLLAMA_MODELS, else ~/.ollama/models) when the model is
// pulled, else from the registry (manifest, then the model blob by range
// through the CDN it redirects to). The model layer is "model.gguf"; a
// multimodal projector layer is "mmproj.gguf", which the loader reports
// as a component.
package ollama

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/tensorcount/tensorcount/source"
	"github.com/tensorcount/tensorcount/source/rangeio"
)

// Layer media types.
const (
	MediaModel     = "application/vnd.ollama.image.model"
	MediaProjector = "application/vnd.ollama.image.projector"
)

// Names the layers get in the Source.
const (
	ModelName     = "model.gguf"
	ProjectorName = "mmproj.gguf"
)

// DefaultRegistry is the registry's address.
const DefaultRegistry = "https://registry.ollama.ai"

// MaxManifest bounds a manifest; real ones are under 2 KB.
const MaxManifest = 1 << 20

// Options configure access.
type Options struct {
	// Registry is the registry base URL; "" uses
	// TENSORCOUNT_OLLAMA_REGISTRY, else https://<host> of the reference
	// (https://registry.ollama.ai by default).
	Registry string
	// Models is the local store; "" uses $OLLAMA_MODELS, else
	// ~/.ollama/models. "-" skips the local store.
	Models string
	Client *rangeio.Client
	// Cache keeps fetched header bytes, keyed by layer digest.
	Cache   *rangeio.Cache
	Offline bool
}

// A Manifest is the part of an image manifest that matters here.
type Manifest struct {
	Layers []Layer `json:"layers"`
}

// A Layer is one blob of a model.
type Layer struct {
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
}

var digestRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// A Source is one model: its model layer and projector, if any.
type Source struct {
	ref      source.OllamaRef
	opt      Options
	registry string
	local    string // local store root when the model is pulled
	ctx      context.Context
	entries  []source.Entry
	layers   map[string]Layer
}

// Open finds ref in the local store, else asks the registry for its
// manifest (one request).
func Open(ctx context.Context, ref source.OllamaRef, opt Options) (*Source, error) {
	if ref.Host == "" {
		ref.Host = source.DefaultOllamaHost
	}
	if ref.Namespace == "" {
		ref.Namespace = "library"
	}
	if ref.Tag == "" {
		ref.Tag = "latest"
	}
	if opt.Client == nil {
		opt.Client = rangeio.NewClient()
	}
	s := &Source{ref: ref, opt: opt, ctx: ctx, layers: map[string]Layer{}}
	s.registry = opt.Registry
	if s.registry == "" {
		s.registry = source.Getenv("TENSORCOUNT_OLLAMA_REGISTRY")
	}
	if s.registry == "" {
		s.registry = "https://" + ref.Host
	}
	s.registry = strings.TrimRight(s.registry, "/")

	m, local, err := s.localManifest()
	if err != nil {
		return nil, err
	}
	if m == nil {
		if opt.Offline {
			return nil, fmt.Errorf("%s: not in the local Ollama store, and offline mode forbids asking the registry", ref)
		}
		if m, err = s.remoteManifest(ctx); err != nil {
			return nil, err
		}
	}
	s.local = local
	return s, s.setLayers(m)
}

func (s *Source) models() string {
	if s.opt.Models == "-" {
		return ""
	}
	if s.opt.Models != "" {
		return s.opt.Models
	}
	if d := source.Getenv("OLLAMA_MODELS"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".ollama", "models")
}

// localManifest reads manifests/<host>/<ns>/<name>/<tag> from the store.
func (s *Source) localManifest() (*Manifest, string, error) {
	root := s.models()
	if root == "" {
		return nil, "", nil
	}
	p := filepath.Join(root, "manifests", s.ref.Host, s.ref.Namespace, s.ref.Name, s.ref.Tag)
	f, err := os.Open(p)
	if err != nil {
		return nil, "", nil
	}
	defer f.Close()
	m, err := decodeManifest(f)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", p, err)
	}
	return m, root, nil
}

func decodeManifest(r io.Reader) (*Manifest, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxManifest+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxManifest {
		return nil, fmt.Errorf("manifest larger than %d bytes", MaxManifest)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("manifest is not JSON: %w", err)
	}
	if len(m.Layers) > 256 {
		return nil, fmt.Errorf("manifest lists %d layers", len(m.Layers))
	}
	return &m, nil
}

func (s *Source) remoteManifest(ctx context.Context) (*Manifest, error) {
	u := fmt.Sprintf("%s/v2/%s/%s/manifests/%s", s.registry, s.ref.Namespace, s.ref.Name, s.ref.Tag)
	resp, err := s.opt.Client.Do(ctx, rangeio.Request{URL: u, Header: http.Header{
		"Accept": {"application/vnd.docker.distribution.manifest.v2+json"}}}, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.ref, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, fmt.Errorf("%s: no such model or tag in the registry (check the name on ollama.com)", s.ref)
	case resp.StatusCode != http.StatusOK:
		return nil, &rangeio.StatusError{Name: s.ref.String(), Host: hostOf(u), Status: resp.StatusCode}
	}
	m, err := decodeManifest(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.ref, err)
	}
	return m, nil
}

func hostOf(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	if i := strings.IndexByte(u, '/'); i >= 0 {
		u = u[:i]
	}
	return u
}

func (s *Source) setLayers(m *Manifest) error {
	for _, l := range m.Layers {
		var name string
		switch l.MediaType {
		case MediaModel:
			name = ModelName
		case MediaProjector:
			name = ProjectorName
		default:
			continue
		}
		if _, dup := s.layers[name]; dup {
			continue
		}
		if !digestRE.MatchString(l.Digest) {
			return fmt.Errorf("%s: layer digest %s is not sha256:<64 hex>", s.ref, rangeio.Escape(l.Digest))
		}
		if l.Size < 0 {
			return fmt.Errorf("%s: layer %s has a negative size", s.ref, l.Digest)
		}
		s.layers[name] = l
		s.entries = append(s.entries, source.Entry{Name: name, Size: l.Size, ETag: l.Digest, LFS: true})
	}
	if _, ok := s.layers[ModelName]; !ok {
		return fmt.Errorf("%s: the manifest has no model layer (%s)", s.ref, MediaModel)
	}
	return nil
}

// Describe returns ollama://host/ns/name:tag.
func (s *Source) Describe() string { return s.ref.String() }

// Remote is false when the model is in the local store.
func (s *Source) Remote() bool { return s.local == "" }

// BlobPath returns a layer's file in the local store ("" when remote).
func (s *Source) BlobPath(name string) string {
	l, ok := s.layers[name]
	if !ok || s.local == "" {
		return ""
	}
	return filepath.Join(s.local, "blobs", strings.Replace(l.Digest, ":", "-", 1))
}

func (s *Source) List(ctx context.Context) ([]source.Entry, error) { return s.entries, nil }

// Open opens model.gguf or mmproj.gguf.
func (s *Source) Open(ctx context.Context, name string) (source.File, error) {
	l, ok := s.layers[name]
	if !ok {
		return nil, fmt.Errorf("%s: no layer %s", s.ref, rangeio.Escape(name))
	}
	if s.local != "" {
		p := s.BlobPath(name)
		dir, base := filepath.Split(p)
		f, err := source.Dir(dir).Open(ctx, base)
		if err != nil {
			return nil, fmt.Errorf("%s: the manifest names blob %s, which is missing: %w", s.ref, base, err)
		}
		if f.Size() != l.Size {
			f.Close()
			return nil, fmt.Errorf("%s: blob %s is %d bytes, the manifest says %d", s.ref, base, f.Size(), l.Size)
		}
		return f, nil
	}
	u := fmt.Sprintf("%s/v2/%s/%s/blobs/%s", s.registry, s.ref.Namespace, s.ref.Name, l.Digest)
	var key string
	if s.opt.Cache != nil {
		key = "ollama\x00" + l.Digest // content-addressed: immutable
	}
	return rangeio.Open(ctx, s.opt.Client, rangeio.Origin{URL: u}, rangeio.Options{
		Name: s.ref.String() + "/" + name, Size: l.Size, Cache: s.opt.Cache, CacheKey: key, Offline: s.opt.Offline,
	}), nil
}

// ReadFile reads a small layer whole; there are no small files here.
func (s *Source) ReadFile(ctx context.Context, name string, limit int64) ([]byte, error) {
	f, err := s.Open(ctx, name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return source.ReadAll(f, name, limit)
}
