package diff_test

import (
	"fmt"
	"log"

	"github.com/tensorcount/tensorcount/count"
	"github.com/tensorcount/tensorcount/diff"
	"github.com/tensorcount/tensorcount/model"
)

// Compare matches the tensors of two counted checkpoints and says what
// changed.
func ExampleCompare() {
	var rs [2]*count.Report
	for i := range rs {
		m, err := model.Load("../testdata/tiny-llama")
		if err != nil {
			log.Fatal(err)
		}
		if rs[i], err = count.Build(m, count.Options{}); err != nil {
			log.Fatal(err)
		}
	}
	d, err := diff.Compare(rs[0], rs[1])
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.Same, d.Verdict)

	// A report read back from JSON has no per-tensor results to compare.
	_, err = diff.Compare(rs[0], &count.Report{Path: "b.json", Tensors: 21})
	fmt.Println(err)
	// Output:
	// true no differences: same tensors, shapes, dtypes and parameters
	// b.json: the report holds no per-tensor results (a report read back from JSON, say); diff needs the report of a loaded model
}

// A checkpoint keeps what a comparison needs of a count, so that the
// model can go before the next is loaded.
func ExampleCompareCheckpoints() {
	var cs [2]*diff.Checkpoint
	for i, path := range []string{"../testdata/tiny-llama", "../testdata/tiny-llama"} {
		m, err := model.Load(path)
		if err != nil {
			log.Fatal(err)
		}
		r, err := count.Build(m, count.Options{})
		if err != nil {
			log.Fatal(err)
		}
		if cs[i], err = diff.NewCheckpoint(r); err != nil {
			log.Fatal(err)
		}
		// m and r are no longer needed.
	}
	d := diff.CompareCheckpoints(cs[0], cs[1])
	fmt.Println(cs[0].Tensors(), d.Same)
	// Output:
	// 21 true
}
