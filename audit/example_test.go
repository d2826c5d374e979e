package audit_test

import (
	"fmt"
	"log"

	"github.com/tensorcount/tensorcount/audit"
	"github.com/tensorcount/tensorcount/count"
	"github.com/tensorcount/tensorcount/model"
)

// Audit finds the claims about a model (here only the user's) and judges
// each against the count.
func ExampleAudit() {
	m, err := model.Load("../testdata/tiny-llama")
	if err != nil {
		log.Fatal(err)
	}
	r, err := count.Build(m, count.Options{})
	if err != nil {
		log.Fatal(err)
	}
	verdicts, err := audit.Audit(m, r, "158K")
	if err != nil {
		log.Fatal(err)
	}
	for _, v := range verdicts {
		fmt.Println(v.Text, v.Source, v.Verdict, v.Matched)
		fmt.Println(v.Explanation)
	}
	// Output:
	// 158K --claim matches parameters
	// 158K matches parameters: 158.02K is within 157.50K–158.50K; non-embedding parameters 92.48K (embeddings and head, 65.54K, left out)
}

// ParseClaim reads the sizes model names and cards use.
func ExampleParseClaim() {
	for _, s := range []string{"7B", "0.49B", "30B-A3B", "8x7B"} {
		c, _ := audit.ParseClaim(s)
		fmt.Println(s, c.Kind, c.Value, c.Precision, c.Active, c.Experts)
	}
	// Output:
	// 7B total 7e+09 5e+08 0 0
	// 0.49B total 4.9e+08 5e+06 0 0
	// 30B-A3B total 3e+10 5e+08 3e+09 0
	// 8x7B experts 7e+09 5e+08 0 8
}
