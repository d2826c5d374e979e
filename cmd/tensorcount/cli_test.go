package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/internal/corpus"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const example = "../../testdata/tiny-llama"

func tc(args ...string) (stdout, stderr string, status int) {
	var o, e bytes.Buffer
	status = run(args, &o, &e)
	return o.String(), e.String(), status
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(want), got, "golden file %s (run with -update after checking the change)", path)
}

func TestGolden(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
	}{
		{"summary.txt", []string{example}},
		{"summary.json", []string{"--json", example}},
		{"summary.md", []string{"--markdown", example}},
		{"summary-costs.txt", []string{"--ctx", "4096", "--tokens", "2T", "--exact", example}},
		{"tensors.txt", []string{"tensors", example}},
		{"layers.txt", []string{"layers", example}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, status := tc(c.args...)
			require.Equal(t, exitOK, status, errOut)
			require.Empty(t, errOut)
			golden(t, c.name, out)
		})
	}
}

func TestGoldenCorpus(t *testing.T) {
	dir := corpus.Dir(t)
	for _, c := range []struct{ name, rel string }{
		{"stories260k-q8_0.txt", "stories260k-q8_0-gguf/tinyllamas-stories-260k-q8_0.gguf"},
		{"minicpm3.txt", "minicpm3-tiny-untied-safetensors"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.rel)
			out, errOut, status := tc(path)
			require.Equal(t, exitOK, status, errOut)
			// The corpus location varies; the golden file says CORPUS.
			golden(t, c.name, strings.ReplaceAll(out, dir, "CORPUS"))
		})
	}
}

func TestJSONContract(t *testing.T) {
	out, _, status := tc("--json", example)
	require.Equal(t, exitOK, status)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	// The keys DESIGN.md promises scripts.
	for _, key := range []string{"schema", "path", "format", "files", "tensors", "elements", "parameters",
		"active_parameters", "non_embedding_parameters", "bytes", "bits_per_parameter", "by_dtype", "by_role",
		"by_component", "arch", "formula", "notes"} {
		require.Contains(t, got, key)
	}
	require.Equal(t, "tensorcount/v1", got["schema"])
	require.Equal(t, float64(158_016), got["parameters"])
	formula := got["formula"].(map[string]any)
	for _, key := range []string{"layers", "hidden_size", "twelve_l_d2", "body_parameters", "ratio"} {
		require.Contains(t, formula, key)
	}
	arch := got["arch"].(map[string]any)
	for _, key := range []string{"architecture", "layers", "hidden_size", "vocab_size", "heads", "kv_heads", "head_dim", "ffn_size", "tied_embeddings", "source"} {
		require.Contains(t, arch, key)
	}

	// Several PATHs give an array of objects.
	out, _, status = tc("--json", example, example)
	require.Equal(t, exitOK, status)
	var list []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &list))
	require.Len(t, list, 2)
}

func TestExitStatus(t *testing.T) {
	_, errOut, status := tc()
	require.Equal(t, exitUsage, status)
	require.Contains(t, errOut, "no PATH given")

	_, errOut, status = tc("--bogus", example)
	require.Equal(t, exitUsage, status)
	require.Contains(t, errOut, "unknown flag: --bogus")

	_, errOut, status = tc("--json", "--markdown", example)
	require.Equal(t, exitUsage, status)
	require.Contains(t, errOut, "exclude each other")

	_, errOut, status = tc("--tokens", "lots", example)
	require.Equal(t, exitUsage, status)
	require.Contains(t, errOut, "not a count")

	out, _, status := tc("--help")
	require.Equal(t, exitOK, status)
	require.Contains(t, out, "learned parameters: packed quantized weights unpacked")

	// A missing file: status 1, but the other PATHs are still reported.
	out, errOut, status = tc("does-not-exist", example)
	require.Equal(t, exitRead, status)
	require.Contains(t, errOut, "does-not-exist")
	require.Contains(t, out, "158,016")

	bad := filepath.Join(t.TempDir(), "bad.safetensors")
	require.NoError(t, os.WriteFile(bad, []byte("\xff\x00\x00\x00\x00\x00\x00\x00{}"), 0o644))
	_, errOut, status = tc(bad)
	require.Equal(t, exitRead, status)
	require.Equal(t, "tensorcount: "+bad+": byte 0: header length: header runs past the end of the file (found 255, limit 2)\n", errOut)

	_, errOut, status = tc("tensors")
	require.Equal(t, exitUsage, status)
	require.Contains(t, errOut, "tensors takes one PATH")
}

func TestParseCount(t *testing.T) {
	for in, want := range map[string]uint64{"15000": 15000, "2T": 2e12, "1.5M": 1_500_000, "300b": 300e9, "15e12": 15e12} {
		got, err := parseCount(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, in := range []string{"x", "-1", "1e30", "T"} {
		_, err := parseCount(in)
		require.Error(t, err, in)
	}
}

// Text from a file can hold terminal escape sequences; the summary must
// show them escaped.
func TestEscapesHostileNames(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "evil.safetensors")
	header := `{"model.layers.0.\u001b[2Jevil\u0007.weight":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`
	img := make([]byte, 8)
	img[0] = byte(len(header))
	img = append(append(img, header...), 0)
	require.NoError(t, os.WriteFile(path, img, 0o644))
	out, _, status := tc("tensors", path)
	require.Equal(t, exitOK, status)
	require.NotContains(t, out, "\x1b")
	require.NotContains(t, out, "\a")
	require.Contains(t, out, `\x1b[2Jevil\a.weight`)
}

func TestAudit(t *testing.T) {
	out, errOut, status := tc("audit", "--claim", "158K", example)
	require.Equal(t, exitOK, status, errOut)
	require.Contains(t, out, "158K   --claim  matches  parameters   158.02K")

	out, _, status = tc("audit", "--claim", "7B", example)
	require.Equal(t, exitMismatch, status)
	require.Contains(t, out, "7B does not match")

	out, _, status = tc("audit", example)
	require.Equal(t, exitOK, status)
	require.Contains(t, out, "no size claim found")

	_, errOut, status = tc("audit", "--claim", "lots", example)
	require.Equal(t, exitUsage, status)
	require.Contains(t, errOut, `--claim "lots" is not a size`)

	out, _, status = tc("audit", "--json", "--claim", "30B-A3B", example)
	require.Equal(t, exitMismatch, status)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	claims := got["claims"].([]any)
	require.Len(t, claims, 2, "30B-A3B is a total and an active claim")
	require.Equal(t, "mismatch", got["claim"].(map[string]any)["verdict"])

	// The plain summary shows the verdicts too, and still exits 0.
	out, _, status = tc("--claim", "7B", example)
	require.Equal(t, exitOK, status)
	require.Contains(t, out, "7B     --claim  mismatch")
}

func TestDiff(t *testing.T) {
	out, _, status := tc("diff", example, example)
	require.Equal(t, exitOK, status)
	require.Contains(t, out, "no differences: same tensors, shapes, dtypes and parameters")

	dir := corpus.Dir(t)
	out, _, status = tc("diff", "--json", filepath.Join(dir, "stories260k-f32-gguf"), filepath.Join(dir, "stories260k-q8_0-gguf"))
	require.Equal(t, 1, status, "diff(1): 1 when the checkpoints differ")
	var d map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &d))
	require.Equal(t, "same parameters; B is a Q8_0 re-quantization of A", d["verdict"])

	_, errOut, status := tc("diff", example)
	require.Equal(t, exitUsage, status)
	require.Contains(t, errOut, "diff takes two PATHs")
}
