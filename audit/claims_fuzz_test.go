package audit

import (
	"math"
	"testing"
)

func checkClaims(t *testing.T, cs []Claim) {
	for _, c := range cs {
		for _, v := range []float64{c.Value, c.Precision, c.Active, c.ActivePrecision} {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > maxClaimValue {
				t.Fatalf("claim %+v: value out of range", c)
			}
		}
		if c.Value == 0 || c.Text == "" || c.Kind == "" {
			t.Fatalf("claim %+v: empty", c)
		}
	}
}

func FuzzClaimsFromName(f *testing.F) {
	for _, s := range []string{"Llama-3.1-70B-Instruct", "Qwen3-30B-A3B", "Mixtral-8x7B", "stablelm-2-1_6b",
		"bloomz-7b1", "OLMoE-1B-7B", "Llama-4-Scout-17B-16E", "gemma-3n-E2B-it", "stories260K", "deadbe7b",
		"models--meta-llama--Llama-3.1-8B", "Yi-34B-200K", "30B-A3B", "494032768", "1_2_3b", "9x9.9t-a1k"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		checkClaims(t, ClaimsFromName(name, "fuzz"))
		if c, ok := ParseClaim(name); ok {
			checkClaims(t, c.Parts())
		}
	})
}

func FuzzClaimsFromCard(f *testing.F) {
	f.Add(qwenCard)
	f.Add("| **Model** | **#Total Params** |\n|:--:|:--:|\n| a | 671B |\n| b | 671B |\n")
	f.Add("- Number of Parameters: 30.5B in total and 3.3B activated\n")
	f.Add("---\nnum_parameters: 494,032,768\n---\nParameters: 7.24 billion\n")
	f.Add("|\n|-|\n|||\n")
	f.Fuzz(func(t *testing.T, card string) {
		checkClaims(t, ClaimsFromCard(card))
	})
}
