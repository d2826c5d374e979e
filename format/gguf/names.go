package gguf

import (
	"hash/maphash"
	"strings"
)

// nameArena holds the tensor names of one file in a few large strings:
// a name is a substring of the arena, not an allocation of its own (a
// million-tensor directory made a million small strings, each with its
// allocation header and GC work). A strings.Builder's String does not
// copy, and writes within its capacity never move what it holds, so
// every substring handed out stays valid and unchanged.
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

// nameIndex maps tensor names to their index in File.Tensors: an
// open-addressing table kept at most half full, each slot holding the
// top 32 bits of the name's hash and the index + 1 (0 for an empty
// slot). A probe compares names only when the hash bits agree, so the
// tensors themselves are touched about once a lookup; the table costs
// 8–16 bytes a tensor where a map[string]int cost about 40.
type nameIndex struct {
	seed  maphash.Seed
	slots []uint64
	n     int
}

func (x *nameIndex) init(capacity int) {
	x.seed = maphash.MakeSeed()
	size := 8
	for size < 2*capacity {
		size *= 2
	}
	x.slots = make([]uint64, size)
	x.n = 0
}

const tagMask = 0xFFFF_FFFF_0000_0000

// find returns the index of the tensor named name, or −1, and the slot
// value and position for inserting it.
func (x *nameIndex) find(tensors []TensorInfo, name []byte) (j int, tag uint64, pos int) {
	if len(x.slots) == 0 {
		return -1, 0, -1
	}
	h := maphash.Bytes(x.seed, name)
	mask := len(x.slots) - 1
	tag = h & tagMask
	for i := int(h) & mask; ; i = (i + 1) & mask {
		v := x.slots[i]
		if v == 0 {
			return -1, tag, i
		}
		if v&tagMask == tag && tensors[v&^tagMask-1].Name == string(name) { // does not allocate
			return int(v&^tagMask - 1), tag, i
		}
	}
}

// insert records that tensors[idx] (already appended) belongs in slot
// pos with the given tag, as find returned them for its name.
func (x *nameIndex) insert(tensors []TensorInfo, tag uint64, pos, idx int) {
	x.slots[pos] = tag | uint64(idx+1)
	x.n++
	if 2*x.n > len(x.slots) {
		x.grow(tensors)
	}
}

func (x *nameIndex) grow(tensors []TensorInfo) {
	old := x.slots
	x.slots = make([]uint64, 2*len(old))
	mask := len(x.slots) - 1
	for _, v := range old {
		if v == 0 {
			continue
		}
		i := int(maphash.String(x.seed, tensors[v&^tagMask-1].Name)) & mask
		for x.slots[i] != 0 {
			i = (i + 1) & mask
		}
		x.slots[i] = v
	}
}

func (x *nameIndex) lookup(tensors []TensorInfo, name string) (int, bool) {
	if len(x.slots) == 0 {
		return -1, false
	}
	h := maphash.String(x.seed, name)
	mask := len(x.slots) - 1
	for i := int(h) & mask; ; i = (i + 1) & mask {
		v := x.slots[i]
		if v == 0 {
			return -1, false
		}
		if v&tagMask == h&tagMask && tensors[v&^tagMask-1].Name == name {
			return int(v&^tagMask - 1), true
		}
	}
}
