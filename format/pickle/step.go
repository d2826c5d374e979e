package pickle

import (
	"math"
	"math/big"
	"strconv"

	"github.com/tensorcount/tensorcount/format"
)

// step runs one opcode other than STOP.
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
		return m.push(Value{})
	case opNEWTRUE:
		return m.push(Value{tagBool, 1})
	case opNEWFALSE:
		return m.push(Value{tagBool, 0})
	case opBININT:
		b, err := m.take(4)
		if err != nil {
			return err
		}
		return m.push(m.intValue(int64(int32(le32(b)))))
	case opBININT1:
		b, err := m.take(1)
		if err != nil {
			return err
		}
		return m.push(Value{tagSmallInt, uint32(b[0])})
	case opBININT2:
		b, err := m.take(2)
		if err != nil {
			return err
		}
		return m.push(Value{tagSmallInt, uint32(le(b))})
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
			return &format.Error{Offset: m.base + int64(m.op), Field: "pickle opcode " + m.opName(), Value: len(b), Limit: m.lim.MaxLong, Msg: "integer is too long"}
		}
		return m.push(m.decodeLong(b))
	case opINT:
		l, err := m.line()
		if err != nil {
			return err
		}
		switch l {
		case "00":
			return m.push(Value{tagBool, 0})
		case "01":
			return m.push(Value{tagBool, 1})
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
		return m.push(Value{tagFloat, add(&m.r.words, math.Float64bits(f))})
	case opBINFLOAT:
		b, err := m.take(8)
		if err != nil {
			return err
		}
		return m.push(Value{tagFloat, add(&m.r.words, be64(b))})
	case opSTRING:
		l, err := m.line()
		if err != nil {
			return err
		}
		s, ok := unquotePy(l)
		if !ok {
			return m.errf("invalid quoted string %s", format.Quote(l))
		}
		return m.push(m.ownedStr(s))
	case opBINSTRING:
		b, err := m.take(4)
		if err != nil {
			return err
		}
		m.pos -= 4
		if int32(le32(b)) < 0 {
			return m.errf("negative length")
		}
		return m.pushSpan(tagStr, 4)
	case opSHORT_BINSTRING, opSHORT_BINUNICODE:
		return m.pushSpan(tagStr, 1)
	case opBINUNICODE:
		return m.pushSpan(tagStr, 4)
	case opBINUNICODE8:
		return m.pushSpan(tagStr, 8)
	case opUNICODE:
		l, err := m.line()
		if err != nil {
			return err
		}
		return m.push(m.ownedStr(rawUnicodeEscape(l)))
	case opSHORT_BINBYTES:
		return m.pushSpan(tagBytes, 1)
	case opBINBYTES:
		return m.pushSpan(tagBytes, 4)
	case opBINBYTES8:
		return m.pushSpan(tagBytes, 8)
	case opBYTEARRAY8:
		return m.pushSpan(tagByteArray, 8)
	case opEMPTY_LIST:
		return m.push(Value{tagList, add(&m.r.lists, nil)})
	case opEMPTY_TUPLE:
		return m.push(m.tuple(nil))
	case opEMPTY_DICT:
		v, _ := m.dict()
		return m.push(v)
	case opEMPTY_SET:
		return m.push(Value{tagSet, add(&m.r.sets, nil)})
	case opTUPLE1, opTUPLE2, opTUPLE3:
		items, err := m.popN(int(c-opTUPLE1) + 1)
		if err != nil {
			return err
		}
		return m.push(m.tuple(items))
	case opTUPLE:
		items, err := m.popMark()
		if err != nil {
			return err
		}
		return m.push(m.tuple(items))
	case opLIST:
		items, err := m.popMark()
		if err != nil {
			return err
		}
		return m.push(Value{tagList, add(&m.r.lists, clone(items))})
	case opDICT:
		items, err := m.popMark()
		if err != nil {
			return err
		}
		v, d := m.dict()
		if err := m.setItems(d, items); err != nil {
			return err
		}
		return m.push(v)
	case opFROZENSET:
		items, err := m.popMark()
		if err != nil {
			return err
		}
		return m.push(Value{tagFrozenSet, add(&m.r.sets, clone(items))})
	case opAPPEND:
		v, err := m.popN(1)
		if err != nil {
			return err
		}
		return m.appendTo(v)
	case opAPPENDS:
		items, err := m.popMark()
		if err != nil {
			return err
		}
		return m.appendTo(items)
	case opSETITEM:
		kv, err := m.popN(2)
		if err != nil {
			return err
		}
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
		switch t.tag {
		case tagSet:
			m.r.sets[t.i] = append(m.r.sets[t.i], items...)
		case tagObject:
			x := m.extra(&m.r.objs[t.i])
			x.items = append(x.items, items...)
		default:
			return m.errf("ADDITEMS on %s, not a set", m.r.typeName(t))
		}
	case opGET, opBINGET, opLONG_BINGET:
		n, err := m.memoIndex(c)
		if err != nil {
			return err
		}
		return m.memoGet(n)
	case opPUT, opBINPUT, opLONG_BINPUT:
		n, err := m.memoIndex(c)
		if err != nil {
			return err
		}
		return m.memoPut(n)
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
		ms, ok1 := m.r.Str(mod)
		ns, ok2 := m.r.Str(name)
		if !ok1 || !ok2 {
			return m.errf("module and name must be strings, found %s and %s", m.r.typeName(mod), m.r.typeName(name))
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
		args, err := m.popMark()
		if err != nil {
			return err
		}
		g := m.global(mod, name, "INST")
		m.use(g, Called)
		v, _ := m.object(Object{Callable: g, Args: m.tuple(args), Offset: m.base + int64(m.op)})
		return m.push(v)
	case opOBJ:
		items, err := m.popMark()
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return m.errf("OBJ without a class")
		}
		m.use(items[0], Called)
		v, _ := m.object(Object{Callable: items[0], Args: m.tuple(items[1:]), Offset: m.base + int64(m.op)})
		return m.push(v)
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
		hasKwargs := c == opNEWOBJ_EX
		if hasKwargs {
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
		if t, ok := m.r.Tuple(args); !ok || len(t) > 0 || hasKwargs && !m.emptyDict(kwargs) {
			// Arguments reach cls.__new__, which may do anything.
			u = Called
		}
		m.use(cls, u)
		v, o := m.object(Object{Callable: cls, Args: args, New: true, Offset: m.base + int64(m.op)})
		if hasKwargs {
			m.extra(o).kwargs = kwargs
		}
		return m.push(v)
	case opBUILD:
		state, err := m.pop()
		if err != nil {
			return err
		}
		t, err := m.top()
		if err != nil {
			return err
		}
		switch t.tag {
		case tagObject:
			o := &m.r.objs[t.i]
			if !o.State.IsNone() {
				x := m.extra(o)
				x.moreStates = append(x.moreStates, o.State)
			}
			o.State = state
		case tagDict:
			m.r.dicts[t.i].State = state
		default:
			return m.errf("BUILD on %s, not an object", m.r.typeName(t))
		}
	case opPERSID:
		off := m.pos
		l, err := m.line()
		if err != nil {
			return err
		}
		id := m.spanValue(tagStr, off, len(l))
		return m.push(Value{tagPersistentID, add(&m.r.pids, PersistentID{ID: id, Offset: m.base + int64(m.op)})})
	case opBINPERSID:
		id, err := m.pop()
		if err != nil {
			return err
		}
		return m.push(Value{tagPersistentID, add(&m.r.pids, PersistentID{ID: id, Offset: m.base + int64(m.op)})})
	case opEXT1, opEXT2, opEXT4:
		return m.errf("extension registry codes are not supported: the object they name is known only to the loading program")
	case opNEXT_BUFFER, opREADONLY_BUFFER:
		return m.errf("out-of-band buffers (protocol 5) are not part of a file")
	default:
		return m.errf("opcode not handled")
	}
	return nil
}

