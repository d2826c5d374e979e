package scan_test

import (
	"context"
	"fmt"
	"log"

	"github.com/tensorcount/tensorcount/model"
	"github.com/tensorcount/tensorcount/scan"
)

// Model reads every value of a model once and reports what a careful
// engineer checks before shipping weights.
func ExampleModel() {
	m, err := model.Load("../testdata/tiny-llama")
	if err != nil {
		log.Fatal(err)
	}
	r, err := scan.Model(context.Background(), m, scan.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.TensorsScanned, "tensors scanned,", r.BytesRead, "bytes read")
	fmt.Println("NaN or Inf:", r.NaNOrInf())
	// Output:
	// 21 tensors scanned, 316032 bytes read
	// NaN or Inf: false
}
