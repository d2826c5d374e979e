package safetensors

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/tensorcount/tensorcount/format"
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
	f, err := os.Open(indexPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(indexPath)
	p := newParallel()
	idx, err := readIndex(f, fi.Size(), func(i int, name string) { p.open(i, filepath.Join(dir, name)) })
	files, errs := p.wait()
	s := &Set{IndexPath: indexPath, Files: files}
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
		if os.IsNotExist(err) {
			return nil, &format.Error{File: indexPath, Offset: -1, Field: "weight_map", Value: idx.Shards[i],
				Msg: "names a shard that cannot be opened", Err: err}
		}
		return nil, format.WithFile(err, s.Paths[i])
	}
	if err := s.check(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// parallel opens shards on a bounded number of goroutines. More workers
// than about twice the CPU count gain nothing for local files.
type parallel struct {
	sem   chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex
	files []*File
	errs  []error
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
		f, err := Open(path)
		p.mu.Lock()
		p.files[i], p.errs[i] = f, err
		p.mu.Unlock()
	}()
}

func (p *parallel) wait() ([]*File, []error) {
	p.wg.Wait()
	return p.files, p.errs
}

// check compares the index with the shard headers by sorting both by
// name and walking them together: no map of a hundred thousand names is
// needed, and the index, which writers emit sorted, sorts in linear time.
func (s *Set) check() error {
	idx := s.Index
	want := slices.Clone(idx.Entries)
	slices.SortStableFunc(want, func(a, b IndexEntry) int { return strings.Compare(a.Name, b.Name) })
	var have []IndexEntry
	var bytes uint64
	for i, f := range s.Files {
		for _, t := range f.Tensors {
			have = append(have, IndexEntry{Name: t.Name, Shard: i})
			bytes += uint64(t.Size)
		}
	}
	slices.SortStableFunc(have, func(a, b IndexEntry) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.Shard, b.Shard))
	})
	for i := 1; i < len(want); i++ {
		if want[i].Name == want[i-1].Name {
			return &format.Error{File: s.IndexPath, Offset: -1, Field: "weight_map." + want[i].Name,
				Msg: "duplicate object member name: the tensor is listed twice"}
		}
	}
	for i := 1; i < len(have); i++ {
		if have[i].Name == have[i-1].Name {
			return &format.Error{File: s.Paths[have[i].Shard], Offset: -1, Field: "tensor " + format.Quote(have[i].Name),
				Msg: "is stored in two shards: " + format.Quote(idx.Shards[have[i-1].Shard]) + " holds it too"}
		}
	}
	var unlisted, misplaced *IndexEntry
	var missing []IndexEntry
	i, j := 0, 0
	for i < len(want) || j < len(have) {
		switch {
		case j == len(have) || (i < len(want) && want[i].Name < have[j].Name):
			missing = append(missing, want[i])
			i++
		case i == len(want) || have[j].Name < want[i].Name:
			if unlisted == nil {
				unlisted = &have[j]
			}
			j++
		default:
			if want[i].Shard != have[j].Shard && misplaced == nil {
				misplaced = &have[j]
			}
			i++
			j++
		}
	}
	switch {
	case unlisted != nil:
		return &format.Error{File: s.Paths[unlisted.Shard], Offset: -1, Field: "tensor " + format.Quote(unlisted.Name),
			Msg: "is in this shard but the index does not list it"}
	case misplaced != nil:
		k, _ := slices.BinarySearchFunc(want, misplaced.Name, func(e IndexEntry, name string) int { return strings.Compare(e.Name, name) })
		return &format.Error{File: s.Paths[misplaced.Shard], Offset: -1, Field: "tensor " + format.Quote(misplaced.Name),
			Value: idx.Shards[want[k].Shard], Msg: "is in this shard but the index assigns it to another"}
	case len(missing) > 0:
		first := missing[0]
		return &format.Error{File: s.IndexPath, Offset: -1, Field: "weight_map",
			Msg: fmt.Sprintf("tensor %s is listed in shard %s, which does not hold it (%d listed tensors are missing from their shards)",
				format.Quote(first.Name), format.Quote(idx.Shards[first.Shard]), len(missing))}
	}
	if idx.HasTotalSize && idx.TotalSize != bytes {
		s.Notes = append(s.Notes, fmt.Sprintf("index metadata.total_size is %d bytes but the shards hold %d tensor bytes (writers differ: some store file sizes)", idx.TotalSize, bytes))
	}
	return nil
}

// Tensors returns every tensor of the set, shard by shard.
func (s *Set) Tensors() []format.Tensor {
	n := 0
	for _, f := range s.Files {
		n += len(f.Tensors)
	}
	all := make([]format.Tensor, 0, n)
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
