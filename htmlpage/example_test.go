package htmlpage_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/tensorcount/tensorcount/htmlpage"
	"github.com/tensorcount/tensorcount/treemap"
)

func ExampleTree() {
	tensors := []htmlpage.Tensor{
		{Name: "model.embed_tokens.weight", Role: "embedding", Component: "language_model", Layer: -1, Expert: -1, Parameters: 1000},
		{Name: "model.layers.0.self_attn.q_proj.weight", Role: "attention", Component: "language_model", Layer: 0, Expert: -1, Parameters: 400},
		{Name: "model.layers.0.mlp.experts.0.up_proj.weight", Role: "expert", Component: "language_model", Layer: 0, Expert: 0, Parameters: 300},
		{Name: "model.layers.0.mlp.experts.1.up_proj.weight", Role: "expert", Component: "language_model", Layer: 0, Expert: 1, Parameters: 300},
		{Name: "model.layers.0.input_layernorm.weight", Role: "norm", Component: "language_model", Layer: 0, Expert: -1, Parameters: 8},
		{Name: "model.norm.weight", Role: "norm", Component: "language_model", Layer: -1, Expert: -1, Parameters: 8},
	}
	var show func(n *treemap.Node, depth int)
	show = func(n *treemap.Node, depth int) {
		fmt.Printf("%s%s (%d)\n", strings.Repeat("  ", depth), n.Name, n.Sum())
		for _, c := range n.Children {
			show(c, depth+1)
		}
	}
	show(htmlpage.Tree("tiny", tensors), 0)
	// Output:
	// tiny (2016)
	//   language_model (2016)
	//     embeddings (1000)
	//       model.embed_tokens.weight (1000)
	//     layers (1008)
	//       layer 0 (1008)
	//         attention (400)
	//           model.layers.0.self_attn.q_proj.weight (400)
	//         expert (600)
	//           expert 0 (300)
	//             model.layers.0.mlp.experts.0.up_proj.weight (300)
	//           expert 1 (300)
	//             model.layers.0.mlp.experts.1.up_proj.weight (300)
	//         norm (8)
	//           model.layers.0.input_layernorm.weight (8)
	//     head (8)
	//       model.norm.weight (8)
}

// A page needs no more than a title and the tensors; every other section
// appears when its figures are given.
func ExampleRender() {
	p := &htmlpage.Page{
		Title:  "tiny",
		Format: "safetensors",
		Tensors: []htmlpage.Tensor{
			{Name: "wte.weight", Role: "embedding", Layer: -1, Expert: -1, DType: "BF16", Shape: []uint64{100, 10}, Parameters: 1000},
			{Name: "h.0.attn.c_attn.weight", Role: "attention", Layer: 0, Expert: -1, DType: "BF16", Shape: []uint64{10, 30}, Parameters: 300},
		},
		Figures: []htmlpage.Figure{{Label: "parameters", Value: 1300}},
	}
	var b strings.Builder
	if err := htmlpage.Render(&b, p); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	page := b.String()
	// Root, component, two sections, a layer, a role and two tensors.
	fmt.Println(strings.HasPrefix(page, "<!DOCTYPE html>"), strings.Count(page, `<rect class="tm"`))
	// Output:
	// true 8
}
