package pytorch

import (
	"strconv"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/format/pickle"
)

// maxWalk bounds the values the tensor walk visits: memo references can
// make a small pickle describe a huge tree, so shared containers are
// walked once and the total is capped.
const maxWalk = 1 << 26

// A collector walks the values of a pickle, collecting tensors into the
// model, optimizer or other group.
type collector struct {
	f    *File
	name string
	// keys finds the storages of dir by key. TorchScript's constants.pkl
	// numbers its storages apart from data.pkl's: keys are per record
	// directory.
	keys    *storageIndex
	dirs    map[string]*storageIndex
	resolve func(key string, st *Storage, at int64) error
	dir     string   // storage record directory: "data/" or "constants/"
	dimBuf  []uint64 // see uints
	// dense bounds the decimal keys a storageIndex keeps in a slice.
	dense int
	model []TensorInfo
	opt   []TensorInfo
	other []TensorInfo
	// r is the pickle being walked; seen holds its containers already
	// walked (Values are only unique within one Result).
	r     *pickle.Result
	seen  map[pickle.Value]bool
	steps int
}

func newCollector(f *File, name string) *collector {
	c := &collector{f: f, name: name, dirs: map[string]*storageIndex{}, dense: 1024}
	c.setDir("")
	return c
}

// setDir makes dir the record directory of the storages that follow.
func (c *collector) setDir(dir string) {
	c.dir = dir
	if c.keys = c.dirs[dir]; c.keys == nil {
		c.keys = &storageIndex{other: map[string]int{}, limit: c.dense}
		c.dirs[dir] = c.keys
	}
}

// A storageIndex maps storage keys to indices in File.Storages: a slice
// for the small decimal keys torch's zip writer uses ("0", "1", …), which
// spares hashing a key per tensor, and a map for any other key.
type storageIndex struct {
	dense []int32 // dense[n] is 1 + the index of the storage keyed n; 0 for none
	other map[string]int
	limit int // dense keys are below limit
}

// decimalKey returns the value of a canonical decimal key below limit
// ("7", not "07" or "+7").
func decimalKey(key string, limit int) (int, bool) {
	if len(key) == 0 || len(key) > 9 || len(key) > 1 && key[0] == '0' {
		return 0, false
	}
	n := 0
	for i := 0; i < len(key); i++ {
		d := key[i] - '0'
		if d > 9 {
			return 0, false
		}
		n = n*10 + int(d)
	}
	return n, n < limit
}

func (x *storageIndex) get(key string) (int, bool) {
	if n, ok := decimalKey(key, x.limit); ok {
		if n < len(x.dense) && x.dense[n] > 0 {
			return int(x.dense[n]) - 1, true
		}
		return 0, false
	}
	i, ok := x.other[key]
	return i, ok
}

func (x *storageIndex) set(key string, i int) {
	n, ok := decimalKey(key, x.limit)
	if !ok || i >= 1<<31-1 {
		x.other[key] = i
		return
	}
	if n >= len(x.dense) {
		x.dense = append(x.dense, make([]int32, min(max(n+1, 2*len(x.dense)), x.limit)-len(x.dense))...)
	}
	x.dense[n] = int32(i) + 1
}

// use makes r the pickle that the following walks read.
func (c *collector) use(r *pickle.Result) {
	c.r = r
	c.seen = map[pickle.Value]bool{}
}

// presize sizes the storage and tensor slices for n storages, a number
// taken from the file's own structure (its zip records), never from a
// count it claims.
func (c *collector) presize(n int) {
	c.f.Storages = make([]Storage, 0, n)
	c.model = make([]TensorInfo, 0, n)
	c.dense = max(c.dense, n)
	c.dirs = map[string]*storageIndex{}
	c.setDir(c.dir)
}

func (c *collector) note(s string) {
	if len(c.f.Notes) < 64 {
		c.f.Notes = append(c.f.Notes, s)
	}
}

