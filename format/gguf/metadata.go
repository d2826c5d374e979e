package gguf

import (
	"fmt"
	"math"
	"strconv"

	"github.com/tensorcount/tensorcount/format"
)

// A KV is one metadata key-value pair. Scalars and strings are decoded;
// arrays are described (element type, length, where the elements start)
// and read on demand through the File, because a vocabulary array can hold
// hundreds of thousands of strings that counting tensors never needs.
type KV struct {
	Key  string
	Type ValueType
	// Offset is the absolute offset of the value; for an array, of its
	// first element (just past the element type and count).
	Offset int64
	// ElemType and Len describe an array: the type of its elements and how
	// many there are. For an array of arrays ElemType is TypeArray.
	ElemType ValueType
	Len      uint64

	bits uint64 // a scalar's bits; signed values sign-extended
	str  string
}

// An Array describes an array value without its elements; KV.Value returns
// one for an array KV.
type Array struct {
	ElemType ValueType
	Len      uint64
}

// Value returns the decoded value: a uint8 … float64, bool or string as
// the type says, or an Array for an array.
func (kv KV) Value() any {
	switch kv.Type {
	case TypeUint8:
		return uint8(kv.bits)
	case TypeInt8:
		return int8(kv.bits)
	case TypeUint16:
		return uint16(kv.bits)
	case TypeInt16:
		return int16(kv.bits)
	case TypeUint32:
		return uint32(kv.bits)
	case TypeInt32:
		return int32(kv.bits)
	case TypeUint64:
		return kv.bits
	case TypeInt64:
		return int64(kv.bits)
	case TypeFloat32:
		return math.Float32frombits(uint32(kv.bits))
	case TypeFloat64:
		return math.Float64frombits(kv.bits)
	case TypeBool:
		return kv.bits != 0
	case TypeString:
		return kv.str
	case TypeArray:
		return Array{ElemType: kv.ElemType, Len: kv.Len}
	}
	return nil
}

func (kv KV) typeError(want string) error {
	return &format.Error{Offset: kv.Offset, Field: keyField(kv.Key),
		Msg: fmt.Sprintf("value is %s, not %s", kv.describe(), want)}
}

func (kv KV) describe() string {
	if kv.Type == TypeArray {
		return "an ARRAY of " + kv.ElemType.String()
	}
	return kv.Type.String()
}

// Uint returns an integer value of any of the eight integer types as a
// uint64; negative values are an error. GGUF writers disagree on the width
// of counts (gguf-py writes UINT32, the spec suggests UINT64), so hparams
// should be read through this rather than by exact type.
func (kv KV) Uint() (uint64, error) {
	if !kv.Type.IsInteger() {
		return 0, kv.typeError("an integer")
	}
	if kv.Type.isSigned() && int64(kv.bits) < 0 {
		return 0, &format.Error{Offset: kv.Offset, Field: keyField(kv.Key), Value: int64(kv.bits), Msg: "negative value where a count is expected"}
	}
	return kv.bits, nil
}

// Int returns an integer value of any integer type as an int64; a UINT64
// above math.MaxInt64 is an error.
func (kv KV) Int() (int64, error) {
	if !kv.Type.IsInteger() {
		return 0, kv.typeError("an integer")
	}
	if !kv.Type.isSigned() && kv.bits > math.MaxInt64 {
		return 0, &format.Error{Offset: kv.Offset, Field: keyField(kv.Key), Value: kv.bits, Limit: int64(math.MaxInt64), Msg: "value does not fit in an int64"}
	}
	return int64(kv.bits), nil
}

// Float returns a FLOAT32 or FLOAT64 value, or an integer value converted
// to float64.
func (kv KV) Float() (float64, error) {
	switch kv.Type {
	case TypeFloat32:
		return float64(math.Float32frombits(uint32(kv.bits))), nil
	case TypeFloat64:
		return math.Float64frombits(kv.bits), nil
	}
	if kv.Type.IsInteger() {
		if kv.Type.isSigned() {
			return float64(int64(kv.bits)), nil
		}
		return float64(kv.bits), nil
	}
	return 0, kv.typeError("a number")
}

