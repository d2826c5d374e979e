// Package remote turns a parsed SOURCE argument (source.Parse) into the
// Source that reads it: a Hub repository, a plain URL or an Ollama model.
// It is the one place that knows every remote kind; the loader calls it
// and then works through the source.Source interface alone.
package remote

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/tensorcount/tensorcount/source"
	"github.com/tensorcount/tensorcount/source/hf"
	"github.com/tensorcount/tensorcount/source/httpfile"
	"github.com/tensorcount/tensorcount/source/ollama"
	"github.com/tensorcount/tensorcount/source/rangeio"
)

// Options are the command line's choices; zero values follow the
// environment.
type Options struct {
	// NoCache bypasses the on-disk cache (--no-cache).
	NoCache bool
	// Offline forces offline mode; it is also on when HF_HUB_OFFLINE=1.
	Offline bool
	// OllamaRegistry is --ollama-registry (else
	// TENSORCOUNT_OLLAMA_REGISTRY, else the reference's host).
	OllamaRegistry string
	// Progress, if set, counts files, requests and bytes for a progress
	// line.
	Progress *source.Progress
	// Client replaces the HTTP client (tests).
	Client *rangeio.Client
	// Hub replaces the Hub options read from the environment (tests).
	Hub *hf.Options
}

// A Target is what an argument names.
type Target struct {
	Spec   source.Spec
	Source source.Source
	// File is the one file the argument names, relative to Source; ""
	// means the whole source (the loader chooses the weights).
	File string
	// LocalPath, when set, is the same thing on disk — the snapshot
	// directory of the pinned commit in the local Hugging Face cache, or
	// the named file (or folder) inside it: load from there instead.
	LocalPath string
}

// Open opens the source of a remote spec. A local spec is an error: local
// paths are the caller's.
func Open(ctx context.Context, spec source.Spec, opt Options) (*Target, error) {
	c := opt.Client
	if c == nil {
		c = rangeio.NewClient()
	}
	if opt.Progress != nil {
		c.Progress = opt.Progress
	}
	t := &Target{Spec: spec}
	switch spec.Kind {
	case source.KindHub:
		var ho hf.Options
		if opt.Hub != nil {
			ho = *opt.Hub
		} else {
			ho = hf.FromEnv(opt.NoCache)
		}
		if opt.NoCache {
			ho.Cache = nil
		}
		ho.Client = c
		ho.Offline = ho.Offline || opt.Offline
		repo, err := hf.Open(ctx, spec.Repo, spec.Revision, ho)
		if err != nil {
			return nil, err
		}
		t.Source, t.LocalPath = repo, repo.LocalDir()
		if spec.File {
			t.File = spec.Path
		} else if spec.Path != "" {
			t.Source = source.Sub(repo, spec.Path)
		}
		if t.LocalPath != "" && spec.Path != "" {
			t.LocalPath = filepath.Join(t.LocalPath, filepath.FromSlash(spec.Path))
		}
	case source.KindURL:
		s, err := httpfile.Open(ctx, spec.URL, c)
		if err != nil {
			return nil, err
		}
		t.Source, t.File = s, s.Name()
	case source.KindOllama:
		oo := ollama.Options{Registry: opt.OllamaRegistry, Client: c, Offline: opt.Offline || truthyEnv("HF_HUB_OFFLINE")}
		if !opt.NoCache {
			if cache, err := rangeio.DefaultCache(); err == nil {
				oo.Cache = cache
			}
		}
		s, err := ollama.Open(ctx, spec.Ollama, oo)
		if err != nil {
			return nil, err
		}
		t.Source = s
	default:
		return nil, fmt.Errorf("%s: a local path, not a remote source", spec.Arg)
	}
	return t, nil
}

func truthyEnv(k string) bool {
	switch source.Getenv(k) {
	case "1", "true", "TRUE", "yes", "on":
		return true
	}
	return false
}
