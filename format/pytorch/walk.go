package pytorch

import (
	"fmt"
	"math/big"
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
	f       *File
	name    string
	byKey   map[storageKey]int
	resolve func(key string, st *Storage, at int64) error
	dir     string // storage record directory: "data/" or "constants/"
	model   []TensorInfo
	opt     []TensorInfo
	other   []TensorInfo
	seen    map[any]bool
	steps   int
}

// storageKey names a storage: its record directory and key.
type storageKey struct{ dir, key string }

func newCollector(f *File, name string) *collector {
	return &collector{f: f, name: name, byKey: map[storageKey]int{}, seen: map[any]bool{}}
}

// presize sizes the storage and tensor slices for n storages, a number
// taken from the file's own structure (its zip records), never from a
// count it claims.
func (c *collector) presize(n int) {
	c.f.Storages = make([]Storage, 0, n)
	c.byKey = make(map[storageKey]int, n)
	c.model = make([]TensorInfo, 0, n)
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

// collect sorts the tensors under root into groups by the checkpoint's
// layout.
func (c *collector) collect(root pickle.Value) error {
	switch r := root.(type) {
	case *pickle.Dict:
		mk := ""
		for _, k := range modelKeys {
			if v, ok := r.Get(k); ok && c.container(v) {
				mk = k
				break
			}
		}
		hasOpt := false
		for _, e := range r.Entries {
			if k, ok := e.Key.(string); ok && optKeys[k] {
				hasOpt = true
			}
		}
		if mk == "" && !hasOpt {
			c.f.Layout = "state_dict"
			return c.walkInto(&c.model, r, "", 0)
		}
		_, lightning := r.Get("pytorch-lightning_version")
		switch {
		case mk == "state_dict" && (lightning || hasOpt):
			c.f.Layout = "lightning"
		case mk == "":
			c.f.Layout = "state_dict"
		default:
			c.f.Layout = "nested:" + mk
		}
		for _, e := range r.Entries {
			k := segment(e.Key)
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
	case *pickle.Object:
		c.f.Layout = "module"
	default:
		c.f.Layout = "objects"
	}
	return c.walkInto(&c.model, root, "", 0)
}

// collectTorchScript walks a TorchScript module object: its attributes
// name its tensors and submodules.
func (c *collector) collectTorchScript(root pickle.Value) error {
	c.f.Layout = "torchscript"
	return c.walkInto(&c.model, root, "", 0)
}

// container reports whether v can hold named tensors (a dict or a module
// object that is not itself a tensor).
func (c *collector) container(v pickle.Value) bool {
	switch v := v.(type) {
	case *pickle.Dict:
		return true
	case *pickle.Object:
		_, ok, _ := c.tensorProbe(v)
		return !ok
	}
	return false
}

// tensorProbe tells whether o rebuilds a tensor without registering
// anything.
func (c *collector) tensorProbe(o *pickle.Object) (string, bool, error) {
	g := o.Func()
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
func segment(k pickle.Value) string {
	switch k := k.(type) {
	case string:
		return k
	case int64:
		return strconv.FormatInt(k, 10)
	case *big.Int:
		return k.String()
	case bool:
		if k {
			return "True"
		}
		return "False"
	case nil:
		return "None"
	case float64:
		return strconv.FormatFloat(k, 'g', -1, 64)
	}
	return fmt.Sprintf("<%T>", k)
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
	switch v := v.(type) {
	case *pickle.Object:
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
		if err := c.walkInto(group, v.Args, prefix, depth+1); err != nil {
			return err
		}
		for _, s := range v.MoreStates() {
			if err := c.walkState(group, s, prefix, depth+1); err != nil {
				return err
			}
		}
		if err := c.walkState(group, v.State, prefix, depth+1); err != nil {
			return err
		}
		for i, it := range v.Items() {
			if err := c.walkInto(group, it, join(prefix, strconv.Itoa(i)), depth+1); err != nil {
				return err
			}
		}
		for _, e := range v.Entries() {
			if err := c.walkInto(group, e.Value, join(prefix, segment(e.Key)), depth+1); err != nil {
				return err
			}
		}
	case *pickle.Dict:
		if c.seen[v] {
			return nil
		}
		c.seen[v] = true
		for _, e := range v.Entries {
			if err := c.walkInto(group, e.Value, join(prefix, segment(e.Key)), depth+1); err != nil {
				return err
			}
		}
	case *pickle.List:
		return c.walkItems(group, v, v.Items, prefix, depth)
	case *pickle.Tuple:
		return c.walkItems(group, v, v.Items, prefix, depth)
	case *pickle.Set:
		return c.walkItems(group, v, v.Items, prefix, depth)
	}
	return nil
}

// walkState walks a BUILD argument: an instance dict whose nn.Module
// slots (_parameters, _buffers, _modules) add no name segment, or a
// (dict, slots) pair.
func (c *collector) walkState(group *[]TensorInfo, s pickle.Value, prefix string, depth int) error {
	c.steps++
	if c.steps > maxWalk || depth > maxDepth {
		return c.walkInto(group, nil, prefix, depth) // reports the limit
	}
	switch s := s.(type) {
	case nil:
		return nil
	case *pickle.Dict:
		if c.seen[s] {
			return nil
		}
		c.seen[s] = true
		for _, e := range s.Entries {
			k := segment(e.Key)
			p := join(prefix, k)
			if moduleSlots[k] {
				p = prefix
			}
			if err := c.walkInto(group, e.Value, p, depth+1); err != nil {
				return err
			}
		}
		return nil
	case *pickle.Tuple:
		if c.seen[s] {
			return nil
		}
		c.seen[s] = true
		for _, x := range s.Items {
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
func (c *collector) walkItems(group *[]TensorInfo, container pickle.Value, items []pickle.Value, prefix string, depth int) error {
	if c.seen[container] {
		return nil
	}
	c.seen[container] = true
	for i, it := range items {
		if err := c.walkInto(group, it, join(prefix, strconv.Itoa(i)), depth+1); err != nil {
			return err
		}
	}
	return nil
}
