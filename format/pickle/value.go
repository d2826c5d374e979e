package pickle

import "math/big"

// A Value is what the machine builds for one pickled object. It is one of:
//
//	nil              None
//	bool             True, False
//	int64            an int that fits in 64 bits
//	*big.Int         a larger int (LONG, LONG1, LONG4)
//	float64          a float
//	string           str (and Python 2 str from the STRING opcodes)
//	Bytes            bytes
//	ByteArray        bytearray (BYTEARRAY8)
//	*Tuple           a tuple
//	*List            a list
//	*Dict            a dict, and the result of calling collections.OrderedDict
//	*Set             a set or frozenset
//	*Global          a module attribute named by GLOBAL or STACK_GLOBAL
//	*Object          the inert result of any call or instantiation
//	*PersistentID    the result of PERSID or BINPERSID
//
// Containers (tuples too) are pointers so that memo references share them, as they do in
// Python; a container may therefore contain itself.
type Value = any

// Bytes is a pickled bytes object.
type Bytes []byte

// ByteArray is a pickled bytearray.
type ByteArray []byte

// A Tuple is a pickled tuple.
type Tuple struct {
	Items []Value
}

// AsTuple returns the items of v if it is a tuple.
func AsTuple(v Value) ([]Value, bool) {
	t, ok := v.(*Tuple)
	if !ok {
		return nil, false
	}
	return t.Items, true
}

// A List is a pickled list.
type List struct {
	Items []Value
}

// An Entry is one key-value pair of a dict, in insertion order.
type Entry struct {
	Key, Value Value
}

// A Dict is a pickled dict or OrderedDict, with its entries in insertion
// order (a key set twice keeps both entries, so nothing is hidden).
type Dict struct {
	Entries []Entry
	// Ordered is set for the result of collections.OrderedDict().
	Ordered bool
	// State is the argument of a BUILD applied to the dict (an
	// OrderedDict's instance attributes, such as a state dict's _metadata).
	State Value
	// Offset is the byte offset of the opcode that made the dict.
	Offset int64
}

// Get returns the value of the last entry whose key is the string key.
func (d *Dict) Get(key string) (Value, bool) {
	for i := len(d.Entries) - 1; i >= 0; i-- {
		if k, ok := d.Entries[i].Key.(string); ok && k == key {
			return d.Entries[i].Value, true
		}
	}
	return nil, false
}

// A Set is a pickled set or frozenset.
type Set struct {
	Items  []Value
	Frozen bool
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
// SETITEM(S) did to it afterwards, so that the data inside stays reachable.
type Object struct {
	// Callable is usually a *Global; it is whatever value the pickle
	// called.
	Callable Value
	Args     Value // normally a *Tuple
	// State is the last BUILD argument; earlier ones are in MoreStates.
	State  Value
	Offset int64
	// New is set for NEWOBJ and NEWOBJ_EX: cls.__new__(cls, *args) rather
	// than a call.
	New bool
	// Rarely used parts live apart, so that the many objects of a state
	// dict (one per tensor) stay small.
	more *objectMore
}

type objectMore struct {
	kwargs     Value
	moreStates []Value
	items      []Value
	entries    []Entry
}

func (o *Object) extra() *objectMore {
	if o.more == nil {
		o.more = &objectMore{}
	}
	return o.more
}

// Kwargs returns the keyword arguments of NEWOBJ_EX (nil otherwise).
func (o *Object) Kwargs() Value {
	if o.more == nil {
		return nil
	}
	return o.more.kwargs
}

// MoreStates returns the BUILD arguments before the last, in order.
func (o *Object) MoreStates() []Value {
	if o.more == nil {
		return nil
	}
	return o.more.moreStates
}

// Items returns what APPEND, APPENDS and ADDITEMS added to the object (a
// list or set subclass).
func (o *Object) Items() []Value {
	if o.more == nil {
		return nil
	}
	return o.more.items
}

// Entries returns what SETITEM and SETITEMS added to the object (a dict
// subclass), in order.
func (o *Object) Entries() []Entry {
	if o.more == nil {
		return nil
	}
	return o.more.entries
}

// Func returns the callable as a *Global, or nil.
func (o *Object) Func() *Global {
	g, _ := o.Callable.(*Global)
	return g
}

// Is reports whether the callable is the global module.name.
func (o *Object) Is(module, name string) bool {
	g := o.Func()
	return g != nil && g.Module == module && g.Name == name
}

// ArgTuple returns the items of Args if it is a tuple (nil otherwise).
func (o *Object) ArgTuple() []Value {
	t, _ := AsTuple(o.Args)
	return t
}

// A PersistentID is a reference the pickle resolves through the loader's
// persistent_load hook: torch uses it for storages.
type PersistentID struct {
	ID     Value
	Offset int64
}

// Int returns v as an int64 if it is an integer that fits.
func Int(v Value) (int64, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case *big.Int:
		if v.IsInt64() {
			return v.Int64(), true
		}
	case bool:
		// Python's bool is an int; torch never writes one where an
		// int is expected, so refuse it.
	}
	return 0, false
}
