package safetensors

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/internal/fixture/archs"
)

// writeSet writes shards of one U8 tensor each per name, and an index
// with the given weight map text (built from the shards when empty).
func writeSet(t *testing.T, shards [][]string, weightMap string, metadata string) string {
	t.Helper()
	dir := t.TempDir()
	var entries []string
	for i, names := range shards {
		file := fmt.Sprintf("model-%05d-of-%05d.safetensors", i+1, len(shards))
		var specs []fixture.TensorSpec
		for _, n := range names {
			specs = append(specs, fixture.TensorSpec{Name: n, Shape: []uint64{4}, DType: "U8"})
			entries = append(entries, fmt.Sprintf("%q:%q", n, file))
		}
		require.NoError(t, fixture.Safetensors{Tensors: specs, Metadata: map[string]string{"format": "pt"}}.Write(filepath.Join(dir, file)))
	}
	if weightMap == "" {
		weightMap = "{" + strings.Join(entries, ",") + "}"
	}
	if metadata == "" {
		metadata = `{"total_size":` + fmt.Sprint(4*len(entries)) + `}`
	}
	index := filepath.Join(dir, "model.safetensors.index.json")
	require.NoError(t, os.WriteFile(index, []byte(`{"metadata":`+metadata+`,"weight_map":`+weightMap+`}`), 0o644))
	return index
}

func TestSet(t *testing.T) {
	index := writeSet(t, [][]string{{"a", "b"}, {"c"}, {"d", "e", "f"}}, "", `{"total_size":24,"total_parameters":24,"format":"pt","nested":{"x":[1]}}`)
	s, err := OpenSet(index)
	require.NoError(t, err)
	defer s.Close()
	require.Len(t, s.Files, 3)
	require.Len(t, s.Tensors(), 6)
	require.Equal(t, []string{"model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors"}, s.Index.Shards)
	require.True(t, s.Index.HasTotalParameters)
	require.Equal(t, uint64(24), s.Index.TotalParameters)
	require.Empty(t, s.Notes)
	shardOf := map[string]int{}
	for _, e := range s.Index.Entries {
		shardOf[e.Name] = e.Shard
	}
	require.Len(t, shardOf, 6)
	for _, tn := range s.Tensors() {
		require.Equal(t, s.Paths[shardOf[tn.Name]], tn.File)
	}
}

func TestSetTotalSizeMismatchIsANote(t *testing.T) {
	index := writeSet(t, [][]string{{"a"}, {"b"}}, "", `{"total_size":1000}`)
	s, err := OpenSet(index)
	require.NoError(t, err)
	defer s.Close()
	require.Len(t, s.Notes, 1)
	require.Contains(t, s.Notes[0], "total_size is 1000 bytes but the shards hold 8 tensor bytes")
}

func TestSetBroken(t *testing.T) {
	s1, s2 := `"model-00001-of-00002.safetensors"`, `"model-00002-of-00002.safetensors"`
	cases := []struct {
		name      string
		weightMap string
		metadata  string
		file      string // which file the error names: "index" or a shard
		field     string
		msg       string
	}{
		{"listed tensor missing from its shard", `{"a":` + s1 + `,"b":` + s2 + `,"zz":` + s2 + `}`, "", "index", "weight_map", `tensor "zz" is listed in shard "model-00002-of-00002.safetensors", which does not hold it (1 listed tensors are missing`},
		{"shard tensor not listed", `{"a":` + s1 + `,"x":` + s2 + `}`, "", "model-00002-of-00002.safetensors", `tensor "b"`, "the index does not list it"},
		{"tensors swapped between shards", `{"a":` + s2 + `,"b":` + s1 + `}`, "", "model-00002-of-00002.safetensors", `tensor "b"`, "assigns it to another"},
		{"shard missing", `{"a":` + s1 + `,"b":"model-00003-of-00002.safetensors"}`, "", "index", "weight_map", "cannot be opened"},
		{"shard with a path separator", `{"a":"../x/model.safetensors"}`, "", "index", "weight_map.a", "path separator"},
		{"absolute shard path", `{"a":"/etc/passwd"}`, "", "index", "weight_map.a", "path separator"},
		{"backslash shard path", `{"a":"..\\x.safetensors"}`, "", "index", "weight_map.a", "path separator"},
		{"dot-dot shard", `{"a":".."}`, "", "index", "weight_map.a", `".."`},
		{"NUL in shard", `{"a":"m\u0000.safetensors"}`, "", "index", "weight_map.a", "NUL"},
		{"empty shard", `{"a":""}`, "", "index", "weight_map.a", "empty"},
		{"Windows absolute", `{"a":"C:model.safetensors"}`, "", "index", "weight_map.a", "absolute"},
		{"shard name not a string", `{"a":1}`, "", "index", "weight_map.a", "must be a string"},
		{"weight_map not an object", `[]`, "", "index", "weight_map", "must be a JSON object"},
		{"duplicate tensor in weight_map", `{"a":` + s1 + `,"b":` + s2 + `,"a":` + s2 + `}`, "", "index", "weight_map.a", "listed twice"},
		{"metadata not an object", `{"a":` + s1 + `,"b":` + s2 + `}`, `[1]`, "index", "metadata", "must be an object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			index := writeSet(t, [][]string{{"a"}, {"b"}}, c.weightMap, c.metadata)
			_, err := OpenSet(index)
			require.Error(t, err)
			var fe *format.Error
			require.True(t, errors.As(err, &fe), "%T %v", err, err)
			want := index
			if c.file != "index" {
				want = filepath.Join(filepath.Dir(index), c.file)
			}
			require.Equal(t, want, fe.File, err.Error())
			require.Contains(t, fe.Field, c.field, err.Error())
			require.Contains(t, fe.Msg, c.msg, err.Error())
		})
	}
}

