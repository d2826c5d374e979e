package gguf_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/format/gguf"
	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/internal/fixture/ggufw"
)

func TestSplitName(t *testing.T) {
	tests := []struct {
		name               string
		prefix             string
		part, count, width int
		ok                 bool
	}{
		{"Model-Q4_K_M-00001-of-00005.gguf", "Model-Q4_K_M", 1, 5, 5, true},
		{"/models/x/Model-00005-of-00005.gguf", "Model", 5, 5, 5, true},
		{"m-001-of-003.gguf", "m", 1, 3, 3, true},
		{"m-00007-of-00003.gguf", "m", 7, 3, 5, true}, // out of range, still parsed: an extra part
		{"m-001-of-00003.gguf", "", 0, 0, 0, false},   // widths differ
		{"m-00001-of-00000.gguf", "", 0, 0, 0, false},
		{"m-00001-of-99999.gguf", "", 0, 0, 0, false}, // more than split.count can say
		{"model.gguf", "", 0, 0, 0, false},
		{"m-00001-of-00003.safetensors", "", 0, 0, 0, false},
	}
	for _, tt := range tests {
		prefix, part, count, width, ok := gguf.SplitName(tt.name)
		require.Equal(t, tt.ok, ok, tt.name)
		require.Equal(t, tt.prefix, prefix, tt.name)
		require.Equal(t, tt.part, part, tt.name)
		require.Equal(t, tt.count, count, tt.name)
		require.Equal(t, tt.width, width, tt.name)
	}
}

// splitParts describes a 3-part set of 2 tensors each; edit changes part
// i's metadata or tensors before it is written.
type splitPart struct {
	kvs     []ggufw.KV
	tensors []fixture.TensorSpec
}

func writeSplit(t *testing.T, dir, prefix string, n int, edit func(i int, p *splitPart)) []string {
	t.Helper()
	var paths []string
	for i := range n {
		p := splitPart{
			kvs: []ggufw.KV{
				{Key: "split.no", Value: ggufw.U16(uint16(i))},
				{Key: "split.count", Value: ggufw.U16(uint16(n))},
				{Key: "split.tensors.count", Value: ggufw.I32(int32(2 * n))},
			},
			tensors: []fixture.TensorSpec{
				spec(fmt.Sprintf("blk.%d.attn_q.weight", i), "Q4_K", 256, 256),
				spec(fmt.Sprintf("blk.%d.attn_norm.weight", i), "F32", 256),
			},
		}
		if i == 0 {
			p.kvs = append([]ggufw.KV{{Key: "general.architecture", Value: ggufw.Str("llama")}}, p.kvs...)
		}
		if edit != nil {
			edit(i, &p)
		}
		path := filepath.Join(dir, fmt.Sprintf("%s-%05d-of-%05d.gguf", prefix, i+1, n))
		require.NoError(t, ggufw.File{Metadata: p.kvs, Tensors: p.tensors}.Write(path))
		paths = append(paths, path)
	}
	return paths
}

func TestOpenSplit(t *testing.T) {
	dir := t.TempDir()
	paths := writeSplit(t, dir, "Llama-Q4_K_M", 3, nil)
	for _, open := range []string{paths[0], paths[2], dir} {
		s, err := gguf.OpenSplit(open)
		require.NoError(t, err, open)
		require.Equal(t, paths, s.Paths)
		require.Len(t, s.Parts, 3)
		require.Equal(t, "llama", s.Metadata().Architecture())
		ts := s.Tensors()
		require.Len(t, ts, 6)
		for i, x := range ts {
			require.Equal(t, paths[i/2], x.File)
			require.Equal(t, fmt.Sprintf("blk.%d", i/2), x.Name[:5])
		}
		require.Equal(t, []uint64{256, 256}, ts[0].Shape)
		require.Equal(t, int64(256*144), ts[0].Size)
		require.Equal(t, s.Parts[1].DataOffset, ts[2].Offset)
		require.NoError(t, s.Close())
	}
}

