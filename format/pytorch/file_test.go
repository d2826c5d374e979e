package pytorch_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/format/pickle"
	"github.com/tensorcount/tensorcount/format/pytorch"
)

type wantTensor struct {
	Name          string   `json:"name"`
	Shape         []uint64 `json:"shape"`
	DType         string   `json:"dtype"`
	Numel         uint64   `json:"numel"`
	StorageOffset uint64   `json:"storage_offset"`
	Stride        []uint64 `json:"stride"`
	Parameter     bool     `json:"parameter"`
	StorageGroup  int      `json:"storage_group"`
	StorageNumel  uint64   `json:"storage_numel"`
}

type wantFile struct {
	Kind          string          `json:"kind"`
	Tensors       []wantTensor    `json:"tensors"`
	Optimizer     []wantTensor    `json:"optimizer"`
	Other         []wantTensor    `json:"other"`
	OptimizerKind string          `json:"optimizer_kind"`
	Split         map[string]*int `json:"split"`
}

func expected(t *testing.T) map[string]wantFile {
	b, err := os.ReadFile("testdata/expected.json")
	require.NoError(t, err)
	var raw map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(b, &raw))
	out := map[string]wantFile{}
	for k, v := range raw {
		var w wantFile
		if json.Unmarshal(v, &w) == nil && w.Kind != "" {
			out[k] = w
		}
	}
	return out
}

// compare checks the reader's tensors against torch's view of them, and
// that tensors torch sees on one storage share one storage here.
func compare(t *testing.T, f *pytorch.File, tensors []format.Tensor, infos []pytorch.TensorInfo, want []wantTensor) {
	t.Helper()
	require.Len(t, tensors, len(want))
	require.Len(t, infos, len(want))
	for i, w := range want {
		got, info := tensors[i], infos[i]
		require.Equal(t, w.Name, got.Name)
		require.Equal(t, w.Shape, nonNil(got.Shape), w.Name)
		require.Equal(t, w.DType, got.DType.Name, w.Name)
		require.Equal(t, w.Numel, got.Elements(), w.Name)
		require.Equal(t, w.StorageOffset, info.StorageOffset, w.Name)
		require.Equal(t, w.Stride, nonNil(info.Stride), w.Name)
		require.Equal(t, w.Parameter, info.Parameter, w.Name)
		require.Equal(t, w.StorageNumel, f.Storages[info.Storage].Elements, w.Name)
		require.Equal(t, infos[w.StorageGroup].Storage, info.Storage, "%s shares its storage with %s", w.Name, want[w.StorageGroup].Name)
		st := f.Storages[info.Storage]
		require.Equal(t, st.Offset+int64(info.StorageOffset)*int64(got.DType.BlockBytes), got.Offset, w.Name)
		require.LessOrEqual(t, got.Offset+got.Size, st.Offset+int64(st.Bytes), w.Name)
		if w.Numel > 0 && isContiguous(w.Shape, w.Stride) {
			b, ok := got.DType.ByteSize(w.Numel)
			require.True(t, ok)
			require.Equal(t, int64(b), got.Size, w.Name)
		}
	}
}

func nonNil(s []uint64) []uint64 {
	if s == nil {
		return []uint64{}
	}
	return s
}

func isContiguous(shape, stride []uint64) bool {
	acc := uint64(1)
	for i := len(shape) - 1; i >= 0; i-- {
		if shape[i] != 1 && stride[i] != acc {
			return false
		}
		acc *= shape[i]
	}
	return true
}

