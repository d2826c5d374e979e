package pytorch_test

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"sort"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// pk writes protocol-2 pickles the way torch's pickler does, memoizing
// globals.
type pk struct {
	bytes.Buffer
	memo map[string]uint32
	next uint32
}

// put memoizes the value just written, as Python's pickler does for every
// string, tuple and object.
func (p *pk) put() {
	if p.next < 256 {
		p.WriteByte('q')
		p.WriteByte(byte(p.next))
	} else {
		p.WriteByte('r')
		binary.Write(p, binary.LittleEndian, p.next)
	}
	p.next++
}

// interned writes a string Python would pickle once and then fetch from
// the memo (the same object each time: "storage", "cpu").
func (p *pk) interned(s string) {
	k := "str\n" + s
	if i, ok := p.memo[k]; ok {
		p.WriteByte('j')
		binary.Write(p, binary.LittleEndian, i)
		return
	}
	p.str(s)
	p.memo[k] = p.next
	p.put()
}

func newPK() *pk {
	p := &pk{memo: map[string]uint32{}}
	p.WriteString("\x80\x02")
	return p
}

func (p *pk) str(s string) {
	p.WriteByte('X')
	binary.Write(p, binary.LittleEndian, uint32(len(s)))
	p.WriteString(s)
}

func (p *pk) int(n uint64) {
	switch {
	case n < 256:
		p.WriteByte('K')
		p.WriteByte(byte(n))
	case n < 1<<31:
		p.WriteByte('J')
		binary.Write(p, binary.LittleEndian, uint32(n))
	default:
		p.WriteByte(0x8a)
		p.WriteByte(8)
		binary.Write(p, binary.LittleEndian, n)
	}
}

func (p *pk) global(mod, name string) {
	k := mod + "\n" + name
	if i, ok := p.memo[k]; ok {
		p.WriteByte('j')
		binary.Write(p, binary.LittleEndian, i)
		return
	}
	p.WriteString("c" + k + "\n")
	p.WriteByte('r')
	binary.Write(p, binary.LittleEndian, p.next)
	p.memo[k] = p.next
	p.next++
}

func (p *pk) tuple(xs []uint64) {
	p.WriteByte('(')
	for _, x := range xs {
		p.int(x)
	}
	p.WriteByte('t')
}

// spec is one tensor of a generated state dict.
type spec struct {
	name    string
	shape   []uint64
	storage string // FloatStorage, BFloat16Storage, …
	key     string
	numel   uint64 // storage elements (the tensor's when 0)
	offset  uint64
	stride  []uint64 // contiguous when nil
}

func contiguous(shape []uint64) []uint64 {
	s := make([]uint64, len(shape))
	acc := uint64(1)
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = acc
		acc *= shape[i]
	}
	return s
}

func numel(shape []uint64) uint64 {
	n := uint64(1)
	for _, d := range shape {
		n *= d
	}
	return n
}

// tensor writes a _rebuild_tensor_v2 call.
func (p *pk) tensor(s spec) {
	p.global("torch._utils", "_rebuild_tensor_v2")
	p.WriteString("((")
	p.interned("storage")
	p.global("torch", s.storage)
	p.str(s.key)
	p.put()
	p.interned("cpu")
	n := s.numel
	if n == 0 {
		n = numel(s.shape)
	}
	p.int(n)
	p.WriteString("t")
	p.put()
	p.WriteString("Q")
	p.int(s.offset)
	p.tuple(s.shape)
	p.put()
	st := s.stride
	if st == nil {
		st = contiguous(s.shape)
	}
	p.tuple(st)
	p.put()
	p.WriteByte(0x89)
	p.global("collections", "OrderedDict")
	p.WriteString(")R")
	p.put()
	p.WriteString("t")
	p.put()
	p.WriteByte('R')
	p.put()
}

// stateDict returns the data.pkl of an OrderedDict of the tensors, with
// SETITEMS batches of 1000 as torch writes them.
func stateDict(specs []spec) []byte {
	p := newPK()
	p.global("collections", "OrderedDict")
	p.WriteString(")R")
	p.put()
	for i := 0; i < len(specs); i += 1000 {
		p.WriteByte('(')
		for _, s := range specs[i:min(i+1000, len(specs))] {
			p.str(s.name)
			p.put()
			p.tensor(s)
		}
		p.WriteByte('u')
	}
	p.WriteByte('.')
	return p.Bytes()
}

// sparse is an in-memory file whose unwritten ranges read as zeros.
type sparse struct {
	segs []seg
	size int64
}

type seg struct {
	off  int64
	data []byte
}

