package audit

// A Claim is a statement of a model's size found somewhere outside the
// weights: the user's --claim, a directory or file name, a model card, GGUF
// metadata or an index. Claims are parsed, not judged; the report compares
// them with the measured figures.
type Claim struct {
	// Text is the claim as written: "7B", "8x7B", "30B-A3B", "0.49B",
	// "494032768".
	Text string `json:"text"`
	// Source says where it was found: "--claim", "directory name",
	// "Hugging Face cache entry name", "file name", "README.md",
	// "README.md front matter", "gguf general.size_label",
	// "gguf general.name", "gguf general.basename",
	// "index metadata.total_parameters".
	Source string `json:"source"`
	// Kind says what the number claims to count.
	Kind ClaimKind `json:"kind"`
	// Value is the number of parameters claimed (7e9 for "7B"); for an
	// expert label ("8x7B") the size of one expert, for an active claim
	// ("A3B") the active parameters.
	Value float64 `json:"value"`
	// Precision is the half-width of the range the text implies: 0.5e9
	// for "7B", 0.005e9 for "0.49B", 0 for an exact integer.
	Precision float64 `json:"precision"`
	// Experts is the expert count of an expert label ("8x7B" → 8), or of
	// an active claim that names it (Llama 4's "17B-16E").
	Experts int `json:"experts,omitempty"`
	// Active and ActivePrecision hold the active part of a combined text
	// such as "30B-A3B" when it arrives as one claim (--claim); Parts
	// splits it. Claims found in names and metadata are already split.
	Active          float64 `json:"active,omitempty"`
	ActivePrecision float64 `json:"active_precision,omitempty"`
	// Also lists further sources that made the same claim (same Kind,
	// Value and Experts), so a report can say who agrees.
	Also []string `json:"also,omitempty"`
}

// ClaimKind says what a claimed number counts.
type ClaimKind string

const (
	ClaimTotal        ClaimKind = "total"         // all parameters: "7B"
	ClaimActive       ClaimKind = "active"        // parameters per token: the "A3B" of "30B-A3B"
	ClaimNonEmbedding ClaimKind = "non_embedding" // "Number of Parameters (Non-Embedding): 0.36B"
	ClaimExperts      ClaimKind = "experts"       // an expert-count label: "8x7B" (8 experts of about 7B, not 56B)
	ClaimEffective    ClaimKind = "effective"     // an "effective" size: gemma-3n "E2B" (compute per token, not stored)
	ClaimExact        ClaimKind = "exact"         // an exact count: index metadata.total_parameters
)
