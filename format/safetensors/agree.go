package safetensors

import (
	"hash/maphash"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/internal/names"
)

// The set's check comes in two tiers. A set whose index and shards agree,
// which is nearly every set, is proven so a shard at a time (agree): each
// shard's tensors are looked up among the entries the index gives that
// shard, in a table small enough to stay in the CPU's cache, and no name
// may be listed twice. One index-wide table instead, probed in shard
// order, missed the cache on every lookup: for DeepSeek-V3's 92,000
// tensors 15% of the whole run's CPU time. Anything else goes to Set.check's
// index-wide walk, which says exactly what is wrong; agree only ever
// answers "they agree" or "look closer".

// A listing is an index's weight map grouped by shard: shard i's entries
// are ents[at[i]:at[i+1]], positions in Index.Entries in index order.
type listing struct {
	at   []int
	ents []int32
}

func newListing(idx *Index) *listing {
	at := make([]int, len(idx.Shards)+1)
	for _, e := range idx.Entries {
		at[e.Shard+1]++
	}
	for i := range idx.Shards {
		at[i+1] += at[i]
	}
	next := slices.Clone(at[:len(idx.Shards)])
	ents := make([]int32, len(idx.Entries))
	for j, e := range idx.Entries {
		ents[next[e.Shard]] = int32(j)
		next[e.Shard]++
	}
	return &listing{at: at, ents: ents}
}

// agree reports whether the index and the shards agree exactly: no name is
// listed twice, and each shard holds, each once, the tensors the index
// gives it, and no others. It also returns the shards' tensor bytes.
func (s *Set) agree(l *listing) (bytes uint64, ok bool) {
	for i, f := range s.Files {
		if len(f.Tensors) != l.at[i+1]-l.at[i] {
			return 0, false
		}
		for _, t := range f.Tensors {
			bytes += uint64(t.Size)
		}
	}
	seed := maphash.MakeSeed()
	hashes := names.DistinctHashes(seed, len(s.Index.Entries), func(j int) string { return s.Index.Entries[j].Name })
	if hashes == nil {
		return 0, false
	}
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(s.Files)) {
		wg.Go(func() {
			w := shardCheck{seed: seed, entries: s.Index.Entries, hashes: hashes}
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= len(s.Files) {
					return
				}
				if !w.agree(l.ents[l.at[i]:l.at[i+1]], s.Files[i].Tensors) {
					failed.Store(true)
				}
			}
		})
	}
	wg.Wait()
	return bytes, !failed.Load()
}

// A shardCheck is a worker's memory for agree, reused shard after shard:
// a table from a name's hash to its place among the shard's entries.
// Every entry's hash is distinct (names.DistinctHashes), so a hash finds at most
// one entry, whose name is then compared.
type shardCheck struct {
	seed    maphash.Seed
	entries []IndexEntry
	hashes  []uint64 // of every entry's name
	keys    []uint64 // hash | 1, 0 for an empty slot
	vals    []int32
	seen    []bool
}

// agree reports whether tensors are exactly the index entries ents, each
// once (len(ents) == len(tensors) is known).
func (w *shardCheck) agree(ents []int32, tensors []format.Tensor) bool {
	size := 8
	for size < 2*len(ents) {
		size *= 2
	}
	mask := size - 1
	w.keys = slices.Grow(w.keys[:0], size)[:size]
	w.vals = slices.Grow(w.vals[:0], size)[:size]
	w.seen = slices.Grow(w.seen[:0], len(ents))[:len(ents)]
	clear(w.keys)
	clear(w.seen)
	for k, j := range ents {
		h := w.hashes[j] | 1
		at := int(h) & mask
		for w.keys[at] != 0 {
			at = (at + 1) & mask
		}
		w.keys[at], w.vals[at] = h, int32(k)
	}
	for ti := range tensors {
		name := tensors[ti].Name
		h := maphash.String(w.seed, name) | 1
		at := int(h) & mask
		for w.keys[at] != h {
			if w.keys[at] == 0 {
				return false
			}
			at = (at + 1) & mask
		}
		k := w.vals[at]
		if w.seen[k] || w.entries[ents[k]].Name != name {
			return false
		}
		w.seen[k] = true
	}
	return true
}
