package safetensors

import (
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/internal/corpus"
)

// memorySet builds a Set in memory: shard i holds the tensors named
// shards[i] (4 bytes each), and the index lists listed (name, shard).
func memorySet(shards [][]string, listed []IndexEntry) *Set {
	s := &Set{IndexPath: "index.json", Index: &Index{Entries: listed}}
	for i, names := range shards {
		f := &File{}
		for _, n := range names {
			f.Tensors = append(f.Tensors, format.Tensor{Name: n, Size: 4})
		}
		s.Files = append(s.Files, f)
		s.Index.Shards = append(s.Index.Shards, fmt.Sprintf("shard-%d", i))
		s.Paths = append(s.Paths, fmt.Sprintf("/nonexistent/shard-%d", i))
	}
	return s
}

// The proof tier says "they agree" exactly when the walk finds nothing
// wrong, over sets broken in every way a set can be: names listed twice
// (for one shard or two), stored twice (in one shard or two), missing,
// unlisted, in the wrong shard, and shards with tensors in any order.
func TestAgreeIsTheWalksVerdict(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	agreed, broken := 0, 0
	for round := range 3000 {
		nShards := 1 + rng.IntN(4)
		var shards [][]string
		var listed []IndexEntry
		n := 0
		for i := range nShards {
			var names []string
			for range rng.IntN(6) {
				name := fmt.Sprintf("t%d", n)
				n++
				names = append(names, name)
				listed = append(listed, IndexEntry{Name: name, Shard: i})
			}
			shards = append(shards, names)
		}
		rng.Shuffle(len(listed), func(a, b int) { listed[a], listed[b] = listed[b], listed[a] })
		for _, names := range shards {
			rng.Shuffle(len(names), func(a, b int) { names[a], names[b] = names[b], names[a] })
		}
		// Break it in up to two ways, or not at all.
		for range rng.IntN(3) {
			if n == 0 {
				break
			}
			i := rng.IntN(nShards)
			switch rng.IntN(6) {
			case 0: // listed twice
				e := listed[rng.IntN(len(listed))]
				listed = append(listed, IndexEntry{Name: e.Name, Shard: rng.IntN(nShards)})
			case 1: // stored twice
				e := listed[rng.IntN(len(listed))]
				shards[i] = append(shards[i], e.Name)
			case 2: // stored, not listed
				shards[i] = append(shards[i], "unlisted")
			case 3: // listed, not stored
				listed = append(listed, IndexEntry{Name: "missing", Shard: i})
			case 4: // listed with another shard
				k := rng.IntN(len(listed))
				listed[k].Shard = rng.IntN(nShards)
			case 5: // a tensor renamed in its shard
				if len(shards[i]) > 0 {
					shards[i][rng.IntN(len(shards[i]))] += "x"
				}
			}
		}
		s := memorySet(shards, listed)
		_, ok := s.agree(newListing(s.Index))
		_, err := s.walk()
		require.Equal(t, err == nil, ok, "round %d: shards %v, index %v: walk says %v", round, shards, listed, err)
		if ok {
			agreed++
		} else {
			broken++
		}
	}
	// Both verdicts were reached often.
	require.Greater(t, agreed, 500)
	require.Greater(t, broken, 500)
}

// A hash that finds an entry is not taken for the name: the names are
// compared. Here entry "b"'s hash is made "c"'s, as a collision would.
func TestShardCheckComparesNames(t *testing.T) {
	seed := maphash.MakeSeed()
	entries := []IndexEntry{{Name: "a"}, {Name: "b"}}
	hashes := []uint64{maphash.String(seed, "a"), maphash.String(seed, "c")}
	w := shardCheck{seed: seed, entries: entries, hashes: hashes}
	require.False(t, w.agree([]int32{0, 1}, []format.Tensor{{Name: "a"}, {Name: "c"}}))
	hashes[1] = maphash.String(seed, "b")
	require.True(t, w.agree([]int32{0, 1}, []format.Tensor{{Name: "b"}, {Name: "a"}}))
	require.False(t, w.agree([]int32{0, 1}, []format.Tensor{{Name: "a"}, {Name: "a"}}), "one entry matched twice")
}

// A real set takes the proof tier: the corpus's six shards, whose
// headers are in the order safetensors writes (by dtype, then name) and
// whose index is in another.
func TestAgreeOnCorpusSet(t *testing.T) {
	s, err := OpenSet(corpus.Path(t, "hf-sharded-safetensors/model.safetensors.index.json"))
	require.NoError(t, err)
	defer s.Close()
	_, ok := s.agree(newListing(s.Index))
	require.True(t, ok)
}
