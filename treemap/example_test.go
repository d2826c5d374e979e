package treemap_test

import (
	"fmt"
	"os"

	"github.com/tensorcount/tensorcount/treemap"
)

// The example of Bruls, Huizing and van Wijk: areas 6, 6, 4, 3, 2, 2, 1 in
// a 6 × 4 rectangle.
func ExampleSquarify() {
	for _, r := range treemap.Squarify([]float64{6, 6, 4, 3, 2, 2, 1}, treemap.Rect{W: 6, H: 4}) {
		fmt.Printf("%.2f,%.2f %.2f×%.2f\n", r.X, r.Y, r.W, r.H)
	}
	// Output:
	// 0.00,0.00 3.00×2.00
	// 0.00,2.00 3.00×2.00
	// 3.00,0.00 1.71×2.33
	// 4.71,0.00 1.29×2.33
	// 3.00,2.33 1.20×1.67
	// 4.20,2.33 1.20×1.67
	// 5.40,2.33 0.60×1.67
}

func ExampleNew() {
	layer := &treemap.Node{Name: "layer 0", Children: []*treemap.Node{
		{Name: "q_proj", Role: "attention", Params: 4096},
		{Name: "up_proj", Role: "ffn", Params: 11008},
		{Name: "norm", Role: "norm", Params: 0}, // zero: not laid out
	}}
	root := &treemap.Node{Name: "model", Children: []*treemap.Node{
		layer,
		{Name: "embed", Role: "embedding", Params: 16896},
	}}
	l := treemap.New(root, treemap.Rect{W: 200, H: 100}, treemap.Options{Padding: 2})
	for _, b := range l.Blocks {
		fmt.Printf("%-28s %-9s %6d  %6.2f,%6.2f %6.2f×%6.2f\n", b.Path, b.Role, b.Params, b.Rect.X, b.Rect.Y, b.Rect.W, b.Rect.H)
	}
	// Output:
	// model                        mixed      32000    0.00,  0.00 200.00×100.00
	// model / embed                embedding  16896    2.00,  2.00 103.49× 96.00
	// model / layer 0              mixed      15104  105.49,  2.00  92.51× 96.00
	// model / layer 0 / up_proj    ffn        11008  107.49,  4.00  88.51× 67.05
	// model / layer 0 / q_proj     attention   4096  107.49, 71.05  88.51× 24.95
}

func ExampleMerge() {
	experts := &treemap.Node{Name: "expert", Role: "expert"}
	for i := range 64 {
		experts.Children = append(experts.Children, &treemap.Node{Name: fmt.Sprintf("expert %d", i), Role: "expert", Kind: "expert",
			Children: []*treemap.Node{{Name: fmt.Sprintf("layers.3.experts.%d.w", i), Role: "expert", Params: 1000}}})
	}
	layer := &treemap.Node{Name: "layer 3", Children: []*treemap.Node{
		{Name: "attention", Role: "attention", Children: []*treemap.Node{{Name: "layers.3.attn.w", Role: "attention", Params: 50000}}},
		experts,
		{Name: "norm", Role: "norm", Children: []*treemap.Node{
			{Name: "layers.3.norm1", Role: "norm", Params: 10},
			{Name: "layers.3.norm2", Role: "norm", Params: 10},
		}},
	}}
	m := treemap.Merge(layer, 2000)
	for _, c := range m.Children {
		fmt.Printf("%s: %d parameters, %d tensors\n", c.Name, c.Sum(), c.TensorCount())
	}
	// Output:
	// attention: 50000 parameters, 1 tensors
	// 64 experts of layer 3: 64000 parameters, 64 tensors
	// 2 norm tensors of layer 3: 20 parameters, 2 tensors
}

func ExampleLayout_WriteSVG() {
	root := &treemap.Node{Name: "model", Children: []*treemap.Node{
		{Name: "wte", Role: "embedding", Params: 3, DType: "BF16", Shape: []uint64{3}},
		{Name: "<h>", Role: "head", Params: 1, DType: "F32"},
	}}
	l := treemap.New(root, treemap.Rect{W: 40, H: 20}, treemap.Options{})
	l.WriteSVG(os.Stdout, treemap.SVGOptions{})
	// Output:
	// <svg class="treemap" viewBox="0 0 40 20" width="40" height="20" role="img" font-family="sans-serif" font-size="11">
	// <g class="tm-node"><rect class="tm" x="0" y="0" width="40" height="20" fill="#F4F4F4" stroke="#8A8A8A" stroke-width="0.5" data-role="mixed" data-parameters="4" data-inner="0 0 40 20" data-tensors="2"><title>model
	// role mixed
	// 4 parameters (4) · 100.0% of the model · 2 tensors</title></rect>
	// <g class="tm-node"><rect class="tm" x="0" y="0" width="30" height="20" fill="#CC79A7" stroke="#1A1A1A" stroke-width="0.5" data-role="embedding" data-parameters="3" data-name="wte" data-dtype="BF16"><title>wte
	// model / wte
	// role embedding · shape [3] · BF16
	// 3 parameters (3) · 75.0% of the model</title></rect><text x="3" y="11.5" fill="#000000" pointer-events="none">wte</text>
	// </g>
	// <g class="tm-node"><rect class="tm" x="30" y="0" width="10" height="20" fill="#882255" stroke="#1A1A1A" stroke-width="1.6" data-role="head" data-parameters="1" data-name="&lt;h&gt;" data-dtype="F32"><title>&lt;h&gt;
	// model / &lt;h&gt;
	// role head · F32
	// 1 parameters (1) · 25.0% of the model</title></rect>
	// </g>
	// </g>
	// </svg>
}
