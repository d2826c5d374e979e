package classify

import "strings"

// A Memo labels tensors as its Classifier's TensorShape does, but labels
// each routed expert's tensor once per block: a mixture of experts names
// the same tensors for every expert ("model.layers.3.mlp.experts.17.
// down_proj.weight" for experts 0 to 255), and those names carry 97% of
// DeepSeek-V3's tensors. The label of one expert's tensor is every other
// expert's in that block but for Expert and Module, which a Memo fills in
// from the name. A Memo is for one goroutine.
type Memo struct {
	c    *Classifier
	seen map[string]memoLabel
	key  []byte
}

// A memoLabel is a remembered label and where its Module sits in the
// name it came from: Module starts start bytes into the name and ends
// end bytes before its end, for every expert, because the part of the
// name before the expert index is the same for all of them and so is the
// part after it.
type memoLabel struct {
	l          Label
	start, end int
	ok         bool // false: the label depends on more than the key, so label every name
}

// expertsSep is what comes before a routed expert's index in a name.
const expertsSep = ".experts."

// NewMemo returns an empty Memo for c.
func (c *Classifier) NewMemo() *Memo {
	return &Memo{c: c, seen: map[string]memoLabel{}}
}

// TensorShape labels one tensor: c.TensorShape(name, shape).
func (m *Memo) TensorShape(name string, shape []uint64) Label {
	i := strings.Index(name, expertsSep)
	if i < 0 || m.c.arch.Adapter != nil {
		// An adapter's target modules or modules to save could name one
		// expert ("experts.7.w1", or a bare "7").
		return m.c.TensorShape(name, shape)
	}
	at := i + len(expertsSep)
	j := at
	for j < len(name) && name[j] >= '0' && name[j] <= '9' {
		j++
	}
	expert, ok := index(name[at:j])
	if !ok || j == len(name) || name[j] != '.' {
		return m.c.TensorShape(name, shape)
	}
	// The key is the name without the index, and the shape's rank, the
	// one thing of the shape TensorShape looks at.
	m.key = append(append(append(m.key[:0], name[:at]...), name[j:]...), byte(min(len(shape), 255)))
	if e, hit := m.seen[string(m.key)]; hit {
		if !e.ok {
			return m.c.TensorShape(name, shape)
		}
		l := e.l
		l.Expert = expert
		l.Module = name[e.start : len(name)-e.end]
		return l
	}
	l := m.c.TensorShape(name, shape)
	e := memoLabel{l: l}
	if strings.Contains(name[j:], expertsSep) {
		// Of two experts indices in a name, the last is the Expert. The
		// key holds all that follows the first, so every name of this
		// key has the second.
		m.seen[string(m.key)] = e
		return l
	}
	// The label can be another expert's only when the index became its
	// Expert, and its Module is a substring of the name that spans the
	// index (where the names of two experts differ).
	if start := strings.Index(name, l.Module); l.Expert == expert && l.Module != "" && start >= 0 && start <= i && start+len(l.Module) >= j {
		e.ok, e.start, e.end = true, start, len(name)-(start+len(l.Module))
	}
	m.seen[string(m.key)] = e
	return l
}
