package scan

import (
	"cmp"
	"context"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tensorcount/tensorcount/format"
)

// Options tune Scan. The zero value scans with every core.
type Options struct {
	// Workers is the number of goroutines decoding; 0 means GOMAXPROCS.
	Workers int
	// ChunkBytes is the most of one tensor a worker takes at a time, so
	// that a single huge tensor still keeps every core busy; 0 means
	// DefaultChunkBytes. It is rounded down to whole blocks.
	ChunkBytes int64
	// Role names each tensor's role in the words of package classify
	// ("norm", "embedding", …); it is copied into the results, and a norm
	// whose every value is 1 is a finding. nil leaves roles empty.
	Role func(format.Tensor) string
	// Skip, if set, may refuse a tensor the scan could otherwise decode,
	// giving the reason (data of a big-endian GGUF file, say).
	Skip func(format.Tensor) string
	// Open returns a reader for a tensor file; nil opens it read-only and
	// reads with pread. A single pass over every byte streams best through
	// positioned reads into reused buffers: through a memory map the same
	// scan ran at less than half the speed (page faults and TLB misses on
	// every page; 2.4 against 5.9 GB/s for BF16 on two cores), and a file
	// truncated meanwhile gives a short read, not SIGBUS. Readers from Open
	// must allow concurrent ReadAt calls.
	Open func(file string) (io.ReaderAt, error)
	// Progress, if set, is called from the workers with each batch of
	// tensor bytes scanned. It must be safe for concurrent use and cheap.
	Progress func(bytes int64)
}

// DefaultChunkBytes is the default split of large tensors: small enough
// that a tensor of a few hundred megabytes spreads over many cores,
// large enough that the per-chunk bookkeeping is negligible.
const DefaultChunkBytes = 16 << 20

// Reads go through a per-worker buffer of this size: big enough to
// amortise a ReadAt, small enough to stay in L2 while it is decoded.
const pieceBytes = 256 << 10

// Values are decoded in blocks of this many elements: 32 KiB of float64,
// which stay in L1 (or at worst L2) for the rare second pass of
// Stats.add, and enough that the per-block work of the vector kernels
// (reducing their lanes, merging) stays small: 1024 cost F16 5% more.
const blockElems = 4096

// TensorStats is the scan of one tensor.
type TensorStats struct {
	Name     string
	Role     string
	DType    string
	Elements uint64
	Bytes    int64
	// Skipped says why the tensor was not scanned; empty when it was.
	Skipped string
	Stats   Stats
	// Hash nominates candidate duplicates: tensors with equal bytes have
	// equal Hash (which candidates are then compared byte by byte). It
	// is a hash of the tensor's Stats, every field to the bit, which are
	// a deterministic function of its bytes, dtype and size, so it costs
	// no pass over the data. It is comparable only within one Scan, and
	// 0 for a tensor without a peer of the same dtype and byte size,
	// which cannot have a duplicate.
	Hash uint64
}

// Scanned reports whether the tensor's values were read.
func (t *TensorStats) Scanned() bool { return t.Skipped == "" }

// Result is the outcome of Scan.
type Result struct {
	// Tensors has one entry per input tensor, in input order.
	Tensors  []TensorStats
	Findings Findings
	// Scanned and Skipped count the tensors read and not read.
	Scanned, Skipped int
	// BytesScanned is the tensor data decoded; BytesRead adds the bytes
	// reread to confirm that tensors with equal hashes are identical.
	BytesScanned, BytesRead int64
	Duration                time.Duration
}

// A job is one chunk of one tensor.
type job struct {
	tensor, chunk int
	off, n        int64
}

// part is what a worker learnt from one chunk.
type part struct {
	stats Stats
}

