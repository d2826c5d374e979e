// Package hf reads model repositories on the Hugging Face Hub (or a
// mirror at HF_ENDPOINT) as a source.Source: the revision is resolved
// once and pinned to its commit, the listing comes from the tree API, and
// files are read by range through the resolve endpoint and the CDN it
// redirects to.
package hf

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/tensorcount/tensorcount/source"
	"github.com/tensorcount/tensorcount/source/rangeio"
)

// Options configure Hub access. FromEnv fills them the way
// huggingface_hub does.
type Options struct {
	// Endpoint is the Hub's address (HF_ENDPOINT; default
	// https://huggingface.co), without a trailing slash.
	Endpoint string
	// Token is sent as a bearer token to the endpoint's host only.
	Token string
	// Client makes the requests (nil: rangeio.NewClient()).
	Client *rangeio.Client
	// Cache keeps listings and fetched header bytes between runs; nil
	// disables it (--no-cache).
	Cache *rangeio.Cache
	// Offline (HF_HUB_OFFLINE=1) makes no request: only the cache and
	// the local Hugging Face cache are used.
	Offline bool
	// HubCache is the local Hugging Face cache (HF_HUB_CACHE, else
	// HF_HOME/hub, else ~/.cache/huggingface/hub), where a snapshot of
	// the pinned commit is used instead of the network.
	HubCache string
	// MaxPages bounds the tree listing's pages (default 1000).
	MaxPages int
}

// FromEnv returns Options from the environment: HF_ENDPOINT, HF_TOKEN or
// the token file under HF_HOME, HF_HUB_OFFLINE, HF_HUB_CACHE, and the
// tensorcount cache under os.UserCacheDir(). noCache leaves the cache out.
func FromEnv(noCache bool) Options {
	o := Options{
		Endpoint: source.Endpoint(),
		Token:    Token(),
		Offline:  truthy(source.Getenv("HF_HUB_OFFLINE")),
		HubCache: HubCacheDir(),
	}
	if !noCache {
		if c, err := rangeio.DefaultCache(); err == nil {
			o.Cache = c
		}
	}
	return o
}

func truthy(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// hfHome is HF_HOME, else ~/.cache/huggingface (XDG_CACHE_HOME honoured,
// as huggingface_hub does).
func hfHome() string {
	if h := source.Getenv("HF_HOME"); h != "" {
		return h
	}
	if x := source.Getenv("XDG_CACHE_HOME"); x != "" {
		return filepath.Join(x, "huggingface")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".cache", "huggingface")
}

// Token returns HF_TOKEN, else the contents of HF_TOKEN_PATH or
// HF_HOME/token, trimmed; "" when there is none.
func Token() string {
	if t := strings.TrimSpace(source.Getenv("HF_TOKEN")); t != "" {
		return t
	}
	p := source.Getenv("HF_TOKEN_PATH")
	if p == "" {
		home := hfHome()
		if home == "" {
			return ""
		}
		p = filepath.Join(home, "token")
	}
	b, err := os.ReadFile(p)
	if err != nil || len(b) > 4096 {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// HubCacheDir returns the local Hugging Face cache directory.
func HubCacheDir() string {
	if d := source.Getenv("HF_HUB_CACHE"); d != "" {
		return d
	}
	if home := hfHome(); home != "" {
		return filepath.Join(home, "hub")
	}
	return ""
}