func (s *sparse) ReadAt(p []byte, off int64) (int, error) {
	if off >= s.size {
		return 0, io.EOF
	}
	n := len(p)
	if int64(n) > s.size-off {
		n = int(s.size - off)
	}
	clear(p[:n])
	i := sort.Search(len(s.segs), func(i int) bool { return s.segs[i].off+int64(len(s.segs[i].data)) > off })
	for ; i < len(s.segs) && s.segs[i].off < off+int64(n); i++ {
		g := s.segs[i]
		lo, hi := max(g.off, off), min(g.off+int64(len(g.data)), off+int64(n))
		copy(p[lo-off:hi-off], g.data[lo-g.off:hi-g.off])
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// sink records what zip.Writer writes, skipping writes of zeroBuf.
type sink struct{ s *sparse }

var zeroBuf = make([]byte, 1<<20)

func (k sink) Write(p []byte) (int, error) {
	if len(p) > 0 && &p[0] != &zeroBuf[0] {
		k.s.segs = append(k.s.segs, seg{k.s.size, bytes.Clone(p)})
	}
	k.s.size += int64(len(p))
	return len(p), nil
}

// record is one archive member: data, or size bytes of zeros.
type record struct {
	name string
	data []byte
	size uint64
}

// torchZip builds a torch-style archive (stored records, 64-byte aligned
// data as torch pads them) without holding the storages in memory.
func torchZip(t testing.TB, recs []record) *sparse {
	s := &sparse{}
	zw := zip.NewWriter(sink{s})
	for _, r := range recs {
		h := &zip.FileHeader{Name: r.name, Method: zip.Store}
		size := r.size
		if r.data != nil {
			size = uint64(len(r.data))
			h.CRC32 = 0
		}
		h.CompressedSize64, h.UncompressedSize64 = size, size
		w, err := zw.CreateRaw(h)
		require.NoError(t, err)
		if r.data != nil {
			_, err = w.Write(r.data)
			require.NoError(t, err)
			continue
		}
		for left := size; left > 0; {
			n := min(left, uint64(len(zeroBuf)))
			_, err = w.Write(zeroBuf[:n])
			require.NoError(t, err)
			left -= n
		}
	}
	require.NoError(t, zw.Close())
	// zip.Writer buffers through bufio, which copies: the zero writes
	// arrive as copies, so drop all-zero segments afterwards.
	kept := s.segs[:0]
	for _, g := range s.segs {
		if bytes.ContainsFunc(g.data, func(r rune) bool { return r != 0 }) {
			kept = append(kept, g)
		}
	}
	s.segs = kept
	return s
}

// checkpoint builds a zip checkpoint of the specs with one storage record
// per distinct key.
func checkpoint(t testing.TB, specs []spec, elemSize uint64) *sparse {
	recs := []record{{name: "archive/data.pkl", data: stateDict(specs)}}
	seen := map[string]bool{}
	for _, s := range specs {
		if seen[s.key] {
			continue
		}
		seen[s.key] = true
		n := s.numel
		if n == 0 {
			n = numel(s.shape)
		}
		recs = append(recs, record{name: "archive/data/" + s.key, size: n * elemSize})
	}
	recs = append(recs, record{name: "archive/version", data: []byte("3\n")})
	return torchZip(t, recs)
}

// counting counts the bytes read through it and remembers the ranges.
type counting struct {
	r      io.ReaderAt
	mu     sync.Mutex
	calls  int
	bytes  int64
	ranges [][2]int64
}

func (c *counting) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.mu.Lock()
	c.calls++
	c.bytes += int64(n)
	c.ranges = append(c.ranges, [2]int64{off, off + int64(n)})
	c.mu.Unlock()
	return n, err
}

// overlap is how many bytes read fall inside [lo, hi).
func (c *counting) overlap(lo, hi int64) int64 {
	var n int64
	for _, r := range c.ranges {
		a, b := max(r[0], lo), min(r[1], hi)
		if b > a {
			n += b - a
		}
	}
	return n
}

func llamaSpecs(layers int, d, kv, ffn, vocab uint64) []spec {
	var s []spec
	add := func(name string, shape ...uint64) {
		s = append(s, spec{name: name, shape: shape, storage: "BFloat16Storage", key: fmt.Sprint(len(s))})
	}
	add("model.embed_tokens.weight", vocab, d)
	for l := 0; l < layers; l++ {
		p := fmt.Sprintf("model.layers.%d.", l)
		add(p+"self_attn.q_proj.weight", d, d)
		add(p+"self_attn.k_proj.weight", kv, d)
		add(p+"self_attn.v_proj.weight", kv, d)
		add(p+"self_attn.o_proj.weight", d, d)
		add(p+"mlp.gate_proj.weight", ffn, d)
		add(p+"mlp.up_proj.weight", ffn, d)
		add(p+"mlp.down_proj.weight", d, ffn)
		add(p+"input_layernorm.weight", d)
		add(p+"post_attention_layernorm.weight", d)
	}
	add("model.norm.weight", d)
	add("lm_head.weight", vocab, d)
	return s
}
