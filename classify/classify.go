package classify

import "strings"

// Tensor labels one tensor by its name alone, the architecture unknown.
// It never fails: a name it does not recognise gets RoleOther and KindNone
// (see Label.Known). It equals New(Arch{}).Tensor(name).
func Tensor(name string) Label { return label(nil, name) }

// TensorOf labels one tensor of a checkpoint whose architecture is known.
// Callers that label many tensors should build the Classifier once.
func TensorOf(a Arch, name string) Label { return New(a).Tensor(name) }

// A Classifier labels the tensors of one checkpoint, using what its Arch
// says where a name alone is ambiguous. It is read-only after New, so one
// Classifier may be used from many goroutines.
type Classifier struct {
	arch Arch
	// audioEncoder: the encoder stack is an audio tower (Whisper).
	audioEncoder bool
	targets      map[string]bool // adapter target modules named by one segment
	dotted       []string        // adapter target modules named by a dotted path suffix
	save         map[string]bool // adapter modules_to_save
}

// New prepares a Classifier for one architecture.
func New(a Arch) *Classifier {
	c := &Classifier{arch: a}
	switch a.Architecture {
	case "whisper", "qwen2_audio_encoder", "speech_to_text":
		c.audioEncoder = true
	}
	if a.Adapter != nil {
		c.targets = map[string]bool{}
		for _, t := range a.Adapter.TargetModules {
			if strings.Contains(t, ".") {
				c.dotted = append(c.dotted, t)
			} else {
				c.targets[t] = true
			}
		}
		c.save = map[string]bool{}
		for _, t := range a.Adapter.ModulesToSave {
			c.save[t] = true
		}
	}
	return c
}

// Arch returns the architecture the Classifier was built for.
func (c *Classifier) Arch() Arch { return c.arch }

// Tensor labels one tensor by its name and the Classifier's architecture.
func (c *Classifier) Tensor(name string) Label { return label(c, name) }

// TensorShape labels one tensor using its shape (PyTorch order, outermost
// first) where the name is ambiguous: an otherwise unrecognised weight of
// rank 3 to 5 is a convolution kernel, and the members of a Sequential
// such as ResNet's "downsample.0"/"downsample.1" are a convolution (rank 4)
// and a BatchNorm (rank 1).
func (c *Classifier) TensorShape(name string, shape []uint64) Label {
	l := label(c, name)
	if l.Known() || (l.Param != "weight" && l.Param != "bias") {
		return l
	}
	switch {
	case l.Param == "weight" && len(shape) >= 3 && len(shape) <= 5:
		l.Role, l.Kind = RoleConv, KindConv
	case l.Param == "weight" && len(shape) == 1 && sequentialMember(l.Module):
		l.Role, l.Kind = RoleNorm, KindNorm
	}
	return l
}

// sequentialMember reports whether a module ends in ".<digit>" under a
// downsample/shortcut Sequential.
func sequentialMember(module string) bool {
	var s segments
	if !s.split(module) || s.n < 2 || !isIndex(s.seg[s.n-1]) {
		return false
	}
	switch s.seg[s.n-2] {
	case "downsample", "shortcut", "skip", "residual":
		return true
	}
	return false
}

func label(c *Classifier, name string) Label {
	l := Label{
		Role:      RoleOther,
		Component: ComponentLanguageModel,
		Layer:     -1,
		Expert:    -1,
	}
	var s segments
	if name == "" || !s.split(name) {
		l.Module = name
		return l
	}
	if s.n == 1 && legacyDiffusionLoRA(name, &l) {
		return l
	}
	if isGGUFName(&s) {
		classifyGGUF(&s, &l)
	} else {
		classifyHF(c, &s, &l)
	}
	return l
}
