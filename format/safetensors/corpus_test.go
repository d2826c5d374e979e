package safetensors

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/internal/corpus"
)

// Every safetensors file and index of the shared corpus, against the
// numbers an independent reader found in them.
func TestCorpus(t *testing.T) {
	ref := corpus.References(t)
	require.NotEmpty(t, ref.Safetensors)
	for rel, want := range ref.Safetensors {
		t.Run(rel, func(t *testing.T) {
			path := corpus.Path(t, rel)
			elements := map[string]uint64{}
			var total uint64
			count := 0
			if strings.HasSuffix(rel, ".index.json") {
				s, err := OpenSet(path)
				require.NoError(t, err)
				defer s.Close()
				require.Len(t, s.Files, want.Shards)
				var bytes uint64
				for _, tn := range s.Tensors() {
					elements[tn.DType.Name] += tn.Elements()
					total += tn.Elements()
					bytes += uint64(tn.Size)
					count++
					require.Equal(t, filepath.Dir(path), filepath.Dir(tn.File))
				}
				require.Equal(t, want.SumDataBytes, bytes)
				require.Equal(t, want.IndexMetadata["total_size"], s.Index.TotalSize)
				require.Empty(t, s.Notes, "total_size agrees with the shards")
			} else {
				f, err := Open(path)
				require.NoError(t, err)
				defer f.Close()
				require.Equal(t, want.Size, f.Size)
				require.Equal(t, want.HeaderLen, f.HeaderSize)
				if want.Metadata != nil {
					require.Equal(t, want.Metadata, f.Metadata)
				}
				for _, tn := range f.Tensors {
					elements[tn.DType.Name] += tn.Elements()
					total += tn.Elements()
					count++
				}
			}
			require.Equal(t, want.TensorCount, count)
			require.Equal(t, want.TotalElements, total)
			require.Equal(t, want.PerDTypeElements, elements)
		})
	}
}

// The corpus's metadata forms (FORMATS §1.7, MANIFEST "Safetensors points"):
// absent, null (MLX), {"format":"pt"} and an arbitrary map.
func TestCorpusMetadataForms(t *testing.T) {
	for _, c := range []struct {
		rel  string
		null bool
		meta map[string]string
	}{
		{"minicpm3-tiny-untied-safetensors/model.safetensors", false, nil},
		{"mlx-lora-adapter-discollama/adapters.safetensors", true, nil},
		{"hf-sharded-safetensors/model-00001-of-00006.safetensors", false, map[string]string{"format": "pt"}},
		{"safetensors-dtypes-torch/model.with_metadata.safetensors", false, map[string]string{"test": "metadata", "version": "2.2"}},
	} {
		f, err := Open(corpus.Path(t, c.rel))
		require.NoError(t, err)
		require.Equal(t, c.null, f.MetadataNull, c.rel)
		require.Equal(t, c.meta, f.Metadata, c.rel)
		f.Close()
	}
}
