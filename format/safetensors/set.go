package safetensors

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/internal/names"
	"github.com/tensorcount/tensorcount/internal/prefault"
)

// A Set is a sharded checkpoint: an index and the shard files it names.
type Set struct {
	IndexPath string
	Index     *Index
	// Files holds the parsed shards, in Index.Shards order; Paths their
	// paths.
	Files []*File
	Paths []string
	// Notes records what was accepted but is worth saying, such as a
	// total_size that disagrees with the shards.
	Notes []string

	slab *tensorSlab
	mem  *shardMemory // what a big set's shards carved their memory from
}

// OpenSet opens an index file and every shard it names (shards must sit in
// the index's directory; symbolic links are followed, as the Hugging Face
// cache needs). It checks that the index and the shard headers agree
// exactly: each listed tensor is in its shard, each shard tensor is listed
// with that shard, and no tensor is listed or stored twice.
//
// Shard headers are parsed in parallel, starting as soon as the index
// names each shard, so that a 163-shard checkpoint costs little more than
// its largest headers.
func OpenSet(indexPath string) (*Set, error) {
	f, size, err := format.OpenRegular(indexPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dir := filepath.Dir(indexPath)
	p := newParallel()
	if size >= minSetMemory {
		p.mem = &shardMemory{}
	}
	idx, err := readIndex(f, size, func(i int, name string) { p.open(i, filepath.Join(dir, name)) })
	var listed *listing
	if err == nil {
		// The index is grouped by shard while the last shards are parsed.
		listed = newListing(idx)
		p.slab.reserve(listed)
	}
	files, errs := p.wait()
	if err == nil {
		p.slab.finish(files)
	}
	s := &Set{IndexPath: indexPath, Files: files, slab: &p.slab, mem: p.mem}
	if err != nil {
		s.Close()
		return nil, format.WithFile(err, indexPath)
	}
	s.Index = idx
	s.Notes = idx.Notes
	s.Paths = make([]string, len(idx.Shards))
	for i, name := range idx.Shards {
		s.Paths[i] = filepath.Join(dir, name)
	}
	for i, err := range errs {
		if err == nil {
			continue
		}
		s.Close()
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &format.Error{File: indexPath, Offset: -1, Field: "weight_map", Value: idx.Shards[i],
				Msg: "names a shard that cannot be opened", Err: err}
		}
		return nil, format.WithFile(err, s.Paths[i])
	}
	if err := s.check(listed); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// An entryTable finds an index entry by name, and the first entry that
// repeats an earlier one's name, or −1.
type entryTable struct {
	names.Index
	dup int
}

func newEntryTable(idx *Index) entryTable {
	t := entryTable{Index: names.Index{NameOf: func(i int) string { return idx.Entries[i].Name }}}
	t.Init(len(idx.Entries))
	t.dup = t.AddAll(len(idx.Entries), t.NameOf)
	return t
}

// parallel opens shards on a bounded number of goroutines. More workers
// than about twice the CPU count gain nothing for local files.
type parallel struct {
	sem   chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex
	files []*File
	errs  []error
	slab  tensorSlab
	mem   *shardMemory // for a big set
}

// A tensorSlab is one list for every shard's tensors, in shard order,
// so that the set's list (Tensors) is not a copy of the shards': a
// million-tensor set's copy was 100 MB. It is laid out once the index
// is read, from the number of tensors it lists in each shard. A shard
// parsed before that keeps its entries and builds its list once the
// layout is known (finish); one holding another number of tensors than
// the index lists, which the check then rejects, makes its own.
type tensorSlab struct {
	mu     sync.Mutex
	all    []format.Tensor // nil until the index is read
	at     []int           // shard i's tensors are all[at[i]:at[i+1]]
	placed []bool          // shard i's list is its part of all
	none   bool            // the index lists too many tensors for a slab
}

// maxSlab is the most tensors a slab is laid out for before a shard is
// seen to hold them: an index may list far more names than its shards
// hold (the check then fails), and 104 bytes a name would make a big
// index's few bytes a name cost ten times the index.
var maxSlab = 1 << 21 // a variable for the tests

// reserve lays the slab out for the shards of the listing, unless it has more
// than maxSlab tensors; the shards then make their own lists, which
// Tensors concatenates.
func (sl *tensorSlab) reserve(l *listing) {
	n := len(l.ents)
	if n > maxSlab {
		sl.mu.Lock()
		defer sl.mu.Unlock()
		sl.none = true
		return
	}
	all := prefault.Make[format.Tensor](n, n)
	sl.mu.Lock()
	defer sl.mu.Unlock()
	sl.all, sl.at, sl.placed = all, l.at, make([]bool, len(l.at)-1)
}

// take returns the memory for shard i's list of n tensors once the slab
// is laid out: its part of it, when of that size, else a list of its own
// (as when there is to be no slab). Before, it returns nil: the shard's
// list is built later (finish).
func (sl *tensorSlab) take(i, n int) []format.Tensor {
	if part, later := sl.part(i, n); part != nil || later {
		return part
	}
	return prefault.Make[format.Tensor](n, n) // outside the lock
}

// part returns shard i's part of the slab, when it is laid out and the
// part holds n tensors, or reports that it is not laid out yet.
func (sl *tensorSlab) part(i, n int) (part []format.Tensor, later bool) {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	switch {
	case sl.none:
		return nil, false
	case sl.all == nil:
		return nil, true
	case i < len(sl.placed) && !sl.placed[i] && sl.at[i+1]-sl.at[i] == n:
		sl.placed[i] = true
		return sl.all[sl.at[i]:sl.at[i+1]:sl.at[i+1]], false
	}
	return nil, false
}

// whole reports whether every shard's list is its part of the slab, as in
// a set whose check passed, unless the slab was not laid out.
func (sl *tensorSlab) whole() bool {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	return sl.all != nil && !slices.Contains(sl.placed, false)
}

// finish builds the lists of the shards parsed before the slab was laid
// out: into their parts of it, where they fit.
func (sl *tensorSlab) finish(files []*File) {
	for i, f := range files {
		if f != nil && f.list != nil {
			f.list(func(n int) []format.Tensor { return sl.take(i, n) })
		}
	}
}

func newParallel() *parallel {
	return &parallel{sem: make(chan struct{}, runtime.GOMAXPROCS(0)*2)}
}

func (p *parallel) open(i int, path string) {
	p.mu.Lock()
	for len(p.files) <= i {
		p.files = append(p.files, nil)
		p.errs = append(p.errs, nil)
	}
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.sem <- struct{}{}
		defer func() { <-p.sem }()
		f, err := openShard(path, parseOptions{inSet: true, tensors: func(n int) []format.Tensor { return p.slab.take(i, n) }, mem: p.mem})
		p.mu.Lock()
		p.files[i], p.errs[i] = f, err
		p.mu.Unlock()
	}()
}

