package pickle

import (
	"fmt"
	"io"
	"math"
	"math/big"
	"unsafe"

	"github.com/tensorcount/tensorcount/format"
)

// Limits bound the work and memory a pickle may demand. Every bound is
// checked before the memory is allocated; the zero value of a field means
// the DefaultLimits value.
type Limits struct {
	MaxMemo  int // memo entries
	MaxStack int // items on the stack at once
	MaxMarks int // MARKs open at once (the nesting of MARK-built containers)
	MaxItems int // values built in total: bounds memory for any input
	MaxLong  int // bytes of one LONG1/LONG4 integer
}

// DefaultLimits are generous for real checkpoints (a state dict of 100,000
// tensors builds about two million values) and refuse inputs that could
// only exhaust memory.
var DefaultLimits = Limits{
	MaxMemo:  1 << 24,
	MaxStack: 1 << 20,
	MaxMarks: 1 << 12,
	MaxItems: 1 << 27,
	MaxLong:  1 << 12,
}

// Options control Parse.
type Options struct {
	// Base is added to every offset in errors, imports and values: the
	// pickle's position inside its file.
	Base   int64
	Limits Limits
}

// A Result is a parsed pickle: the value STOP returned and the slabs its
// Values index, read through Result's methods.
type Result struct {
	Value    Value    // the object STOP returned
	Protocol int      // the PROTO argument; 0 when there is none
	End      int64    // offset just past STOP (Base-relative like all offsets)
	Imports  []Import // in file order

	// The values, by kind. Most are free of pointers so that the garbage
	// collector need not scan them: strings and bytes are ranges of data,
	// tuples ranges of items.
	data    string
	words   []uint64 // int64s and float64 bits that do not fit a Value
	spans   []span
	items   []Value
	objs    []Object
	dicts   []Dict
	pids    []PersistentID
	globals []Global
	lists   [][]Value
	sets    [][]Value
	entries [][]Entry // of the dicts that have any
	mores   []objectMore
	bigs    []*big.Int
	strs    []string
}

// Dangerous returns the imports classified Dangerous.
func (r *Result) Dangerous() []Import {
	var d []Import
	for _, im := range r.Imports {
		if im.Safety == Dangerous {
			d = append(d, im)
		}
	}
	return d
}

// maxData bounds the bytes Parse looks at: string and tuple ranges are
// 32-bit.
const maxData = 1<<32 - 1

// Parse runs data, which holds one pickle (anything after its STOP is
// ignored), through a machine that builds values and calls nothing. The
// strings of the result share data's memory: data must not be modified
// while the result is in use. A pickle must end within the first 4 GiB of
// data. Errors are *format.Error values with the offset of the offending
// opcode; a pickle cut short gives an error that wraps
// io.ErrUnexpectedEOF.
func Parse(data []byte, opt *Options) (*Result, error) {
	if len(data) > maxData {
		// Whatever lies past maxData is never reached: a pickle running
		// into it reads as cut short.
		data = data[:maxData]
	}
	// Strings are sliced out of data without copies: the result keeps
	// data alive and reads it, so data must not change afterwards.
	s := unsafe.String(unsafe.SliceData(data), len(data))
	m := &machine{s: s, lim: DefaultLimits, stack: make([]Value, 0, 64), r: &Result{data: s}}
	if opt != nil {
		m.base = opt.Base
		m.lim.merge(opt.Limits)
	}
	// Slab indices are 32-bit; each slab holds at most one entry per
	// value built.
	m.lim.MaxItems = min(m.lim.MaxItems, math.MaxUint32)
	m.presize()
	v, err := m.run()
	if err != nil {
		return nil, err
	}
	r := m.r
	for i := range r.Imports {
		im := &r.Imports[i]
		im.Safety, im.Reason = Classify(im.Module, im.Name, im.Use)
	}
	r.Value, r.Protocol, r.End = v, m.proto, m.base+int64(m.pos)
	return r, nil
}

func (l *Limits) merge(o Limits) {
	pick := func(dst *int, v int) {
		if v > 0 {
			*dst = v
		}
	}
	pick(&l.MaxMemo, o.MaxMemo)
	pick(&l.MaxStack, o.MaxStack)
	pick(&l.MaxMarks, o.MaxMarks)
	pick(&l.MaxItems, o.MaxItems)
	pick(&l.MaxLong, o.MaxLong)
}

type machine struct {
	s      string // the pickle; strings are sliced out of it without copies
	pos    int
	base   int64
	op     int  // offset of the current opcode
	opc    byte // the current opcode
	stack  []Value
	marks  []int
	memo   []Value // memo[i] is defined for every i < len(memo)
	sparse map[uint64]Value
	proto  int
	items  int
	lim    Limits
	r      *Result // the values built so far
}