// TestFixtures checks every single-file fixture against expected.json.
func TestFixtures(t *testing.T) {
	kinds := map[string]pytorch.Kind{"zip": pytorch.Zip, "legacy": pytorch.Legacy, "torchscript": pytorch.TorchScript}
	for name, w := range expected(t) {
		path := filepath.Join("testdata", name)
		if st, err := os.Stat(path); err != nil || st.IsDir() {
			continue
		}
		t.Run(name, func(t *testing.T) {
			f, err := pytorch.Open(path)
			require.NoError(t, err)
			defer f.Close()
			require.Equal(t, kinds[w.Kind], f.Kind)
			require.Equal(t, "little", f.ByteOrder)
			compare(t, f, f.Tensors, f.Info, w.Tensors)
			for _, tt := range f.Tensors {
				require.Equal(t, path, tt.File)
			}
			if w.Other != nil {
				compare(t, f, f.OtherTensors, f.OtherInfo, w.Other)
			}
			if w.Optimizer != nil {
				compare(t, f, f.OptimizerTensors, f.OptimizerInfo, w.Optimizer)
				require.Equal(t, w.OptimizerKind, f.Optimizer.Kind)
			} else {
				require.Empty(t, f.OptimizerTensors)
				require.Nil(t, f.Optimizer)
			}
		})
	}
}

func TestLayouts(t *testing.T) {
	for _, tc := range []struct{ file, layout string }{
		{"dtypes.pt", "state_dict"},
		{"module.pt", "module"},
		{"lightning.ckpt", "lightning"},
		{"nested_model.pt", "nested:model"},
		{"nested_ema.pt", "nested:ema"},
		{"torchscript.pt", "torchscript"},
	} {
		f, err := pytorch.Open(filepath.Join("testdata", tc.file))
		require.NoError(t, err, tc.file)
		require.Equal(t, tc.layout, f.Layout, tc.file)
		require.Empty(t, f.OtherTensors, tc.file)
		require.False(t, f.Dangerous(), tc.file)
		f.Close()
	}
}

func TestViews(t *testing.T) {
	for _, name := range []string{"views.pt", "views_legacy.pt"} {
		f, err := pytorch.Open(filepath.Join("testdata", name))
		require.NoError(t, err)
		byName := map[string]pytorch.TensorInfo{}
		for _, ti := range f.Info {
			byName[ti.Name] = ti
		}
		require.Equal(t, -1, byName["embed.weight"].TiedTo)
		require.Equal(t, 0, byName["head.weight"].TiedTo, name)
		require.False(t, byName["embed.weight"].SharesStorage)
		for _, v := range []string{"base", "slice", "transpose", "every_other"} {
			require.True(t, byName[v].SharesStorage, v)
			require.Equal(t, -1, byName[v].TiedTo, v)
		}
		require.False(t, byName["plain"].SharesStorage)
		require.True(t, byName["embed.weight"].Parameter)
		require.False(t, byName["plain"].Parameter)
		// every_other spans rows of 6 with stride 2: 3 columns reach
		// index 4 of each row, so 4·6 − 1 elements from the first.
		for i, ti := range f.Info {
			if ti.Name == "every_other" {
				require.Equal(t, int64((3*6+4+1)*4), f.Tensors[i].Size)
			}
		}
		// embed (5×3) + base (4×6) + plain (7) floats.
		require.Equal(t, uint64((15+24+7)*4), f.StorageBytes(), name)
		f.Close()
	}
}

func TestOptimizerSummary(t *testing.T) {
	f, err := pytorch.Open("testdata/lightning.ckpt")
	require.NoError(t, err)
	defer f.Close()
	s := f.Optimizer
	require.Equal(t, "Adam", s.Kind)
	require.Equal(t, []string{"exp_avg", "exp_avg_sq"}, s.Keys)
	require.Equal(t, 4, s.Parameters)
	require.Equal(t, 2, s.TensorsPerParameter)
	require.Equal(t, 8, s.Tensors)
	require.Equal(t, 4, s.StepTensors)
	// 2 × (12 + 4 + 8 + 2) parameters' numbers.
	require.Equal(t, uint64(52), s.Numbers)
	require.Equal(t, "Adam state: 2 tensors per parameter for 4 parameters, 52 numbers", s.String())
}

