package pickle

import (
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
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

func (m *machine) step(c byte) error {
	switch c {
	case opPROTO:
		b, err := m.take(1)
		if err != nil {
			return err
		}
		if b[0] > 5 {
			return &format.Error{Offset: m.base + int64(m.op), Field: "pickle opcode PROTO", Value: int(b[0]), Limit: 5, Msg: "unsupported pickle protocol"}
		}
		m.proto = int(b[0])
	case opFRAME:
		if _, err := m.takeLen(8); err != nil {
			return err
		}
		// A frame only groups the opcodes that follow; step back so
		// they are run.
		m.pos = m.op + 9
	case opMARK:
		if len(m.marks) >= m.lim.MaxMarks {
			return &format.Error{Offset: m.base + int64(m.op), Field: "pickle opcode MARK", Value: len(m.marks) + 1,
				Limit: m.lim.MaxMarks, Msg: "MARKs nested too deeply"}
		}
		m.marks = append(m.marks, len(m.stack))
	case opPOP:
		if len(m.stack) > m.fence() {
			m.stack = m.stack[:len(m.stack)-1]
		} else if len(m.marks) > 0 {
			m.marks = m.marks[:len(m.marks)-1]
		} else {
			return m.errf("stack underflow")
		}
	case opPOP_MARK:
		if _, err := m.popMark(); err != nil {
			return err
		}
	case opDUP:
		v, err := m.top()
		if err != nil {
			return err
		}
		return m.push(v)
	case opNONE:
		return m.push(nil)
	case opNEWTRUE:
		return m.push(true)
	case opNEWFALSE:
		return m.push(false)
	case opBININT:
		b, err := m.take(4)
		if err != nil {
			return err
		}
		return m.push(int64(int32(le32(b))))
	case opBININT1:
		b, err := m.take(1)
		if err != nil {
			return err
		}
		return m.push(int64(b[0]))
	case opBININT2:
		b, err := m.take(2)
		if err != nil {
			return err
		}
		return m.push(int64(uint16(le(b))))
	case opLONG1, opLONG4:
		size := 1
		if c == opLONG4 {
			size = 4
			if b, err := m.take(4); err == nil {
				m.pos -= 4
				if int32(le32(b)) < 0 {
					return m.errf("negative byte count")
				}
			}
		}
		b, err := m.takeLen(size)
		if err != nil {
			return err
		}
		if len(b) > m.lim.MaxLong {
			return &format.Error{Offset: m.base + int64(m.op), Field: "pickle opcode " + m.opName, Value: len(b), Limit: m.lim.MaxLong, Msg: "integer is too long"}
		}
		return m.push(decodeLong([]byte(b)))
	case opINT:
		l, err := m.line()
		if err != nil {
			return err
		}
		switch l {
		case "00":
			return m.push(false)
		case "01":
			return m.push(true)
		}
		return m.pushIntText(l)
	case opLONG:
		l, err := m.line()
		if err != nil {
			return err
		}
		if n := len(l); n > 0 && l[n-1] == 'L' {
			l = l[:n-1]
		}
		return m.pushIntText(l)
	case opFLOAT:
		l, err := m.line()
		if err != nil {
			return err
		}
		f, err := strconv.ParseFloat(l, 64)
		if err != nil {
			return m.errf("invalid float %s", format.Quote(l))
		}
		return m.push(f)
	case opBINFLOAT:
		b, err := m.take(8)
		if err != nil {
			return err
		}
		return m.push(math.Float64frombits(be64(b)))
	case opSTRING:
		l, err := m.line()
		if err != nil {
			return err
		}
		s, ok := unquotePy(l)
		if !ok {
			return m.errf("invalid quoted string %s", format.Quote(l))
		}
		return m.push(s)
	case opBINSTRING:
		b, err := m.take(4)
		if err != nil {
			return err
		}
		m.pos -= 4
		if int32(le32(b)) < 0 {
			return m.errf("negative length")
		}
		return m.pushString(4)
	case opSHORT_BINSTRING, opSHORT_BINUNICODE:
		return m.pushString(1)
	case opBINUNICODE:
		return m.pushString(4)
	case opBINUNICODE8:
		return m.pushString(8)
	case opUNICODE:
		l, err := m.line()
		if err != nil {
			return err
		}
		return m.push(rawUnicodeEscape(l))
	case opSHORT_BINBYTES, opBINBYTES, opBINBYTES8, opBYTEARRAY8:
		size := map[byte]int{opSHORT_BINBYTES: 1, opBINBYTES: 4, opBINBYTES8: 8, opBYTEARRAY8: 8}[c]
		b, err := m.takeLen(size)
		if err != nil {
			return err
		}
		if c == opBYTEARRAY8 {
			return m.push(ByteArray(b))
		}
		return m.push(Bytes(b))
	case opEMPTY_LIST:
		return m.push(&List{})
	case opEMPTY_TUPLE:
		return m.push(m.tuple(nil))
	case opEMPTY_DICT:
		return m.push(m.dict())
	case opEMPTY_SET:
		return m.push(&Set{})
	case opTUPLE1, opTUPLE2, opTUPLE3:
		n := int(c-opTUPLE1) + 1
		if len(m.stack)-m.fence() < n {
			return m.errf("stack underflow")
		}
		t := m.values(n)
		copy(t, m.stack[len(m.stack)-n:])
		m.stack = m.stack[:len(m.stack)-n]
		return m.push(m.tuple(t))
	case opTUPLE:
		items, err := m.popMarkCopy()
		if err != nil {
			return err
		}
		return m.push(m.tuple(items))
	case opLIST:
		items, err := m.popMarkCopy()
		if err != nil {
			return err
		}
		return m.push(&List{Items: items})
	case opDICT:
		items, err := m.popMark()
		if err != nil {
			return err
		}
		d := m.dict()
		if err := m.setItems(d, items); err != nil {
			return err
		}
		return m.push(d)
	case opFROZENSET:
		items, err := m.popMarkCopy()
		if err != nil {
			return err
		}
		return m.push(&Set{Items: items, Frozen: true})
	case opAPPEND:
		v, err := m.pop()
		if err != nil {
			return err
		}
		return m.appendTo([]Value{v})
	case opAPPENDS:
		items, err := m.popMark()
		if err != nil {
			return err
		}
		return m.appendTo(items)
	case opSETITEM:
		if len(m.stack)-m.fence() < 3 {
			return m.errf("stack underflow")
		}
		kv := m.stack[len(m.stack)-2:]
		m.stack = m.stack[:len(m.stack)-2]
		return m.setItemsOn(kv)
	case opSETITEMS:
		items, err := m.popMark()
		if err != nil {
			return err
		}
		return m.setItemsOn(items)
	case opADDITEMS:
		items, err := m.popMark()
		if err != nil {
			return err
		}
		t, err := m.top()
		if err != nil {
			return err
		}
		switch t := t.(type) {
		case *Set:
			t.Items = append(t.Items, items...)
		case *Object:
			x := t.extra()
			x.items = append(x.items, items...)
		default:
			return m.errf("ADDITEMS on %s, not a set", typeName(t))
		}
		clear(items)
	case opGET:
		l, err := m.line()
		if err != nil {
			return err
		}
		n, err := strconv.ParseUint(l, 10, 64)
		if err != nil {
			return m.errf("invalid memo index %s", format.Quote(l))
		}
		return m.memoGet(n)
	case opBINGET:
		b, err := m.take(1)
		if err != nil {
			return err
		}
		return m.memoGet(uint64(b[0]))
	case opLONG_BINGET:
		b, err := m.take(4)
		if err != nil {
			return err
		}
		return m.memoGet(uint64(le32(b)))
	case opPUT:
		l, err := m.line()
		if err != nil {
			return err
		}
		n, err := strconv.ParseUint(l, 10, 64)
		if err != nil {
			return m.errf("invalid memo index %s", format.Quote(l))
		}
		return m.memoPut(n)
	case opBINPUT:
		b, err := m.take(1)
		if err != nil {
			return err
		}
		return m.memoPut(uint64(b[0]))
	case opLONG_BINPUT:
		b, err := m.take(4)
		if err != nil {
			return err
		}
		return m.memoPut(uint64(le32(b)))
	case opMEMOIZE:
		return m.memoPut(uint64(len(m.memo) + len(m.sparse)))
	case opGLOBAL:
		mod, err := m.line()
		if err != nil {
			return err
		}
		name, err := m.line()
		if err != nil {
			return err
		}
		return m.push(m.global(mod, name, "GLOBAL"))
	case opSTACK_GLOBAL:
		name, err := m.pop()
		if err != nil {
			return err
		}
		mod, err := m.pop()
		if err != nil {
			return err
		}
		ms, ok1 := mod.(string)
		ns, ok2 := name.(string)
		if !ok1 || !ok2 {
			return m.errf("module and name must be strings, found %s and %s", typeName(mod), typeName(name))
		}
		return m.push(m.global(ms, ns, "STACK_GLOBAL"))
	case opINST:
		mod, err := m.line()
		if err != nil {
			return err
		}
		name, err := m.line()
		if err != nil {
			return err
		}
		args, err := m.popMarkCopy()
		if err != nil {
			return err
		}
		g := m.global(mod, name, "INST")
		m.use(g, Called)
		return m.push(&Object{Callable: g, Args: m.tuple(args), Offset: m.base + int64(m.op)})
	case opOBJ:
		items, err := m.popMarkCopy()
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return m.errf("OBJ without a class")
		}
		m.use(items[0], Called)
		return m.push(&Object{Callable: items[0], Args: m.tuple(items[1:]), Offset: m.base + int64(m.op)})
	case opREDUCE:
		args, err := m.pop()
		if err != nil {
			return err
		}
		fn, err := m.pop()
		if err != nil {
			return err
		}
		return m.push(m.call(fn, args))
	case opNEWOBJ, opNEWOBJ_EX:
		var kwargs Value
		if c == opNEWOBJ_EX {
			var err error
			if kwargs, err = m.pop(); err != nil {
				return err
			}
		}
		args, err := m.pop()
		if err != nil {
			return err
		}
		cls, err := m.pop()
		if err != nil {
			return err
		}
		u := Instantiated
		if t, ok := AsTuple(args); !ok || len(t) > 0 || kwargs != nil && !emptyDict(kwargs) {
			// Arguments reach cls.__new__, which may do anything.
			u = Called
		}
		m.use(cls, u)
		o := m.newObject(Object{Callable: cls, Args: args, New: true, Offset: m.base + int64(m.op)})
		if kwargs != nil {
			o.extra().kwargs = kwargs
		}
		return m.push(o)
	case opBUILD:
		state, err := m.pop()
		if err != nil {
			return err
		}
		t, err := m.top()
		if err != nil {
			return err
		}
		switch t := t.(type) {
		case *Object:
			if t.State != nil {
				x := t.extra()
				x.moreStates = append(x.moreStates, t.State)
			}
			t.State = state
		case *Dict:
			t.State = state
		default:
			return m.errf("BUILD on %s, not an object", typeName(t))
		}
	case opPERSID:
		l, err := m.line()
		if err != nil {
			return err
		}
		return m.push(&PersistentID{ID: l, Offset: m.base + int64(m.op)})
	case opBINPERSID:
		id, err := m.pop()
		if err != nil {
			return err
		}
		p := m.pid()
		p.ID, p.Offset = id, m.base+int64(m.op)
		return m.push(p)
	case opEXT1, opEXT2, opEXT4:
		return m.errf("extension registry codes are not supported: the object they name is known only to the loading program")
	case opNEXT_BUFFER, opREADONLY_BUFFER:
		return m.errf("out-of-band buffers (protocol 5) are not part of a file")
	default:
		return m.errf("opcode not handled")
	}
	return nil
}

