package text

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Width counts columns: ANSI colour sequences take none, wide runes two,
// and a lone escape byte is text like any other.
func TestWidth(t *testing.T) {
	for s, w := range map[string]int{
		"":                          0,
		"model.layers.0.mlp.weight": 25,
		"\x1b[31mred\x1b[0m":        3,
		"a\x1b[1mb\x1b[0mc":         3,
		"漢字":                        4,
		"\x1b[32m漢\x1b[0m字":         4,
		"é, 14,680,064 elements":    22,
	} {
		require.Equal(t, w, Width(s), "%q", s)
	}
	// A lone escape is measured as Width measures it without colour.
	for _, s := range []string{"a\x1bb", "\x1b", "a\x1b"} {
		require.Equal(t, Width(s), Width(s+"\x1b[0m"), "%q", s)
	}
}