// The keys under which checkpoints nest the model, in order of preference,
// and those that hold optimizer state.
var (
	modelKeys = []string{"state_dict", "model_state_dict", "model", "module", "net", "network", "ema", "model_ema", "ema_state_dict", "ema_model"}
	optKeys   = map[string]bool{"optimizer_states": true, "optimizer": true, "optimizer_state_dict": true, "optim": true, "opt_state": true, "optimizers": true, "optimizer_state": true}
)

// collect sorts the tensors of the pickle r into groups by the
// checkpoint's layout.
func (c *collector) collect(r *pickle.Result) error {
	c.use(r)
	root := r.Value
	switch root.Kind() {
	case pickle.KindDict:
		mk := ""
		for _, k := range modelKeys {
			if v, ok := r.Get(root, k); ok && c.container(v) {
				mk = k
				break
			}
		}
		hasOpt := false
		for _, e := range r.Entries(root) {
			if k, ok := r.Str(e.Key); ok && optKeys[k] {
				hasOpt = true
			}
		}
		if mk == "" && !hasOpt {
			c.f.Layout = "state_dict"
			return c.walkInto(&c.model, root, "", 0)
		}
		_, lightning := r.Get(root, "pytorch-lightning_version")
		switch {
		case mk == "state_dict" && (lightning || hasOpt):
			c.f.Layout = "lightning"
		case mk == "":
			c.f.Layout = "state_dict"
		default:
			c.f.Layout = "nested:" + mk
		}
		for _, e := range r.Entries(root) {
			k := c.segment(e.Key)
			switch {
			case k == mk:
				if err := c.walkInto(&c.model, e.Value, "", 1); err != nil {
					return err
				}
			case optKeys[k]:
				if err := c.walkInto(&c.opt, e.Value, k, 1); err != nil {
					return err
				}
			case mk == "":
				if err := c.walkInto(&c.model, e.Value, k, 1); err != nil {
					return err
				}
			default:
				if err := c.walkInto(&c.other, e.Value, k, 1); err != nil {
					return err
				}
			}
		}
		return nil
	case pickle.KindObject:
		c.f.Layout = "module"
	default:
		c.f.Layout = "objects"
	}
	return c.walkInto(&c.model, root, "", 0)
}

// collectTorchScript walks a TorchScript module object: its attributes
// name its tensors and submodules.
func (c *collector) collectTorchScript(r *pickle.Result) error {
	c.use(r)
	c.f.Layout = "torchscript"
	return c.walkInto(&c.model, r.Value, "", 0)
}

// container reports whether v can hold named tensors (a dict or a module
// object that is not itself a tensor).
func (c *collector) container(v pickle.Value) bool {
	switch v.Kind() {
	case pickle.KindDict:
		return true
	case pickle.KindObject:
		_, ok, _ := c.tensorProbe(v)
		return !ok
	}
	return false
}

// tensorProbe tells whether the object o rebuilds a tensor without
// registering anything.
func (c *collector) tensorProbe(o pickle.Value) (string, bool, error) {
	g := c.r.Func(o)
	if g == nil || g.Module != "torch._utils" && g.Module != "torch._tensor" {
		return "", false, nil
	}
	switch g.Name {
	case "_rebuild_tensor", "_rebuild_tensor_v2", "_rebuild_tensor_v3", "_rebuild_qtensor",
		"_rebuild_parameter", "_rebuild_parameter_with_state", "_rebuild_from_type_v2":
		return g.Name, true, nil
	}
	return "", false, nil
}

func join(prefix, seg string) string {
	if prefix == "" {
		return seg
	}
	return prefix + "." + seg
}

