package classify

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// corpusNames reads the tensor names from a safetensors header in the
// shared corpus, or skips the test when the corpus is absent.
func corpusNames(t *testing.T, rel string) []string {
	t.Helper()
	path := filepath.Join("..", "..", "shared", "corpus", rel)
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		t.Skipf("corpus file %s absent", rel)
	}
	require.NoError(t, err)
	defer f.Close()
	var n uint64
	require.NoError(t, binary.Read(f, binary.LittleEndian, &n))
	require.Less(t, n, uint64(1<<20))
	buf := make([]byte, n)
	_, err = f.ReadAt(buf, 8)
	require.NoError(t, err)
	var header map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(buf, &header))
	delete(header, "__metadata__")
	var names []string
	for k := range header {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

func TestCorpusFiles(t *testing.T) {
	cases := []struct {
		file  string
		roles map[Role]int
	}{
		// MiniCPM3: MLA attention, untied head.
		{"minicpm3-tiny-untied-safetensors/model.safetensors", map[Role]int{
			RoleEmbedding: 1, RoleHead: 1, RoleNorm: 5, RoleAttention: 5, RoleFFN: 3}},
		// Gemma written by torchtune: tied, so no lm_head.
		{"torchtune-gemma-tied-safetensors/gemma_hf_checkpoint.safetensors", map[Role]int{
			RoleEmbedding: 1, RoleNorm: 3, RoleAttention: 4, RoleFFN: 3}},
		// MLX LoRA adapter: lora_a / lora_b on q_proj and v_proj.
		{"mlx-lora-adapter-discollama/adapters.safetensors", map[Role]int{RoleAdapter: 8}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			got := map[Role]int{}
			canon := map[string]bool{}
			for _, name := range corpusNames(t, c.file) {
				l := Tensor(name)
				require.True(t, l.Known(), name)
				require.NotEmpty(t, l.Canonical, name)
				require.False(t, canon[l.Canonical], "two tensors map to %s", l.Canonical)
				canon[l.Canonical] = true
				got[l.Role]++
			}
			require.Equal(t, c.roles, got)
		})
	}
}
