package hf_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/format/gguf"
	"github.com/tensorcount/tensorcount/format/safetensors"
	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/internal/fixture/ggufw"
	"github.com/tensorcount/tensorcount/internal/hubtest"
	"github.com/tensorcount/tensorcount/source/hf"
	"github.com/tensorcount/tensorcount/source/rangeio"
)

// bigHeaderFile writes a safetensors file whose header is about hdr
// bytes, so that it crosses the speculative first read.
func bigHeaderFile(t testing.TB, path string, hdr int) {
	one := fixture.TensorSpec{Name: "model.layers.00000.mlp.experts.0.down_proj.weight", Shape: []uint64{64, 64}, DType: "BF16"}
	h, _, err := fixture.Safetensors{Tensors: []fixture.TensorSpec{one}}.Header()
	require.NoError(t, err)
	n := hdr/(len(h)-2) + 1 // each entry costs its text and a comma
	ts := make([]fixture.TensorSpec, n)
	for i := range ts {
		ts[i] = fixture.TensorSpec{Name: "model.layers." + itoa(i) + ".mlp.experts.0.down_proj.weight", Shape: []uint64{64, 64}, DType: "BF16"}
	}
	require.NoError(t, fixture.Safetensors{Tensors: ts}.Write(path))
}

func itoa(i int) string {
	return string(rune('0'+i/10000%10)) + string(rune('0'+i/1000%10)) + string(rune('0'+i/100%10)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10))
}

type faultCase struct {
	name   string
	faults hubtest.Faults
	check  func(t *testing.T, srv *hubtest.Server, w *waits, st rangeStats)
}

type rangeStats struct{ requests, bytes, retries int64 }

// Each fault is survived with the right tensors; the counters show how.
func TestFaults(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	bigHeaderFile(t, path, 150_000) // two ranges: speculative, then the rest
	want := localTensors(t, path)
	hdr := headerLen(t, path)

	cases := []faultCase{
		{"healthy", hubtest.Faults{}, func(t *testing.T, srv *hubtest.Server, w *waits, st rangeStats) {
			require.Equal(t, int64(2), srv.Host("cdn").Requests, "speculative block, then exactly the rest")
			require.LessOrEqual(t, srv.Host("cdn").Bytes, hdr+hdr/10)
		}},
		{"5xx then success", hubtest.Faults{Fail: 2, Only: "/repos/"}, func(t *testing.T, srv *hubtest.Server, w *waits, st rangeStats) {
			require.Len(t, w.all(), 2)
			require.Equal(t, int64(2), st.retries)
		}},
		{"502", hubtest.Faults{Fail: 1, Status: 502, Only: "/repos/"}, func(t *testing.T, srv *hubtest.Server, w *waits, st rangeStats) {
			require.Len(t, w.all(), 1)
		}},
		{"CDN ignores Range", hubtest.Faults{IgnoreRange: true}, func(t *testing.T, srv *hubtest.Server, w *waits, st rangeStats) {
			// Read only as far as needed, then the connection closed.
			require.LessOrEqual(t, st.bytes, 2*hdr+rangeio.Speculative)
		}},
		{"body cut short", hubtest.Faults{CutAfter: 5000, Only: "/repos/"}, func(t *testing.T, srv *hubtest.Server, w *waits, st rangeStats) {
			require.Equal(t, int64(3), srv.Host("cdn").Requests, "resumed from the next byte")
			require.LessOrEqual(t, srv.Host("cdn").Bytes, hdr+hdr/10)
		}},
		{"stalled body", hubtest.Faults{StallAfter: 5000, Only: "/repos/"}, func(t *testing.T, srv *hubtest.Server, w *waits, st rangeStats) {
			require.Equal(t, int64(3), srv.Host("cdn").Requests)
		}},
		{"expired CDN URL", hubtest.Faults{ExpireCDN: 1, Only: "/repos/"}, func(t *testing.T, srv *hubtest.Server, w *waits, st rangeStats) {
			require.Equal(t, int64(2), srv.Path("/org/m/resolve/"+commitOf(srv)+"/model.safetensors").Requests, "re-resolved once")
		}},
		{"latency", hubtest.Faults{Latency: 20 * time.Millisecond}, nil},
		{"capped ranges", hubtest.Faults{MaxRange: 40_000}, func(t *testing.T, srv *hubtest.Server, w *waits, st rangeStats) {
			require.Zero(t, st.retries, "a short answer with a whole body is not a fault")
			require.LessOrEqual(t, srv.Host("cdn").Bytes, hdr+hdr/10)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			srv := hubtest.New(t)
			srv.AddRepo(hubtest.Repo{ID: "org/m", Dir: dir})
			w := &waits{}
			opt := options(srv, "", w)
			opt.Client.IdleTimeout = 200 * time.Millisecond
			repo, err := hf.Open(ctx, "org/m", "", opt)
			require.NoError(t, err)
			_, err = repo.List(ctx)
			require.NoError(t, err)
			srv.Reset()
			srv.SetFaults(tc.faults)
			f, err := repo.Open(ctx, "model.safetensors")
			require.NoError(t, err)
			sf, err := safetensors.NewFile(f, f.Size())
			require.NoError(t, err)
			require.Equal(t, want, sf.Tensors)
			s := f.Stats()
			require.NoError(t, f.Close())
			if tc.check != nil {
				tc.check(t, srv, w, rangeStats{s.Requests, s.Bytes, s.Retries})
			}
		})
	}
}

