package names

import (
	"fmt"
	"math/rand/v2"
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

// An arena given memory of its caller's fills it, then goes on in chunks
// of its own; every name stays as it was added.
func TestArenaUse(t *testing.T) {
	own := make([]byte, 0, 40)
	var a Arena
	a.Use(own)
	var got []string
	for i := range 2000 {
		got = append(got, a.Add([]byte(fmt.Sprintf("layers.%d.w", i))))
	}
	require.Equal(t, "layers.0.wlayers.1.wlayers.2.w", string(own[:30]))
	for i, s := range got {
		require.Equal(t, fmt.Sprintf("layers.%d.w", i), s)
	}
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

// AddBatch and LookupBatch do what Add and Lookup do one at a time,
// including growing the table and stopping at a name already present.
func TestBatches(t *testing.T) {
	var items []string
	x := Index{NameOf: func(i int) string { return items[i] }}
	x.Init(4)
	for i := range 1000 {
		items = append(items, fmt.Sprintf("n%d", i))
	}
	for first := 0; first < len(items); first += MaxBatch {
		batch := items[first:min(first+MaxBatch, len(items))]
		require.Equal(t, len(batch), x.AddBatch(batch, first))
	}
	// A batch holding a name already present, and one repeating a name
	// of its own, add up to it.
	items = append(items, "new0", "n17", "new1")
	require.Equal(t, 1, x.AddBatch(items[1000:1003], 1000))
	items = append(items[:1001], "new2", "new2")
	require.Equal(t, 1, x.AddBatch(items[1001:1003], 1001))
	names := []string{"n0", "n999", "new0", "new2", "absent", "n500"}
	pos := make([]int, len(names))
	x.LookupBatch(names, pos)
	for k, name := range names {
		i, ok := x.Lookup(name)
		if !ok {
			i = -1
		}
		require.Equal(t, i, pos[k], name)
	}
	require.Equal(t, []int{0, 999, 1000, 1001, -1, 500}, pos)
	var empty Index
	empty.LookupBatch(names[:2], pos[:2])
	require.Equal(t, []int{-1, -1}, pos[:2])
}

// AddAll reports the first name an earlier one has, across batches.
func TestAddAll(t *testing.T) {
	for _, dup := range []int{-1, 1, 63, 64, 70, 199} {
		items := make([]string, 200)
		for i := range items {
			items[i] = fmt.Sprintf("w.%d", i)
		}
		if dup >= 0 {
			items[dup] = items[dup/2]
		}
		x := Index{NameOf: func(i int) string { return items[i] }}
		x.Init(len(items))
		require.Equal(t, dup, x.AddAll(len(items), x.NameOf), "duplicate at %d", dup)
	}
}

// LookupAll finds what Lookup finds, across batches and for names absent.
func TestLookupAll(t *testing.T) {
	var items []string
	for i := range 300 {
		items = append(items, fmt.Sprintf("w.%d", i))
	}
	x := Index{NameOf: func(i int) string { return items[i] }}
	x.Init(len(items))
	require.Equal(t, -1, x.AddAll(len(items), x.NameOf))
	queries := make([]string, 0, 2*len(items))
	for i := len(items) - 1; i >= 0; i-- {
		queries = append(queries, items[i], fmt.Sprintf("absent.%d", i))
	}
	pos := make([]int32, len(queries))
	x.LookupAll(pos, func(k int) string { return queries[k] })
	for k, q := range queries {
		want := int32(-1)
		if k%2 == 0 {
			want = int32(len(items) - 1 - k/2)
		}
		require.Equal(t, want, pos[k], q)
	}
}

func TestRepeats(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 2, 7, 1000, 100_000} {
		hashes := make([]uint64, n)
		for i := range hashes {
			hashes[i] = rng.Uint64() &^ 1
		}
		require.False(t, Repeats(hashes, make([]uint64, n)), "%d distinct hashes", n)
		if n < 2 {
			continue
		}
		for _, twin := range []uint64{hashes[n/3], hashes[n/3] | 1} {
			hashes[n-1] = twin
			require.True(t, Repeats(hashes, make([]uint64, n)), "%d hashes, the last %x like hash %d", n, twin, n/3)
		}
	}
}

func TestDistinct(t *testing.T) {
	for _, n := range []int{0, 1, 2, 5000} {
		names := make([]string, n)
		for i := range names {
			names[i] = fmt.Sprintf("blk.%d.attn_q.weight", i)
		}
		require.True(t, Distinct(n, func(i int) string { return names[i] }), "%d distinct names", n)
		if n >= 2 {
			names[n-1] = names[0]
			require.False(t, Distinct(n, func(i int) string { return names[i] }), "%d names, the last the first's", n)
		}
	}
}