func (p *parallel) wait() ([]*File, []error) {
	p.wg.Wait()
	return p.files, p.errs
}

// check compares the index with the shard headers. A set that agrees
// is proven so shard by shard (agree); any other is walked with one
// lookup per tensor in an index-wide table, to say what is wrong.
func (s *Set) check(listed *listing) error {
	if bytes, ok := s.agree(listed); ok {
		s.noteTotalSize(bytes)
		return nil
	}
	bytes, err := s.walk()
	if err != nil {
		return err
	}
	// The walk found nothing wrong, which agree cannot have missed
	// unless two names' hashes collided.
	s.noteTotalSize(bytes)
	return nil
}

// walk finds what is wrong with a set that agree did not prove right, and
// returns its tensor bytes when nothing is.
func (s *Set) walk() (uint64, error) {
	idx := s.Index
	entry := newEntryTable(idx)
	if entry.dup >= 0 {
		return 0, &format.Error{File: s.IndexPath, Offset: -1, Field: "weight_map." + idx.Entries[entry.dup].Name,
			Msg: "duplicate object member name: the tensor is listed twice"}
	}
	pos := s.lookupAll(&entry.Index)
	found := make([]int32, len(idx.Entries)) // shard+1 that holds each entry
	var bytes uint64
	// A tensor in the wrong shard is reported after the walk, as a
	// tensor stored twice if its own shard holds it too.
	misplacedShard, misplacedEntry := -1, int32(-1)
	for i, f := range s.Files {
		for ti, t := range f.Tensors {
			j := pos[i][ti]
			switch {
			case j < 0:
				return 0, &format.Error{File: s.Paths[i], Offset: -1, Field: "tensor " + format.Quote(t.Name),
					Msg: "is in this shard but the index does not list it"}
			case found[j] == int32(i+1):
				return 0, s.describedTwice(i, t.Name)
			case found[j] != 0:
				return 0, &format.Error{File: s.Paths[i], Offset: -1, Field: "tensor " + format.Quote(t.Name),
					Msg: "is stored in two shards: " + format.Quote(idx.Shards[found[j]-1]) + " holds it too"}
			case idx.Entries[j].Shard != i:
				if misplacedShard < 0 {
					misplacedShard, misplacedEntry = i, j
				}
				continue
			}
			found[j] = int32(i + 1)
			bytes += uint64(t.Size)
		}
	}
	if misplacedShard >= 0 {
		e := idx.Entries[misplacedEntry]
		if found[misplacedEntry] != 0 {
			return 0, &format.Error{File: s.Paths[misplacedShard], Offset: -1, Field: "tensor " + format.Quote(e.Name),
				Msg: "is stored in two shards: " + format.Quote(idx.Shards[e.Shard]) + " holds it too"}
		}
		return 0, &format.Error{File: s.Paths[misplacedShard], Offset: -1, Field: "tensor " + format.Quote(e.Name),
			Value: idx.Shards[e.Shard], Msg: "is in this shard but the index assigns it to another"}
	}
	var missing []IndexEntry
	for j, shard := range found {
		if shard == 0 {
			missing = append(missing, idx.Entries[j])
		}
	}
	if len(missing) > 0 {
		// Name the alphabetically first, so the message is stable.
		first := slices.MinFunc(missing, func(a, b IndexEntry) int { return strings.Compare(a.Name, b.Name) })
		return 0, &format.Error{File: s.IndexPath, Offset: -1, Field: "weight_map",
			Msg: fmt.Sprintf("tensor %s is listed in shard %s, which does not hold it (%d listed tensors are missing from their shards)",
				format.Quote(first.Name), format.Quote(idx.Shards[first.Shard]), len(missing))}
	}
	return bytes, nil
}

