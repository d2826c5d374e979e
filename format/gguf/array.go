package gguf

import (
	"fmt"
	"math"

	"github.com/tensorcount/tensorcount/format"
)

// MaxArrayValues bounds the arrays ArrayUints, ArrayInts and ArrayFloats
// return. They are meant for per-layer hyperparameters (a few hundred
// values); a longer array is read with a loop of its own.
const MaxArrayValues = 1 << 20

// arrayReader positions a reader at the first element of kv, after
// checking that kv is an array whose elements are accepted by ok.
func (f *File) arrayReader(kv KV, want string, ok func(ValueType) bool, limit uint64) (*reader, error) {
	if kv.Type != TypeArray || !ok(kv.ElemType) {
		return nil, kv.typeError(want)
	}
	if kv.Len > limit {
		return nil, &format.Error{Offset: kv.Offset, Field: keyField(kv.Key), Value: kv.Len, Limit: limit, Msg: "array too long to read as values"}
	}
	if kv.Offset < 0 || kv.Offset > f.Size {
		return nil, &format.Error{Offset: kv.Offset, Field: keyField(kv.Key), Msg: "array offset outside the file"}
	}
	window := windowSize
	if size := int64(kv.ElemType.scalarSize()); size > 0 && kv.Len*uint64(size) < windowSize {
		window = max(int(kv.Len)*int(size), 16)
	}
	r := newReader(f.r, f.Size, window)
	r.big, r.wide, r.pos = f.big, f.Version >= 2, kv.Offset
	return r, nil
}

func (f *File) readArray(kv KV, want string, ok func(ValueType) bool, each func(i int, bits uint64) error) error {
	r, err := f.arrayReader(kv, want, ok, MaxArrayValues)
	if err != nil {
		return err
	}
	size := kv.ElemType.scalarSize()
	for i := 0; uint64(i) < kv.Len; i++ {
		v, err := r.scalar(size)
		if err != nil {
			return withField(err, fmt.Sprintf("%s[%d]", keyField(kv.Key), i))
		}
		if err := each(i, signExtend(kv.ElemType, v)); err != nil {
			return err
		}
	}
	return nil
}

// ArrayUints reads an array of any integer type as uint64s. Negative
// elements are an error, and so is an array longer than MaxArrayValues.
// Per-layer hyperparameters (feed_forward_length, head_count_kv) use it.
func (f *File) ArrayUints(kv KV) ([]uint64, error) {
	var out []uint64
	err := f.readArray(kv, "an ARRAY of integers", ValueType.IsInteger, func(i int, v uint64) error {
		if kv.ElemType.isSigned() && int64(v) < 0 {
			return &format.Error{Offset: kv.Offset + int64(i*kv.ElemType.scalarSize()),
				Field: fmt.Sprintf("%s[%d]", keyField(kv.Key), i), Value: int64(v), Msg: "negative value where a count is expected"}
		}
		out = append(out, v)
		return nil
	})
	return out, err
}

// ArrayInts reads an array of any integer type as int64s; UINT64 elements
// above math.MaxInt64 are an error.
func (f *File) ArrayInts(kv KV) ([]int64, error) {
	var out []int64
	err := f.readArray(kv, "an ARRAY of integers", ValueType.IsInteger, func(i int, v uint64) error {
		if !kv.ElemType.isSigned() && v > math.MaxInt64 {
			return &format.Error{Offset: kv.Offset + int64(i*kv.ElemType.scalarSize()), Field: fmt.Sprintf("%s[%d]", keyField(kv.Key), i),
				Value: v, Limit: int64(math.MaxInt64), Msg: "value does not fit in an int64"}
		}
		out = append(out, int64(v))
		return nil
	})
	return out, err
}

// ArrayFloats reads an array of FLOAT32, FLOAT64 or integer elements as
// float64s.
func (f *File) ArrayFloats(kv KV) ([]float64, error) {
	numeric := func(t ValueType) bool { return t == TypeFloat32 || t == TypeFloat64 || t.IsInteger() }
	var out []float64
	err := f.readArray(kv, "an ARRAY of numbers", numeric, func(_ int, v uint64) error {
		switch {
		case kv.ElemType == TypeFloat32:
			out = append(out, float64(math.Float32frombits(uint32(v))))
		case kv.ElemType == TypeFloat64:
			out = append(out, math.Float64frombits(v))
		case kv.ElemType.isSigned():
			out = append(out, float64(int64(v)))
		default:
			out = append(out, float64(v))
		}
		return nil
	})
	return out, err
}

// EachArrayString calls fn for each element of an array of strings, in
// order, reading them from the file as it goes. s is only valid during the
// call: copy it to keep it. An error from fn stops the walk and is
// returned.
func (f *File) EachArrayString(kv KV, fn func(i int, s []byte) error) error {
	isString := func(t ValueType) bool { return t == TypeString }
	r, err := f.arrayReader(kv, "an ARRAY of STRING", isString, math.MaxInt)
	if err != nil {
		return err
	}
	for i := 0; uint64(i) < kv.Len; i++ {
		s, err := r.str()
		if err != nil {
			return withField(err, fmt.Sprintf("%s[%d]", keyField(kv.Key), i))
		}
		if err := fn(i, s); err != nil {
			return err
		}
	}
	return nil
}
