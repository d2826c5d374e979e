package safetensors_test

import (
	"fmt"
	"log"

	"github.com/tensorcount/tensorcount/format/safetensors"
)

// Open reads only the header: names, dtypes, shapes and where each
// tensor's bytes lie.
func ExampleOpen() {
	f, err := safetensors.Open("../../testdata/tiny-llama/model.safetensors")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	var elements uint64
	for _, t := range f.Tensors {
		elements += t.Elements()
	}
	first := f.Tensors[0]
	fmt.Println(len(f.Tensors), "tensors,", elements, "elements")
	fmt.Println(first.Name, first.DType, first.Shape)
	// Output:
	// 21 tensors, 158016 elements
	// model.embed_tokens.weight BF16 [512 64]
}
