package gguf_test

import (
	"bytes"
	"fmt"
	"log"

	"github.com/tensorcount/tensorcount/format/gguf"
	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/internal/fixture/ggufw"
)

// NewFile parses a GGUF header from any io.ReaderAt: metadata keys are
// typed, arrays are described rather than read, and Shape gives the
// PyTorch order (outermost first), the reverse of the file's ne order.
func ExampleNewFile() {
	img, err := ggufw.File{
		Metadata: []ggufw.KV{
			{Key: "general.architecture", Value: ggufw.Str("llama")},
			{Key: "llama.block_count", Value: ggufw.U32(1)},
		},
		Tensors: []fixture.TensorSpec{
			{Name: "token_embd.weight", Shape: []uint64{64, 32}, DType: "Q8_0"},
			{Name: "output_norm.weight", Shape: []uint64{32}, DType: "F32"},
		},
	}.Bytes()
	if err != nil {
		log.Fatal(err)
	}
	f, err := gguf.NewFile(bytes.NewReader(img), int64(len(img)))
	if err != nil {
		log.Fatal(err)
	}
	arch, _ := f.Lookup("general.architecture")
	name, _ := arch.String()
	fmt.Println("version", f.Version, name)
	for _, t := range f.Infos() {
		fmt.Println(t.Name, t.Type, "ne", t.Dims, "shape", t.Shape(), t.Bytes, "bytes")
	}
	// Output:
	// version 3 llama
	// token_embd.weight Q8_0 ne [32 64] shape [64 32] 2176 bytes
	// output_norm.weight F32 ne [32] shape [32] 128 bytes
}
