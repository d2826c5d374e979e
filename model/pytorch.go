package model

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/format/pickle"
	"github.com/tensorcount/tensorcount/format/pytorch"
	"github.com/tensorcount/tensorcount/internal/text"
)

// PyTorch is the format name of pickle checkpoints (.bin, .pt, .pth,
// .ckpt), read without executing them.
const PyTorch = "pytorch"

// An Import is a global a pickle checkpoint would import when loaded with
// torch.load, with the file it is in.
type Import struct {
	File string `json:"file"`
	pickle.Import
}

// Dangerous reports whether loading the model's pickles would import
// something that can run code.
func (m *Model) Dangerous() bool {
	for _, i := range m.Imports {
		if i.Safety == pickle.Dangerous {
			return true
		}
	}
	return false
}

// loadPyTorch loads one checkpoint file.
func (m *Model) loadPyTorch(path string) error {
	f, err := pytorch.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	m.Format = PyTorch
	m.addPyTorch(path, f)
	return nil
}

// addPyTorch adds a parsed checkpoint's model tensors, its imports and
// what it holds beside the model.
func (m *Model) addPyTorch(path string, f *pytorch.File) {
	base := len(m.Tensors)
	var bytes int64
	for _, s := range f.Storages {
		bytes += int64(s.Bytes)
	}
	m.Files = append(m.Files, File{Path: path, Format: PyTorch, Tensors: len(f.Tensors), Bytes: bytes, Size: f.Size, BigEndian: f.ByteOrder == "big"})
	m.Tensors = append(m.Tensors, f.Tensors...)
	for i, info := range f.Info {
		if info.TiedTo >= 0 {
			if m.TiedTo == nil {
				m.TiedTo = map[int]int{}
			}
			m.TiedTo[base+i] = base + info.TiedTo
			m.notef(fmt.Sprintf("%s shares its storage, offset, shape and stride with %s: one tied weight stored once, counted once",
				text.Safe(info.Name), text.Safe(f.Info[info.TiedTo].Name)))
		}
	}
	for _, imp := range f.Imports {
		m.Imports = append(m.Imports, Import{File: path, Import: imp})
	}
	for _, n := range f.Notes {
		m.notef(n)
	}
	if f.Kind == pytorch.TorchScript {
		m.notef(fmt.Sprintf("%s is a TorchScript archive: tensors listed from its constants and data pickles", text.Safe(filepath.Base(path))))
	}
	if o := f.Optimizer; o != nil {
		m.notef(fmt.Sprintf("%s also holds %s optimizer state: %d tensors per parameter for %s parameters, %s numbers (%s bytes), not counted as the model's",
			text.Safe(filepath.Base(path)), o.Kind, o.TensorsPerParameter, text.Exact(o.Parameters), text.Exact(o.Numbers), text.Bytes(optimizerBytes(f))))
	}
	if len(f.OtherTensors) > 0 {
		m.notef(fmt.Sprintf("%s holds %d more tensors beside the model (layout %s), not counted", text.Safe(filepath.Base(path)), len(f.OtherTensors), f.Layout))
	}
	if f.ByteOrder == "big" {
		m.notef(fmt.Sprintf("%s stores big-endian data", text.Safe(filepath.Base(path))))
	}
}

func optimizerBytes(f *pytorch.File) int64 {
	var n int64
	for _, t := range f.OptimizerTensors {
		n += t.Size
	}
	return n
}

// loadPyTorchIndex loads a pytorch_model.bin.index.json set.
func (m *Model) loadPyTorchIndex(path string) error {
	s, err := pytorch.OpenSet(path)
	if err != nil {
		return err
	}
	defer s.Close()
	m.Format = PyTorch
	for i, f := range s.Files {
		m.addPyTorch(s.Paths[i], f)
	}
	for _, n := range s.Notes {
		m.notef(n)
	}
	return nil
}

// loadConsolidated loads Meta's consolidated.NN.pth model-parallel parts
// as the whole tensors they split.
func (m *Model) loadConsolidated(dir string) error {
	c, err := pytorch.OpenConsolidated(dir)
	if err != nil {
		return err
	}
	m.Format = PyTorch
	dup := 0
	for i, f := range c.Files {
		var bytes int64
		for _, s := range f.Storages {
			bytes += int64(s.Bytes)
		}
		m.Files = append(m.Files, File{Path: c.Paths[i], Format: PyTorch, Tensors: len(f.Tensors), Bytes: bytes, Size: f.Size})
		for _, imp := range f.Imports {
			m.Imports = append(m.Imports, Import{File: c.Paths[i], Import: imp})
		}
		f.Close()
	}
	for _, t := range c.Merged {
		var size int64
		for _, p := range t.Parts {
			size += p.Size
		}
		first := t.Parts[0]
		if t.Axis < 0 {
			size = first.Size
			dup += len(t.Parts) - 1
		}
		m.Tensors = append(m.Tensors, format.Tensor{Name: t.Name, Shape: t.Shape, DType: t.DType, File: first.File, Offset: first.Offset, Size: size})
	}
	m.notef(fmt.Sprintf("%d model-parallel parts merged: split matrices joined along their split axis; %s tensors every part holds whole (norms) counted once",
		len(c.Files), text.Exact(dup)))
	return nil
}

var consolidatedName = regexp.MustCompile(`^consolidated\.\d\d\.pth$`)

// pyTorchWeights are the checkpoint names a directory is searched for
// when it holds no safetensors or GGUF file, most specific first.
func pickPyTorch(names []string) (index string, consolidated bool, single string) {
	for _, n := range names {
		if strings.HasSuffix(n, ".bin.index.json") {
			return n, false, ""
		}
	}
	for _, n := range names {
		if consolidatedName.MatchString(n) {
			return "", true, ""
		}
	}
	for _, pref := range []string{"pytorch_model.bin", "model.pt", "model.pth", "model.ckpt"} {
		if slices.Contains(names, pref) {
			return "", false, pref
		}
	}
	var ckpts []string
	for _, n := range names {
		switch filepath.Ext(n) {
		case ".bin", ".pt", ".pth", ".ckpt":
			ckpts = append(ckpts, n)
		}
	}
	if len(ckpts) == 1 {
		return "", false, ckpts[0]
	}
	return "", false, ""
}
