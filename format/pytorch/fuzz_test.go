package pytorch_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/format/pytorch"
)

// FuzzNewFile checks that no input panics the reader, that every
// rejection is a *format.Error, and that an accepted file's tensors lie in
// their storages and the storages in the file.
func FuzzNewFile(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*.pt")
	more, _ := filepath.Glob("testdata/*/*.p*")
	for _, p := range append(append(paths, more...), "testdata/lightning.ckpt") {
		if b, err := os.ReadFile(p); err == nil && len(b) < 16<<10 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := pytorch.NewFile(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			if _, ok := err.(*format.Error); !ok {
				t.Fatalf("error is %T, not *format.Error: %v", err, err)
			}
			return
		}
		for _, st := range file.Storages {
			if st.Offset >= 0 && (st.Offset > int64(len(b)) || st.Bytes > uint64(int64(len(b))-st.Offset)) {
				t.Fatalf("storage %q [%d, +%d) outside the %d-byte file", st.Key, st.Offset, st.Bytes, len(b))
			}
		}
		for _, group := range [][]format.Tensor{file.Tensors, file.OptimizerTensors, file.OtherTensors} {
			for _, tt := range group {
				if tt.Offset >= 0 && (tt.Size < 0 || tt.Offset+tt.Size > int64(len(b))) {
					t.Fatalf("tensor %q [%d, +%d) outside the file", tt.Name, tt.Offset, tt.Size)
				}
			}
		}
	})
}
