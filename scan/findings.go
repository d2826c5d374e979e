package scan

import (
	"bytes"
	"context"
	"io"
	"slices"
	"sync"

	"github.com/tensorcount/tensorcount/format"
)

// Findings are what an engineer checks before shipping weights or after
// converting them. Each list holds indices into Result.Tensors, in input
// order. A tensor is in at most one of AllZero, Constant and
// NormsAllOnes, and never in Identical when it is in one of those: equal
// placeholder tensors say nothing about duplication. Tensors without
// elements and tensors not scanned are never findings.
type Findings struct {
	// NaNInf: tensors holding NaN or infinite values.
	NaNInf []int
	// AllZero: every value is zero.
	AllZero []int
	// Constant: at least two values, all finite and equal, but not zero
	// (and not a norm of ones): placeholder weights.
	Constant []int
	// Identical: groups of two or more tensors with the same dtype and
	// byte-identical data (tied weights stored twice, duplicated experts),
	// found by hash and confirmed byte by byte.
	Identical [][]int
	// NormsAllOnes: normalization weights (role "norm") whose every value
	// is exactly 1, the initial value: the norm was never trained.
	NormsAllOnes []int
}

// Clean reports whether nothing was found at all.
func (f *Findings) Clean() bool {
	return len(f.NaNInf) == 0 && len(f.AllZero) == 0 && len(f.Constant) == 0 &&
		len(f.Identical) == 0 && len(f.NormsAllOnes) == 0
}

// Of lists the finding kinds that name tensor i ("nan_inf", "all_zero",
// "constant", "identical", "norm_all_ones"), for per-tensor output.
func (f *Findings) Of(i int) []string {
	var out []string
	if slices.Contains(f.NaNInf, i) {
		out = append(out, "nan_inf")
	}
	if slices.Contains(f.AllZero, i) {
		out = append(out, "all_zero")
	}
	if slices.Contains(f.Constant, i) {
		out = append(out, "constant")
	}
	for _, g := range f.Identical {
		if slices.Contains(g, i) {
			out = append(out, "identical")
		}
	}
	if slices.Contains(f.NormsAllOnes, i) {
		out = append(out, "norm_all_ones")
	}
	return out
}

// RoleNorm is the role name (package classify's) of normalization weights.
const RoleNorm = "norm"

// find fills r.Findings and returns the bytes reread to confirm
// duplicates.
// Only the hashed tensors (those with a same-dtype, same-size peer) can
// be duplicates.
func (r *Result) find(ctx context.Context, tensors []format.Tensor, readers map[string]io.ReaderAt, hashed []bool, workers int) (int64, error) {
	f := &r.Findings
	type key struct {
		dtype string
		size  int64
		hash  uint64
	}
	candidates := map[key][]int{}
	for i := range r.Tensors {
		t := &r.Tensors[i]
		st := &t.Stats
		if !t.Scanned() || t.Elements == 0 {
			continue
		}
		if st.NonFinite() > 0 {
			f.NaNInf = append(f.NaNInf, i)
		}
		uniform := st.NonFinite() == 0 && st.Min == st.Max
		switch {
		case st.Zeros == t.Elements:
			f.AllZero = append(f.AllZero, i)
		case uniform && st.Min == 1 && t.Role == RoleNorm:
			f.NormsAllOnes = append(f.NormsAllOnes, i)
		case uniform && t.Elements >= 2:
			f.Constant = append(f.Constant, i)
		}
		if !uniform && hashed[i] {
			k := key{t.DType, t.Bytes, t.Hash}
			candidates[k] = append(candidates[k], i)
		}
	}
	var groups [][]int
	for _, g := range candidates {
		if len(g) > 1 {
			groups = append(groups, g)
		}
	}
	confirmed, reread, err := confirm(ctx, tensors, readers, groups, workers)
	for _, g := range confirmed {
		slices.Sort(g)
	}
	slices.SortFunc(confirmed, func(a, b []int) int { return a[0] - b[0] })
	f.Identical = confirmed
	return reread, err
}

// confirm splits each group of equal hashes into classes of byte-identical
// tensors and keeps the classes of two or more. Groups are checked in
// parallel; a hash collision costs one more comparison.
func confirm(ctx context.Context, tensors []format.Tensor, readers map[string]io.ReaderAt, groups [][]int, workers int) ([][]int, int64, error) {
	if len(groups) == 0 {
		return nil, 0, nil
	}
	var (
		mu       sync.Mutex
		out      [][]int
		reread   int64
		firstErr error
		wg       sync.WaitGroup
	)
	work := make(chan []int)
	for range max(min(workers, len(groups)), 1) {
		wg.Go(func() {
			ba, bb := make([]byte, 1<<20), make([]byte, 1<<20)
			for g := range work {
				var classes [][]int
				var n int64
				var err error
			members:
				for _, i := range g {
					for c, cl := range classes {
						var same bool
						var read int64
						same, read, err = sameBytes(ctx, readers, tensors[cl[0]], tensors[i], ba, bb)
						n += read
						if err != nil {
							break members
						}
						if same {
							classes[c] = append(cl, i)
							continue members
						}
					}
					classes = append(classes, []int{i})
				}
				mu.Lock()
				reread += n
				if err != nil && firstErr == nil {
					firstErr = err
				}
				for _, cl := range classes {
					if len(cl) > 1 {
						out = append(out, cl)
					}
				}
				mu.Unlock()
			}
		})
	}
	for _, g := range groups {
		work <- g
	}
	close(work)
	wg.Wait()
	return out, reread, firstErr
}

// sameBytes compares the data of two tensors of equal size in full.
func sameBytes(ctx context.Context, readers map[string]io.ReaderAt, a, b format.Tensor, ba, bb []byte) (bool, int64, error) {
	ra, rb := readers[a.File], readers[b.File]
	var read int64
	for off := int64(0); off < a.Size; {
		if err := ctx.Err(); err != nil {
			return false, read, err
		}
		n := min(int64(len(ba)), a.Size-off)
		if err := readAt(ra, ba[:n], a.Offset+off, a); err != nil {
			return false, read, err
		}
		if err := readAt(rb, bb[:n], b.Offset+off, b); err != nil {
			return false, read, err
		}
		read += 2 * n
		if !bytes.Equal(ba[:n], bb[:n]) {
			return false, read, nil
		}
		off += n
	}
	return true, read, nil
}
