package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/model"
)

const torchFixtures = "../../format/pytorch/testdata"

// The checkpoints torch 1.13 wrote (format/pytorch/testdata/make_fixtures.py)
// count as torch itself sees them (expected.json, written by the same
// script from torch's own view): every tensor, every element, and a tied
// weight once.
func TestPyTorchCheckpointsMatchTorch(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(torchFixtures, "expected.json"))
	require.NoError(t, err)
	var all map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &all))
	type entry struct {
		Tensors []struct {
			Name          string
			Numel         uint64
			StorageGroup  int    `json:"storage_group"`
			StorageOffset uint64 `json:"storage_offset"`
			Shape, Stride []uint64
		}
	}
	expected := map[string]entry{}
	for k, v := range all {
		var e entry
		if json.Unmarshal(v, &e) == nil {
			expected[k] = e
		}
	}
	for _, name := range []string{"dtypes.pt", "dtypes_legacy.pt", "views.pt", "views_legacy.pt", "nested_model.pt", "torchscript.pt"} {
		t.Run(name, func(t *testing.T) {
			want := expected[name]
			require.NotEmpty(t, want.Tensors)
			var elements, unique uint64
			seen := map[string]bool{}
			for _, x := range want.Tensors {
				elements += x.Numel
				key, _ := json.Marshal([]any{x.StorageGroup, x.StorageOffset, x.Shape, x.Stride})
				if !seen[string(key)] {
					unique += x.Numel
				}
				seen[string(key)] = true
			}
			out, errOut, status := tc("--json", "--headers-only", filepath.Join(torchFixtures, name))
			require.Equal(t, exitOK, status, errOut)
			var got struct {
				Format     string
				Tensors    int
				Elements   uint64
				Parameters uint64
			}
			require.NoError(t, json.Unmarshal([]byte(out), &got))
			require.Equal(t, "pytorch", got.Format)
			require.Equal(t, len(want.Tensors), got.Tensors)
			require.Equal(t, elements, got.Elements)
			require.Equal(t, unique, got.Parameters, "a tied weight counted once")
		})
	}
}

func TestPyTorchSetsAndLayouts(t *testing.T) {
	for _, c := range []struct {
		path    string
		tensors int
		note    string
	}{
		{"sharded", 4, ""},
		{"consolidated", 22, "model-parallel parts merged"},
		{"lightning.ckpt", 4, "Adam optimizer state: 2 tensors per parameter"},
		{"module.pt", 8, "bn.running_mean: a buffer"},
	} {
		out, errOut, status := tc("--headers-only", "--wide", filepath.Join(torchFixtures, c.path))
		require.Equal(t, exitOK, status, errOut)
		require.Contains(t, out, "pytorch, ", c.path)
		require.Contains(t, out, "tensors  "+strings.Repeat(" ", 0), c.path)
		if c.note != "" {
			require.Contains(t, out, c.note, c.path)
		}
		js, _, _ := tc("--json", "--headers-only", filepath.Join(torchFixtures, c.path))
		var got struct{ Tensors int }
		require.NoError(t, json.Unmarshal([]byte(js), &got))
		require.Equal(t, c.tensors, got.Tensors, c.path)
	}
}

// A checkpoint that would run a command when loaded is still counted,
// with a warning naming the global and its offset, and exit status 5.
func TestDangerousPickle(t *testing.T) {
	path := filepath.Join(torchFixtures, "malicious", "evil_checkpoint.pt")
	out, errOut, status := tc("--headers-only", path)
	require.Equal(t, exitUnsafe, status)
	require.Contains(t, errOut, "would import posix.system (byte ")
	require.Contains(t, out, "parameters")

	out, _, status = tc("imports", path)
	require.Equal(t, exitUnsafe, status)
	require.Contains(t, out, "dangerous")
	require.Contains(t, out, "posix.system")

	out, _, status = tc("imports", "--json", filepath.Join(torchFixtures, "views.pt"))
	require.Equal(t, exitOK, status)
	var got struct {
		Schema    string
		Dangerous bool
		Imports   []struct{ Module, Name, Safety string }
	}
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	require.Equal(t, "tensorcount/imports/v1", got.Schema)
	require.False(t, got.Dangerous)
	require.NotEmpty(t, got.Imports)
	for _, i := range got.Imports {
		require.NotEqual(t, "dangerous", i.Safety, i.Module+"."+i.Name)
	}

	// A pickle with no tensors at all: exit 5 too, never executed.
	_, _, status = tc("imports", filepath.Join(torchFixtures, "malicious", "os_system.pkl"))
	require.Equal(t, exitUnsafe, status)
}

// A PyTorch checkpoint and its safetensors conversion: the same
// parameters, and the tied name the converter dropped explained.
func TestDiffPyTorchConversion(t *testing.T) {
	src := filepath.Join(torchFixtures, "views.pt")
	m, err := model.Load(src)
	require.NoError(t, err)
	var specs []fixture.TensorSpec
	for i, x := range m.Tensors {
		if _, tied := m.TiedTo[i]; tied {
			continue // safetensors' converter stores a shared storage once
		}
		specs = append(specs, fixture.TensorSpec{Name: x.Name, Shape: x.Shape, DType: x.DType.Name})
	}
	conv := filepath.Join(t.TempDir(), "model.safetensors")
	require.NoError(t, fixture.Safetensors{Tensors: specs}.Write(conv))
	out, errOut, status := tc("diff", "--json", "--headers-only", src, conv)
	require.Equal(t, 1, status, errOut)
	var d struct {
		Verdict        string
		ParameterDelta int64                             `json:"parameter_delta"`
		OnlyInA        []struct{ Name, Excluded string } `json:"only_in_a"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &d))
	require.Zero(t, d.ParameterDelta)
	require.Contains(t, d.Verdict, "same parameters; B is a safetensors conversion of A")
	require.Contains(t, d.Verdict, "1 tensor only in A (a second name of one storage under two names")
	require.Equal(t, "head.weight", d.OnlyInA[0].Name)
	require.Equal(t, "tied_copy", d.OnlyInA[0].Excluded)
}
