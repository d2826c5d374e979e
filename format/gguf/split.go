package gguf

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/tensorcount/tensorcount/format"
)

// A Split is a model stored by gguf-split as several GGUF files named
// "name-00001-of-00003.gguf" and so on. Each part is a complete GGUF file
// with its own data section; the model's metadata is in the first part,
// and every part carries split.no (0-based), split.count and
// split.tensors.count.
type Split struct {
	Paths []string // the parts' paths, first part first
	Parts []*File  // the parsed parts, in the same order
}

// maxSplitCount is the most parts split.count (a UINT16) can describe.
const maxSplitCount = 1<<16 - 1

// SplitName parses the base name of a split part, returning the name
// before the numbers, the part number (1-based, as in the name), the part
// count and the digit width. ok is false for names that are not of the
// form prefix-K-of-N.gguf with K and N of equal width and N ≤ 65535.
func SplitName(name string) (prefix string, part, count, width int, ok bool) {
	prefix, part, count, width, ok = format.ShardName(name, ".gguf")
	if !ok || count > maxSplitCount {
		return "", 0, 0, 0, false
	}
	return prefix, part, count, width, true
}

func splitPartName(prefix string, part, count, width int) string {
	return fmt.Sprintf("%s-%0*d-of-%0*d.gguf", prefix, width, part, width, count)
}

type splitSet struct {
	prefix       string
	count, width int
}

// OpenSplit opens every part of a split model. path is any one part, or a
// directory holding exactly one split set. The parts must all be present,
// with no strays claiming to belong to the set, and their split keys must
// agree with each other and with the file names.
func OpenSplit(path string) (*Split, error) {
	dir, set, err := findSplitSet(path)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, &format.Error{File: dir, Offset: -1, Msg: "cannot list directory", Err: err}
	}
	present := map[string]bool{}
	var extra []string
	for _, e := range entries {
		prefix, part, count, width, ok := SplitName(e.Name())
		if !ok || prefix != set.prefix {
			continue
		}
		if count != set.count || width != set.width || part < 1 || part > set.count {
			extra = append(extra, e.Name())
			continue
		}
		present[e.Name()] = true
	}
	var missing []string
	s := &Split{}
	for k := 1; k <= set.count; k++ {
		name := splitPartName(set.prefix, k, set.count, set.width)
		if !present[name] {
			missing = append(missing, name)
		}
		s.Paths = append(s.Paths, filepath.Join(dir, name))
	}
	if len(missing) > 0 || len(extra) > 0 {
		msg := fmt.Sprintf("split set %s of %d parts is not complete and clean:", format.Quote(set.prefix), set.count)
		if len(missing) > 0 {
			msg += " missing " + format.FewNames(missing, maxListed)
			if len(extra) > 0 {
				msg += ";"
			}
		}
		if len(extra) > 0 {
			msg += " extra " + format.FewNames(extra, maxListed)
		}
		return nil, &format.Error{File: dir, Offset: -1, Field: "split set", Msg: msg}
	}
	for _, p := range s.Paths {
		f, err := Open(p)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.Parts = append(s.Parts, f)
	}
	if err := s.check(set.count); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// maxListed bounds the part names a message lists.
const maxListed = 5

// findSplitSet names the directory and the set path refers to.
func findSplitSet(path string) (string, splitSet, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", splitSet{}, &format.Error{File: path, Offset: -1, Msg: "cannot open", Err: err}
	}
	if !fi.IsDir() {
		prefix, _, count, width, ok := SplitName(path)
		if !ok {
			return "", splitSet{}, &format.Error{File: path, Offset: -1, Field: "file name",
				Msg: "not a split GGUF part name (expected name-00001-of-00003.gguf)"}
		}
		return filepath.Dir(path), splitSet{prefix, count, width}, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return "", splitSet{}, &format.Error{File: path, Offset: -1, Msg: "cannot list directory", Err: err}
	}
	var sets []splitSet
	for _, e := range entries {
		prefix, _, count, width, ok := SplitName(e.Name())
		if ok && !slices.Contains(sets, splitSet{prefix, count, width}) {
			sets = append(sets, splitSet{prefix, count, width})
		}
	}
	switch len(sets) {
	case 0:
		return "", splitSet{}, &format.Error{File: path, Offset: -1, Field: "split set", Msg: "no split GGUF parts in the directory"}
	case 1:
		return path, sets[0], nil
	}
	var names []string
	for _, s := range sets {
		names = append(names, splitPartName(s.prefix, 1, s.count, s.width))
	}
	return "", splitSet{}, &format.Error{File: path, Offset: -1, Field: "split set",
		Msg: "more than one split set in the directory: " + format.FewNames(names, maxListed)}
}

