// Package names holds the tensor names of a header and finds them again,
// for the readers of every format: an arena that turns a million names
// into a few large strings instead of a million small allocations, and an
// open-addressing index that costs 8–16 bytes a name where a
// map[string]int costs about 40.
package names

import (
	"hash/maphash"
	"math/bits"
	"slices"
	"unsafe"

	"github.com/tensorcount/tensorcount/internal/prefault"
)

// An Arena holds names in a few large chunks: a name is a substring of a
// chunk, not an allocation of its own. Bytes handed out as a string are
// never written again (as in a strings.Builder), so every string stays
// valid and unchanged.
type Arena struct {
	buf  []byte // the current chunk, filled up to its length
	next int    // size of the next chunk
}

const (
	minChunk = 4 << 10
	maxChunk = 1 << 20
)

// Reserve makes the arena's next chunk hold at least n bytes (capped at
// the largest chunk): a reader that knows roughly how much its names take
// (a third of a safetensors header) allocates them in one piece.
func (a *Arena) Reserve(n int) { a.next = min(max(n, a.next), maxChunk) }

// Use makes b's capacity the arena's current chunk, for a caller that
// carves names' memory from pieces of its own (or sizes it from a file):
// names go there until it is full, and to chunks of the arena's own after.
// Nothing else may write to b.
func (a *Arena) Use(b []byte) { a.buf = b[:0] }

// Add copies p into the arena and returns it as a string.
func (a *Arena) Add(p []byte) string {
	if len(p) == 0 {
		return ""
	}
	if cap(a.buf)-len(a.buf) < len(p) {
		a.buf = make([]byte, 0, max(len(p), a.next, minChunk))
		a.next = min(2*max(a.next, minChunk), maxChunk)
	}
	start := len(a.buf)
	a.buf = append(a.buf, p...)
	return unsafe.String(&a.buf[start], len(p))
}

// An Index maps names to the positions of the items that carry them. It
// stores no names: each slot holds the top 32 bits of a name's hash and
// the item's position + 1 (0 for an empty slot), and NameOf gives the
// name at a position, so names are compared only when the hash bits
// agree. The table is kept at most half full.
type Index struct {
	// NameOf returns the name of the item at position i.
	NameOf func(i int) string
	seed   maphash.Seed
	slots  []uint64
	n      int

	touched uint64 // see AddBatch
}

const tagMask = 0xFFFF_FFFF_0000_0000

// Init empties the index and sizes it for n names. The table is written
// through as it is made (prefault): its pages are first touched by
// probes, reads, which on fresh memory cost a TLB flush on every CPU
// when the write comes.
func (x *Index) Init(n int) {
	x.seed = maphash.MakeSeed()
	size := 8
	for size < 2*n {
		size *= 2
	}
	x.slots = prefault.Make[uint64](size, size)
	x.n = 0
}

// Find returns the position of the item named name, or −1, with the slot
// value and place where the name would be inserted.
func (x *Index) Find(name []byte) (i int, tag uint64, pos int) {
	if len(x.slots) == 0 {
		return -1, 0, -1
	}
	h := maphash.Bytes(x.seed, name)
	mask := len(x.slots) - 1
	tag = h & tagMask
	for k := int(h) & mask; ; k = (k + 1) & mask {
		v := x.slots[k]
		if v == 0 {
			return -1, tag, k
		}
		if v&tagMask == tag && x.NameOf(int(v&^tagMask-1)) == string(name) { // does not allocate
			return int(v&^tagMask - 1), tag, k
		}
	}
}

// Insert records that the item at position i belongs in slot pos with
// the given tag, as Find returned them for its name.
func (x *Index) Insert(tag uint64, pos, i int) {
	x.slots[pos] = tag | uint64(i+1)
	x.n++
	if 2*x.n > len(x.slots) {
		x.grow()
	}
}

// Add inserts the item at position i under name and reports false, adding
// nothing, if an earlier item has that name.
func (x *Index) Add(name string, i int) bool {
	return x.addHashed(name, maphash.String(x.seed, name), i)
}

func (x *Index) addHashed(name string, h uint64, i int) bool {
	mask := len(x.slots) - 1
	tag := h & tagMask
	for k := int(h) & mask; ; k = (k + 1) & mask {
		v := x.slots[k]
		if v == 0 {
			x.Insert(tag, k, i)
			return true
		}
		if v&tagMask == tag && x.NameOf(int(v&^tagMask-1)) == name {
			return false
		}
	}
}

// MaxBatch is the most names AddBatch takes at once.
const MaxBatch = 64

// AddBatch adds the items at positions first, first+1, … under names, as
// Add would one at a time, and returns how many it added before a name
// already present: len(names) when every name was new. It hashes every
// name and loads its first slot before adding any, so that on a table
// larger than the caches the batch's memory loads overlap instead of each
// Add waiting for its own (half a million-tensor GGUF's parse was spent
// waiting so).
func (x *Index) AddBatch(names []string, first int) int {
	if len(names) > MaxBatch {
		panic("names: AddBatch of more than MaxBatch names")
	}
	// The slots loaded first are only a warm-up here: an insertion of
	// the same batch may have filled one since, so each add reads its own.
	var hashes, slots [MaxBatch]uint64
	x.hashBatch(names, &hashes, &slots)
	var touched uint64
	for _, v := range slots[:len(names)] {
		touched |= v
	}
	x.touched = touched // kept, so that the compiler keeps the loads
	for k, name := range names {
		if !x.addHashed(name, hashes[k], first+k) {
			return k
		}
	}
	return len(names)
}

