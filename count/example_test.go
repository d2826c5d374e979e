package count_test

import (
	"fmt"
	"log"

	"github.com/tensorcount/tensorcount/classify"
	"github.com/tensorcount/tensorcount/count"
	"github.com/tensorcount/tensorcount/model"
)

// Build counts a loaded model from its headers: learned parameters,
// their roles, and a result for every tensor.
func ExampleBuild() {
	m, err := model.Load("../testdata/tiny-llama")
	if err != nil {
		log.Fatal(err)
	}
	r, err := count.Build(m, count.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("parameters", r.Parameters, "non-embedding", r.NonEmbeddingParameters)
	fmt.Println("attention", r.ByRole[classify.RoleAttention].Parameters, "ffn", r.ByRole[classify.RoleFFN].Parameters)
	head := r.PerTensor[len(r.PerTensor)-1]
	fmt.Println(head.Name, head.Label.Role, head.Parameters, head.Counted())
	// Output:
	// parameters 158016 non-embedding 92480
	// attention 24576 ffn 67584
	// lm_head.weight head 32768 true
}
