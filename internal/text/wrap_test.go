package text

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/format"
)

// Width is format.Width of the text without its ANSI colour sequences;
// a lone escape byte is text like any other.
func TestWidth(t *testing.T) {
	for _, s := range []string{"", "model.layers.0.mlp.weight", "漢字", "é, 14,680,064 elements", "a\x1bb", "\x1b"} {
		require.Equal(t, format.Width(s), Width(s), "%q", s)
		require.Equal(t, format.Width(s), Width(Paint(s, Red, true)), "%q in red", s)
		require.Equal(t, 2*format.Width(s), Width(Paint(s, Green, true)+s), "%q, half green", s)
	}
}
