package report

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// appendRow writes what encoding/json writes for a row, whatever the
// strings hold.
func TestAppendRowMatchesEncodingJSON(t *testing.T) {
	names := []string{"model.layers.0.weight", "", `a"b\c`, "<script>&", "tab\there", "\x00\x1f\x7f",
		"\u2028\u2029", "bad \xff utf-8", "ünïcödé", "\u202e rtl"}
	for _, name := range names {
		for _, shape := range [][]uint64{{}, {7}, {3, 1 << 60}} {
			for _, excluded := range []string{"", "tied_copy"} {
				r := TensorRow{Name: name, Role: "attention", Component: name, Layer: -1, DType: "BF16",
					Shape: shape, FileShape: shape, Elements: 21, Parameters: 20, Excluded: excluded,
					Bytes: 1 << 40, File: name + ".safetensors", Offset: 99}
				want, err := json.MarshalIndent(r, "    ", "  ")
				require.NoError(t, err)
				require.Equal(t, string(want), string(appendRow(nil, r)), "name %q shape %v", name, shape)
			}
		}
	}
}
