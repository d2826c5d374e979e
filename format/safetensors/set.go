package safetensors

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
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
// with that shard.
func OpenSet(indexPath string) (*Set, error) {
	idx, err := OpenIndex(indexPath)
	if err != nil {
		return nil, err
	}
	s := &Set{IndexPath: indexPath, Index: idx, Notes: idx.Notes}
	dir := filepath.Dir(indexPath)
	s.Paths = make([]string, len(idx.Shards))
	for i, name := range idx.Shards {
		s.Paths[i] = filepath.Join(dir, name)
		if _, err := os.Stat(s.Paths[i]); err != nil {
			return nil, &format.Error{File: indexPath, Offset: -1, Field: "weight_map", Value: name,
				Msg: "names a shard that cannot be opened", Err: err}
		}
	}
	if s.Files, err = openAll(s.Paths); err != nil {
		return nil, err
	}
	if err := s.check(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// openAll parses the shard headers in parallel. Shards are independent and
// a big checkpoint has over a hundred of them, so a few workers hide the
// latency of page faults and JSON parsing; more than the CPU count gains
// nothing for local files.
func openAll(paths []string) ([]*File, error) {
	files := make([]*File, len(paths))
	errs := make([]error, len(paths))
	workers := min(runtime.GOMAXPROCS(0)*2, len(paths))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				files[i], errs[i] = Open(paths[i])
			}
		}()
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			for _, f := range files {
				if f != nil {
					f.Close()
				}
			}
			return nil, format.WithFile(err, paths[i])
		}
	}
	return files, nil
}

func (s *Set) check() error {
	idx := s.Index
	listed := 0
	var bytes uint64
	for i, f := range s.Files {
		for _, t := range f.Tensors {
			j, ok := idx.WeightMap[t.Name]
			switch {
			case !ok:
				return &format.Error{File: s.Paths[i], Offset: -1, Field: "tensor " + format.Quote(t.Name),
					Msg: "is in this shard but the index does not list it"}
			case j != i:
				return &format.Error{File: s.Paths[i], Offset: -1, Field: "tensor " + format.Quote(t.Name),
					Value: idx.Shards[j], Msg: "is in this shard but the index assigns it to another"}
			}
			listed++
			bytes += uint64(t.Size)
		}
	}
	if listed != len(idx.WeightMap) {
		// Some listed tensors are in no shard; name the first few, sorted
		// so the message is stable.
		have := make(map[string]bool, listed)
		for _, f := range s.Files {
			for _, t := range f.Tensors {
				have[t.Name] = true
			}
		}
		var missing []string
		for name := range idx.WeightMap {
			if !have[name] {
				missing = append(missing, name)
			}
		}
		sort.Strings(missing)
		first := missing[0]
		return &format.Error{File: s.IndexPath, Offset: -1, Field: "weight_map",
			Msg: fmt.Sprintf("tensor %s is listed in shard %s, which does not hold it (%d listed tensors are missing from their shards)",
				format.Quote(first), format.Quote(idx.Shards[idx.WeightMap[first]]), len(missing))}
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
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
