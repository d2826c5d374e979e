package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/internal/fixture"
)

// hostileRunes are the code points no output may carry raw: every C0
// control, DEL, every C1 control and the bidirectional controls.
func hostileRunes() []rune {
	var rs []rune
	for r := rune(0); r < 0x20; r++ {
		rs = append(rs, r)
	}
	rs = append(rs, 0x7f)
	for r := rune(0x80); r < 0xa0; r++ {
		rs = append(rs, r)
	}
	rs = append(rs, 0x061c, 0x200e, 0x200f, 0x2028, 0x2029)
	for r := rune(0x202a); r <= 0x202e; r++ {
		rs = append(rs, r)
	}
	for r := rune(0x2066); r <= 0x2069; r++ {
		rs = append(rs, r)
	}
	return rs
}

// rawHostile returns a description of the first raw control or bidi rune
// in s (a newline and a tab are layout), or "".
func rawHostile(s string) string {
	if !utf8.ValidString(s) {
		return "invalid UTF-8"
	}
	for i, r := range s {
		switch {
		case r == '\n' || r == '\t':
		case r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0,
			r == 0x061c, r == 0x200e, r == 0x200f, r == 0x2028, r == 0x2029,
			r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			lo := max(0, i-20)
			return strings.ToValidUTF8(s[lo:min(len(s), i+20)], "?") + " at byte " + strconv.Itoa(i)
		}
	}
	return ""
}

// Every C0, C1 and bidirectional control, in a tensor name, a metadata
// value and the directory name, comes out escaped in every output form
// and every message, and the JSON still reads back.
func TestHostileRunesEscapedEverywhere(t *testing.T) {
	var all strings.Builder
	for _, r := range hostileRunes() {
		all.WriteRune(r)
	}
	// A directory name cannot hold NUL or '/'.
	dirName := strings.NewReplacer("\x00", "", "/", "").Replace("m" + all.String() + "7B")
	dir := filepath.Join(t.TempDir(), dirName)
	require.NoError(t, os.Mkdir(dir, 0o755))
	hostile := "model.layers.0.mlp." + all.String() + ".weight"
	st := fixture.Safetensors{
		Tensors: []fixture.TensorSpec{
			{Name: "model.embed_tokens.weight", Shape: []uint64{64, 16}, DType: "F32"},
			{Name: hostile, Shape: []uint64{16, 16}, DType: "F32"},
			{Name: "lm_head." + all.String(), Shape: []uint64{64, 16}, DType: "F32"},
		},
		Metadata: map[string]string{"format": "pt", "note" + all.String(): all.String()},
	}
	path := filepath.Join(dir, "model.safetensors")
	require.NoError(t, st.Write(path))
	other := filepath.Join(t.TempDir(), "other.safetensors")
	require.NoError(t, fixture.Safetensors{Tensors: st.Tensors[:1]}.Write(other))

	runs := [][]string{
		{dir}, {dir, "--markdown"}, {dir, "--json"}, {path}, {dir, "--wide"},
		{"tensors", dir}, {"tensors", dir, "--json"}, {"tensors", dir, "--wide"},
		{"layers", dir}, {"layers", dir, "--json"},
		{"scan", dir}, {"scan", dir, "--json"},
		{"diff", dir, other}, {"diff", dir, other, "--json"},
		{"audit", dir}, {"audit", dir, "--json"}, {"audit", dir, "--claim", "7B" + all.String()},
		{"metadata", dir}, {"metadata", dir, "--json"},
		{dir + all.String()}, // a missing path named in an error
		{"tensors", dir, "--" + all.String()},
	}
	for _, args := range runs {
		out, errOut, status := tc(args...)
		name := strings.Join(args, " ")
		t.Logf("%s: status %d, %d+%d bytes", strconv.Quote(name), status, len(out), len(errOut))
		require.Empty(t, rawHostile(out), "stdout of %q", name)
		require.Empty(t, rawHostile(errOut), "stderr of %q", name)
		if strings.Contains(name, "--json") && (status == exitOK || out != "") {
			var v any
			require.NoError(t, json.Unmarshal([]byte(out), &v), "%q: %s", name, out)
			if args[0] == "tensors" {
				require.Contains(t, out, `\u202e`, "bidi controls are \\u escapes")
				require.Contains(t, flatten(v), hostile, "the JSON reads back the raw name")
			}
		}
	}
}

// flatten joins every string in a decoded JSON value.
func flatten(v any) string {
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			b.WriteString(v)
			b.WriteByte('\n')
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for k, e := range v {
				b.WriteString(k + "\n")
				walk(e)
			}
		}
	}
	walk(v)
	return b.String()
}

// A weight file that is a link out of the model directory is refused
// unless --follow-links is given, by every command that reads a model.
func TestFollowLinksFlag(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "elsewhere.safetensors")
	require.NoError(t, fixture.Safetensors{Tensors: []fixture.TensorSpec{
		{Name: "model.embed_tokens.weight", Shape: []uint64{64, 16}, DType: "F32"},
	}}.Write(outside))
	dir := t.TempDir()
	require.NoError(t, os.Symlink(outside, filepath.Join(dir, "model.safetensors")))
	for _, cmd := range [][]string{{}, {"tensors"}, {"layers"}, {"metadata"}, {"audit"}, {"scan"}, {"imports"}, {"diff", outside}} {
		args := append(append([]string{}, cmd...), dir)
		if len(cmd) == 2 { // diff A B
			args = []string{"diff", dir, outside}
		}
		_, errOut, status := tc(args...)
		require.NotEqual(t, exitOK, status, "%v", args)
		require.Contains(t, errOut, "a link to outside the model directory", "%v", args)

		out, errOut, status := tc(append(args, "--follow-links")...)
		require.Equal(t, exitOK, status, "%v --follow-links: %s", args, errOut)
		require.NotContains(t, errOut, "outside the model directory", "%v", args)
		_ = out
	}
	out, _, _ := tc("help", "tensors")
	require.Contains(t, out, "--follow-links")
	out, _, _ = tc("help", "version")
	require.NotContains(t, out, "--follow-links")
}
