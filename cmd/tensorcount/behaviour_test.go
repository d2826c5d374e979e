package main

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/internal/corpus"
	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/internal/fixture/archs"
	"github.com/tensorcount/tensorcount/internal/fixture/ggufw"
	"github.com/tensorcount/tensorcount/model"
)

func TestUnknownCommand(t *testing.T) {
	_, errOut, status := tc("tensor", example)
	require.Equal(t, exitUsage, status)
	require.Contains(t, errOut, `unknown command "tensor" (did you mean "tensors"?)`)

	_, errOut, status = tc("audti", example)
	require.Equal(t, exitUsage, status)
	require.Contains(t, errOut, `(did you mean "audit"?)`)

	// A word like no command is a path that is missing: status 1.
	_, errOut, status = tc("no-such-model-dir")
	require.Equal(t, exitRead, status)
	require.Contains(t, errOut, "no-such-model-dir")

	// An existing directory named like a command is a path.
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "tensor"), 0o755))
	wd, _ := os.Getwd()
	require.NoError(t, os.Chdir(dir))
	defer os.Chdir(wd)
	_, errOut, status = tc("tensor")
	require.Equal(t, exitRead, status)
	require.NotContains(t, errOut, "unknown command")
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}} {
		out, _, status := tc(args...)
		require.Equal(t, exitOK, status)
		require.True(t, strings.HasPrefix(out, "tensorcount "), out)
		require.Contains(t, out, "go1.")
	}
	_, _, status := tc("version", "x")
	require.Equal(t, exitUsage, status)
}

// Every command's help is generated from its own flags: each flag it
// accepts is listed, and help NAME equals NAME --help.
func TestPerCommandHelp(t *testing.T) {
	for _, c := range commands {
		name := c.name
		if c == summaryCommand {
			name = "tensorcount"
		}
		viaHelp, _, status := tc("help", name)
		require.Equal(t, exitOK, status, name)
		if c != summaryCommand {
			viaFlag, _, status := tc(name, "--help")
			require.Equal(t, exitOK, status, name)
			require.Equal(t, viaHelp, viaFlag, name)
		}
		for _, flag := range flagNames(c) {
			require.Contains(t, viaHelp, flag, "%s help lists %s", name, flag)
		}
		c.flagSet(&flagValues{}).VisitAll(func(f *pflag.Flag) {
			require.NotEmpty(t, f.Usage, "%s --%s has no usage string", name, f.Name)
		})
	}
	out, _, _ := tc("help", "scan")
	require.Contains(t, out, "--workers")
	require.NotContains(t, out, "--markdown")
	_, errOut, status := tc("help", "tensor")
	require.Equal(t, exitUsage, status)
	require.Contains(t, errOut, `did you mean "tensors"`)
}

func TestFlagsThatDoNotApply(t *testing.T) {
	for _, args := range [][]string{
		{"tensors", "--markdown", example},
		{"scan", "--claim", "7B", example},
		{"diff", "--markdown", example, example},
		{"metadata", "--ctx", "4096", example},
		{"layers", "--claim", "7B", example},
	} {
		_, errOut, status := tc(args...)
		require.Equal(t, exitUsage, status, args)
		require.Contains(t, errOut, "unknown flag", args)
	}
}

func TestCountSuffixes(t *testing.T) {
	out, errOut, status := tc("--ctx", "128k", "--exact", example)
	require.Equal(t, exitOK, status, errOut)
	require.Contains(t, out, "for 128,000 tokens")
	_, errOut, status = tc("--ctx", "lots", example)
	require.Equal(t, exitUsage, status)
	require.Contains(t, errOut, `--ctx "lots": not a count`)
	_, errOut, status = tc("--ctx", "9223372036854775807", example)
	require.Equal(t, exitUsage, status)
	require.Contains(t, errOut, "more tokens than any model's context")
}

func TestCompletion(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		out, _, status := tc("completion", shell)
		require.Equal(t, exitOK, status)
		require.Greater(t, len(out), 500, shell)
		for _, word := range []string{"tensors", "metadata", "workers", "claim"} {
			require.Contains(t, out, word, shell)
		}
	}
	_, _, status := tc("completion", "tcsh")
	require.Equal(t, exitUsage, status)
}