// Scan reads every tensor it can decode once, computing Stats and a
// content hash per tensor, then derives the Findings. Tensors are split
// into chunks that all workers share, so the scan runs at close to memory
// speed whatever the mix of tensor sizes. A read error stops the scan and
// is returned; ctx cancels it.
func Scan(ctx context.Context, tensors []format.Tensor, opt Options) (*Result, error) {
	start := time.Now()
	res := &Result{Tensors: make([]TensorStats, len(tensors))}
	codecsOf := make([]codec, len(tensors))
	for i, t := range tensors {
		ts := &res.Tensors[i]
		*ts = TensorStats{Name: t.Name, DType: t.DType.Name, Elements: t.Elements(), Bytes: t.Size}
		if opt.Role != nil {
			ts.Role = opt.Role(t)
		}
		codecsOf[i], ts.Skipped = codecFor(t)
		if ts.Skipped == "" && opt.Skip != nil {
			ts.Skipped = opt.Skip(t)
		}
		if ts.Skipped == "" {
			res.Scanned++
			res.BytesScanned += t.Size
		} else {
			res.Skipped++
		}
	}

	readers, closeAll, err := openFiles(tensors, res, opt.Open)
	if err != nil {
		return nil, err
	}
	defer closeAll()

	jobs, parts := plan(tensors, res, opt.ChunkBytes)
	s := &scanner{tensors: tensors, codecs: codecsOf, readers: readers, jobs: jobs, parts: parts,
		progress: opt.Progress, hashed: peers(tensors, res)}
	if err := s.run(ctx, workers(opt.Workers)); err != nil {
		return nil, err
	}
	for i := range res.Tensors {
		ts := &res.Tensors[i]
		if !ts.Scanned() {
			continue
		}
		// Merging in chunk order makes the result independent of which
		// worker finished first, so equal bytes give equal Stats.
		for _, p := range parts[i] {
			ts.Stats.Merge(&p.stats)
		}
		if s.hashed[i] {
			ts.Hash = statsHash(uint64(ts.Bytes), &ts.Stats)
		}
	}
	res.BytesRead = res.BytesScanned
	reread, err := res.find(ctx, tensors, readers, s.hashed, workers(opt.Workers))
	res.BytesRead += reread
	if err != nil {
		return nil, err
	}
	res.Duration = time.Since(start)
	return res, nil
}

// peers marks the tensors to scan that share their dtype and byte size
// with another one: only those can be duplicates, so only those are
// given a Hash.
func peers(tensors []format.Tensor, res *Result) []bool {
	type key struct {
		dtype string
		size  int64
	}
	first := make(map[key]int, len(tensors))
	hashed := make([]bool, len(tensors))
	for i, t := range tensors {
		if !res.Tensors[i].Scanned() {
			continue
		}
		k := key{t.DType.Name, t.Size}
		if j, ok := first[k]; ok {
			hashed[i], hashed[j] = true, true
			continue
		}
		first[k] = i
	}
	return hashed
}

func workers(n int) int {
	if n <= 0 {
		return runtime.GOMAXPROCS(0)
	}
	return n
}

// openFiles opens each file holding a tensor to scan, once.
func openFiles(tensors []format.Tensor, res *Result, open func(string) (io.ReaderAt, error)) (map[string]io.ReaderAt, func(), error) {
	readers := map[string]io.ReaderAt{}
	var opened []*os.File
	if open == nil {
		open = func(name string) (io.ReaderAt, error) {
			f, err := os.Open(name)
			if err != nil {
				return nil, err
			}
			opened = append(opened, f)
			return f, nil
		}
	}
	closeAll := func() {
		for _, f := range opened {
			f.Close()
		}
	}
	for i, t := range tensors {
		if !res.Tensors[i].Scanned() {
			continue
		}
		if _, ok := readers[t.File]; ok {
			continue
		}
		r, err := open(t.File)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		readers[t.File] = r
	}
	return readers, closeAll, nil
}

