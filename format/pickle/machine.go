package pickle

import (
	"fmt"
	"io"
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

// A Result is a parsed pickle.
type Result struct {
	Value    Value    // the object STOP returned
	Protocol int      // the PROTO argument; 0 when there is none
	End      int64    // offset just past STOP (Base-relative like all offsets)
	Imports  []Import // in file order
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

// Parse runs data, which holds one pickle (anything after its STOP is
// ignored), through a machine that builds values and calls nothing. The
// strings of the result share data's memory: data must not be modified
// while the result is in use. Errors
// are *format.Error values with the offset of the offending opcode; a
// pickle cut short gives an error that wraps io.ErrUnexpectedEOF.
func Parse(data []byte, opt *Options) (*Result, error) {
	// Strings are sliced out of data without copies: the result keeps
	// data alive and reads it, so data must not change afterwards.
	m := &machine{s: unsafe.String(unsafe.SliceData(data), len(data)), lim: DefaultLimits, stack: make([]Value, 0, 64)}
	if opt != nil {
		m.base = opt.Base
		m.lim.merge(opt.Limits)
	}
	v, err := m.run()
	if err != nil {
		return nil, err
	}
	for i := range m.imports {
		im := &m.imports[i]
		im.Safety, im.Reason = Classify(im.Module, im.Name, im.Use)
	}
	return &Result{Value: v, Protocol: m.proto, End: m.base + int64(m.pos), Imports: m.imports}, nil
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
	s       string // the pickle; strings are sliced out of it without copies
	pos     int
	base    int64
	op      int // offset of the current opcode
	opName  string
	stack   []Value
	marks   []int
	memo    []Value // memo[i] is defined for every i < len(memo)
	sparse  map[uint64]Value
	imports []Import
	proto   int
	items   int
	lim     Limits

	// Slabs: values are allocated in chunks, so that a state dict of
	// 100,000 tensors costs a few thousand allocations instead of a
	// million. Everything stays reachable from the result anyway.
	vals   []Value
	tuples []Tuple
	objs   []Object
	pids   []PersistentID
	dicts  []Dict
}

const slab = 1024

// values returns a slice of n values from the value slab.
func (m *machine) values(n int) []Value {
	if n > 64 {
		return make([]Value, n)
	}
	if cap(m.vals)-len(m.vals) < n {
		m.vals = make([]Value, 0, 4*slab)
	}
	l := len(m.vals)
	m.vals = m.vals[:l+n]
	return m.vals[l : l+n : l+n]
}

// tuple returns a tuple from the tuple slab holding items.
func (m *machine) tuple(items []Value) *Tuple {
	if len(m.tuples) == cap(m.tuples) {
		m.tuples = make([]Tuple, 0, slab)
	}
	m.tuples = m.tuples[:len(m.tuples)+1]
	t := &m.tuples[len(m.tuples)-1]
	t.Items = items
	return t
}

func (m *machine) object() *Object {
	if len(m.objs) == cap(m.objs) {
		m.objs = make([]Object, 0, slab)
	}
	m.objs = m.objs[:len(m.objs)+1]
	return &m.objs[len(m.objs)-1]
}

func (m *machine) pid() *PersistentID {
	if len(m.pids) == cap(m.pids) {
		m.pids = make([]PersistentID, 0, slab)
	}
	m.pids = m.pids[:len(m.pids)+1]
	return &m.pids[len(m.pids)-1]
}

func (m *machine) dict() *Dict {
	if len(m.dicts) == cap(m.dicts) {
		m.dicts = make([]Dict, 0, slab)
	}
	m.dicts = m.dicts[:len(m.dicts)+1]
	d := &m.dicts[len(m.dicts)-1]
	d.Offset = m.base + int64(m.op)
	return d
}

func (m *machine) newObject(o Object) *Object {
	p := m.object()
	*p = o
	return p
}

func (m *machine) errf(msg string, args ...any) error {
	return &format.Error{Offset: m.base + int64(m.op), Field: "pickle opcode " + m.opName, Msg: fmt.Sprintf(msg, args...)}
}

func (m *machine) short() error {
	return &format.Error{Offset: m.base + int64(m.op), Field: "pickle opcode " + m.opName,
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
		return "", &format.Error{Offset: m.base + int64(m.op), Field: "pickle opcode " + m.opName, Value: n,
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
		return &format.Error{Offset: m.base + int64(m.op), Field: "pickle opcode " + m.opName, Value: len(m.stack) + 1,
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
		return nil, m.errf("stack underflow")
	}
	v := m.stack[len(m.stack)-1]
	m.stack = m.stack[:len(m.stack)-1]
	return v, nil
}

func (m *machine) top() (Value, error) {
	if len(m.stack) <= m.fence() {
		return nil, m.errf("stack underflow")
	}
	return m.stack[len(m.stack)-1], nil
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

func (m *machine) popMarkCopy() ([]Value, error) {
	items, err := m.popMark()
	if err != nil || len(items) == 0 {
		return nil, err
	}
	out := m.values(len(items))
	copy(out, items)
	clear(items)
	return out, nil
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
		if m.memo == nil {
			// Writers memoize nearly every object; sizing from the
			// input (never from anything it claims) spares the
			// regrowing.
			m.memo = make([]Value, 0, min(len(m.s)/16+16, m.lim.MaxMemo))
		}
		m.memo = append(m.memo, v)
		return m.count()
	}
	if m.sparse == nil {
		m.sparse = map[uint64]Value{}
	}
	if _, ok := m.sparse[idx]; !ok && len(m.memo)+len(m.sparse) >= m.lim.MaxMemo {
		return &format.Error{Offset: m.base + int64(m.op), Field: "pickle opcode " + m.opName, Limit: m.lim.MaxMemo,
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
	return &format.Error{Offset: m.base + int64(m.op), Field: "pickle opcode " + m.opName, Value: idx,
		Msg: "memo index is not defined"}
}

func (m *machine) global(module, name, opcode string) *Global {
	m.imports = append(m.imports, Import{Module: module, Name: name, Offset: m.base + int64(m.op), Opcode: opcode})
	return &Global{Module: module, Name: name, Import: len(m.imports) - 1, Offset: m.base + int64(m.op)}
}

// use records that the pickle does u with v, if v is a global.
func (m *machine) use(v Value, u Use) {
	if g, ok := v.(*Global); ok && g.Import >= 0 && g.Import < len(m.imports) {
		if im := &m.imports[g.Import]; im.Use < u {
			im.Use = u
		}
	}
}

func (m *machine) run() (Value, error) {
	for {
		m.op = m.pos
		if m.pos >= len(m.s) {
			m.opName = "STOP"
			return nil, &format.Error{Offset: m.base + int64(m.pos), Field: "pickle", Msg: "pickle ends without STOP", Err: io.ErrUnexpectedEOF}
		}
		c := m.s[m.pos]
		m.pos++
		m.opName = opNames[c]
		if m.opName == "" {
			m.opName = fmt.Sprintf("0x%02x", c)
			return nil, &format.Error{Offset: m.base + int64(m.op), Field: "pickle opcode", Value: m.opName, Msg: "not a pickle opcode"}
		}
		if c == opSTOP {
			v, err := m.pop()
			if err != nil {
				return nil, err
			}
			return v, nil
		}
		if err := m.step(c); err != nil {
			return nil, err
		}
	}
}
