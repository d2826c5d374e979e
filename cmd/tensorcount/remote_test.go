package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/internal/fixture/archs"
	"github.com/tensorcount/tensorcount/internal/fixture/ggufw"
	"github.com/tensorcount/tensorcount/internal/hubtest"
)

// hubEnv starts a fake Hub and points the environment at it: no token,
// empty caches in temporary directories, the fake Ollama registry.
func hubEnv(t *testing.T) *hubtest.Server {
	t.Helper()
	srv := hubtest.New(t)
	t.Setenv("HF_ENDPOINT", srv.URL())
	t.Setenv("HF_TOKEN", "")
	t.Setenv("HF_TOKEN_PATH", "")
	t.Setenv("HF_HOME", t.TempDir())
	t.Setenv("HF_HUB_CACHE", "")
	t.Setenv("HF_HUB_OFFLINE", "")
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("OLLAMA_MODELS", t.TempDir())
	t.Setenv("TENSORCOUNT_OLLAMA_REGISTRY", srv.URL())
	return srv
}

const llamaCard = "---\nlicense: llama3.1\n---\n# Llama 3.1 8B\n\n- Parameters: 8.03B\n"

// llamaDir writes a sparse Llama-3.1-8B, as one file or as the 4-shard
// release, with a model card.
func llamaDir(t *testing.T, sharded bool) string {
	t.Helper()
	dir := t.TempDir()
	m := archs.Llama31_8B()
	var err error
	if sharded {
		_, err = archs.WriteSharded(dir, m, archs.Llama31_8BShards())
	} else {
		_, err = archs.Write(dir, m)
	}
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "README.md"), []byte(llamaCard), 0o644))
	return dir
}

func decodeJSON(t *testing.T, out string) map[string]any {
	t.Helper()
	var v map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &v), out)
	return v
}