// noteTotalSize notes an index total_size that is not the shards' tensor
// bytes.
func (s *Set) noteTotalSize(bytes uint64) {
	if idx := s.Index; idx.HasTotalSize && idx.TotalSize != bytes {
		s.Notes = append(s.Notes, fmt.Sprintf("index metadata.total_size is %d bytes but the shards hold %d tensor bytes (writers differ: some store file sizes)", idx.TotalSize, bytes))
	}
}

// openShard opens a shard of a set: Open, but for the check of names
// the shard repeats, which the set's check does for all its shards at
// once (describedTwice).
func openShard(path string, opt parseOptions) (*File, error) {
	f, fd, err := format.OpenAndParse(path, func(r *os.File, size int64) (*File, error) {
		return newFileWith(r, size, path, opt)
	})
	if err != nil {
		return nil, err
	}
	f.closer = fd
	return f, nil
}

// describedTwice is the error for shard i holding name twice: Open's,
// which says where, from the shard parsed again with the check openShard
// skipped.
func (s *Set) describedTwice(i int, name string) error {
	f, err := Open(s.Paths[i])
	if err != nil {
		return err
	}
	f.Close()
	return &format.Error{File: s.Paths[i], Offset: -1, Field: "tensor " + format.Quote(name),
		Msg: "duplicate object member name: the tensor is described twice (the file changed while it was read)"}
}

// Tensors returns every tensor of the set, shard by shard.
//
// The list shares its memory with the shards' Files[i].Tensors: a caller
// that changes it and still needs the shards' own lists copies it first.
func (s *Set) Tensors() []format.Tensor {
	if sl := s.slab; sl != nil && sl.whole() {
		return sl.all
	}
	n := 0
	for _, f := range s.Files {
		n += len(f.Tensors)
	}
	all := prefault.Make[format.Tensor](0, n)
	for _, f := range s.Files {
		all = append(all, f.Tensors...)
	}
	return all
}

// Close releases every shard.
func (s *Set) Close() error {
	var first error
	for _, f := range s.Files {
		if f == nil {
			continue
		}
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// lookupAll finds every shard tensor's index entry (−1 for none), the
// shards split between the CPUs: the lookups are most of the check, and
// the walk that judges them needs only their results.
func (s *Set) lookupAll(entry *names.Index) [][]int32 {
	pos := make([][]int32, len(s.Files))
	total := 0
	for _, f := range s.Files {
		total += len(f.Tensors)
	}
	all := prefault.Make[int32](total, total)
	for i, f := range s.Files {
		pos[i], all = all[:len(f.Tensors):len(f.Tensors)], all[len(f.Tensors):]
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(s.Files)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(s.Files) {
					return
				}
				ts := s.Files[i].Tensors
				entry.LookupAll(pos[i], func(k int) string { return ts[k].Name })
			}
		})
	}
	wg.Wait()
	return pos
}