func TestIndexMalformed(t *testing.T) {
	for _, c := range []struct{ name, text, field, msg string }{
		{"not JSON", `nope`, "index", "invalid JSON"},
		{"not an object", `[]`, "index", "must be a JSON object"},
		{"no weight_map", `{"metadata":{}}`, "weight_map", "no weight_map"},
		{"truncated", `{"weight_map":{"a":"b.safetensors"`, "weight_map", "ends early"},
		{"trailing data", `{"weight_map":{}} x`, "index", "invalid"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadIndex(strings.NewReader(c.text), int64(len(c.text)))
			var fe *format.Error
			require.True(t, errors.As(err, &fe), "%v", err)
			require.Contains(t, fe.Field, c.field, err.Error())
			require.Contains(t, fe.Msg, c.msg, err.Error())
		})
	}
	_, err := ReadIndex(strings.NewReader("{}"), MaxIndexSize+1)
	require.ErrorContains(t, err, "index file is too large")

	text := `{"metadata":{"total_size":1.5e3},"weight_map":{}}`
	idx, err := ReadIndex(strings.NewReader(text), int64(len(text)))
	require.NoError(t, err)
	require.False(t, idx.HasTotalSize)
	require.Len(t, idx.Notes, 1)
	require.Contains(t, idx.Notes[0], "not a whole number")
}

func TestSetFollowsSymlinks(t *testing.T) {
	// The Hugging Face cache keeps shards in blobs/ and links them from
	// snapshots/<rev>/.
	index := writeSet(t, [][]string{{"a"}, {"b"}}, "", "")
	dir := filepath.Dir(index)
	snap := filepath.Join(t.TempDir(), "snap")
	require.NoError(t, os.Mkdir(snap, 0o755))
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		require.NoError(t, os.Symlink(filepath.Join(dir, e.Name()), filepath.Join(snap, e.Name())))
	}
	s, err := OpenSet(filepath.Join(snap, "model.safetensors.index.json"))
	require.NoError(t, err)
	require.Len(t, s.Tensors(), 2)
	s.Close()
}

func TestSetTensorInTwoShards(t *testing.T) {
	index := writeSet(t, [][]string{{"a", "b"}, {"b"}}, `{"a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors"}`, "")
	_, err := OpenSet(index)
	var fe *format.Error
	require.True(t, errors.As(err, &fe), "%v", err)
	require.Equal(t, `tensor "b"`, fe.Field)
	require.Contains(t, fe.Msg, "stored in two shards")
}