func emptyDict(v Value) bool {
	d, ok := v.(*Dict)
	return ok && len(d.Entries) == 0
}

// call is REDUCE: nothing is called. collections.OrderedDict() becomes a
// Dict so that SETITEMS can fill it; anything else becomes an Object.
func (m *machine) call(fn, args Value) Value {
	m.use(fn, Called)
	if g, ok := fn.(*Global); ok {
		t, _ := AsTuple(args)
		switch {
		case (g.Module == "collections" && g.Name == "OrderedDict" || g.Module == "builtins" && g.Name == "dict") && len(t) == 0:
			d := m.dict()
			d.Ordered = g.Name == "OrderedDict"
			return d
		case (g.Module == "copyreg" || g.Module == "copy_reg") && (g.Name == "_reconstructor" || g.Name == "__newobj__") && len(t) > 0:
			m.use(t[0], Instantiated)
		}
	}
	return m.newObject(Object{Callable: fn, Args: args, Offset: m.base + int64(m.op)})
}

func (m *machine) appendTo(items []Value) error {
	t, err := m.top()
	if err != nil {
		return err
	}
	switch t := t.(type) {
	case *List:
		t.Items = append(t.Items, items...)
	case *Object:
		x := t.extra()
		x.items = append(x.items, items...)
	default:
		return m.errf("%s on %s, not a list", m.opName, typeName(t))
	}
	clear(items)
	return nil
}

