// Package htmlpage renders one self-contained HTML page about a model's
// weights: headline figures, claim verdicts, a squarified treemap of where
// the parameters are, a strip of per-layer stacked bars, the 12·L·d²
// formula against the measured terms, memory against GPU sizes, MoE total
// against active, and summary tables.
//
// The page has inline CSS and SVG only: no script, font, image, link or
// other outside reference, so it works from file:// with the network off.
// Every string from the input is shown escaped, with control and bidi
// characters made visible. The same input gives the same bytes.
//
// The input is a plain Page, filled from a count report (see the field
// comments for where each figure comes from). Everything is optional: a
// section without data is left out.
//
// # Filling a Page from a report
//
//	Title, Format, Source   base of Report.Path, Report.Format, Report.Path
//	Figures                 {"parameters", Parameters}, {"active", ActiveParameters, note "x% per token"},
//	                        {"non-embedding", NonEmbeddingParameters}, {"tensors", Tensors, Unit "plain"},
//	                        {"bytes", Bytes, Unit "bytes", note "%.2f bits/parameter"}
//	Claims                  one per Report.Claims: Text, Source, Claimed, Verdict, Matched,
//	                        MatchedValue, Deviation, Explanation, field for field
//	Excluded                ByRole["buffer"], ByRole["quant_aux"] (Tensors, Elements), a tied head's second copy
//	Tensors                 one per tensor: name, string(Label.Role), string(Label.Component),
//	                        Label.Layer, Label.Expert, DType.Name, Shape, the counted parameters
//	                        (0 when not counted), Elements(), Size, !Label.Known()
//	Layers                  Report.ByLayer, field for field (or nil: built from Tensors)
//	Roles, DTypes           Report.ByRole, Report.ByDType with their keys (or nil: built from Tensors)
//	Formula                 Report.Formula: Layers, HiddenSize, TwelveLD2, BodyParameters → Body,
//	                        Ratio, Terms field for field
//	Memory                  Report.Costs: WeightsBF16Bytes, WeightsFP8Bytes, WeightsInt4Bytes,
//	                        DiskBytes, KVCacheBytes, Context, KVCacheFormula
//	MoE                     Report.MoE with Total = Parameters, Active = ActiveParameters
//	Notes                   Report.Notes
package htmlpage

import "github.com/tensorcount/tensorcount/treemap"

// Page is everything the page shows.
type Page struct {
	// Title heads the page: the model's name, or the base of its path.
	Title string
	// Format is "safetensors", "gguf", …; Source the path or repository.
	Format string
	Source string

	// Figures are the headline numbers, shown in order: parameters,
	// active, non-embedding, tensors, bytes, ….
	Figures []Figure
	// Claims are the size claims and their verdicts (Report.Claims).
	Claims []Claim
	// Excluded lists what is stored but not counted or drawn (buffers,
	// quantization bookkeeping, a tied head stored twice).
	Excluded []Excluded

	// Tensors are the per-tensor results. The treemap, the largest
	// tensors, the unrecognised names and, when nil, Layers, Roles and
	// DTypes are built from them.
	Tensors []Tensor
	// Tree, when set, is drawn instead of the tree built from Tensors
	// (Tree(p.Tensors)).
	Tree *treemap.Node

	// Layers are per-block totals by role (Report.ByLayer); built from
	// Tensors when nil. Layer -1 (outside any block) is not drawn.
	Layers []Layer
	// Roles and DTypes are the summary tables (Report.ByRole,
	// Report.ByDType); built from Tensors when nil.
	Roles  []RoleRow
	DTypes []DTypeRow

	Formula *Formula
	Memory  *Memory
	MoE     *MoE
	// Notes are shown as a list at the end (Report.Notes).
	Notes []string

	Options Options
}

// Figure is one headline number.
type Figure struct {
	Label string // "parameters"
	Value uint64
	// Unit says how to show Value: "" a count (671.03B and the exact
	// integer), "bytes" a size (1.25 TiB and the exact integer), "plain"
	// the integer alone (a tensor count).
	Unit string
	Note string // "37.5% per token"
}

// Claim is a size claim and its verdict (report.ClaimVerdict).
type Claim struct {
	Text    string  // "671B"
	Source  string  // "model card", "--claim", "name"
	Claimed float64 // 671e9
	// Verdict is "matches", "close", "mismatch" or "label".
	Verdict string
	// Matched names the figure compared ("parameters", "active_parameters", …),
	// MatchedValue its value; Deviation is (measured − claimed)/claimed.
	Matched      string
	MatchedValue uint64
	Deviation    float64
	Explanation  string
}

// Excluded is a class of stored tensors the counts or the treemap leave
// out, and why.
type Excluded struct {
	What     string // "quantization bookkeeping (quant_aux)"
	Tensors  int
	Elements uint64
	Reason   string
}