func TestTensorsFilters(t *testing.T) {
	out, _, status := tc("tensors", "--role", "norm", "--json", example)
	require.Equal(t, exitOK, status)
	var l struct {
		Schema  string
		Tensors []struct {
			Name, Role string
			Layer      int
			Parameters uint64
		}
	}
	require.NoError(t, json.Unmarshal([]byte(out), &l))
	require.Equal(t, "tensorcount/tensors/v1", l.Schema)
	require.Len(t, l.Tensors, 5) // 2 layers × 2 norms + the final norm
	for _, r := range l.Tensors {
		require.Equal(t, "norm", r.Role)
	}

	out, _, _ = tc("tensors", "--layer", "1", "--match", "*.mlp.*", "--json", example)
	require.NoError(t, json.Unmarshal([]byte(out), &l))
	require.Len(t, l.Tensors, 3)
	for _, r := range l.Tensors {
		require.Equal(t, 1, r.Layer)
		require.Contains(t, r.Name, ".mlp.")
	}

	out, _, _ = tc("tensors", "--sort", "size", "--json", example)
	require.NoError(t, json.Unmarshal([]byte(out), &l))
	for i := 1; i < len(l.Tensors); i++ {
		require.GreaterOrEqual(t, l.Tensors[i-1].Parameters, l.Tensors[i].Parameters)
	}
	out, _, _ = tc("tensors", "--layer", "-1", "--sort", "name", example)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Equal(t, []string{"lm_head.weight", "model.embed_tokens.weight", "model.norm.weight"},
		[]string{strings.Fields(lines[1])[0], strings.Fields(lines[2])[0], strings.Fields(lines[3])[0]})

	for _, args := range [][]string{{"--role", "attn"}, {"--sort", "bytes"}, {"--match", "["}} {
		_, errOut, status := tc(append(append([]string{"tensors"}, args...), example)...)
		require.Equal(t, exitUsage, status, args)
		require.NotEmpty(t, errOut)
	}
}

// The listing uses the count's final labels: DeepSeek-V3's layer 61 is
// MTP there as in the summary.
func TestTensorsUseCountLabels(t *testing.T) {
	dir := t.TempDir()
	_, err := archs.Write(dir, archs.DeepSeekV3())
	require.NoError(t, err)
	out, errOut, status := tc("tensors", "--layer", "61", "--json", "--headers-only", dir)
	require.Equal(t, exitOK, status, errOut)
	var l struct{ Tensors []struct{ Component string } }
	require.NoError(t, json.Unmarshal([]byte(out), &l))
	require.Greater(t, len(l.Tensors), 1500, "layer 61 holds the MTP block")
	for _, r := range l.Tensors {
		require.Equal(t, "mtp", r.Component)
	}
}

func TestMetadata(t *testing.T) {
	out, errOut, status := tc("metadata", example)
	require.Equal(t, exitOK, status, errOut)
	require.Contains(t, out, "architecture  llama")

	out, _, status = tc("metadata", "--json", example)
	require.Equal(t, exitOK, status)
	var md map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &md))
	require.Equal(t, "tensorcount/metadata/v1", md["schema"])
	entries := md["entries"].([]any)
	require.Len(t, entries, 1)
	require.Equal(t, map[string]any{"file": "../../testdata/tiny-llama/model.safetensors", "key": "format", "type": "STRING", "len": float64(2), "value": "pt"}, entries[0])
}

// Text fits 80 columns by default, for the bundled example and a
// real-scale model; --wide lifts the limit.
func TestEightyColumns(t *testing.T) {
	dir := t.TempDir()
	_, err := archs.Write(dir, archs.DeepSeekV3())
	require.NoError(t, err)
	for _, args := range [][]string{{example}, {"--headers-only", dir}, {"layers", example}, {"tensors", example},
		{"audit", "--claim", "7B", example}, {"diff", example, example}, {"metadata", example}} {
		out, errOut, status := tc(args...)
		require.Contains(t, []int{exitOK, exitMismatch}, status, errOut)
		for _, line := range strings.Split(out, "\n") {
			require.LessOrEqual(t, len([]rune(line)), 80, "%v: %q", args, line)
		}
	}
	out, _, _ := tc("--wide", "--headers-only", dir)
	long := false
	for _, line := range strings.Split(out, "\n") {
		long = long || len([]rune(line)) > 80
	}
	require.True(t, long, "--wide does not wrap")
}

func TestColor(t *testing.T) {
	out, _, _ := tc("audit", "--claim", "7B", "--color", "always", example)
	require.Contains(t, out, "\x1b[31mmismatch\x1b[0m")
	out, _, _ = tc("audit", "--claim", "158K", "--color", "always", example)
	require.Contains(t, out, "\x1b[32mmatches\x1b[0m")
	// Not a terminal: no colour on auto.
	out, _, _ = tc("audit", "--claim", "7B", example)
	require.NotContains(t, out, "\x1b")
	// NO_COLOR wins over a terminal.
	old := isTerminal
	isTerminal = func(io.Writer) bool { return true }
	defer func() { isTerminal = old }()
	t.Setenv("NO_COLOR", "1")
	out, _, _ = tc("audit", "--claim", "7B", example)
	require.NotContains(t, out, "\x1b")
	_, _, status := tc("--color", "sometimes", example)
	require.Equal(t, exitUsage, status)
}

