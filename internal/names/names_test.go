package names

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestArenaKeepsEveryName(t *testing.T) {
	var a Arena
	var got []string
	for i := range 20000 { // several chunks
		got = append(got, a.Add([]byte(fmt.Sprintf("model.layers.%d.mlp.up_proj.weight", i))))
	}
	for i, s := range got {
		require.Equal(t, fmt.Sprintf("model.layers.%d.mlp.up_proj.weight", i), s)
	}
	require.Equal(t, "", a.Add(nil))
	big := make([]byte, 3<<20) // larger than any chunk
	require.Len(t, a.Add(big), 3<<20)
}

func TestIndex(t *testing.T) {
	var items []string
	x := Index{NameOf: func(i int) string { return items[i] }}
	x.Init(4) // grows well past its first size
	for i := range 5000 {
		name := fmt.Sprintf("t%d", i)
		j, tag, pos := x.Find([]byte(name))
		require.Equal(t, -1, j)
		items = append(items, name)
		x.Insert(tag, pos, i)
	}
	for i := range 5000 {
		j, ok := x.Lookup(fmt.Sprintf("t%d", i))
		require.True(t, ok)
		require.Equal(t, i, j)
		k, _, _ := x.Find([]byte(fmt.Sprintf("t%d", i)))
		require.Equal(t, i, k)
	}
	_, ok := x.Lookup("absent")
	require.False(t, ok)

	var y Index
	names := []string{"a", "b", "a"}
	y.NameOf = func(i int) string { return names[i] }
	y.Init(len(names))
	require.True(t, y.Add("a", 0))
	require.True(t, y.Add("b", 1))
	require.False(t, y.Add("a", 2), "a duplicate is refused")

	var empty Index
	_, ok = empty.Lookup("x")
	require.False(t, ok)
}
