package pytorch

import (
	"fmt"
	"strconv"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/format/pickle"
	"github.com/tensorcount/tensorcount/internal/checked"
)

// A TensorInfo is what the pickle says about one tensor: enough to tell
// tied weights (same storage, offset, shape and stride) from other views
// of one storage.
type TensorInfo struct {
	Name string
	// Storage indexes File.Storages.
	Storage    int
	StorageKey string
	// StorageDType is the storage's element type (U8 for the untyped
	// storage of _rebuild_tensor_v3); DType is the tensor's.
	StorageDType format.DType
	DType        format.DType
	// StorageOffset is in elements of DType.
	StorageOffset uint64
	Shape         []uint64
	Stride        []uint64
	// Parameter is set for an nn.Parameter (_rebuild_parameter).
	Parameter    bool
	RequiresGrad bool
	Quantized    bool
	// TiedTo is the index, in the same slice, of the first tensor with
	// the same storage, offset, shape, stride and dtype: the same
	// numbers under another name. -1 for none.
	TiedTo int
	// SharesStorage is set when some other tensor of the same slice views
	// the same storage differently (a slice, a transpose).
	SharesStorage bool
	// PickleOffset is the byte offset of the opcode that rebuilt it.
	PickleOffset int64
}

// Elements is the product of the shape.
func (t TensorInfo) Elements() uint64 {
	n, _ := checked.Product(t.Shape)
	return n
}

// maxWrap bounds how deeply tensor rebuilders may wrap each other
// (_rebuild_parameter of _rebuild_from_type_v2 of _rebuild_tensor_v2 is
// 3): a pickle can make a wrapper wrap itself.
const maxWrap = 8

// tensor describes an object that rebuilds a tensor.
func (c *collector) tensor(v pickle.Value, name string) (TensorInfo, bool, error) {
	o, ok := c.r.Object(v)
	if !ok {
		return TensorInfo{}, false, nil
	}
	return c.tensorAt(o.Callable, o.Args, o.Offset, name, 0)
}

// tensorAt describes the call fn(*args) made by the opcode at offset, if
// it rebuilds a tensor.
func (c *collector) tensorAt(fn, argv pickle.Value, offset int64, name string, wrap int) (TensorInfo, bool, error) {
	r := c.r
	g, ok := r.Global(fn)
	if !ok {
		return TensorInfo{}, false, nil
	}
	if wrap > maxWrap {
		return TensorInfo{}, false, &format.Error{Offset: offset, Field: g.String(), Value: wrap, Limit: maxWrap, Msg: "tensor rebuilders wrap each other too deeply"}
	}
	args, _ := r.Tuple(argv)
	bad := func(what string) error {
		return &format.Error{Offset: offset, Field: g.String(), Msg: "malformed arguments: " + what}
	}
	switch g.Module + "." + g.Name {
	case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
		if len(args) < 3 {
			return TensorInfo{}, false, bad("fewer than 3")
		}
		inner, ok := r.Object(args[0])
		if !ok {
			return TensorInfo{}, false, bad("data is not a tensor")
		}
		t, ok, err := c.tensorAt(inner.Callable, inner.Args, inner.Offset, name, wrap+1)
		if err != nil || !ok {
			if err == nil {
				err = bad("data is not a tensor")
			}
			return t, false, err
		}
		t.Parameter = true
		t.RequiresGrad, _ = r.Bool(args[1])
		return t, true, nil
	case "torch._tensor._rebuild_from_type_v2":
		if len(args) < 3 {
			return TensorInfo{}, false, bad("fewer than 3")
		}
		t, ok, err := c.tensorAt(args[0], args[2], offset, name, wrap+1)
		if err != nil || !ok {
			if err == nil {
				err = bad("does not rebuild a tensor")
			}
			return t, false, err
		}
		if nt, ok := r.Global(args[1]); ok && nt.Module == "torch.nn.parameter" && nt.Name == "Parameter" {
			t.Parameter = true
		}
		return t, true, nil
	case "torch._utils._rebuild_tensor":
		return c.view(offset, g, args, 4, -1, -1, name)
	case "torch._utils._rebuild_tensor_v2":
		return c.view(offset, g, args, 4, 4, -1, name)
	case "torch._utils._rebuild_tensor_v3":
		return c.view(offset, g, args, 7, 4, 6, name)
	case "torch._utils._rebuild_qtensor":
		t, ok, err := c.view(offset, g, args, 5, 5, -1, name)
		t.Quantized = ok
		return t, ok, err
	}
	return TensorInfo{}, false, nil
}