// Tensor is one tensor's result (one report.TensorRow or count item with
// its classify.Label).
type Tensor struct {
	Name      string
	Role      string // classify.Role: "attention", "expert", …; any other string gets a fallback colour
	Component string // classify.Component: "language_model", "vision", "mtp", …
	Layer     int    // block index, -1 outside any block (classify.Label.Layer)
	// Expert is the routed expert index of a per-expert tensor, -1
	// otherwise (classify.Label.Expert). Experts are drawn as one box
	// each, merged when small ("256 experts").
	Expert int
	DType  string
	Shape  []uint64
	// Parameters as counted: 0 for buffers, quantization bookkeeping and
	// the second copy of a tied tensor, so they are not drawn.
	Parameters uint64
	Elements   uint64
	Bytes      int64
	// Unrecognised marks a name no rule recognised (!Label.Known()).
	Unrecognised bool
}

// Layer is one block's totals (report.LayerCount).
type Layer struct {
	Component  string
	Layer      int
	Parameters uint64
	ByRole     map[string]uint64
}

// RoleRow is one line of the role table (report.RoleCount with its key).
type RoleRow struct {
	Role       string
	Tensors    int
	Elements   uint64
	Parameters uint64
}

// DTypeRow is one line of the dtype table (report.DTypeCount with its key).
type DTypeRow struct {
	DType    string
	Tensors  int
	Elements uint64
	Bytes    int64
}

// Formula is the 12·L·d² comparison (report.Formula).
type Formula struct {
	Layers     int
	HiddenSize int
	TwelveLD2  uint64
	Body       uint64 // BodyParameters
	Ratio      float64
	Terms      []Term
}

// Term is one part of the formula comparison (report.Term).
type Term struct {
	Name        string // "attention", "ffn", "norms", "embeddings", "head", "inactive experts", "other"
	Formula     uint64
	FormulaText string // "4·L·d²"
	Measured    uint64
	Reason      string
}

// Memory is what the weights and the KV cache take (report.Costs).
type Memory struct {
	BF16Bytes uint64 // WeightsBF16Bytes
	FP8Bytes  uint64 // WeightsFP8Bytes
	Int4Bytes uint64 // WeightsInt4Bytes
	DiskBytes int64  // as stored
	// KVCacheBytes is the bf16 KV cache for Context tokens; 0 when not
	// known. KVFormula says how it was computed.
	KVCacheBytes uint64
	Context      int
	KVFormula    string
	// GPUs are the memory sizes drawn as lines; DefaultGPUs when nil.
	GPUs []GPU
}

// GPU is one accelerator memory size drawn as a line.
type GPU struct {
	Name  string // "80 GB"
	Bytes uint64
}

// DefaultGPUs are the usual accelerator memory sizes: 24, 48, 80 and
// 141 GB (10⁹ bytes).
var DefaultGPUs = []GPU{
	{"24 GB", 24e9}, {"48 GB", 48e9}, {"80 GB", 80e9}, {"141 GB", 141e9},
}

// MoE is a mixture of experts' total and active parameters (report.MoE
// with Report.Parameters and Report.ActiveParameters).
type MoE struct {
	Experts         int
	ExpertsPerToken int
	SharedExperts   int
	Total           uint64 // Report.Parameters
	Active          uint64 // Report.ActiveParameters; 0 when unknown
	Routed          uint64 // RoutedParameters
	ActiveRouted    uint64 // ActiveRoutedParameters
	Shared          uint64 // SharedParameters
	Router          uint64 // RouterParameters
}

// Options size the page. Zero values take the defaults.
type Options struct {
	// Width and Height of the treemap in px (1160 × 720).
	Width, Height float64
	// MinArea: blocks smaller than this many px² are merged per parent
	// and role (100). Negative: no merging.
	MinArea float64
	// MaxBlocks bounds the blocks drawn (3000), which bounds the page's
	// size: while more remain, MinArea is doubled.
	MaxBlocks int
	// Largest is how many tensors the largest-tensors table lists (25);
	// MaxListed bounds the unrecognised and changed names listed (100).
	Largest   int
	MaxListed int

	mergeParams uint64 // RenderDiff: the merge threshold of the shared scale
	fixedMerge  bool
}

func (o Options) withDefaults() Options {
	if o.Width <= 0 {
		o.Width = 1160
	}
	if o.Height <= 0 {
		o.Height = 720
	}
	if o.MinArea == 0 {
		o.MinArea = 100
	}
	if o.MaxBlocks <= 0 {
		o.MaxBlocks = 3000
	}
	if o.Largest <= 0 {
		o.Largest = 25
	}
	if o.MaxListed <= 0 {
		o.MaxListed = 100
	}
	return o
}