// String returns a STRING value. Unlike fmt.Stringer it reports a type
// mismatch as an error. The bytes are returned as stored: GGUF does not
// require valid UTF-8, so quote them (format.Quote) before printing.
func (kv KV) String() (string, error) {
	if kv.Type != TypeString {
		return "", kv.typeError("a STRING")
	}
	return kv.str, nil
}

// Bool returns a BOOL value. Bytes other than 0 and 1 are invalid per the
// spec; like ggml this treats them as true (the File carries a warning).
func (kv KV) Bool() (bool, error) {
	if kv.Type != TypeBool {
		return false, kv.typeError("a BOOL")
	}
	return kv.bits != 0, nil
}

// ArrayLen returns the element count of an ARRAY value.
func (kv KV) ArrayLen() (uint64, error) {
	if kv.Type != TypeArray {
		return 0, kv.typeError("an ARRAY")
	}
	return kv.Len, nil
}

// Key length limit from the spec; ggml itself does not enforce it.
const maxKeyLen = 65535

// maxArrayDepth bounds arrays of arrays. The spec allows nesting, ggml
// rejects it and no writer emits it; a small bound keeps the walk
// iterative with a fixed-size stack while accepting modest nesting.
const maxArrayDepth = 4

// readMetadata reads n key-value pairs, keeping scalars and strings and
// walking past array elements.
func (p *parser) readMetadata(n uint64) error {
	r, f := p.r, p.f
	f.keys = make(map[string]int, min(n, 256))
	prev := ""
	for i := uint64(0); i < n; i++ {
		at := r.pos
		key, err := r.str()
		if err != nil {
			fe := withField(err, "key #"+strconv.FormatUint(i, 10))
			if e, ok := fe.(*format.Error); ok && prev != "" {
				e.Msg += fmt.Sprintf("; the value of the previous key %s may be corrupt", format.Quote(prev))
			}
			return fe
		}
		if len(key) == 0 {
			return &format.Error{Offset: at, Field: "key #" + strconv.FormatUint(i, 10), Msg: "empty key"}
		}
		if len(key) > maxKeyLen {
			return &format.Error{Offset: at, Field: "key #" + strconv.FormatUint(i, 10), Value: len(key), Limit: maxKeyLen, Msg: "key longer than the spec allows"}
		}
		k := string(key)
		if _, dup := f.keys[k]; dup {
			return &format.Error{Offset: at, Field: keyField(k), Msg: "duplicate key"}
		}
		kv, err := p.readValue(k)
		if err != nil {
			return err
		}
		f.keys[k] = len(f.Metadata)
		f.Metadata = append(f.Metadata, kv)
		prev = k
	}
	return nil
}

// valueTypeLimit is the number of value types the file's version knows.
func (p *parser) valueTypeLimit() ValueType {
	if p.r.wide {
		return numValueTypes
	}
	return numValueTypesV1
}

func (p *parser) readValue(key string) (KV, error) {
	r := p.r
	at := r.pos
	t, err := r.u32()
	if err != nil {
		return KV{}, withField(err, keyField(key)+" type")
	}
	typ := ValueType(t)
	if typ >= p.valueTypeLimit() {
		return KV{}, &format.Error{Offset: at, Field: keyField(key) + " type", Value: t, Limit: uint32(p.valueTypeLimit() - 1),
			Msg: fmt.Sprintf("unknown value type for GGUF v%d", p.f.Version)}
	}
	kv := KV{Key: key, Type: typ, Offset: r.pos}
	switch typ {
	case TypeString:
		s, err := r.string()
		if err != nil {
			return KV{}, withField(err, keyField(key))
		}
		kv.str = s
	case TypeArray:
		e, err := r.u32()
		if err != nil {
			return KV{}, withField(err, keyField(key)+" element type")
		}
		n, err := r.count()
		if err != nil {
			return KV{}, withField(err, keyField(key)+" count")
		}
		kv.ElemType, kv.Len, kv.Offset = ValueType(e), n, r.pos
		if err := p.skipArray(key, ValueType(e), n, at+4); err != nil {
			return KV{}, err
		}
	default:
		v, err := r.scalar(typ.scalarSize())
		if err != nil {
			return KV{}, withField(err, keyField(key))
		}
		kv.bits = signExtend(typ, v)
		if typ == TypeBool && v > 1 {
			p.warnf("%s: BOOL value %d is neither 0 nor 1 (read as true)", format.Quote(key), v)
		}
	}
	return kv, nil
}

