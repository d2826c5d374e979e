package names

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestList(t *testing.T) {
	in := []string{"blk.0.attn_q.weight", "", "token_embd.weight", "é", "blk.0.attn_q.weight"}
	l := MakeList(2, 8) // grows past the room it was made with
	for _, s := range in {
		require.NoError(t, l.Append(s))
	}
	l.Clip()
	require.Equal(t, len(in), l.Len())
	for i, s := range in {
		require.Equal(t, s, l.At(i))
	}
	require.Equal(t, 0, l.Index("blk.0.attn_q.weight"), "the first of two")
	require.Equal(t, 1, l.Index(""))
	require.Equal(t, 3, l.Index("é"))
	require.Equal(t, -1, l.Index("output.weight"))

	same := MakeList(0, 0)
	for _, s := range in {
		require.NoError(t, same.Append(s))
	}
	require.True(t, l.Equal(&same))
	// The same bytes cut elsewhere are other names.
	cut := MakeList(0, 0)
	for _, s := range []string{"blk.0.attn_q.weigh", "t", "token_embd.weight", "é", "blk.0.attn_q.weight"} {
		require.NoError(t, cut.Append(s))
	}
	require.False(t, l.Equal(&cut))
	require.NoError(t, cut.Append("x"))
	require.False(t, l.Equal(&cut))
}