func (m *machine) setItemsOn(kv []Value) error {
	t, err := m.top()
	if err != nil {
		return err
	}
	switch t := t.(type) {
	case *Dict:
		return m.setItems(t, kv)
	case *Object:
		// A dict subclass (an AttributeDict, say): keep the entries.
		d := &Dict{}
		if err := m.setItems(d, kv); err != nil {
			return err
		}
		x := t.extra()
		x.entries = append(x.entries, d.Entries...)
		return nil
	}
	return m.errf("%s on %s, not a dict", m.opName, typeName(t))
}

func (m *machine) setItems(d *Dict, kv []Value) error {
	if len(kv)%2 != 0 {
		return m.errf("odd number of items (%d) for key-value pairs", len(kv))
	}
	if d.Entries == nil {
		d.Entries = make([]Entry, 0, len(kv)/2)
	}
	for i := 0; i < len(kv); i += 2 {
		d.Entries = append(d.Entries, Entry{kv[i], kv[i+1]})
	}
	clear(kv)
	return nil
}

func (m *machine) pushString(size int) error {
	s, err := m.takeLen(size)
	if err != nil {
		return err
	}
	return m.push(s)
}

func (m *machine) pushIntText(l string) error {
	if n, err := strconv.ParseInt(l, 10, 64); err == nil {
		return m.push(n)
	}
	if len(l) > m.lim.MaxLong*3 {
		return &format.Error{Offset: m.base + int64(m.op), Field: "pickle opcode " + m.opName, Value: len(l), Limit: m.lim.MaxLong * 3, Msg: "integer is too long"}
	}
	b, ok := new(big.Int).SetString(l, 10)
	if !ok {
		return m.errf("invalid integer %s", format.Quote(l))
	}
	return m.push(b)
}