func TestOpenSplitBroken(t *testing.T) {
	setI32 := func(part int, key string, v ggufw.Value) func(int, *splitPart) {
		return func(i int, p *splitPart) {
			if i != part {
				return
			}
			for k := range p.kvs {
				if p.kvs[k].Key == key {
					p.kvs[k].Value = v
				}
			}
		}
	}
	cases := []struct {
		name    string
		edit    func(int, *splitPart)
		after   func(t *testing.T, dir string, paths []string)
		badPart int // index of the part the error names; -1 for the directory
		field   string
		msg     string
	}{
		{"missing-part", nil, func(t *testing.T, dir string, paths []string) {
			require.NoError(t, os.Remove(paths[1]))
		}, -1, "split set", `split set "m" of 3 parts is not complete and clean: missing m-00002-of-00003.gguf`},
		{"extra-part", nil, func(t *testing.T, dir string, paths []string) {
			copyFile(t, paths[2], filepath.Join(dir, "m-00004-of-00003.gguf"))
			copyFile(t, paths[2], filepath.Join(dir, "m-00001-of-00004.gguf"))
		}, -1, "split set", "extra m-00001-of-00004.gguf and m-00004-of-00003.gguf"},
		{"split-count-inconsistent", setI32(1, "split.count", ggufw.U16(4)), nil, 1, "split.count", "split.count disagrees with the file names"},
		{"split-no-duplicate", setI32(1, "split.no", ggufw.U16(0)), nil, 1, "split.no", "duplicate split.no: also in m-00001-of-00003.gguf"},
		{"split-no-out-of-range", setI32(2, "split.no", ggufw.U16(3)), nil, 2, "split.no", "split.no disagrees with the file name"},
		{"split-no-missing", func(i int, p *splitPart) {
			if i == 1 {
				p.kvs = p.kvs[:0]
			}
		}, nil, 1, "split.count", "lacks split.count or split.no"},
		{"split-no-wrong-type", setI32(2, "split.no", ggufw.Str("2")), nil, 2, "split.no", "value is STRING, not an integer"},
		{"tensors-count-wrong", func(i int, p *splitPart) {
			for k := range p.kvs {
				if p.kvs[k].Key == "split.tensors.count" {
					p.kvs[k].Value = ggufw.I32(7)
				}
			}
		}, nil, 2, "split.tensors.count", "split.tensors.count is not the number of tensors in the parts"},
		{"tensors-count-disagree", setI32(1, "split.tensors.count", ggufw.I32(5)), nil, 1, "split.tensors.count", "disagrees with m-00001-of-00003.gguf"},
		{"tensors-count-negative", setI32(0, "split.tensors.count", ggufw.I32(-6)), nil, 0, "split.tensors.count", "negative tensor count"},
		{"tensor-in-two-parts", func(i int, p *splitPart) {
			if i == 2 {
				p.tensors[1].Name = "blk.0.attn_norm.weight"
			}
		}, nil, 2, `tensor "blk.0.attn_norm.weight"`, "tensor also in m-00001-of-00003.gguf"},
		{"malformed-part", nil, func(t *testing.T, dir string, paths []string) {
			require.NoError(t, os.Truncate(paths[1], 30))
		}, 1, "kv_count", "more key-value pairs than the remaining bytes can hold"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			paths := writeSplit(t, dir, "m", 3, c.edit)
			if c.after != nil {
				c.after(t, dir, paths)
			}
			s, err := gguf.OpenSplit(paths[0])
			require.Nil(t, s)
			fe := requireFormatError(t, err, c.field, c.msg)
			if c.badPart < 0 {
				require.Equal(t, dir, fe.File)
			} else {
				require.Equal(t, paths[c.badPart], fe.File)
			}
		})
	}
}

func TestOpenSplitDirectories(t *testing.T) {
	dir := t.TempDir()
	_, err := gguf.OpenSplit(dir)
	requireFormatError(t, err, "split set", "no split GGUF parts in the directory")

	writeSplit(t, dir, "a", 2, nil)
	writeSplit(t, dir, "b", 2, nil)
	_, err = gguf.OpenSplit(dir)
	requireFormatError(t, err, "split set", "more than one split set in the directory: a-00001-of-00002.gguf and b-00001-of-00002.gguf")

	single := writeFixture(t, "model.gguf", ggufw.File{})
	_, err = gguf.OpenSplit(single)
	requireFormatError(t, err, "file name", "not a split GGUF part name")

	// A one-part set written without split keys is accepted.
	one := t.TempDir()
	require.NoError(t, ggufw.File{Tensors: []fixture.TensorSpec{spec("w", "F32", 4)}}.Write(filepath.Join(one, "x-00001-of-00001.gguf")))
	s, err := gguf.OpenSplit(one)
	require.NoError(t, err)
	require.Len(t, s.Tensors(), 1)
	require.NoError(t, s.Close())
}

func copyFile(t *testing.T, from, to string) {
	b, err := os.ReadFile(from)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(to, b, 0o644))
}

// A split set claiming 65,535 parts of which three are present: the error
// names a few missing parts and says how many more, in under 1 KB.
func TestOpenSplitHugeCountBounded(t *testing.T) {
	dir := t.TempDir()
	for i := range 3 {
		kvs := []ggufw.KV{
			{Key: "general.architecture", Value: ggufw.Str("llama")},
			{Key: "split.no", Value: ggufw.U16(uint16(i))},
			{Key: "split.count", Value: ggufw.U16(65535)},
			{Key: "split.tensors.count", Value: ggufw.I32(65535)},
		}
		path := filepath.Join(dir, fmt.Sprintf("m-%05d-of-65535.gguf", i+1))
		require.NoError(t, ggufw.File{Metadata: kvs}.Write(path))
	}
	for i := range 200 { // strays of other counts
		copyFile(t, filepath.Join(dir, "m-00001-of-65535.gguf"), filepath.Join(dir, fmt.Sprintf("m-%05d-of-65534.gguf", i+1)))
	}
	_, err := gguf.OpenSplit(filepath.Join(dir, "m-00001-of-65535.gguf"))
	require.Error(t, err)
	msg := err.Error()
	require.Less(t, len(msg), 1024, msg)
	require.Contains(t, msg, "missing m-00004-of-65535.gguf, ")
	require.Contains(t, msg, "and 65,527 more")
	require.Contains(t, msg, "and 195 more")
}