// presize sizes the slabs from the pickle's length, never from anything
// it claims: a state dict spends about 90 bytes of pickle per tensor,
// which builds some 15 tuple items, 8 memo entries, 7 ranges and one
// object, persistent id and (empty) dict.
func (m *machine) presize() {
	n := len(m.s)
	m.memo = make([]Value, 0, min(n/16+16, m.lim.MaxMemo))
	m.r.items = make([]Value, 0, n/8+16)
	m.r.spans = make([]span, 0, n/16+16)
	m.r.objs = make([]Object, 0, n/128+4)
	m.r.pids = make([]PersistentID, 0, n/128+4)
	m.r.dicts = make([]Dict, 0, n/128+4)
}

// grow returns s with room for n more elements. Slabs double, rather than
// grow by a quarter as large slices do, so that building one copies
// each element about once.
func grow[T any](s []T, n int) []T {
	if cap(s)-len(s) >= n {
		return s
	}
	t := make([]T, len(s), max(2*cap(s), len(s)+n, 16))
	copy(t, s)
	return t
}

// add appends v to the slab *s and returns its index.
func add[T any](s *[]T, v T) uint32 {
	if len(*s) == cap(*s) {
		*s = grow(*s, 1)
	}
	*s = append(*s, v)
	return uint32(len(*s) - 1)
}

func (m *machine) intValue(n int64) Value {
	if n >= 0 && n <= math.MaxUint32 {
		return Value{tagSmallInt, uint32(n)}
	}
	return Value{tagInt, add(&m.r.words, uint64(n))}
}

func (m *machine) bigValue(b *big.Int) Value {
	if b.IsInt64() {
		return m.intValue(b.Int64())
	}
	return Value{tagBig, add(&m.r.bigs, b)}
}

// spanValue returns a Value of tag t for the n bytes of the pickle at off.
func (m *machine) spanValue(t tag, off, n int) Value {
	return Value{t, add(&m.r.spans, span{uint32(off), uint32(n)})}
}

func (m *machine) ownedStr(s string) Value {
	return Value{tagOwnedStr, add(&m.r.strs, s)}
}

// tuple returns a tuple of a copy of items.
func (m *machine) tuple(items []Value) Value {
	r := m.r
	r.items = grow(r.items, len(items))
	off := len(r.items)
	r.items = append(r.items, items...)
	return Value{tagTuple, add(&r.spans, span{uint32(off), uint32(len(items))})}
}

func (m *machine) dict() (Value, *Dict) {
	i := add(&m.r.dicts, Dict{Offset: m.base + int64(m.op)})
	return Value{tagDict, i}, &m.r.dicts[i]
}

func (m *machine) object(o Object) (Value, *Object) {
	i := add(&m.r.objs, o)
	return Value{tagObject, i}, &m.r.objs[i]
}

// extra returns the rarely used parts of o, making them on first use.
func (m *machine) extra(o *Object) *objectMore {
	if o.more == 0 {
		m.r.mores = append(m.r.mores, objectMore{})
		o.more = uint32(len(m.r.mores))
	}
	return &m.r.mores[o.more-1]
}

// opName names the current opcode for errors. The name is looked up only
// then: storing it for every opcode cost a tenth of the parse.
func (m *machine) opName() string { return opNames[m.opc] }

func (m *machine) errf(msg string, args ...any) error {
	return &format.Error{Offset: m.base + int64(m.op), Field: "pickle opcode " + m.opName(), Msg: fmt.Sprintf(msg, args...)}
}

func (m *machine) short() error {
	return &format.Error{Offset: m.base + int64(m.op), Field: "pickle opcode " + m.opName(),
		Msg: "pickle ends inside the opcode's argument", Err: io.ErrUnexpectedEOF}
}

func (m *machine) take(n int) (string, error) {
	if n < 0 || n > len(m.s)-m.pos {
		return "", m.short()
	}
	s := m.s[m.pos : m.pos+n]
	m.pos += n
	return s, nil
}

// takeLen reads a length argument of size bytes and returns that many
// bytes, checking the declared length against the bytes remaining first.
func (m *machine) takeLen(size int) (string, error) {
	b, err := m.take(size)
	if err != nil {
		return "", err
	}
	var n uint64
	switch size {
	case 1:
		n = uint64(b[0])
	case 4:
		n = uint64(le32(b))
	case 8:
		n = le(b)
	}
	if n > uint64(len(m.s)-m.pos) {
		return "", &format.Error{Offset: m.base + int64(m.op), Field: "pickle opcode " + m.opName(), Value: n,
			Limit: len(m.s) - m.pos, Msg: "length runs past the end of the pickle", Err: io.ErrUnexpectedEOF}
	}
	return m.take(int(n))
}

func (m *machine) line() (string, error) {
	for i := m.pos; i < len(m.s); i++ {
		if m.s[i] == '\n' {
			l := m.s[m.pos:i]
			m.pos = i + 1
			return l, nil
		}
	}
	return "", m.short()
}

