package count

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// patternBySegments is appendPattern written the plain way, a segment at
// a time, for the test to hold the byte loop to.
func patternBySegments(name string) string {
	segs := strings.Split(name, ".")
	for i, s := range segs {
		if s != "" && strings.Trim(s, "0123456789") == "" {
			segs[i] = "N"
		}
	}
	return strings.Join(segs, ".")
}

func TestAppendPattern(t *testing.T) {
	for name, want := range map[string]string{
		"h.11.attn.bias": "h.N.attn.bias",
		"model.layers.6.mlp.experts.94.up_proj.weight_scale_inv": "model.layers.N.mlp.experts.N.up_proj.weight_scale_inv",
		"7":         "N",
		"":          "",
		"a..0.":     "a..N.",
		".0":        ".N",
		"blk.1a.b2": "blk.1a.b2",
		"x.012":     "x.N",
	} {
		require.Equal(t, want, string(appendPattern(nil, name)), name)
		require.Equal(t, "kind\x00"+want, string(appendPattern([]byte("kind\x00"), name)), name)
	}
}

func FuzzAppendPattern(f *testing.F) {
	for _, s := range []string{"h.11.attn.bias", "0.0", "..", "a.b9.99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if got, want := string(appendPattern([]byte("k"), name)), "k"+patternBySegments(name); got != want {
			t.Fatalf("%q: %q, want %q", name, got, want)
		}
	})
}