// plan splits the tensors to scan into chunks of whole blocks, in file
// and offset order so that the workers together stream through each file.
func plan(tensors []format.Tensor, res *Result, chunkBytes int64) ([]job, [][]part) {
	if chunkBytes <= 0 {
		chunkBytes = DefaultChunkBytes
	}
	order := make([]int, 0, res.Scanned)
	for i := range tensors {
		if res.Tensors[i].Scanned() {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int {
		ta, tb := &tensors[a], &tensors[b]
		return cmp.Or(cmp.Compare(ta.File, tb.File), cmp.Compare(ta.Offset, tb.Offset))
	})
	var jobs []job
	parts := make([][]part, len(tensors))
	for _, i := range order {
		t := &tensors[i]
		bb := int64(t.DType.BlockBytes)
		step := max(chunkBytes/bb, 1) * bb
		n := int((t.Size + step - 1) / step)
		parts[i] = make([]part, n)
		for c := range n {
			off := int64(c) * step
			jobs = append(jobs, job{tensor: i, chunk: c, off: off, n: min(step, t.Size-off)})
		}
	}
	return jobs, parts
}

// scanner runs the jobs of one Scan.
type scanner struct {
	tensors  []format.Tensor
	codecs   []codec
	readers  map[string]io.ReaderAt
	jobs     []job
	parts    [][]part
	progress func(int64)
	hashed   []bool // tensors given a Hash (see peers)
	next     atomic.Int64
}

func (s *scanner) run(ctx context.Context, n int) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	n = max(min(n, len(s.jobs)), 1)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			w := &worker{buf: make([]byte, pieceBytes), vals: make([]float64, blockElems)}
			for ctx.Err() == nil {
				k := int(s.next.Add(1) - 1)
				if k >= len(s.jobs) {
					return
				}
				if err := s.do(ctx, s.jobs[k], w); err != nil {
					cancel(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}

// A worker's buffers are reused from job to job: memory stays bounded by
// workers × (piece + histogram) whatever the model's size.
type worker struct {
	buf   []byte
	vals  []float64
	hist  *hist  // allocated on the first job that counts
	quant *qhist // allocated on the first quantised job
}

// quants returns the worker's qhist, which gathers a whole job's quant
// blocks before they are merged: the merge's cost is per distinct scale,
// so once per job rather than once per piece.
func (w *worker) quants() *qhist {
	if w.quant == nil {
		w.quant = newQhist()
	}
	return w.quant
}

// do scans one chunk: it reads the chunk piece by piece into the worker's
// buffer, hashes each piece and folds it into the chunk's Stats.
func (s *scanner) do(ctx context.Context, j job, w *worker) error {
	t := s.tensors[j.tensor]
	c := s.codecs[j.tensor]
	r := s.readers[t.File]
	bb := int64(c.blockBytes)
	buf := w.buf
	pieceLen := max(int64(len(buf))/bb, 1) * bb
	if pieceLen > int64(len(buf)) {
		buf = make([]byte, pieceLen) // only for blocks larger than a piece
	}
	blocks := max(len(w.vals)/c.blockSize, 1)
	subBytes := blocks * c.blockBytes
	vals := w.vals
	if need := blocks * c.blockSize; need > len(vals) {
		vals = make([]float64, need)
	}
	var h *hist
	if (c.kind == count16 || c.kind == count8) && j.n/bb >= histMin {
		if w.hist == nil {
			w.hist = new(hist)
		}
		h = w.hist
		h.table, h.bytes = nil, nil
		if c.kind == count16 {
			h.table = c.table16()
		} else {
			h.bytes = c.table8()
		}
	}
	p := &s.parts[j.tensor][j.chunk]
	end := j.off + j.n
	for off := j.off; off < end; {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(pieceLen, end-off)
		piece := buf[:n]
		if err := readAt(r, piece, t.Offset+off, t); err != nil {
			return err
		}
		switch {
		case h != nil && h.bytes == nil:
			h.feed16(piece)
		case h != nil:
			h.feed8(piece)
		case c.kind == blockQ8_0:
			w.quants().addQ8_0(&p.stats, piece, vals)
		case c.kind == blockQ4_0:
			w.quants().addQ4_0(&p.stats, piece, vals)
		case c.kind == fusedF32:
			for len(piece) > 0 {
				q := piece[:min(subBytes, len(piece))]
				p.stats.addF32(q, vals)
				piece = piece[len(q):]
			}
		case c.kind == fusedF16:
			for len(piece) > 0 {
				q := piece[:min(subBytes, len(piece))]
				p.stats.addF16(q, vals)
				piece = piece[len(q):]
			}
		case c.kind == fusedBF16:
			for len(piece) > 0 {
				q := piece[:min(subBytes, len(piece))]
				p.stats.addBF16(q, vals)
				piece = piece[len(q):]
			}
		default:
			for len(piece) > 0 {
				q := piece[:min(subBytes, len(piece))]
				els := len(q) / c.blockBytes * c.blockSize
				c.decode(vals[:els], q)
				p.stats.add(vals[:els])
				piece = piece[len(q):]
			}
		}
		if s.progress != nil {
			s.progress(n)
		}
		off += n
	}
	if h != nil {
		h.flush()
		p.stats.Merge(&h.st)
		h.st = Stats{}
	}
	if w.quant != nil {
		w.quant.flush(&p.stats)
	}
	return nil
}

// statsHash hashes a tensor's size and Stats, every field to the bit.
// Equal bytes of equal dtype and size give equal Stats (the chunks, the
// decoding path and the merge order all follow from the size and dtype),
// so the Stats nominate duplicates as well as a hash of the bytes would,
// for free: a CRC-32C of every byte cost a sixth of a BF16 scan's CPU,
// and in a real checkpoint most tensors share their shape with another
// layer's. Different bytes with equal Stats (a permutation of a 16-bit
// tensor's values, say) only cost a comparison that stops at the first
// differing megabyte.
func statsHash(size uint64, st *Stats) uint64 {
	h := mix(0, size)
	for _, x := range [...]uint64{st.Finite, st.NaN, st.PosInf, st.NegInf, st.Zeros,
		math.Float64bits(st.Min), math.Float64bits(st.Max), math.Float64bits(st.Mean), math.Float64bits(st.M2)} {
		h = mix(h, x)
	}
	return h | 1 // never 0, the value of tensors without a peer
}

// mix folds x into the running hash h, order-sensitively.
func mix(h, x uint64) uint64 {
	h = (h ^ x) * 0x9E3779B97F4A7C15
	return h ^ h>>31
}