func (m *machine) emptyDict(v Value) bool {
	return v.tag == tagDict && len(m.r.Entries(v)) == 0
}

// clone copies items off the stack.
func clone(items []Value) []Value {
	if len(items) == 0 {
		return nil
	}
	return append([]Value(nil), items...)
}

// call is REDUCE: nothing is called. collections.OrderedDict() becomes a
// Dict so that SETITEMS can fill it; anything else becomes an Object.
func (m *machine) call(fn, args Value) Value {
	m.use(fn, Called)
	if g, ok := m.r.Global(fn); ok {
		t, _ := m.r.Tuple(args)
		switch {
		case (g.Module == "collections" && g.Name == "OrderedDict" || g.Module == "builtins" && g.Name == "dict") && len(t) == 0:
			v, d := m.dict()
			d.Ordered = g.Name == "OrderedDict"
			return v
		case (g.Module == "copyreg" || g.Module == "copy_reg") && (g.Name == "_reconstructor" || g.Name == "__newobj__") && len(t) > 0:
			m.use(t[0], Instantiated)
		}
	}
	v, _ := m.object(Object{Callable: fn, Args: args, Offset: m.base + int64(m.op)})
	return v
}

func (m *machine) appendTo(items []Value) error {
	t, err := m.top()
	if err != nil {
		return err
	}
	switch t.tag {
	case tagList:
		m.r.lists[t.i] = append(m.r.lists[t.i], items...)
	case tagObject:
		x := m.extra(&m.r.objs[t.i])
		x.items = append(x.items, items...)
	default:
		return m.errf("%s on %s, not a list", m.opName(), m.r.typeName(t))
	}
	return nil
}