// decodeLong decodes a little-endian two's-complement integer.
func decodeLong(b []byte) Value {
	if len(b) == 0 {
		return int64(0)
	}
	if len(b) <= 8 {
		var u uint64
		for i := len(b) - 1; i >= 0; i-- {
			u = u<<8 | uint64(b[i])
		}
		if shift := 64 - 8*uint(len(b)); b[len(b)-1]&0x80 != 0 {
			return int64(u<<shift) >> shift
		}
		if u <= math.MaxInt64 {
			return int64(u)
		}
		return new(big.Int).SetUint64(u)
	}
	be := make([]byte, len(b))
	for i := range b {
		be[len(b)-1-i] = b[i]
	}
	n := new(big.Int).SetBytes(be)
	if b[len(b)-1]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	if n.IsInt64() {
		return n.Int64()
	}
	return n
}

func typeName(v Value) string {
	switch v.(type) {
	case nil:
		return "None"
	case bool:
		return "a bool"
	case int64, *big.Int:
		return "an int"
	case float64:
		return "a float"
	case string:
		return "a str"
	case Bytes:
		return "bytes"
	case ByteArray:
		return "a bytearray"
	case *Tuple:
		return "a tuple"
	case *List:
		return "a list"
	case *Dict:
		return "a dict"
	case *Set:
		return "a set"
	case *Global:
		return "a global"
	case *Object:
		return "an object"
	case *PersistentID:
		return "a persistent id"
	}
	return fmt.Sprintf("%T", v)
}

// le decodes a little-endian unsigned integer of up to 8 bytes.
func le(b string) uint64 {
	var u uint64
	for i := len(b) - 1; i >= 0; i-- {
		u = u<<8 | uint64(b[i])
	}
	return u
}

func le32(b string) uint32 { return uint32(le(b)) }

func be64(b string) uint64 {
	var u uint64
	for i := 0; i < len(b); i++ {
		u = u<<8 | uint64(b[i])
	}
	return u
}