func (m *machine) count() error {
	m.items++
	if m.items > m.lim.MaxItems {
		return m.errf("more than %d values: refusing to build more", m.lim.MaxItems)
	}
	return nil
}

func (m *machine) push(v Value) error {
	if len(m.stack) >= m.lim.MaxStack {
		return &format.Error{Offset: m.base + int64(m.op), Field: "pickle opcode " + m.opName(), Value: len(m.stack) + 1,
			Limit: m.lim.MaxStack, Msg: "stack is too deep"}
	}
	m.stack = append(m.stack, v)
	return m.count()
}

// fence is the lowest stack index the current opcode may pop.
func (m *machine) fence() int {
	if len(m.marks) > 0 {
		return m.marks[len(m.marks)-1]
	}
	return 0
}

func (m *machine) pop() (Value, error) {
	if len(m.stack) <= m.fence() {
		return Value{}, m.errf("stack underflow")
	}
	v := m.stack[len(m.stack)-1]
	m.stack = m.stack[:len(m.stack)-1]
	return v, nil
}

func (m *machine) top() (Value, error) {
	if len(m.stack) <= m.fence() {
		return Value{}, m.errf("stack underflow")
	}
	return m.stack[len(m.stack)-1], nil
}

// popN removes the top n values, returning them (a view of the stack:
// copy before keeping).
func (m *machine) popN(n int) ([]Value, error) {
	if len(m.stack)-m.fence() < n {
		return nil, m.errf("stack underflow")
	}
	v := m.stack[len(m.stack)-n:]
	m.stack = m.stack[:len(m.stack)-n]
	return v, nil
}

// popMark removes everything above the last MARK, and the mark, returning
// the items (a view of the stack: copy before keeping).
func (m *machine) popMark() ([]Value, error) {
	if len(m.marks) == 0 {
		return nil, m.errf("no MARK to pop to")
	}
	k := m.marks[len(m.marks)-1]
	m.marks = m.marks[:len(m.marks)-1]
	items := m.stack[k:]
	m.stack = m.stack[:k]
	return items, nil
}

func (m *machine) memoPut(idx uint64) error {
	v, err := m.top()
	if err != nil {
		return err
	}
	switch {
	case idx < uint64(len(m.memo)):
		m.memo[idx] = v
		return nil
	case idx == uint64(len(m.memo)) && len(m.memo) < m.lim.MaxMemo:
		if len(m.memo) == cap(m.memo) {
			m.memo = grow(m.memo, 1)
		}
		m.memo = append(m.memo, v)
		return m.count()
	}
	if m.sparse == nil {
		m.sparse = map[uint64]Value{}
	}
	if _, ok := m.sparse[idx]; !ok && len(m.memo)+len(m.sparse) >= m.lim.MaxMemo {
		return &format.Error{Offset: m.base + int64(m.op), Field: "pickle opcode " + m.opName(), Limit: m.lim.MaxMemo,
			Msg: "too many memo entries"}
	}
	m.sparse[idx] = v
	return m.count()
}

func (m *machine) memoGet(idx uint64) error {
	if idx < uint64(len(m.memo)) {
		return m.push(m.memo[idx])
	}
	if v, ok := m.sparse[idx]; ok {
		return m.push(v)
	}
	return &format.Error{Offset: m.base + int64(m.op), Field: "pickle opcode " + m.opName(), Value: idx,
		Msg: "memo index is not defined"}
}

func (m *machine) global(module, name, opcode string) Value {
	r := m.r
	r.Imports = append(r.Imports, Import{Module: module, Name: name, Offset: m.base + int64(m.op), Opcode: opcode})
	return Value{tagGlobal, add(&r.globals, Global{Module: module, Name: name, Import: len(r.Imports) - 1, Offset: m.base + int64(m.op)})}
}

// use records that the pickle does u with v, if v is a global.
func (m *machine) use(v Value, u Use) {
	if g, ok := m.r.Global(v); ok && g.Import >= 0 && g.Import < len(m.r.Imports) {
		if im := &m.r.Imports[g.Import]; im.Use < u {
			im.Use = u
		}
	}
}

func (m *machine) run() (Value, error) {
	for {
		m.op = m.pos
		if m.pos >= len(m.s) {
			return Value{}, &format.Error{Offset: m.base + int64(m.pos), Field: "pickle", Msg: "pickle ends without STOP", Err: io.ErrUnexpectedEOF}
		}
		c := m.s[m.pos]
		m.pos++
		m.opc = c
		if opNames[c] == "" {
			return Value{}, &format.Error{Offset: m.base + int64(m.op), Field: "pickle opcode", Value: fmt.Sprintf("0x%02x", c), Msg: "not a pickle opcode"}
		}
		if c == opSTOP {
			return m.pop()
		}
		if err := m.step(c); err != nil {
			return Value{}, err
		}
	}
}