func TestSet(t *testing.T) {
	w := expected(t)["sharded"]
	s, err := pytorch.OpenSet("testdata/sharded/pytorch_model.bin.index.json")
	require.NoError(t, err)
	defer s.Close()
	require.Len(t, s.Files, 2)
	all := s.Tensors()
	require.Len(t, all, len(w.Tensors))
	for i, wt := range w.Tensors {
		require.Equal(t, wt.Name, all[i].Name)
		require.Equal(t, wt.Shape, all[i].Shape)
	}
	require.Empty(t, s.Notes)
	require.False(t, s.Dangerous())
}

func TestSetErrors(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin"} {
		b, err := os.ReadFile(filepath.Join("testdata/sharded", n))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, n), b, 0o644))
	}
	write := func(s string) string {
		p := filepath.Join(dir, "pytorch_model.bin.index.json")
		require.NoError(t, os.WriteFile(p, []byte(s), 0o644))
		return p
	}
	_, err := pytorch.OpenSet(write(`{"weight_map":{"0.weight":"pytorch_model-00001-of-00002.bin","0.bias":"pytorch_model-00001-of-00002.bin","2.weight":"pytorch_model-00002-of-00002.bin"}}`))
	require.ErrorContains(t, err, `tensor "2.bias": is in this shard but the index does not list it`)
	_, err = pytorch.OpenSet(write(`{"weight_map":{"0.weight":"pytorch_model-00001-of-00002.bin","0.bias":"pytorch_model-00001-of-00002.bin","2.weight":"pytorch_model-00002-of-00002.bin","2.bias":"pytorch_model-00002-of-00002.bin","3.x":"pytorch_model-00002-of-00002.bin"}}`))
	require.ErrorContains(t, err, `tensor "3.x" is listed but its shard does not hold it (1 listed tensors are missing)`)
	_, err = pytorch.OpenSet(write(`{"weight_map":{"0.weight":"pytorch_model-00002-of-00002.bin","0.bias":"pytorch_model-00001-of-00002.bin","2.weight":"pytorch_model-00002-of-00002.bin","2.bias":"pytorch_model-00002-of-00002.bin"}}`))
	require.ErrorContains(t, err, `tensor "0.weight": is in this shard but the index assigns it to another`)
	_, err = pytorch.OpenSet(write(`{"weight_map":{"0.weight":"missing.bin"}}`))
	require.ErrorContains(t, err, `names a shard that cannot be opened`)
	_, err = pytorch.OpenSet(write(`{"weight_map":{"0.weight":"../x.bin"}}`))
	require.ErrorContains(t, err, `shard name contains a path separator`)
}

func TestConsolidated(t *testing.T) {
	w := expected(t)["consolidated"]
	c, err := pytorch.OpenConsolidated("testdata/consolidated")
	require.NoError(t, err)
	defer c.Close()
	require.Equal(t, int64(8), c.Params.Dim)
	require.Equal(t, int64(2), c.Params.Layers)
	require.Len(t, c.Merged, len(w.Tensors))
	var total uint64
	for i, wt := range w.Tensors {
		m := c.Merged[i]
		require.Equal(t, wt.Name, m.Name)
		require.Equal(t, wt.Shape, m.Shape, wt.Name)
		require.Equal(t, wt.DType, m.DType.Name)
		require.Len(t, m.Parts, 2)
		want := -1
		if ax := w.Split[wt.Name]; ax != nil {
			want = *ax
		}
		require.Equal(t, want, m.Axis, wt.Name)
		total += m.Elements()
	}
	var want uint64
	for _, wt := range w.Tensors {
		want += wt.Numel
	}
	require.Equal(t, want, total)
}