// TestRemoteSummaryMatchesLocal: the count of a repository read through
// the Hub equals the count of the same directory on disk (tensors,
// elements, parameters and every breakdown), for one file and for the
// 4-shard set. Only the tie evidence may differ: a remote count reads no
// tensor data. The request budget is checked, and a second run, from the
// cache, fetches no file bytes.
func TestRemoteSummaryMatchesLocal(t *testing.T) {
	srv := hubEnv(t)
	for _, c := range []struct {
		name    string
		sharded bool
		shards  int
	}{{"single", false, 1}, {"sharded", true, 4}} {
		t.Run(c.name, func(t *testing.T) {
			dir := llamaDir(t, c.sharded)
			id := "meta-llama/Llama-3.1-8B-" + c.name
			want := archs.Llama31_8B()
			srv.AddRepo(hubtest.Repo{ID: id, Dir: dir, Params: map[string]int64{"BF16": int64(want.Elements)}})

			local, errOut, status := tc("--json", dir)
			require.Equal(t, exitOK, status, errOut)
			srv.Reset()
			start := time.Now()
			out, errOut, status := tc("--json", "hf://"+id)
			elapsed := time.Since(start)
			require.Equal(t, exitOK, status, errOut)
			hub, cdn := srv.Host("hub"), srv.Host("cdn")
			t.Logf("hf://%s (%d shards), cold cache: hub %d requests %d bytes, cdn %d requests %d bytes, %v",
				id, c.shards, hub.Requests, hub.Bytes, cdn.Requests, cdn.Bytes, elapsed.Round(time.Millisecond))
			for _, p := range srv.Paths() {
				t.Logf("  %s: %+v", p, srv.Path(p))
			}

			l, r := decodeJSON(t, local), decodeJSON(t, out)
			for _, k := range []string{"format", "kind", "tensors", "elements", "parameters", "active_parameters",
				"non_embedding_parameters", "embedding_parameters", "head_parameters", "bytes",
				"by_dtype", "by_role", "by_component", "by_layer", "arch", "formula"} {
				require.Equal(t, l[k], r[k], k)
			}
			require.EqualValues(t, want.Parameters, r["parameters"])
			// The tie evidence differs: locally the head is compared
			// with the embedding (sparse files: both constant zeros),
			// remotely nothing is read.
			t.Logf("tie: local %v, remote %v", l["tie"], r["tie"])
			require.Equal(t, "constant content", l["tie"].(map[string]any)["evidence"])
			require.Equal(t, "not compared", r["tie"].(map[string]any)["evidence"])
			require.Equal(t, false, r["tie"].(map[string]any)["tied"])
			require.Len(t, r["files"], c.shards)
			f0 := r["files"].([]any)[0].(map[string]any)
			require.True(t, strings.HasPrefix(f0["path"].(string), "hf://"+id+"@"), f0["path"])
			notes := strings.Join(toStrings(r["notes"]), "\n")
			require.Contains(t, notes, "read remotely: headers only")
			require.Contains(t, notes, "the Hub says 8,030,261,248 parameters")
			// Listing, revision, config, card, the Hub's figure (and
			// the index): at most two requests per shard beyond those.
			extra := 5
			if c.sharded {
				extra++
			}
			require.LessOrEqual(t, hub.Requests+cdn.Requests, int64(2*c.shards+extra))
			require.LessOrEqual(t, cdn.Bytes, int64(128<<10)*int64(c.shards), "headers only: one speculative read per shard")

			srv.Reset()
			start = time.Now()
			again, errOut, status := tc("--json", "hf://"+id)
			elapsed = time.Since(start)
			require.Equal(t, exitOK, status, errOut)
			require.Equal(t, out, again)
			t.Logf("warm cache: hub %+v cdn %+v, %v", srv.Host("hub"), srv.Host("cdn"), elapsed.Round(time.Millisecond))
			require.Zero(t, srv.Host("cdn").Bytes, "the cache holds the headers")
			require.Zero(t, srv.Host("cdn").Requests)

			// Offline, the cache answers everything.
			t.Setenv("HF_HUB_OFFLINE", "1")
			srv.Reset()
			offline, errOut, status := tc("--json", "hf://"+id)
			require.Equal(t, exitOK, status, errOut)
			require.Zero(t, srv.Host("hub").Requests+srv.Host("cdn").Requests)
			require.Equal(t, decodeJSON(t, out)["parameters"], decodeJSON(t, offline)["parameters"])
			t.Setenv("HF_HUB_OFFLINE", "")

			// --no-cache fetches again.
			srv.Reset()
			_, errOut, status = tc("--no-cache", "--json", "hf://"+id)
			require.Equal(t, exitOK, status, errOut)
			require.Positive(t, srv.Host("cdn").Bytes)
		})
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// TestRemoteSubcommands: tensors, layers, metadata, audit and diff take
// hf:// sources.
func TestRemoteSubcommands(t *testing.T) {
	srv := hubEnv(t)
	single, sharded := llamaDir(t, false), llamaDir(t, true)
	srv.AddRepo(hubtest.Repo{ID: "meta-llama/Llama-3.1-8B", Dir: single})
	srv.AddRepo(hubtest.Repo{ID: "meta-llama/Llama-3.1-8B-sharded", Dir: sharded})

	local, _, status := tc("tensors", "--json", single)
	require.Equal(t, exitOK, status)
	out, errOut, status := tc("tensors", "--json", "hf://meta-llama/Llama-3.1-8B")
	require.Equal(t, exitOK, status, errOut)
	require.Equal(t, strings.Count(local, `"name"`), strings.Count(out, `"name"`))
	require.Contains(t, out, "model.layers.31.mlp.down_proj.weight")

	out, errOut, status = tc("layers", "hf://meta-llama/Llama-3.1-8B-sharded")
	require.Equal(t, exitOK, status, errOut)
	require.Contains(t, out, "31")

	out, errOut, status = tc("metadata", "hf://meta-llama/Llama-3.1-8B")
	require.Equal(t, exitOK, status, errOut)
	require.Contains(t, out, "format")

	out, errOut, status = tc("audit", "--json", "hf://meta-llama/Llama-3.1-8B")
	require.Equal(t, exitOK, status, errOut)
	var a struct {
		Claims []struct {
			Source string `json:"source"`
			Text   string `json:"text"`
			Result string `json:"verdict"`
		} `json:"claims"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &a))
	var sources []string
	for _, c := range a.Claims {
		sources = append(sources, c.Source+": "+c.Text+" → "+c.Result)
	}
	all := strings.Join(sources, "\n")
	require.Contains(t, all, "README", "the remote model card is read")
	require.Contains(t, all, "repository name: 8B → matches", "the repository name is a claim")
	require.Contains(t, all, "README.md: 8.03B → matches")
	require.NotContains(t, all, "mismatch")

	out, errOut, status = tc("diff", "hf://meta-llama/Llama-3.1-8B", "hf://meta-llama/Llama-3.1-8B-sharded")
	require.Equal(t, exitOK, status, errOut+out)
}

func tinyGGUF(t *testing.T, path string) {
	t.Helper()
	w := ggufw.File{
		Metadata: []ggufw.KV{{Key: "general.architecture", Value: ggufw.Str("llama")}},
		Tensors:  []fixture.TensorSpec{{Name: "token_embd.weight", Shape: []uint64{1000, 256}, DType: "Q8_0"}},
	}
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, w.Write(path))
}

// TestRemoteGGUFChoices: a repository with two quantizations asks for
// one (exit 2, both listed); naming the file counts it; a projector
// beside one model does not make a choice.
func TestRemoteGGUFChoices(t *testing.T) {
	srv := hubEnv(t)
	dir := t.TempDir()
	tinyGGUF(t, filepath.Join(dir, "Llama-3.1-8B-Q4_K_M.gguf"))
	tinyGGUF(t, filepath.Join(dir, "Llama-3.1-8B-Q8_0.gguf"))
	srv.AddRepo(hubtest.Repo{ID: "bartowski/Llama-3.1-8B-GGUF", Dir: dir})

	_, errOut, status := tc("hf://bartowski/Llama-3.1-8B-GGUF")
	require.Equal(t, exitUsage, status, errOut)
	require.Contains(t, errOut, "holds 2 GGUF models; name one")
	require.Contains(t, errOut, "Q4_K_M")
	require.Contains(t, errOut, "/Llama-3.1-8B-Q8_0.gguf")

	out, errOut, status := tc("--json", "hf://bartowski/Llama-3.1-8B-GGUF/Llama-3.1-8B-Q8_0.gguf")
	require.Equal(t, exitOK, status, errOut)
	r := decodeJSON(t, out)
	require.Equal(t, "gguf", r["format"])
	require.EqualValues(t, 256000, r["elements"])

	one := t.TempDir()
	tinyGGUF(t, filepath.Join(one, "m-Q4_K_M.gguf"))
	tinyGGUF(t, filepath.Join(one, "mmproj-m-f16.gguf"))
	srv.AddRepo(hubtest.Repo{ID: "org/vision-GGUF", Dir: one})
	out, errOut, status = tc("--json", "hf://org/vision-GGUF")
	require.Equal(t, exitOK, status, errOut)
	r = decodeJSON(t, out)
	require.Len(t, r["files"], 1)
	require.Contains(t, strings.Join(toStrings(r["notes"]), "\n"), "mmproj-m-f16.gguf")
}

// TestRemoteURLAndOllama: a Hub resolve URL, a plain https URL served
// with ranges, and ollama://name:tag through the fake registry.
func TestRemoteURLAndOllama(t *testing.T) {
	srv := hubEnv(t)
	dir := llamaDir(t, false)
	srv.AddRepo(hubtest.Repo{ID: "meta-llama/Llama-3.1-8B", Dir: dir})

	out, errOut, status := tc("--json", srv.URL()+"/meta-llama/Llama-3.1-8B/resolve/main/model.safetensors")
	require.Equal(t, exitOK, status, errOut)
	r := decodeJSON(t, out)
	require.EqualValues(t, archs.Llama31_8B().Parameters, r["parameters"])

	plain := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer plain.Close()
	out, errOut, status = tc("--json", plain.URL+"/model.safetensors")
	require.Equal(t, exitOK, status, errOut)
	r = decodeJSON(t, out)
	require.EqualValues(t, archs.Llama31_8B().Parameters, r["parameters"])

	// An index URL brings the shards beside it.
	shards := httptest.NewServer(http.FileServer(http.Dir(llamaDir(t, true))))
	defer shards.Close()
	out, errOut, status = tc("--json", shards.URL+"/model.safetensors.index.json")
	require.Equal(t, exitOK, status, errOut)
	r = decodeJSON(t, out)
	require.EqualValues(t, archs.Llama31_8B().Parameters, r["parameters"])
	require.Len(t, r["files"], 4)

	blobs := t.TempDir()
	tinyGGUF(t, filepath.Join(blobs, "model"))
	require.NoError(t, srv.AddOllama("library", "llama3.1", "8b", hubtest.Layer{MediaType: hubtest.MediaModel, Path: filepath.Join(blobs, "model")}))
	out, errOut, status = tc("--json", "ollama://llama3.1:8b")
	require.Equal(t, exitOK, status, errOut)
	r = decodeJSON(t, out)
	require.Equal(t, "gguf", r["format"])
	require.EqualValues(t, 256000, r["elements"])
	// The flag wins over the environment.
	t.Setenv("TENSORCOUNT_OLLAMA_REGISTRY", "http://127.0.0.1:1")
	_, errOut, status = tc("--no-cache", "--ollama-registry", srv.URL(), "ollama://llama3.1:8b")
	require.Equal(t, exitOK, status, errOut)
}

// TestRemoteRefusals: scan takes no remote source (exit 2), a gated
// repository without a token says to set HF_TOKEN (exit 1), a missing
// repository is exit 1.
func TestRemoteRefusals(t *testing.T) {
	srv := hubEnv(t)
	dir := llamaDir(t, false)
	srv.AddRepo(hubtest.Repo{ID: "meta-llama/Llama-3.1-8B", Dir: dir, Gated: true})

	_, errOut, status := tc("scan", "hf://meta-llama/Llama-3.1-8B")
	require.Equal(t, exitUsage, status)
	require.Contains(t, errOut, "would download the whole model; download it first")
	require.Zero(t, srv.Host("hub").Requests, "scan refuses before any request")

	_, errOut, status = tc("hf://meta-llama/Llama-3.1-8B")
	require.Equal(t, exitRead, status)
	require.Contains(t, errOut, "set HF_TOKEN")

	t.Setenv("HF_TOKEN", srv.Token)
	_, errOut, status = tc("hf://meta-llama/Llama-3.1-8B")
	require.Equal(t, exitOK, status, errOut)
	require.False(t, srv.AuthReachedCDN(), "the token stays on the Hub")

	_, errOut, status = tc("hf://nobody/nothing")
	require.Equal(t, exitRead, status)
	require.Contains(t, errOut, "repository not found")
}

// TestRemoteHelp: the flags and the SOURCE forms are in the help.
func TestRemoteHelp(t *testing.T) {
	out, _, _ := tc("--help")
	require.Contains(t, out, "hf://org/name")
	require.Contains(t, out, "ollama://")
	require.Contains(t, out, "--no-cache")
	require.Contains(t, out, "--ollama-registry")
	for _, name := range []string{"tensors", "layers", "metadata", "audit", "diff", "imports"} {
		out, _, _ := tc(name, "--help")
		require.Contains(t, out, "--no-cache", name)
	}
	out, _, _ = tc("scan", "--help")
	require.NotContains(t, out, "--no-cache")
}

// TestRemoteProgress: on a terminal, a load that takes longer than the
// delay draws a progress line on stderr and clears it; a quick one, or
// one whose stderr is not a terminal, draws nothing.
func TestRemoteProgress(t *testing.T) {
	srv := hubEnv(t)
	srv.AddRepo(hubtest.Repo{ID: "meta-llama/Llama-3.1-8B", Dir: llamaDir(t, true)})

	_, errOut, status := tc("--no-cache", "hf://meta-llama/Llama-3.1-8B")
	require.Equal(t, exitOK, status, errOut)
	require.Empty(t, errOut, "not a terminal")

	old, oldDelay := isTerminal, progressDelay
	isTerminal = func(io.Writer) bool { return true }
	defer func() { isTerminal, progressDelay = old, oldDelay }()
	_, errOut, status = tc("--no-cache", "hf://meta-llama/Llama-3.1-8B")
	require.Equal(t, exitOK, status, errOut)
	require.Empty(t, errOut, "quicker than the delay")

	progressDelay = 10 * time.Millisecond
	srv.SetFaults(hubtest.Faults{Latency: 40 * time.Millisecond})
	_, errOut, status = tc("--no-cache", "hf://meta-llama/Llama-3.1-8B")
	require.Equal(t, exitOK, status, errOut)
	require.Contains(t, errOut, "reading headers: ")
	require.Contains(t, errOut, " files, ")
	require.True(t, strings.HasSuffix(errOut, "\r\x1b[K"), "the line is cleared: %q", errOut)
}

// TestRemotePyTorch: a pickle checkpoint is read remotely without
// running it: imports says what loading it would import (exit 5 for a
// dangerous one), and a sharded pytorch_model.bin set counts as locally.
func TestRemotePyTorch(t *testing.T) {
	srv := hubEnv(t)
	evil := t.TempDir()
	b, err := os.ReadFile(filepath.Join(torchFixtures, "malicious", "evil_checkpoint.pt"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(evil, "pytorch_model.bin"), b, 0o644))
	srv.AddRepo(hubtest.Repo{ID: "org/evil", Dir: evil})
	out, errOut, status := tc("imports", "hf://org/evil")
	require.Equal(t, exitUnsafe, status, errOut)
	require.Contains(t, out, "dangerous")

	sharded := filepath.Join(torchFixtures, "sharded")
	srv.AddRepo(hubtest.Repo{ID: "org/sharded-bin", Dir: sharded})
	local, errOut, status := tc("--json", sharded)
	require.Equal(t, exitOK, status, errOut)
	out, errOut, status = tc("--json", "hf://org/sharded-bin")
	require.Equal(t, exitOK, status, errOut)
	l, r := decodeJSON(t, local), decodeJSON(t, out)
	for _, k := range []string{"format", "tensors", "elements", "parameters"} {
		require.Equal(t, l[k], r[k], k)
	}
	t.Logf("pytorch_model.bin set: hub %+v cdn %+v", srv.Host("hub"), srv.Host("cdn"))
}

// TestRemoteFaults: a CDN that fails once per file, or whose signed URL
// has expired, still gives the count; the retries are counted.
func TestRemoteFaults(t *testing.T) {
	srv := hubEnv(t)
	srv.AddRepo(hubtest.Repo{ID: "meta-llama/Llama-3.1-8B", Dir: llamaDir(t, true)})
	want, errOut, status := tc("--no-cache", "--json", "hf://meta-llama/Llama-3.1-8B")
	require.Equal(t, exitOK, status, errOut)
	for _, f := range []hubtest.Faults{{Fail: 1}, {ExpireCDN: 1}, {Fail: 1, Status: http.StatusBadGateway}} {
		srv.SetFaults(f)
		srv.Reset()
		out, errOut, status := tc("--no-cache", "--json", "hf://meta-llama/Llama-3.1-8B")
		require.Equal(t, exitOK, status, "%+v: %s", f, errOut)
		require.Equal(t, decodeJSON(t, want)["parameters"], decodeJSON(t, out)["parameters"])
		require.Greater(t, srv.Host("cdn").Requests, int64(4), "%+v", f)
	}
}