// A shard that describes a tensor twice fails as Open fails on it alone:
// the file, the byte offset of the second description, the name.
func TestSetShardDescribesTensorTwice(t *testing.T) {
	for _, c := range []struct {
		name, weightMap string
		alone           bool // the error is Open's on the shard alone
	}{
		{"listed with its shard", `{"a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors","c":"model-00002-of-00002.safetensors"}`, true},
		// Listed with the first shard, which holds it too: stored twice.
		{"listed with another shard", `{"a":"model-00001-of-00002.safetensors","b":"model-00001-of-00002.safetensors","c":"model-00002-of-00002.safetensors"}`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			first := []string{"a"}
			if !c.alone {
				first = append(first, "b")
			}
			index := writeSet(t, [][]string{first, {"b", "c", "b"}}, c.weightMap, "")
			shard := filepath.Join(filepath.Dir(index), "model-00002-of-00002.safetensors")
			_, alone := Open(shard)
			_, err := OpenSet(index)
			var fe, fa *format.Error
			require.True(t, errors.As(err, &fe), "%v", err)
			require.True(t, errors.As(alone, &fa), "%v", alone)
			require.Contains(t, fa.Msg, "described twice")
			if c.alone {
				require.Equal(t, fa, fe)
				require.Greater(t, fe.Offset, int64(8))
				require.Equal(t, shard, fe.File)
			} else {
				require.Equal(t, `tensor "b"`, fe.Field)
				require.Contains(t, fe.Msg, "stored in two shards")
			}
		})
	}
}

// openPairs opens a set of n shards of two tensors each, closed when the
// test ends.
func openPairs(t *testing.T, n int) *Set {
	t.Helper()
	var shards [][]string
	for i := range n {
		shards = append(shards, []string{fmt.Sprintf("s%d.a", i), fmt.Sprintf("s%d.b", i)})
	}
	s, err := OpenSet(writeSet(t, shards, "", ""))
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// The set's list is every shard's list in shard order, whether a shard
// was parsed before the index was read (its list built there afterwards)
// or after; it is not a copy of the shards' lists.
func TestSetTensorsInShardOrder(t *testing.T) {
	s := openPairs(t, 40)
	var want []format.Tensor
	for _, f := range s.Files {
		want = append(want, f.Tensors...)
	}
	all := s.Tensors()
	require.Equal(t, want, all)
	require.Equal(t, all, s.Tensors(), "a second call")
	shared := 0
	for i, f := range s.Files {
		at := 2 * i
		if &f.Tensors[0] == &all[at] {
			shared++
		}
	}
	t.Logf("%d of %d shards parsed into the set's list", shared, len(s.Files))
	// A list made by append from the set's list leaves the shards alone.
	grown := append(all, format.Tensor{Name: "extra"})
	require.Equal(t, "s39.b", s.Files[39].Tensors[1].Name)
	require.Len(t, grown, 81)
}

// An index listing more tensors than a slab is laid out for still gives
// every shard's list, each its own.
func TestSetTensorsWithoutSlab(t *testing.T) {
	defer func(n int) { maxSlab = n }(maxSlab)
	maxSlab = 3
	s := openPairs(t, 20)
	all := s.Tensors()
	require.Len(t, all, 40)
	for i, f := range s.Files {
		require.Equal(t, f.Tensors, all[2*i:2*i+2])
		require.NotSame(t, &f.Tensors[0], &all[2*i], "shard %d", i)
	}
}

// A big set's shards carve names, shapes and entries from the set's
// pieces (shardMemory): the set read so equals the set read without,
// for shards of every shape, including dtypes and ranks that vary and
// names longer than a piece's share of them.
func TestSetMemoryChangesNothing(t *testing.T) {
	dir := t.TempDir()
	var shards [][]fixture.TensorSpec
	for i := range 30 {
		var specs []fixture.TensorSpec
		for k := range 40 + i*7 {
			name := fmt.Sprintf("model.layers.%d.mlp.experts.%d.w", i, k)
			if k%17 == 0 {
				name += "." + strings.Repeat("long", 200)
			}
			shape := []uint64{uint64(1 + k%5), 3}[:1+k%2]
			specs = append(specs, fixture.TensorSpec{Name: name, Shape: shape, DType: []string{"F16", "F32", "U8"}[k%3]})
		}
		shards = append(shards, specs)
	}
	_, err := archs.WriteSharded(dir, archs.Model{}, shards)
	require.NoError(t, err)
	index := filepath.Join(dir, "model.safetensors.index.json")
	open := func(threshold int64) []format.Tensor {
		defer func(n int64) { minSetMemory = n }(minSetMemory)
		minSetMemory = threshold
		s, err := OpenSet(index)
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		require.Equal(t, threshold == 0, s.mem != nil)
		return slices.Clone(s.Tensors())
	}
	require.Equal(t, open(1<<62), open(0))
}
