package safetensors

import (
	"sync"
	"unsafe"

	"github.com/tensorcount/tensorcount/internal/prefault"
)

// A shardMemory carves the memory that a big set's shard parses keep —
// names, shapes, and the entries of shards parsed before the index is
// read — from a few pieces on huge pages. As allocations of each shard's
// own, they were fresh memory a page fault a page: for DeepSeek-V3's 163
// shards, 2,600 faults, a sixth of the process's.
type shardMemory struct {
	mu      sync.Mutex
	names   []byte
	dims    []uint64
	entries []entry
}

// minSetMemory is the index size from which a set's shards carve their
// memory: below it, a piece would be mostly waste.
var minSetMemory int64 = 4 << 20 // a variable for the tests

// pieceBytes is the size of a piece. Memory a carving leaves unused in
// one is never touched, but for entries, which are written through.
const pieceBytes = 4 << 20

// carve takes n elements from *piece, starting a new piece when it has
// not room.
func carve[T any](mu *sync.Mutex, piece *[]T, n int, write bool) []T {
	mu.Lock()
	defer mu.Unlock()
	p := *piece
	if cap(p)-len(p) < n {
		size := int(unsafe.Sizeof(*new(T)))
		c := max(n, (pieceBytes+size-1)/size)
		p = prefault.Piece[T](c, write)[:0]
	}
	*piece = p[:len(p)+n]
	return p[len(p) : len(p)+n : len(p)+n]
}

// namesFor returns room for n bytes of names.
func (m *shardMemory) namesFor(n int) []byte { return carve(&m.mu, &m.names, n, false)[:0] }

// dimsFor returns n dimensions' room, to copy a parse's shapes to.
func (m *shardMemory) dimsFor(n int) []uint64 { return carve(&m.mu, &m.dims, n, false) }

// entriesFor returns room for n entries. The collector scans entries, so
// their pieces are written through as they are made (prefault).
func (m *shardMemory) entriesFor(n int) []entry { return carve(&m.mu, &m.entries, n, true)[:0] }