// view reads (storage, storage_offset, size, stride, …): min is the
// argument count, grad the index of requires_grad and dtype that of the
// v3 dtype (-1 when absent).
func (c *collector) view(at int64, g *pickle.Global, args []pickle.Value, min, grad, dtype int, name string) (TensorInfo, bool, error) {
	r := c.r
	// The field name is only built for an error: most checkpoints have
	// no errors and many tensors.
	field := g.String
	if len(args) < min {
		return TensorInfo{}, false, &format.Error{Offset: at, Field: field(), Value: len(args), Limit: min, Msg: "too few arguments"}
	}
	t := TensorInfo{Name: name, TiedTo: -1, PickleOffset: at}
	pid, ok := r.PersistentID(args[0])
	if !ok {
		return t, false, &format.Error{Offset: at, Field: field(), Msg: "storage argument is not a persistent id"}
	}
	idx, viewOffset, err := c.storage(pid)
	if err != nil {
		return t, false, err
	}
	st := &c.f.Storages[idx]
	t.Storage, t.StorageKey, t.StorageDType, t.DType = idx, st.Key, st.DType, st.DType
	avail := st.Elements
	if dtype >= 0 {
		dg, ok := r.Global(args[dtype])
		var d format.DType
		if ok && dg.Module == "torch" {
			d, ok = TorchDType(dg.Name)
		}
		if !ok {
			return t, false, &format.Error{Offset: at, Field: field(), Value: r.Repr(args[dtype]), Msg: "dtype argument is not a known torch dtype"}
		}
		t.DType = d
		avail = st.Bytes / uint64(d.BlockBytes)
	}
	off, ok := r.Int(args[1])
	if !ok || off < 0 {
		return t, false, &format.Error{Offset: at, Field: field() + " storage_offset", Value: r.Repr(args[1]), Msg: "must be a non-negative integer"}
	}
	t.StorageOffset = uint64(off) + viewOffset
	if t.Shape, t.Stride, err = c.dims(args[2], args[3], at, g); err != nil {
		return t, false, err
	}
	if grad >= 0 && grad < len(args) {
		t.RequiresGrad, _ = r.Bool(args[grad])
	}
	n, ok := checked.Product(t.Shape)
	if !ok {
		return t, false, &format.Error{Offset: at, Field: field() + " size", Value: fmt.Sprint(t.Shape), Msg: "element count overflows"}
	}
	if n > 0 {
		last, ok := lastIndex(t.StorageOffset, t.Shape, t.Stride)
		if !ok || last >= avail {
			return t, false, &format.Error{Offset: at, Field: "tensor " + format.Quote(name), Value: fmt.Sprintf("offset %d, size %v, stride %v", t.StorageOffset, t.Shape, t.Stride),
				Limit: avail, Msg: fmt.Sprintf("view reaches past the end of storage %s", format.Quote(st.Key))}
		}
	}
	return t, true, nil
}

// lastIndex is offset + Σ (size_i − 1)·stride_i, overflow-checked.
func lastIndex(offset uint64, shape, stride []uint64) (uint64, bool) {
	last := offset
	for i, d := range shape {
		p, ok := checked.Mul(d-1, stride[i])
		if !ok {
			return 0, false
		}
		if last, ok = checked.Add(last, p); !ok {
			return 0, false
		}
	}
	return last, true
}

// dims reads the size and stride arguments of the rebuilder g: tuples of
// non-negative ints (or torch.Sizes of one) of the same length.
func (c *collector) dims(size, stride pickle.Value, at int64, g *pickle.Global) ([]uint64, []uint64, error) {
	s, err := c.ints(size, at, g, " size")
	if err != nil {
		return nil, nil, err
	}
	st, stErr := c.ints(stride, at, g, " stride")
	out := c.uints(len(s) + len(st))
	for i, x := range s {
		if out[i], err = c.dim(x, at, g, " size"); err != nil {
			return nil, nil, err
		}
	}
	if stErr != nil {
		return nil, nil, stErr
	}
	for i, x := range st {
		if out[len(s)+i], err = c.dim(x, at, g, " stride"); err != nil {
			return nil, nil, err
		}
	}
	if len(s) != len(st) {
		return nil, nil, &format.Error{Offset: at, Field: g.String(), Value: len(st), Limit: len(s), Msg: "stride and size have different lengths"}
	}
	return out[:len(s):len(s)], out[len(s):], nil
}

// uints returns n uint64s carved from a shared chunk, so that the shapes
// and strides of many tensors cost few allocations (and no pointers for
// the collector to scan).
func (c *collector) uints(n int) []uint64 {
	const chunk = 4096
	if n > chunk/8 {
		return make([]uint64, n)
	}
	if cap(c.dimBuf)-len(c.dimBuf) < n {
		c.dimBuf = make([]uint64, 0, chunk)
	}
	l := len(c.dimBuf)
	c.dimBuf = c.dimBuf[:l+n]
	return c.dimBuf[l : l+n : l+n]
}

