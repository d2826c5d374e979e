package safetensors

import (
	"hash/maphash"
	"strings"
)

// nameArena holds a header's tensor names in a few large strings: a name
// is a substring of the arena, not an allocation of its own. A
// strings.Builder's String does not copy, and writes within its capacity
// never move what it holds, so every substring handed out stays valid
// and unchanged.
type nameArena struct {
	b    strings.Builder
	next int // size of the next chunk
}

const (
	arenaMinChunk = 4 << 10
	arenaMaxChunk = 1 << 20
)

func (a *nameArena) add(p []byte) string {
	if len(p) == 0 {
		return ""
	}
	if a.b.Cap()-a.b.Len() < len(p) {
		a.b = strings.Builder{}
		a.b.Grow(max(len(p), a.next, arenaMinChunk))
		a.next = min(2*max(a.next, arenaMinChunk), arenaMaxChunk)
	}
	start := a.b.Len()
	a.b.Write(p)
	return a.b.String()[start:]
}

// nameIndex finds duplicate entry names: an open-addressing table at most
// half full whose slots hold the top 32 bits of a name's hash and the
// entry's index + 1 (0 for empty), so that names are compared only when
// the hash bits agree. It costs 8–16 bytes an entry where a
// map[string]struct{} cost about 40.
type nameIndex struct {
	seed  maphash.Seed
	slots []uint64
}

const tagMask = 0xFFFF_FFFF_0000_0000

func (x *nameIndex) init(n int) {
	x.seed = maphash.MakeSeed()
	size := 8
	for size < 2*n {
		size *= 2
	}
	x.slots = make([]uint64, size)
}

// insert adds entries[i] and reports false if an earlier entry has its
// name. The table must have been sized for every entry.
func (x *nameIndex) insert(entries []entry, i int) bool {
	name := entries[i].name
	h := maphash.String(x.seed, name)
	mask := len(x.slots) - 1
	tag := h & tagMask
	for k := int(h) & mask; ; k = (k + 1) & mask {
		v := x.slots[k]
		if v == 0 {
			x.slots[k] = tag | uint64(i+1)
			return true
		}
		if v&tagMask == tag && entries[v&^tagMask-1].name == name {
			return false
		}
	}
}

// entryIndex is nameIndex for the index's weight map: it finds an
// IndexEntry by name.
type entryIndex struct {
	seed  maphash.Seed
	slots []uint64
}

func (x *entryIndex) init(n int) {
	x.seed = maphash.MakeSeed()
	size := 8
	for size < 2*n {
		size *= 2
	}
	x.slots = make([]uint64, size)
}

// insert adds entries[i] and reports false if an earlier entry has its
// name.
func (x *entryIndex) insert(entries []IndexEntry, i int) bool {
	name := entries[i].Name
	h := maphash.String(x.seed, name)
	mask := len(x.slots) - 1
	tag := h & tagMask
	for k := int(h) & mask; ; k = (k + 1) & mask {
		v := x.slots[k]
		if v == 0 {
			x.slots[k] = tag | uint64(i+1)
			return true
		}
		if v&tagMask == tag && entries[v&^tagMask-1].Name == name {
			return false
		}
	}
}

// find returns the index of the entry named name, or −1.
func (x *entryIndex) find(entries []IndexEntry, name string) int {
	h := maphash.String(x.seed, name)
	mask := len(x.slots) - 1
	tag := h & tagMask
	for k := int(h) & mask; ; k = (k + 1) & mask {
		v := x.slots[k]
		if v == 0 {
			return -1
		}
		if v&tagMask == tag && entries[v&^tagMask-1].Name == name {
			return int(v&^tagMask - 1)
		}
	}
}
