package pytorch

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"github.com/tensorcount/tensorcount/format"
)

// finish turns the collected groups into the File's tensor slices, once
// every storage has its offset.
func (c *collector) finish() error {
	f := c.f
	var err error
	if f.Tensors, err = c.tensors(c.model); err != nil {
		return err
	}
	f.Info = c.model
	if f.OptimizerTensors, err = c.tensors(c.opt); err != nil {
		return err
	}
	f.OptimizerInfo = c.opt
	if f.OtherTensors, err = c.tensors(c.other); err != nil {
		return err
	}
	f.OtherInfo = c.other
	f.Optimizer = summarize(c.opt)
	if len(c.other) > 0 {
		c.note(fmt.Sprintf("%d tensors outside the model and optimizer state (under %s) are listed separately", len(c.other), strings.SplitN(c.other[0].Name, ".", 2)[0]))
	}
	return nil
}

type viewKey struct {
	storage int
	offset  uint64
	dtype   string
	shape   string // shape and stride, 8 bytes each
}

func viewOf(t *TensorInfo, buf []byte) (viewKey, []byte) {
	buf = buf[:0]
	for _, d := range t.Shape {
		buf = binary.LittleEndian.AppendUint64(buf, d)
	}
	for _, d := range t.Stride {
		buf = binary.LittleEndian.AppendUint64(buf, d)
	}
	return viewKey{t.Storage, t.StorageOffset, t.DType.Name, string(buf)}, buf
}

// tensors builds format.Tensors and marks ties and shared storages.
func (c *collector) tensors(infos []TensorInfo) ([]format.Tensor, error) {
	if len(infos) == 0 {
		return nil, nil
	}
	out := make([]format.Tensor, len(infos))
	// Ties and shared storages are among tensors of one storage. Most
	// storages hold one tensor: count first, so that only the tensors of
	// shared ones are compared through a map of their views.
	users := make([]int32, len(c.f.Storages))
	for i := range infos {
		users[infos[i].Storage]++
	}
	var first map[viewKey]int
	views := map[int]int{} // storage → first tensor index
	var buf []byte
	for i := range infos {
		t := &infos[i]
		st := c.f.Storages[t.Storage]
		es := uint64(t.DType.BlockBytes)
		ft := format.Tensor{Name: t.Name, Shape: t.Shape, DType: t.DType, File: c.name, Offset: -1}
		if t.Elements() > 0 {
			last, _ := lastIndex(t.StorageOffset, t.Shape, t.Stride)
			ft.Size = int64((last - t.StorageOffset + 1) * es)
		}
		if st.Offset >= 0 {
			ft.Offset = st.Offset + int64(t.StorageOffset*es)
		}
		out[i] = ft
		if users[t.Storage] < 2 {
			continue
		}
		if first == nil {
			first = map[viewKey]int{}
		}
		var k viewKey
		k, buf = viewOf(t, buf)
		if j, ok := first[k]; ok {
			t.TiedTo = j
		} else {
			first[k] = i
		}
		if j, ok := views[t.Storage]; ok {
			if t.TiedTo < 0 {
				t.SharesStorage = true
				infos[j].SharesStorage = true
			}
		} else {
			views[t.Storage] = i
		}
	}
	// A storage viewed by a tie and by a differing view: mark the ties
	// too, since their storage is shared.
	shared := map[int]bool{}
	for _, t := range infos {
		if t.SharesStorage {
			shared[t.Storage] = true
		}
	}
	if len(shared) > 0 {
		for i := range infos {
			if shared[infos[i].Storage] {
				infos[i].SharesStorage = true
			}
		}
	}
	return out, nil
}

// An OptimizerSummary describes optimizer state found beside the model.
type OptimizerSummary struct {
	// Kind is the optimizer guessed from the state keys: "Adam" for
	// exp_avg and exp_avg_sq (AdamW stores the same), "SGD" for
	// momentum_buffer, …; "unknown" otherwise.
	Kind string
	// Keys are the distinct per-parameter state keys, sorted.
	Keys []string
	// Parameters is the number of parameters with state.
	Parameters int
	// TensorsPerParameter counts the non-step tensors of a parameter's
	// state (the largest, if they differ).
	TensorsPerParameter int
	Tensors             int    // non-step state tensors
	Numbers             uint64 // their elements
	StepTensors         int    // per-parameter step counters
}

func (s *OptimizerSummary) String() string {
	return fmt.Sprintf("%s state: %d tensors per parameter for %d parameters, %d numbers", s.Kind, s.TensorsPerParameter, s.Parameters, s.Numbers)
}

func summarize(opt []TensorInfo) *OptimizerSummary {
	if len(opt) == 0 {
		return nil
	}
	s := &OptimizerSummary{}
	keys := map[string]bool{}
	perParam := map[string]int{}
	for _, t := range opt {
		parent, key := t.Name, t.Name
		if i := strings.LastIndexByte(t.Name, '.'); i >= 0 {
			parent, key = t.Name[:i], t.Name[i+1:]
		}
		if key == "step" {
			s.StepTensors++
			continue
		}
		keys[key] = true
		perParam[parent]++
		s.Tensors++
		s.Numbers += t.Elements()
	}
	params := map[string]bool{}
	for p, n := range perParam {
		params[p] = true
		s.TensorsPerParameter = max(s.TensorsPerParameter, n)
	}
	s.Parameters = len(params)
	for k := range keys {
		s.Keys = append(s.Keys, k)
	}
	slices.Sort(s.Keys)
	s.Kind = guessOptimizer(keys)
	return s
}

func guessOptimizer(k map[string]bool) string {
	switch {
	case k["exp_avg"] && k["exp_avg_sq"] && k["max_exp_avg_sq"]:
		return "Adam (amsgrad)"
	case k["exp_avg"] && k["exp_avg_sq"] && k["mu_product"]:
		return "NAdam"
	case k["exp_avg"] && k["exp_avg_sq"]:
		return "Adam"
	case k["exp_avg"] && k["exp_inf"]:
		return "Adamax"
	case k["exp_avg_sq_row"] || k["exp_avg_sq_col"]:
		return "Adafactor"
	case k["square_avg"] && k["acc_delta"]:
		return "Adadelta"
	case k["square_avg"]:
		return "RMSprop"
	case k["momentum_buffer"]:
		return "SGD"
	case k["sum"]:
		return "Adagrad"
	case k["prev"] && k["step_size"]:
		return "Rprop"
	case k["eta"] && k["mu"] && k["ax"]:
		return "ASGD"
	case k["exp_avg"]:
		return "Lion"
	}
	return "unknown"
}