func TestConsolidatedErrors(t *testing.T) {
	a, err := pytorch.Open("testdata/consolidated/consolidated.00.pth")
	require.NoError(t, err)
	defer a.Close()
	b, err := pytorch.Open("testdata/views.pt")
	require.NoError(t, err)
	defer b.Close()
	_, err = pytorch.MergeConsolidated([]*pytorch.File{a, b})
	require.ErrorContains(t, err, "part 1 holds a different number of tensors than part 0 (found 7, limit 22)")
	// A part whose norm has another shape.
	c := *a
	c.Tensors = append([]format.Tensor(nil), a.Tensors...)
	c.Tensors[1].Shape = []uint64{9}
	_, err = pytorch.MergeConsolidated([]*pytorch.File{a, &c})
	require.ErrorContains(t, err, `tensor "norm.weight": parts disagree on the tensor's dtype or shape (found "F32 [9]", limit "F32 [8]")`)
	// A 2-D tensor the layout does not split.
	d := *a
	d.Tensors = append([]format.Tensor(nil), a.Tensors...)
	d.Tensors[1].Shape = []uint64{8, 8}
	_, err = pytorch.MergeConsolidated([]*pytorch.File{&d, &d})
	require.ErrorContains(t, err, "cannot tell whether its parts are copies or pieces")
}

func TestDangerous(t *testing.T) {
	for _, tc := range []struct {
		file   string
		global string
		offset int64
	}{
		// Protocol 2 writes Python 2 names: builtins is __builtin__,
		// subprocess is commands.
		{"malicious/os_system.pkl", "posix.system", 19},
		{"malicious/os_system_p0.pkl", "posix.system", 0},
		{"malicious/exec.pkl", "__builtin__.exec", 19},
		{"malicious/exec_p4.pkl", "builtins.exec", 29},
		{"malicious/popen.pkl", "commands.Popen", 19},
		{"malicious/unknown.pkl", "evilpkg.loader.run", 19},
		{"malicious/evil_checkpoint.pt", "posix.system", -1},
	} {
		f, err := pytorch.Open(filepath.Join("testdata", tc.file))
		require.NoError(t, err, tc.file)
		require.True(t, f.Dangerous(), tc.file)
		d := f.DangerousImports()
		require.Len(t, d, 1, tc.file)
		require.Equal(t, tc.global, d[0].String(), tc.file)
		require.Equal(t, pickle.Called, d[0].Use, tc.file)
		if tc.offset >= 0 {
			require.Equal(t, tc.offset, d[0].Offset, tc.file)
		}
		f.Close()
	}
	// The tensors of a checkpoint with a payload are still counted, and
	// the payload's offset is inside data.pkl.
	f, err := pytorch.Open("testdata/malicious/evil_checkpoint.pt")
	require.NoError(t, err)
	require.Len(t, f.Tensors, 1)
	require.Equal(t, []uint64{2, 3}, f.Tensors[0].Shape)
	im := f.DangerousImports()[0]
	b, err := os.ReadFile("testdata/malicious/evil_checkpoint.pt")
	require.NoError(t, err)
	require.Equal(t, "cposix\nsystem\n", string(b[im.Offset:im.Offset+14]))
	f.Close()
}

func TestModuleImports(t *testing.T) {
	f, err := pytorch.Open("testdata/module.pt")
	require.NoError(t, err)
	defer f.Close()
	require.False(t, f.Dangerous())
	uses := map[string]pickle.Safety{}
	for _, im := range f.Imports {
		uses[im.String()] = im.Safety
	}
	require.Equal(t, pickle.Unknown, uses["__main__.Net"])
	require.Equal(t, pickle.Safe, uses["torch.nn.modules.linear.Linear"])
	require.Equal(t, pickle.Safe, uses["torch._utils._rebuild_parameter"])
}

// TestTorchScriptConstants: constants.pkl numbers its storages apart from
// data.pkl, in the constants/ records.
func TestTorchScriptConstants(t *testing.T) {
	f, err := pytorch.Open("testdata/torchscript_traced.pt")
	require.NoError(t, err)
	defer f.Close()
	require.Equal(t, pytorch.TorchScript, f.Kind)
	require.Len(t, f.OtherTensors, 1)
	st := f.Storages[f.OtherInfo[0].Storage]
	require.Equal(t, "0", st.Key)
	require.Equal(t, "torchscript_traced/constants/0", st.Record)
	require.Equal(t, "torchscript_traced/data/0", f.Storages[f.Info[0].Storage].Record)
	for _, im := range f.Imports {
		require.NotEqual(t, "dangerous", im.Safety.String(), im.String())
	}
}