// check cross-checks the parts' split keys and tensor names.
func (s *Split) check(count int) error {
	noSeen := map[uint64]string{}
	names := map[string]string{}
	total, totalFrom, totalKV := int64(-1), "", KV{}
	var sum int64
	for i, f := range s.Parts {
		path := s.Paths[i]
		splitErr := func(kv KV, value, limit any, msg string) error {
			return &format.Error{File: path, Offset: kv.Offset, Field: kv.Key, Value: value, Limit: limit, Msg: msg}
		}
		kvCount, okCount := f.Lookup("split.count")
		kvNo, okNo := f.Lookup("split.no")
		switch {
		case !okCount && !okNo && count == 1:
			// A one-part "set" written without split keys.
		case !okCount || !okNo:
			return &format.Error{File: path, Offset: -1, Field: "split.count",
				Msg: "part of a split set lacks split.count or split.no"}
		default:
			n, err := kvCount.Uint()
			if err != nil {
				return format.WithFile(err, path)
			}
			if n != uint64(count) {
				return splitErr(kvCount, n, count, "split.count disagrees with the file names")
			}
			no, err := kvNo.Uint()
			if err != nil {
				return format.WithFile(err, path)
			}
			if other, dup := noSeen[no]; dup {
				return splitErr(kvNo, no, nil, "duplicate split.no: also in "+filepath.Base(other))
			}
			noSeen[no] = path
			if no != uint64(i) {
				return splitErr(kvNo, no, i, "split.no disagrees with the file name (split.no is 0-based)")
			}
		}
		if kv, ok := f.Lookup("split.tensors.count"); ok {
			n, err := kv.Int()
			if err != nil {
				return format.WithFile(err, path)
			}
			if n < 0 {
				return splitErr(kv, n, nil, "negative tensor count")
			}
			if total >= 0 && n != total {
				return splitErr(kv, n, total, "split.tensors.count disagrees with "+filepath.Base(totalFrom))
			}
			total, totalFrom, totalKV = n, path, kv
		}
		for _, t := range f.Tensors {
			if other, dup := names[t.Name]; dup {
				return &format.Error{File: path, Offset: -1, Field: "tensor " + format.Quote(t.Name),
					Msg: "tensor also in " + filepath.Base(other)}
			}
			names[t.Name] = path
		}
		sum += int64(len(f.Tensors))
	}
	if total >= 0 && sum != total {
		return &format.Error{File: totalFrom, Offset: totalKV.Offset, Field: "split.tensors.count", Value: total, Limit: sum,
			Msg: "split.tensors.count is not the number of tensors in the parts"}
	}
	if total < 0 && count > 1 {
		return &format.Error{File: s.Paths[0], Offset: -1, Field: "split.tensors.count", Msg: "missing from every part"}
	}
	return nil
}

// Metadata returns the first part, which holds the model's metadata.
func (s *Split) Metadata() *File { return s.Parts[0] }

// Tensors returns every part's tensors, first part first, each with its
// own part's path and absolute offset.
func (s *Split) Tensors() []format.Tensor {
	var out []format.Tensor
	for i, f := range s.Parts {
		out = append(out, f.FormatTensors(s.Paths[i])...)
	}
	return out
}

// Close closes every part.
func (s *Split) Close() error {
	var first error
	for _, f := range s.Parts {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
