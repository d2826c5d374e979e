package format_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/format"
)

func TestWidth(t *testing.T) {
	for s, w := range map[string]int{
		"":           0,
		"abc":        3,
		"日本語":        6,
		"ｱ":          1, // halfwidth katakana
		"Ａ":          2, // fullwidth A
		"e\u0301":    1, // combining acute
		"한국어":        6,
		"🦙":          2,
		"a\u200bb":   2,
		`\u202e`:     6, // escaped text is measured as shown
		"…":          1,
		"model.日本.x": 12,
	} {
		require.Equal(t, w, format.Width(s), "%q", s)
	}
	// A wide rune anywhere in a run of ASCII, which is measured eight
	// bytes at a time.
	for k := range 20 {
		s := strings.Repeat("a", k) + "日" + strings.Repeat("b", 9)
		require.Equal(t, k+2+9, format.Width(s), "%q", s)
	}
}

func TestShorten(t *testing.T) {
	name := "model.layers.47.mlp.experts.127.down_proj.weight" // 48 columns
	for _, c := range []struct {
		s     string
		width int
		want  string
	}{
		{name, 48, name},
		{name, 100, name},
		{name, 20, "model.…n_proj.weight"},
		{name, 21, "model.…wn_proj.weight"},
		{name, 2, "…t"},
		{name, 1, "…"},
		{name, 0, ""},
		{name, -5, ""},
		{"日本語のモデル名前", 9, "日…ル名前"}, // 18 columns: head 2, tail 6
		{"日本語のモデル名前", 8, "日…名前"},  // tail 5 columns hold only 名前
		{"", 3, ""},
	} {
		got := format.Shorten(c.s, c.width)
		require.LessOrEqual(t, format.Width(got), max(c.width, 0), "%q at %d", c.s, c.width)
		if c.want != "" || c.s == "" || c.width < 1 {
			require.Equal(t, c.want, got, "%q at %d", c.s, c.width)
		}
	}
	// Every width from 1 up fits, and keeps the ends.
	for w := 1; w <= 60; w++ {
		got := format.Shorten(name, w)
		require.LessOrEqual(t, format.Width(got), w)
		if w >= 48 {
			require.Equal(t, name, got)
		} else {
			require.Equal(t, w, format.Width(got), "ASCII fills the width exactly")
			require.Contains(t, got, "…")
		}
	}
}

func TestFewNames(t *testing.T) {
	many := make([]string, 65535)
	for i := range many {
		many[i] = fmt.Sprintf("t%d", i)
	}
	for _, c := range []struct {
		names []string
		n     int
		want  string
	}{
		{nil, 3, ""},
		{[]string{"a"}, 3, "a"},
		{[]string{"a", "b"}, 3, "a and b"},
		{[]string{"a", "b", "c"}, 3, "a, b and c"},
		{[]string{"a", "b", "c", "d"}, 3, "a, b, c and 1 more"},
		{many, 3, "t0, t1, t2 and 65,532 more"},
		{many, 0, "t0 and 65,534 more"},
		{[]string{"\x1b[2J", "b"}, 3, `\x1b[2J and b`},
	} {
		require.Equal(t, c.want, format.FewNames(c.names, c.n))
	}
}

func TestThousands(t *testing.T) {
	for v, want := range map[uint64]string{0: "0", 999: "999", 1000: "1,000", 65532: "65,532", 1<<64 - 1: "18,446,744,073,709,551,615", 100000: "100,000"} {
		require.Equal(t, want, format.Thousands(v))
	}
}

func ExampleShorten() {
	name := format.Escape("model.layers.47.mlp.experts.127.\u202edown_proj.weight")
	fmt.Println(format.Shorten(name, 30))
	fmt.Println(format.FewNames([]string{"lm_head.weight", "model.norm.weight", "a", "b"}, 2))
	// Output:
	// model.lay…202edown_proj.weight
	// lm_head.weight, model.norm.weight and 2 more
}
