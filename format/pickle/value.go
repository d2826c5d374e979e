package pickle

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Kind is the Python type of a Value.
type Kind uint8

const (
	KindNone         Kind = iota // None
	KindBool                     // True, False
	KindInt                      // int (INT, BININT*, LONG*)
	KindFloat                    // float
	KindStr                      // str, and Python 2 str from the STRING opcodes
	KindBytes                    // bytes
	KindByteArray                // bytearray (BYTEARRAY8)
	KindTuple                    // tuple
	KindList                     // list
	KindDict                     // dict, and the result of calling collections.OrderedDict
	KindSet                      // set
	KindFrozenSet                // frozenset
	KindGlobal                   // a module attribute named by GLOBAL or STACK_GLOBAL
	KindObject                   // the inert result of any call or instantiation
	KindPersistentID             // the result of PERSID or BINPERSID
)

var kindNames = [...]string{
	KindNone: "None", KindBool: "bool", KindInt: "int", KindFloat: "float", KindStr: "str",
	KindBytes: "bytes", KindByteArray: "bytearray", KindTuple: "tuple", KindList: "list",
	KindDict: "dict", KindSet: "set", KindFrozenSet: "frozenset", KindGlobal: "global",
	KindObject: "object", KindPersistentID: "persistent id",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// A Value is one value of a parsed pickle: a small handle that the Result
// it came from reads (Result.Int, Result.Items, Result.Dict, …). The zero
// Value is None.
//
// Values hold no pointers, so that the millions a large state dict builds
// cost the garbage collector nothing to scan. A Value means something only
// to the Result that built it. Containers are shared by memo references as
// they are in Python: a Value fetched from the memo is == to the one
// stored, so == tells one container from another, and a container may
// contain itself. Equal strings or large integers pickled twice are
// different Values: compare what the Result reads from them.
type Value struct {
	tag tag
	i   uint32 // the value of a bool or small int, else an index into the Result's slab for tag
}

type tag uint8

const (
	tagNone tag = iota
	tagBool
	tagSmallInt // i is the value
	tagInt      // words[i] is the int64
	tagBig      // bigs[i]
	tagFloat    // words[i] holds the float64's bits
	tagStr      // spans[i] is a range of the pickle
	tagOwnedStr // strs[i], a string decoded from escapes
	tagBytes    // spans[i] is a range of the pickle
	tagByteArray
	tagTuple // spans[i] is a range of items
	tagList  // lists[i]
	tagDict  // dicts[i]
	tagSet   // sets[i]
	tagFrozenSet
	tagGlobal
	tagObject
	tagPersistentID
)

var tagKinds = [...]Kind{
	tagNone: KindNone, tagBool: KindBool, tagSmallInt: KindInt, tagInt: KindInt, tagBig: KindInt,
	tagFloat: KindFloat, tagStr: KindStr, tagOwnedStr: KindStr, tagBytes: KindBytes,
	tagByteArray: KindByteArray, tagTuple: KindTuple, tagList: KindList, tagDict: KindDict,
	tagSet: KindSet, tagFrozenSet: KindFrozenSet, tagGlobal: KindGlobal, tagObject: KindObject, tagPersistentID: KindPersistentID,
}

// Kind returns the Python type of v.
func (v Value) Kind() Kind { return tagKinds[v.tag] }

// IsNone reports whether v is None.
func (v Value) IsNone() bool { return v.tag == tagNone }

// span is a range of the pickle (strings, bytes) or of the item slab
// (tuples).
type span struct{ off, n uint32 }

// An Entry is one key-value pair of a dict, in insertion order.
type Entry struct {
	Key, Value Value
}

// A Dict is a pickled dict or OrderedDict. Result.Entries lists its
// entries in insertion order (a key set twice keeps both entries, so
// nothing is hidden).
type Dict struct {
	// State is the argument of a BUILD applied to the dict (an
	// OrderedDict's instance attributes, such as a state dict's _metadata).
	State Value
	// Offset is the byte offset of the opcode that made the dict.
	Offset int64
	// entries indexes Result.entries plus one; 0 while the dict is
	// empty. A state dict holds an empty OrderedDict per tensor (its
	// backward hooks): those stay small and free of pointers.
	entries uint32
	// Ordered is set for the result of collections.OrderedDict().
	Ordered bool
}

// A Global is a reference to a module attribute, which unpickling would
// import. Import indexes the Result.Imports entry that records it.
type Global struct {
	Module, Name string
	Import       int
	Offset       int64
}

// String returns "module.name".
func (g *Global) String() string { return g.Module + "." + g.Name }

// An Object is what a call (REDUCE, INST, OBJ) or an instantiation
// (NEWOBJ, NEWOBJ_EX) would have produced. Nothing is called: the object
// records the callable and its arguments, and whatever BUILD, APPEND(S) and
// SETITEM(S) did to it afterwards (Result.MoreStates, Result.Items,
// Result.Entries), so that the data inside stays reachable.
type Object struct {
	// Callable is usually a global; it is whatever value the pickle
	// called.
	Callable Value
	Args     Value // normally a tuple
	// State is the last BUILD argument; earlier ones are in
	// Result.MoreStates.
	State  Value
	Offset int64
	// more indexes Result.mores plus one; 0 for none. The rarely used
	// parts live apart so that the many objects of a state dict (one per
	// tensor) stay small and free of pointers.
	more uint32
	// New is set for NEWOBJ and NEWOBJ_EX: cls.__new__(cls, *args) rather
	// than a call.
	New bool
}

type objectMore struct {
	kwargs     Value
	moreStates []Value
	items      []Value
	entries    []Entry
}

// A PersistentID is a reference the pickle resolves through the loader's
// persistent_load hook: torch uses it for storages.
type PersistentID struct {
	ID     Value
	Offset int64
}

// Bool returns v if it is a bool.
func (r *Result) Bool(v Value) (b, ok bool) {
	return v.i != 0, v.tag == tagBool
}

// Int returns v as an int64 if it is an integer that fits. A bool is not
// an integer here: torch never writes one where an int is expected.
func (r *Result) Int(v Value) (int64, bool) {
	switch v.tag {
	case tagSmallInt:
		return int64(v.i), true
	case tagInt:
		return int64(r.words[v.i]), true
	case tagBig:
		if b := r.bigs[v.i]; b.IsInt64() {
			return b.Int64(), true
		}
	}
	return 0, false
}

// BigInt returns any integer v as a new big.Int.
func (r *Result) BigInt(v Value) (*big.Int, bool) {
	if v.tag == tagBig {
		return new(big.Int).Set(r.bigs[v.i]), true
	}
	if n, ok := r.Int(v); ok {
		return big.NewInt(n), true
	}
	return nil, false
}

// Float returns v if it is a float.
func (r *Result) Float(v Value) (float64, bool) {
	if v.tag != tagFloat {
		return 0, false
	}
	return math.Float64frombits(r.words[v.i]), true
}

// Str returns v if it is a str. The string shares the pickle's memory.
func (r *Result) Str(v Value) (string, bool) {
	switch v.tag {
	case tagStr:
		return r.text(v), true
	case tagOwnedStr:
		return r.strs[v.i], true
	}
	return "", false
}

func (r *Result) text(v Value) string {
	s := r.spans[v.i]
	return r.data[s.off : s.off+s.n]
}

// Bytes returns a copy of v if it is bytes or a bytearray.
func (r *Result) Bytes(v Value) ([]byte, bool) {
	if v.tag != tagBytes && v.tag != tagByteArray {
		return nil, false
	}
	return []byte(r.text(v)), true
}

// Tuple returns the items of v if it is a tuple.
func (r *Result) Tuple(v Value) ([]Value, bool) {
	if v.tag != tagTuple {
		return nil, false
	}
	s := r.spans[v.i]
	return r.items[s.off : s.off+s.n : s.off+s.n], true
}

// Items returns the items of a tuple, list, set or frozenset, or what
// APPEND, APPENDS and ADDITEMS added to an object (a list or set
// subclass); nil for anything else.
func (r *Result) Items(v Value) []Value {
	switch v.tag {
	case tagTuple:
		t, _ := r.Tuple(v)
		return t
	case tagList:
		return r.lists[v.i]
	case tagSet, tagFrozenSet:
		return r.sets[v.i]
	case tagObject:
		if x := r.extra(v); x != nil {
			return x.items
		}
	}
	return nil
}

// Dict returns v if it is a dict.
func (r *Result) Dict(v Value) (*Dict, bool) {
	if v.tag != tagDict {
		return nil, false
	}
	return &r.dicts[v.i], true
}

// Entries returns the entries of a dict, or what SETITEM and SETITEMS
// added to an object (a dict subclass), in order; nil for anything else.
func (r *Result) Entries(v Value) []Entry {
	switch v.tag {
	case tagDict:
		if d := &r.dicts[v.i]; d.entries > 0 {
			return r.entries[d.entries-1]
		}
	case tagObject:
		if x := r.extra(v); x != nil {
			return x.entries
		}
	}
	return nil
}

// Get returns the value of the last entry of the dict v whose key is the
// string key.
func (r *Result) Get(v Value, key string) (Value, bool) {
	if v.tag != tagDict {
		return Value{}, false
	}
	e := r.Entries(v)
	for i := len(e) - 1; i >= 0; i-- {
		if k, ok := r.Str(e[i].Key); ok && k == key {
			return e[i].Value, true
		}
	}
	return Value{}, false
}

// Global returns v if it is a global.
func (r *Result) Global(v Value) (*Global, bool) {
	if v.tag != tagGlobal {
		return nil, false
	}
	return &r.globals[v.i], true
}

// Object returns v if it is an object.
func (r *Result) Object(v Value) (*Object, bool) {
	if v.tag != tagObject {
		return nil, false
	}
	return &r.objs[v.i], true
}

func (r *Result) extra(v Value) *objectMore {
	if o := &r.objs[v.i]; o.more > 0 {
		return &r.mores[o.more-1]
	}
	return nil
}

// Kwargs returns the keyword arguments of an object made by NEWOBJ_EX
// (None otherwise).
func (r *Result) Kwargs(v Value) Value {
	if v.tag == tagObject {
		if x := r.extra(v); x != nil {
			return x.kwargs
		}
	}
	return Value{}
}

// MoreStates returns the BUILD arguments applied to an object before the
// last (its State), in order.
func (r *Result) MoreStates(v Value) []Value {
	if v.tag == tagObject {
		if x := r.extra(v); x != nil {
			return x.moreStates
		}
	}
	return nil
}

// Func returns the callable of the object v as a global, or nil.
func (r *Result) Func(v Value) *Global {
	if o, ok := r.Object(v); ok {
		g, _ := r.Global(o.Callable)
		return g
	}
	return nil
}

// Is reports whether v is an object whose callable is the global
// module.name.
func (r *Result) Is(v Value, module, name string) bool {
	g := r.Func(v)
	return g != nil && g.Module == module && g.Name == name
}

// ArgTuple returns the items of the object v's Args if they are a tuple
// (nil otherwise).
func (r *Result) ArgTuple(v Value) []Value {
	if o, ok := r.Object(v); ok {
		t, _ := r.Tuple(o.Args)
		return t
	}
	return nil
}

// PersistentID returns v if it is a persistent id.
func (r *Result) PersistentID(v Value) (*PersistentID, bool) {
	if v.tag != tagPersistentID {
		return nil, false
	}
	return &r.pids[v.i], true
}

// maxRepr bounds the text Repr writes: it goes into error messages.
const maxRepr = 200

// Repr describes v in Python's notation, cut short after a few hundred
// bytes, for messages: 'cpu', (64, 32), torch.FloatStorage,
// <torch._utils._rebuild_tensor_v2(…) object>.
func (r *Result) Repr(v Value) string {
	var b strings.Builder
	r.repr(&b, v, 0)
	s := b.String()
	if len(s) > maxRepr {
		s = s[:maxRepr] + "…"
	}
	return s
}

func (r *Result) repr(b *strings.Builder, v Value, depth int) {
	if b.Len() > maxRepr {
		return
	}
	if depth > 8 {
		b.WriteString("…")
		return
	}
	seq := func(open, close string, items []Value) {
		b.WriteString(open)
		for i, x := range items {
			if i > 0 {
				b.WriteString(", ")
			}
			if b.Len() > maxRepr {
				b.WriteString("…")
				break
			}
			r.repr(b, x, depth+1)
		}
		if len(items) == 1 && open == "(" {
			b.WriteString(",")
		}
		b.WriteString(close)
	}
	switch v.Kind() {
	case KindNone:
		b.WriteString("None")
	case KindBool:
		if v.i != 0 {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case KindInt:
		if n, ok := r.Int(v); ok {
			b.WriteString(strconv.FormatInt(n, 10))
		} else {
			b.WriteString(r.bigs[v.i].String())
		}
	case KindFloat:
		f, _ := r.Float(v)
		b.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
	case KindStr:
		s, _ := r.Str(v)
		if len(s) > maxRepr {
			s = s[:maxRepr]
		}
		b.WriteString(quotePy(s))
	case KindBytes, KindByteArray:
		s := r.text(v)
		if len(s) > maxRepr {
			s = s[:maxRepr]
		}
		b.WriteString("b" + quotePy(s))
	case KindTuple:
		seq("(", ")", r.Items(v))
	case KindList:
		seq("[", "]", r.Items(v))
	case KindSet, KindFrozenSet:
		seq("{", "}", r.Items(v))
	case KindDict:
		b.WriteString("{")
		for i, e := range r.Entries(v) {
			if i > 0 {
				b.WriteString(", ")
			}
			if b.Len() > maxRepr {
				b.WriteString("…")
				break
			}
			r.repr(b, e.Key, depth+1)
			b.WriteString(": ")
			r.repr(b, e.Value, depth+1)
		}
		b.WriteString("}")
	case KindGlobal:
		g, _ := r.Global(v)
		b.WriteString(g.String())
	case KindObject:
		o, _ := r.Object(v)
		b.WriteString("<")
		r.repr(b, o.Callable, depth+1)
		b.WriteString("(…) object>")
	case KindPersistentID:
		p, _ := r.PersistentID(v)
		b.WriteString("persistent_id(")
		r.repr(b, p.ID, depth+1)
		b.WriteString(")")
	}
}

// quotePy quotes s as Python's repr does for ASCII text, escaping the rest.
func quotePy(s string) string {
	q := strconv.QuoteToASCII(s)
	if !strings.Contains(s, "'") {
		q = "'" + strings.ReplaceAll(q[1:len(q)-1], `\"`, `"`) + "'"
	}
	return q
}

// typeName describes v's type in a message ("an int", "a dict").
func (r *Result) typeName(v Value) string {
	switch v.Kind() {
	case KindNone:
		return "None"
	case KindBool:
		return "a bool"
	case KindInt:
		return "an int"
	case KindFloat:
		return "a float"
	case KindStr:
		return "a str"
	case KindBytes:
		return "bytes"
	case KindByteArray:
		return "a bytearray"
	case KindTuple:
		return "a tuple"
	case KindList:
		return "a list"
	case KindDict:
		return "a dict"
	case KindSet, KindFrozenSet:
		return "a set"
	case KindGlobal:
		return "a global"
	case KindObject:
		return "an object"
	case KindPersistentID:
		return "a persistent id"
	}
	return fmt.Sprintf("%v", v.Kind())
}