func commitOf(*hubtest.Server) string { return hubtest.CommitFor("org/m") }

// An ETag that changes between two reads of one file is an error, never
// a count over mixed bytes.
func TestETagChangesMidRead(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	bigHeaderFile(t, filepath.Join(dir, "model.safetensors"), 150_000)
	srv := hubtest.New(t)
	srv.AddRepo(hubtest.Repo{ID: "org/m", Dir: dir})
	srv.SetFaults(hubtest.Faults{ChangeETagAfter: 1})
	repo, err := hf.Open(ctx, "org/m", "", options(srv, "", &waits{}))
	require.NoError(t, err)
	f, err := repo.Open(ctx, "model.safetensors")
	require.NoError(t, err)
	_, err = safetensors.NewFile(f, f.Size())
	require.ErrorIs(t, err, rangeio.ErrChanged)
	require.ErrorContains(t, err, "the file changed while it was read")
}

// 429 on the API: Retry-After (seconds or a date) and RateLimit t= set
// the wait, capped; a 4xx is not retried.
func TestRateLimits(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{}`), 0o644))
	for _, tc := range []struct {
		name  string
		f     hubtest.Faults
		waits []time.Duration
	}{
		{"Retry-After seconds", hubtest.Faults{RateLimit: 2, RetryAfter: "3"}, []time.Duration{3 * time.Second, 3 * time.Second}},
		{"RateLimit t=", hubtest.Faults{RateLimit: 1, RateLimitHeader: `"api";r=0;t=12`}, []time.Duration{12 * time.Second}},
		{"capped", hubtest.Faults{RateLimit: 1, RetryAfter: "86400"}, []time.Duration{30 * time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := hubtest.New(t)
			srv.AddRepo(hubtest.Repo{ID: "org/m", Dir: dir})
			srv.SetFaults(tc.f)
			w := &waits{}
			_, err := hf.Open(context.Background(), "org/m", "", options(srv, "", w))
			require.NoError(t, err)
			require.Equal(t, tc.waits, w.all())
		})
	}
	t.Run("Retry-After date", func(t *testing.T) {
		srv := hubtest.New(t)
		srv.AddRepo(hubtest.Repo{ID: "org/m", Dir: dir})
		srv.SetFaults(hubtest.Faults{RateLimit: 1, RetryAfter: time.Now().Add(20 * time.Second).UTC().Format(timeFormat)})
		w := &waits{}
		_, err := hf.Open(context.Background(), "org/m", "", options(srv, "", w))
		require.NoError(t, err)
		require.Len(t, w.all(), 1)
		require.InDelta(t, 20, w.all()[0].Seconds(), 2)
	})
	t.Run("attempts bounded", func(t *testing.T) {
		srv := hubtest.New(t)
		srv.AddRepo(hubtest.Repo{ID: "org/m", Dir: dir})
		srv.SetFaults(hubtest.Faults{RateLimit: 100, RetryAfter: "1"})
		w := &waits{}
		_, err := hf.Open(context.Background(), "org/m", "", options(srv, "", w))
		require.Error(t, err)
		require.Len(t, w.all(), rangeio.DefaultPolicy.Attempts-1)
		require.Equal(t, int64(rangeio.DefaultPolicy.Attempts), srv.Host("hub").Requests)
	})
}

const timeFormat = "Mon, 02 Jan 2006 15:04:05 GMT"

// A GGUF with a 256k vocabulary (a header of several MB) is read through
// the growing window: bytes fetched stay within 1.1× the header, and the
// tensors match a local parse.
func TestGGUFBigVocab(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w := ggufw.File{
		Metadata: append([]ggufw.KV{{Key: "general.architecture", Value: ggufw.Str("llama")}}, ggufw.Vocab(256_000, 256_000)...),
		Tensors: []fixture.TensorSpec{
			{Name: "token_embd.weight", Shape: []uint64{256_000, 4096}, DType: "Q4_K"},
			{Name: "output.weight", Shape: []uint64{256_000, 4096}, DType: "Q6_K"},
		},
	}
	h, err := w.Header()
	require.NoError(t, err)
	path := filepath.Join(dir, "Llama-Q4_K_M.gguf")
	require.NoError(t, w.Write(path))
	local, err := gguf.Open(path)
	require.NoError(t, err)
	defer local.Close()

	srv := hubtest.New(t)
	srv.AddRepo(hubtest.Repo{ID: "org/m-GGUF", Dir: dir})
	repo, err := hf.Open(ctx, "org/m-GGUF", "", options(srv, "", &waits{}))
	require.NoError(t, err)
	f, err := repo.Open(ctx, "Llama-Q4_K_M.gguf")
	require.NoError(t, err)
	defer f.Close()
	gf, err := gguf.NewFile(f, f.Size())
	require.NoError(t, err)
	require.Equal(t, local.Tensors, gf.FormatTensors(path), "the same tensors, named by the path Open opened")
	require.Equal(t, local.DataOffset, gf.DataOffset)
	cdn := srv.Host("cdn")
	require.LessOrEqual(t, cdn.Bytes, int64(len(h))*11/10, "bytes fetched within 1.1× the header")
	t.Logf("GGUF header %d bytes: %d CDN requests, %d bytes (%.3f×)", len(h), cdn.Requests, cdn.Bytes, float64(cdn.Bytes)/float64(len(h)))
}
