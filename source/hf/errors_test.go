package hf_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/internal/hubtest"
	"github.com/tensorcount/tensorcount/source"
	"github.com/tensorcount/tensorcount/source/hf"
	"github.com/tensorcount/tensorcount/source/rangeio"
)

// Every Hub error code becomes a typed error whose message names the
// repository and says what to do, without the token, in one request.
func TestErrors(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{}`), 0o644))
	bigHeaderFile(t, filepath.Join(dir, "model.safetensors"), 1000)
	srv := hubtest.New(t)
	srv.AddRepo(hubtest.Repo{ID: "meta-llama/Llama-3.1-8B", Dir: dir, Gated: true})
	srv.AddRepo(hubtest.Repo{ID: "me/private", Dir: dir, Private: true})
	srv.AddRepo(hubtest.Repo{ID: "org/m", Dir: dir})

	for _, tc := range []struct {
		name, repo, rev string
		token           string
		kind            error
		msg             []string
	}{
		{"gated, no token", "meta-llama/Llama-3.1-8B", "", "", hf.ErrGated,
			[]string{"hf://meta-llama/Llama-3.1-8B", "accept the terms at " + srv.URL() + "/meta-llama/Llama-3.1-8B, then set HF_TOKEN"}},
		{"gated, wrong token", "meta-llama/Llama-3.1-8B", "", "hf_wrong", hf.ErrGated, []string{"accept the terms"}},
		{"private, no token", "me/private", "", "", hf.ErrRepoNotFound, []string{"hf://me/private", "set HF_TOKEN"}},
		{"missing repo", "nobody/nothing", "", srv.Token, hf.ErrRepoNotFound, []string{"hf://nobody/nothing", "repository not found"}},
		{"missing revision", "org/m", "v9", "", hf.ErrRevisionNotFound, []string{"hf://org/m@v9", "no such revision"}},
		{"hostile revision text", "org/m", "x\u202ey", "", hf.ErrRevisionNotFound, []string{`\u202e`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv.Reset()
			opt := options(srv, "", &waits{})
			opt.Token = tc.token
			_, err := hf.Open(context.Background(), tc.repo, tc.rev, opt)
			require.ErrorIs(t, err, tc.kind)
			var he *hf.Error
			require.ErrorAs(t, err, &he)
			for _, m := range tc.msg {
				require.Contains(t, err.Error(), m)
			}
			require.NotContains(t, err.Error(), "\u202e")
			if tc.token != "" {
				require.NotContains(t, err.Error(), tc.token)
			}
			require.Equal(t, int64(1), srv.Host("hub").Requests, "a 4xx is not retried")
		})
	}

	t.Run("missing file", func(t *testing.T) {
		repo, err := hf.Open(context.Background(), "org/m", "", options(srv, "", &waits{}))
		require.NoError(t, err)
		_, err = repo.Open(context.Background(), "model-00001-of-00002.safetensors")
		require.ErrorIs(t, err, hf.ErrEntryNotFound)
		require.ErrorContains(t, err, "hf://org/m@main/model-00001-of-00002.safetensors: no such file")
	})
	t.Run("file gone after listing", func(t *testing.T) {
		d := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(d, "config.json"), []byte(`{"a":1}`), 0o644))
		srv.AddRepo(hubtest.Repo{ID: "org/gone", Dir: d})
		repo, err := hf.Open(context.Background(), "org/gone", "", options(srv, "", &waits{}))
		require.NoError(t, err)
		_, err = repo.List(context.Background())
		require.NoError(t, err)
		require.NoError(t, os.Remove(filepath.Join(d, "config.json")))
		_, err = repo.ReadFile(context.Background(), "config.json", 1<<20)
		require.ErrorIs(t, err, hf.ErrEntryNotFound)
	})
	t.Run("416", func(t *testing.T) {
		d := t.TempDir()
		p := filepath.Join(d, "model.safetensors")
		bigHeaderFile(t, p, 200_000)
		srv.AddRepo(hubtest.Repo{ID: "org/short", Dir: d})
		repo, err := hf.Open(context.Background(), "org/short", "", options(srv, "", &waits{}))
		require.NoError(t, err)
		f, err := repo.Open(context.Background(), "model.safetensors")
		require.NoError(t, err)
		_, err = f.ReadAt(make([]byte, 10), 0)
		require.NoError(t, err)
		require.NoError(t, os.Truncate(p, 1000)) // shorter than listed
		_, err = f.ReadAt(make([]byte, 10), 150_000)
		require.ErrorIs(t, err, rangeio.ErrRange)
	})
	t.Run("CDN keeps refusing", func(t *testing.T) {
		repo, err := hf.Open(context.Background(), "org/m", "", options(srv, "", &waits{}))
		require.NoError(t, err)
		srv.SetFaults(hubtest.Faults{ExpireCDN: 100})
		defer srv.SetFaults(hubtest.Faults{})
		f, err := repo.Open(context.Background(), "model.safetensors")
		require.NoError(t, err)
		_, err = f.ReadAt(make([]byte, 8), 0)
		var se *rangeio.StatusError
		require.ErrorAs(t, err, &se)
		require.Equal(t, 403, se.Status)
		require.Contains(t, err.Error(), srv.CDN.Listener.Addr().String())
		require.NotContains(t, err.Error(), "HF_TOKEN")
	})
	t.Run("too large", func(t *testing.T) {
		repo, err := hf.Open(context.Background(), "org/m", "", options(srv, "", &waits{}))
		require.NoError(t, err)
		_, err = repo.ReadFile(context.Background(), "model.safetensors", 100)
		var tl *source.TooLargeError
		require.ErrorAs(t, err, &tl)
		require.ErrorContains(t, err, "100-byte limit")
	})
}

// The token is read from HF_TOKEN, else HF_HOME/token.
func TestToken(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HF_TOKEN", "")
	t.Setenv("HF_TOKEN_PATH", "")
	t.Setenv("HF_HOME", home)
	require.Equal(t, "", hf.Token())
	require.NoError(t, os.WriteFile(filepath.Join(home, "token"), []byte("hf_from_file\n"), 0o600))
	require.Equal(t, "hf_from_file", hf.Token())
	t.Setenv("HF_TOKEN", "hf_from_env")
	require.Equal(t, "hf_from_env", hf.Token())
	require.Equal(t, filepath.Join(home, "hub"), hf.HubCacheDir())
	t.Setenv("HF_HUB_CACHE", "/elsewhere")
	require.Equal(t, "/elsewhere", hf.HubCacheDir())
}

// A repository already in the local Hugging Face cache at the pinned
// commit is reported so; offline, nothing is requested at all.
func TestLocalCacheAndOffline(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{}`), 0o644))
	bigHeaderFile(t, filepath.Join(dir, "model.safetensors"), 1000)
	srv := hubtest.New(t)
	r := srv.AddRepo(hubtest.Repo{ID: "org/m", Dir: dir})

	hub := t.TempDir()
	snap := filepath.Join(hub, "models--org--m", "snapshots", r.Commit)
	require.NoError(t, os.MkdirAll(snap, 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(hub, "models--org--m", "refs"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(hub, "models--org--m", "refs", "main"), []byte(r.Commit), 0o644))
	for _, n := range []string{"config.json", "model.safetensors"} {
		b, err := os.ReadFile(filepath.Join(dir, n))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(snap, n), b, 0o644))
	}

	opt := options(srv, t.TempDir(), &waits{})
	opt.HubCache = hub
	repo, err := hf.Open(ctx, "org/m", "", opt)
	require.NoError(t, err)
	require.Equal(t, snap, repo.LocalDir())
	var l source.Local = repo
	require.Equal(t, snap, l.LocalDir())

	srv.Reset()
	opt.Offline = true
	repo, err = hf.Open(ctx, "org/m", "", opt)
	require.NoError(t, err)
	require.Equal(t, snap, repo.LocalDir())
	es, err := repo.List(ctx)
	require.NoError(t, err)
	require.Len(t, es, 2)
	require.Zero(t, srv.Host("hub").Requests)

	// Offline and in neither cache: a clear error, no request.
	opt.HubCache = t.TempDir()
	opt.Cache = &rangeio.Cache{Dir: t.TempDir()}
	_, err = hf.Open(ctx, "org/m", "", opt)
	require.ErrorIs(t, err, hf.ErrOffline)
	require.True(t, strings.Contains(err.Error(), "HF_HUB_OFFLINE"))
	require.Zero(t, srv.Host("hub").Requests)
	require.False(t, errors.Is(err, hf.ErrGated))
}