func signExtend(t ValueType, v uint64) uint64 {
	switch t {
	case TypeInt8:
		return uint64(int64(int8(v)))
	case TypeInt16:
		return uint64(int64(int16(v)))
	case TypeInt32:
		return uint64(int64(int32(v)))
	}
	return v
}

// checkArray validates an array's element type and bounds its count by
// what the remaining bytes can hold, before any element is looked at.
// headerAt is the offset of the element type field.
func (p *parser) checkArray(key string, elem ValueType, n uint64, headerAt int64) error {
	r := p.r
	if elem >= p.valueTypeLimit() {
		return &format.Error{Offset: headerAt, Field: keyField(key) + " element type", Value: uint32(elem), Limit: uint32(p.valueTypeLimit() - 1),
			Msg: fmt.Sprintf("unknown array element type for GGUF v%d", p.f.Version)}
	}
	min := int64(elem.scalarSize())
	switch elem {
	case TypeString:
		min = r.lenSize()
	case TypeArray:
		min = 4 + r.lenSize()
	}
	if limit := uint64(r.remaining() / min); n > limit {
		return &format.Error{Offset: headerAt + 4, Field: keyField(key) + " count", Value: n, Limit: limit,
			Msg: fmt.Sprintf("array of %s longer than the remaining bytes can hold", elem)}
	}
	return nil
}

// skipArray moves past an array's n elements of type elem. Nested arrays
// are walked with a fixed stack of maxArrayDepth levels, so hostile
// nesting costs neither recursion nor allocation. Strings are skipped by
// their lengths without being copied. BOOL elements are not checked for
// values other than 0 and 1: that would mean reading every element.
func (p *parser) skipArray(key string, elem ValueType, n uint64, headerAt int64) error {
	r := p.r
	if err := p.checkArray(key, elem, n, headerAt); err != nil {
		return err
	}
	type level struct {
		elem ValueType
		left uint64
	}
	var stack [maxArrayDepth]level
	stack[0] = level{elem, n}
	depth := 1
	for depth > 0 {
		top := &stack[depth-1]
		switch top.elem {
		case TypeString:
			if i, err := r.skipStrings(top.left); err != nil {
				return withField(err, fmt.Sprintf("%s[%d]", keyField(key), i))
			}
			depth--
		case TypeArray:
			if top.left == 0 {
				depth--
				continue
			}
			top.left--
			at := r.pos
			e, err := r.u32()
			if err != nil {
				return withField(err, keyField(key)+" element type")
			}
			c, err := r.count()
			if err != nil {
				return withField(err, keyField(key)+" count")
			}
			if depth == maxArrayDepth {
				return &format.Error{Offset: at, Field: keyField(key), Value: depth + 1, Limit: maxArrayDepth, Msg: "arrays nested too deeply"}
			}
			if err := p.checkArray(key, ValueType(e), c, at); err != nil {
				return err
			}
			stack[depth] = level{ValueType(e), c}
			depth++
		default:
			// checkArray bounded left by remaining/size, so this cannot
			// overflow.
			if err := r.skip(top.left * uint64(top.elem.scalarSize())); err != nil {
				return withField(err, keyField(key))
			}
			depth--
		}
	}
	return nil
}