// ints returns the items of a tuple or list (or a torch.Size of one).
func (c *collector) ints(v pickle.Value, at int64, g *pickle.Global, what string) ([]pickle.Value, error) {
	r := c.r
	if r.Is(v, "torch", "Size") && len(r.ArgTuple(v)) == 1 {
		v = r.ArgTuple(v)[0]
	}
	if k := v.Kind(); k != pickle.KindTuple && k != pickle.KindList {
		return nil, &format.Error{Offset: at, Field: g.String() + what, Msg: "must be a tuple of integers"}
	}
	return r.Items(v), nil
}

func (c *collector) dim(x pickle.Value, at int64, g *pickle.Global, what string) (uint64, error) {
	n, ok := c.r.Int(x)
	if !ok || n < 0 {
		return 0, &format.Error{Offset: at, Field: g.String() + what, Value: c.r.Repr(x), Msg: "must hold non-negative integers"}
	}
	return uint64(n), nil
}

// storage resolves a persistent id ('storage', type, key, location, numel
// [, view_metadata]) to an index in File.Storages, registering the storage
// on first use. viewOffset is the element offset of a legacy storage view.
func (c *collector) storage(pid *pickle.PersistentID) (int, uint64, error) {
	r := c.r
	id, ok := r.Tuple(pid.ID)
	bad := func(msg string, v any) error {
		return &format.Error{Offset: pid.Offset, Field: "storage persistent id", Value: v, Msg: msg}
	}
	if !ok || len(id) < 5 {
		return 0, 0, bad("must be a tuple ('storage', type, key, location, numel)", nil)
	}
	if s, _ := r.Str(id[0]); s != "storage" {
		return 0, 0, bad("tag is not 'storage'", r.Repr(id[0]))
	}
	g, ok := r.Global(id[1])
	var d format.DType
	if ok && (g.Module == "torch" || g.Module == "torch.cuda" || g.Module == "torch.storage") {
		d, ok = StorageDType(g.Name)
	} else {
		ok = false
	}
	if !ok {
		return 0, 0, bad("storage type is not a torch storage class", r.Repr(id[1]))
	}
	key, ok := keyString(r, id[2])
	if !ok {
		return 0, 0, bad("storage key must be a string", r.Repr(id[2]))
	}
	loc, _ := r.Str(id[3])
	numel, ok := r.Int(id[4])
	if !ok || numel < 0 {
		return 0, 0, bad("storage size must be a non-negative integer", r.Repr(id[4]))
	}
	var viewOffset uint64
	if len(id) > 5 && !id[5].IsNone() {
		vm, ok := r.Tuple(id[5])
		if !ok || len(vm) < 3 {
			return 0, 0, bad("storage view metadata must be (key, offset, size)", nil)
		}
		vo, ok1 := r.Int(vm[1])
		vs, ok2 := r.Int(vm[2])
		if !ok1 || !ok2 || vo < 0 || vs < 0 || uint64(vo)+uint64(vs) > uint64(numel) {
			return 0, 0, bad("storage view lies outside its storage", r.Repr(id[5]))
		}
		viewOffset = uint64(vo)
	}
	if i, ok := c.keys.get(key); ok {
		st := c.f.Storages[i]
		if st.DType != d || st.Elements != uint64(numel) {
			return 0, 0, &format.Error{Offset: pid.Offset, Field: "storage " + format.Quote(key),
				Value: fmt.Sprintf("%d × %s", numel, d), Limit: fmt.Sprintf("%d × %s", st.Elements, st.DType),
				Msg: "storage is declared twice with different types or sizes"}
		}
		return i, viewOffset, nil
	}
	b, ok := checked.Mul(uint64(numel), uint64(d.BlockBytes))
	if !ok || b > 1<<63-1 {
		return 0, 0, bad("storage byte size overflows", numel)
	}
	// Resolved in place: a Storage passed to resolve by address would
	// otherwise be allocated apart, once per storage.
	c.f.Storages = append(c.f.Storages, Storage{Key: key, DType: d, Elements: uint64(numel), Location: loc, Bytes: b, Offset: -1})
	if c.resolve != nil {
		if err := c.resolve(key, &c.f.Storages[len(c.f.Storages)-1], pid.Offset); err != nil {
			c.f.Storages = c.f.Storages[:len(c.f.Storages)-1]
			return 0, 0, err
		}
	}
	c.keys.set(key, len(c.f.Storages)-1)
	return len(c.f.Storages) - 1, viewOffset, nil
}

func keyString(r *pickle.Result, v pickle.Value) (string, bool) {
	if s, ok := r.Str(v); ok {
		return s, true
	}
	if n, ok := r.Int(v); ok {
		return strconv.FormatInt(n, 10), true
	}
	return "", false
}