func (m *machine) setItemsOn(kv []Value) error {
	t, err := m.top()
	if err != nil {
		return err
	}
	switch t.tag {
	case tagDict:
		return m.setItems(&m.r.dicts[t.i], kv)
	case tagObject:
		// A dict subclass (an AttributeDict, say): keep the entries.
		if len(kv)%2 != 0 {
			return m.errf("odd number of items (%d) for key-value pairs", len(kv))
		}
		x := m.extra(&m.r.objs[t.i])
		x.entries = appendEntries(x.entries, kv)
		return nil
	}
	return m.errf("%s on %s, not a dict", m.opName(), m.r.typeName(t))
}

func (m *machine) setItems(d *Dict, kv []Value) error {
	if len(kv)%2 != 0 {
		return m.errf("odd number of items (%d) for key-value pairs", len(kv))
	}
	if len(kv) == 0 {
		return nil
	}
	if d.entries == 0 {
		m.r.entries = append(m.r.entries, nil)
		d.entries = uint32(len(m.r.entries))
	}
	e := &m.r.entries[d.entries-1]
	*e = appendEntries(*e, kv)
	return nil
}

// appendEntries appends the key-value pairs kv to e.
func appendEntries(e []Entry, kv []Value) []Entry {
	e = grow(e, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		e = append(e, Entry{kv[i], kv[i+1]})
	}
	return e
}

// pushSpan pushes the string or bytes of the length argument of size
// bytes.
func (m *machine) pushSpan(t tag, size int) error {
	s, err := m.takeLen(size)
	if err != nil {
		return err
	}
	return m.push(m.spanValue(t, m.pos-len(s), len(s)))
}

func (m *machine) pushIntText(l string) error {
	if n, err := strconv.ParseInt(l, 10, 64); err == nil {
		return m.push(m.intValue(n))
	}
	if len(l) > m.lim.MaxLong*3 {
		return &format.Error{Offset: m.base + int64(m.op), Field: "pickle opcode " + m.opName(), Value: len(l), Limit: m.lim.MaxLong * 3, Msg: "integer is too long"}
	}
	b, ok := new(big.Int).SetString(l, 10)
	if !ok {
		return m.errf("invalid integer %s", format.Quote(l))
	}
	return m.push(m.bigValue(b))
}

// decodeLong decodes a little-endian two's-complement integer.
func (m *machine) decodeLong(b string) Value {
	if len(b) == 0 {
		return m.intValue(0)
	}
	if len(b) <= 8 {
		var u uint64
		for i := len(b) - 1; i >= 0; i-- {
			u = u<<8 | uint64(b[i])
		}
		if shift := 64 - 8*uint(len(b)); b[len(b)-1]&0x80 != 0 {
			return m.intValue(int64(u<<shift) >> shift)
		}
		if u <= math.MaxInt64 {
			return m.intValue(int64(u))
		}
		return m.bigValue(new(big.Int).SetUint64(u))
	}
	be := make([]byte, len(b))
	for i := range b {
		be[len(b)-1-i] = b[i]
	}
	n := new(big.Int).SetBytes(be)
	if b[len(b)-1]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return m.bigValue(n)
}

// le decodes a little-endian unsigned integer of up to 8 bytes.
func le(b string) uint64 {
	var u uint64
	for i := len(b) - 1; i >= 0; i-- {
		u = u<<8 | uint64(b[i])
	}
	return u
}

// le32 decodes 4 little-endian bytes, the common case, without a loop.
func le32(b string) uint32 {
	_ = b[3]
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func be64(b string) uint64 {
	var u uint64
	for i := 0; i < len(b); i++ {
		u = u<<8 | uint64(b[i])
	}
	return u
}

// memoIndex reads the memo index a GET or PUT opcode carries: a decimal
// line (GET, PUT), one byte (BINGET, BINPUT) or four (LONG_BINGET,
// LONG_BINPUT).
func (m *machine) memoIndex(op byte) (uint64, error) {
	switch op {
	case opBINGET, opBINPUT:
		b, err := m.take(1)
		if err != nil {
			return 0, err
		}
		return uint64(b[0]), nil
	case opLONG_BINGET, opLONG_BINPUT:
		b, err := m.take(4)
		if err != nil {
			return 0, err
		}
		return uint64(le32(b)), nil
	}
	l, err := m.line()
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseUint(l, 10, 64)
	if err != nil {
		return 0, m.errf("invalid memo index %s", format.Quote(l))
	}
	return n, nil
}