// segment names a dict key in a tensor name.
func (c *collector) segment(k pickle.Value) string {
	r := c.r
	switch k.Kind() {
	case pickle.KindStr:
		s, _ := r.Str(k)
		return s
	case pickle.KindInt:
		if n, ok := r.Int(k); ok {
			return strconv.FormatInt(n, 10)
		}
		n, _ := r.BigInt(k)
		return n.String()
	case pickle.KindBool:
		if b, _ := r.Bool(k); b {
			return "True"
		}
		return "False"
	case pickle.KindNone:
		return "None"
	case pickle.KindFloat:
		f, _ := r.Float(k)
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return "<" + k.Kind().String() + ">"
}

// moduleSlots are the nn.Module attributes whose entries are named as the
// module's own members in a state dict.
var moduleSlots = map[string]bool{"_parameters": true, "_buffers": true, "_modules": true}

func (c *collector) walkInto(group *[]TensorInfo, v pickle.Value, prefix string, depth int) error {
	c.steps++
	if c.steps > maxWalk {
		return &format.Error{Offset: -1, Field: "pickle", Limit: maxWalk, Msg: "too many values to walk (memo references repeat a structure)"}
	}
	if depth > maxDepth {
		return &format.Error{Offset: -1, Field: "pickle", Value: depth, Limit: maxDepth, Msg: "containers nested too deeply"}
	}
	r := c.r
	switch v.Kind() {
	case pickle.KindObject:
		t, ok, err := c.tensor(v, prefix)
		if err != nil {
			return err
		}
		if ok {
			*group = append(*group, t)
			return nil
		}
		if c.seen[v] {
			return nil
		}
		c.seen[v] = true
		o, _ := r.Object(v)
		if err := c.walkInto(group, o.Args, prefix, depth+1); err != nil {
			return err
		}
		for _, s := range r.MoreStates(v) {
			if err := c.walkState(group, s, prefix, depth+1); err != nil {
				return err
			}
		}
		if err := c.walkState(group, o.State, prefix, depth+1); err != nil {
			return err
		}
		for i, it := range r.Items(v) {
			if err := c.walkInto(group, it, join(prefix, strconv.Itoa(i)), depth+1); err != nil {
				return err
			}
		}
		for _, e := range r.Entries(v) {
			if err := c.walkInto(group, e.Value, join(prefix, c.segment(e.Key)), depth+1); err != nil {
				return err
			}
		}
	case pickle.KindDict:
		if c.seen[v] {
			return nil
		}
		c.seen[v] = true
		for _, e := range r.Entries(v) {
			if err := c.walkInto(group, e.Value, join(prefix, c.segment(e.Key)), depth+1); err != nil {
				return err
			}
		}
	case pickle.KindList, pickle.KindTuple, pickle.KindSet, pickle.KindFrozenSet:
		return c.walkItems(group, v, prefix, depth)
	}
	return nil
}

// walkState walks a BUILD argument: an instance dict whose nn.Module
// slots (_parameters, _buffers, _modules) add no name segment, or a
// (dict, slots) pair.
func (c *collector) walkState(group *[]TensorInfo, s pickle.Value, prefix string, depth int) error {
	c.steps++
	if c.steps > maxWalk || depth > maxDepth {
		return c.walkInto(group, pickle.Value{}, prefix, depth) // reports the limit
	}
	switch s.Kind() {
	case pickle.KindNone:
		return nil
	case pickle.KindDict:
		if c.seen[s] {
			return nil
		}
		c.seen[s] = true
		for _, e := range c.r.Entries(s) {
			k := c.segment(e.Key)
			p := join(prefix, k)
			if moduleSlots[k] {
				p = prefix
			}
			if err := c.walkInto(group, e.Value, p, depth+1); err != nil {
				return err
			}
		}
		return nil
	case pickle.KindTuple:
		if c.seen[s] {
			return nil
		}
		c.seen[s] = true
		for _, x := range c.r.Items(s) {
			if err := c.walkState(group, x, prefix, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return c.walkInto(group, s, prefix, depth)
}

// walkItems walks the items of a list, tuple or set once, naming each by
// its position.
func (c *collector) walkItems(group *[]TensorInfo, container pickle.Value, prefix string, depth int) error {
	if c.seen[container] {
		return nil
	}
	c.seen[container] = true
	for i, it := range c.r.Items(container) {
		if err := c.walkInto(group, it, join(prefix, strconv.Itoa(i)), depth+1); err != nil {
			return err
		}
	}
	return nil
}