func TestDiffExitStatus(t *testing.T) {
	_, _, status := tc("diff", example, example)
	require.Equal(t, 0, status)
	dir := t.TempDir()
	_, err := archs.Write(dir, archs.Qwen25_05B())
	require.NoError(t, err)
	_, _, status = tc("diff", "--headers-only", example, dir)
	require.Equal(t, 1, status)
	_, _, status = tc("diff", example, filepath.Join(dir, "missing"))
	require.Equal(t, 2, status, "trouble")
}

// With several PATHs, a path that fails takes its place in the JSON
// array as {"path", "error"}.
func TestJSONErrorsInPlace(t *testing.T) {
	out, _, status := tc("--json", example, "no-such-model-dir", example)
	require.Equal(t, exitRead, status)
	var list []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &list))
	require.Len(t, list, 3)
	require.Equal(t, "no-such-model-dir", list[1]["path"])
	require.Contains(t, list[1]["error"], "no-such-model-dir")
	require.Equal(t, float64(158_016), list[2]["parameters"])
}

// No JSON document holds a null list.
func TestJSONListsNeverNull(t *testing.T) {
	for _, args := range [][]string{{"--json", example}, {"tensors", "--json", "--role", "expert", example},
		{"layers", "--json", example}, {"diff", "--json", example, example}, {"scan", "--json", example},
		{"metadata", "--json", example}, {"audit", "--json", example}} {
		out, _, _ := tc(args...)
		require.NotContains(t, out, "null", args)
	}
}

func TestSentinelErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := model.Load(dir)
	require.True(t, errors.Is(err, model.ErrNoWeights), err)
	bad := filepath.Join(dir, "x.bin")
	require.NoError(t, os.WriteFile(bad, []byte("not weights at all"), 0o644))
	_, err = model.Load(bad)
	require.True(t, errors.Is(err, model.ErrNotWeightFile), err)
}

// llama.cpp's converter writes general.parameter_count; a file whose
// tensors hold far fewer parameters fails the audit.
func TestGGUFParameterCountClaim(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.gguf")
	f := ggufw.File{
		Metadata: []ggufw.KV{
			{Key: "general.architecture", Value: ggufw.Str("llama")},
			{Key: "general.parameter_count", Value: ggufw.U64(23_570_000_000)},
		},
		Tensors: []fixture.TensorSpec{
			{Name: "token_embd.weight", Shape: []uint64{640, 512}, DType: "F16"},
			{Name: "output_norm.weight", Shape: []uint64{512}, DType: "F32"},
			{Name: "output.weight", Shape: []uint64{640, 512}, DType: "F16"},
		},
	}
	require.NoError(t, f.Write(path))
	out, errOut, status := tc("audit", path)
	require.Equal(t, exitMismatch, status, errOut)
	require.Contains(t, out, "gguf general.parameter_count")
	require.Contains(t, out, "23570000000 does not match: the total is 655.87K")

	// The same count, told truthfully, matches exactly.
	f.Metadata[1].Value = ggufw.U64(655_872)
	require.NoError(t, f.Write(path))
	out, _, status = tc("audit", path)
	require.Equal(t, exitOK, status, out)
	require.Contains(t, out, "655872 matches parameters")
}

// metadata summarises a GGUF's arrays by type and length; --full lists
// them, of every element type.
func TestMetadataGGUFArrays(t *testing.T) {
	path := filepath.Join(corpus.Dir(t), "stories260k-q8_0-gguf", "tinyllamas-stories-260k-q8_0.gguf")
	out, errOut, status := tc("metadata", path)
	require.Equal(t, exitOK, status, errOut)
	require.Contains(t, out, "tokenizer.ggml.tokens                   STRING[512]   (--full lists them)")
	js, _, _ := tc("metadata", "--json", "--full", path)
	var md struct {
		Entries []struct {
			Key   string
			Len   uint64
			Value any
		}
	}
	require.NoError(t, json.Unmarshal([]byte(js), &md))
	lists := map[string]int{}
	for _, e := range md.Entries {
		if l, ok := e.Value.([]any); ok {
			lists[e.Key] = len(l)
		}
	}
	require.Equal(t, map[string]int{"tokenizer.ggml.tokens": 512, "tokenizer.ggml.scores": 512, "tokenizer.ggml.token_type": 512}, lists)
}