// LookupBatch sets pos[k] to the position of the item named names[k], or
// −1, loading every name's first slot before comparing any, as AddBatch
// does. Like Lookup, it only reads the index: goroutines may call it at
// once.
func (x *Index) LookupBatch(names []string, pos []int) {
	if len(names) > MaxBatch {
		panic("names: LookupBatch of more than MaxBatch names")
	}
	if len(x.slots) == 0 {
		for k := range names {
			pos[k] = -1
		}
		return
	}
	var hashes, first [MaxBatch]uint64
	x.hashBatch(names, &hashes, &first)
	for k, name := range names {
		pos[k] = x.lookupFrom(name, hashes[k], first[k])
	}
}

// LookupAll sets pos[i] to the position of the item named nameOf(i), or
// −1, for i from 0 to len(pos)−1, a batch at a time (LookupBatch). Like
// Lookup, it only reads the index.
func (x *Index) LookupAll(pos []int32, nameOf func(int) string) {
	var batch [MaxBatch]string
	var found [MaxBatch]int
	for first := 0; first < len(pos); first += MaxBatch {
		n := min(MaxBatch, len(pos)-first)
		for k := range n {
			batch[k] = nameOf(first + k)
		}
		x.LookupBatch(batch[:n], found[:n])
		for k := range n {
			pos[first+k] = int32(found[k])
		}
	}
}

// hashBatch hashes names and loads the first slot of each, into hashes and
// first: the loads, independent of one another, overlap.
func (x *Index) hashBatch(names []string, hashes, first *[MaxBatch]uint64) {
	mask := len(x.slots) - 1
	for k, name := range names {
		h := maphash.String(x.seed, name)
		hashes[k] = h
		first[k] = x.slots[int(h)&mask]
	}
}

// AddAll adds the items 0, 1, …, n−1 under nameOf(i), a batch at a time
// (AddBatch), and returns the first item whose name an earlier one has,
// or −1.
func (x *Index) AddAll(n int, nameOf func(int) string) int {
	var batch [MaxBatch]string
	for first := 0; first < n; first += MaxBatch {
		m := min(MaxBatch, n-first)
		for k := range m {
			batch[k] = nameOf(first + k)
		}
		if added := x.AddBatch(batch[:m], first); added < m {
			return first + added
		}
	}
	return -1
}

// Lookup returns the position of the item named name.
func (x *Index) Lookup(name string) (int, bool) {
	if len(x.slots) == 0 {
		return -1, false
	}
	h := maphash.String(x.seed, name)
	i := x.lookupFrom(name, h, x.slots[int(h)&(len(x.slots)-1)])
	return i, i >= 0
}

// lookupFrom finds name, of hash h, whose first slot holds v.
func (x *Index) lookupFrom(name string, h, v uint64) int {
	mask := len(x.slots) - 1
	for k := int(h) & mask; ; k = (k + 1) & mask {
		if v == 0 {
			return -1
		}
		if v&tagMask == h&tagMask && x.NameOf(int(v&^tagMask-1)) == name {
			return int(v&^tagMask - 1)
		}
		v = x.slots[(k+1)&mask]
	}
}

func (x *Index) grow() {
	old := x.slots
	x.slots = prefault.Make[uint64](2*len(old), 2*len(old))
	mask := len(x.slots) - 1
	for _, v := range old {
		if v == 0 {
			continue
		}
		k := int(maphash.String(x.seed, x.NameOf(int(v&^tagMask-1)))) & mask
		for x.slots[k] != 0 {
			k = (k + 1) & mask
		}
		x.slots[k] = v
	}
}

// Repeats reports whether two hashes are equal but for their low bit
// (callers that keep h|1 in a table count those as equal too). Equal
// names have equal hashes, so a false answer proves a list of names
// distinct without a table; a true one, almost always a real repeat,
// sends the caller to an exact check. The hashes are sorted by their top
// bits into buckets of a few each, in scratch (as long as hashes): unlike
// an Index probed at random, that reads memory in order and writes it in
// a few streams, which at a million names is several times faster.
func Repeats(hashes, scratch []uint64) bool {
	if len(hashes) < 2 {
		return false
	}
	// About four hashes a bucket.
	shift := 64 - max(1, bits.Len(uint(len(hashes)/4)))
	start := make([]int32, 1<<(64-shift)+1)
	for _, h := range hashes {
		start[h>>shift+1]++
	}
	for b := 1; b < len(start); b++ {
		start[b] += start[b-1]
	}
	sorted := scratch[:len(hashes)]
	next := slices.Clone(start[:len(start)-1])
	for _, h := range hashes {
		sorted[next[h>>shift]] = h
		next[h>>shift]++
	}
	for b := range len(start) - 1 {
		bucket := sorted[start[b]:start[b+1]]
		for i := 1; i < len(bucket); i++ {
			for _, h := range bucket[:i] {
				if h|1 == bucket[i]|1 {
					return true
				}
			}
		}
	}
	return false
}

// Distinct reports whether the n names nameOf(0), …, nameOf(n−1) are all
// distinct, by their hashes (Repeats): false means that two may be equal,
// which only an exact check can tell.
func Distinct(n int, nameOf func(int) string) bool {
	return DistinctHashes(maphash.MakeSeed(), n, nameOf) != nil
}

// DistinctHashes returns the names' 64-bit hashes under seed, for a caller
// that goes on to use them, or nil when two may be equal (Repeats).
func DistinctHashes(seed maphash.Seed, n int, nameOf func(int) string) []uint64 {
	// One piece for the hashes and Repeats' copy of them.
	both := prefault.Huge[uint64](2 * n)
	hashes := both[:n:n]
	for i := range hashes {
		hashes[i] = maphash.String(seed, nameOf(i))
	}
	if Repeats(hashes, both[n:]) {
		return nil
	}
	return hashes
}
