package source

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/tensorcount/tensorcount/format"
)

// A Choice is one GGUF model in a repository that holds several: a single
// file or a complete split set, with its quantization label.
type Choice struct {
	Label string   // the quantization from the name ("Q4_K_M"), or the file name
	Files []string // first part first
	Size  int64    // bytes over all parts
	// Projector marks a multimodal projector (mmproj-*.gguf), which the
	// loader counts as a component beside the chosen model, not instead
	// of it.
	Projector bool
}

var quantLabel = lazyRegexp(`(?i)(?:^|[-._])((?:IQ|Q)[0-9]_[A-Z0-9_]+|(?:IQ|Q)[0-9]+(?:_[0-9A-Z]+)*|BF16|F16|F32|MXFP4(?:_MOE)?|TQ[12]_0)(?:[-.]|$)`)

// GGUFChoices groups the .gguf entries of a listing into the models a
// user can pick from, sorted by size: split parts
// (name-00001-of-00003.gguf) are one choice, projector files are marked.
// A repository with one choice needs no question; with several, the CLI
// asks the user to name one (exit 2) unless the argument named a file.
func GGUFChoices(entries []Entry) []Choice {
	type set struct {
		c     Choice
		count int
	}
	sets := map[string]*set{}
	var order []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name, ".gguf") {
			continue
		}
		key, count := e.Name, 1
		if prefix, _, n, _, ok := format.ShardName(e.Name, ".gguf"); ok {
			key, count = path.Dir(e.Name)+"/"+prefix+"-of-split", n
		}
		s, ok := sets[key]
		if !ok {
			base := path.Base(e.Name)
			label := base
			if m := quantLabel().FindStringSubmatch(strings.TrimSuffix(base, ".gguf")); m != nil {
				label = strings.ToUpper(m[1])
			}
			s = &set{c: Choice{Label: label, Projector: strings.Contains(strings.ToLower(base), "mmproj")}, count: count}
			sets[key] = s
			order = append(order, key)
		}
		s.c.Files = append(s.c.Files, e.Name)
		s.c.Size += e.Size
	}
	out := make([]Choice, 0, len(order))
	for _, k := range order {
		s := sets[k]
		sort.Strings(s.c.Files)
		out = append(out, s.c)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Projector != out[j].Projector {
			return !out[i].Projector
		}
		return out[i].Size < out[j].Size
	})
	return out
}

// FormatChoices renders choices for the message a CLI prints before
// exiting 2: one line per model, label, size and the file to pass.
func FormatChoices(desc string, choices []Choice) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s holds %d GGUF models; name one:\n", desc, len(choices))
	for _, c := range choices {
		kind := ""
		if c.Projector {
			kind = " (projector)"
		}
		parts := ""
		if len(c.Files) > 1 {
			parts = fmt.Sprintf(" (%d parts)", len(c.Files))
		}
		fmt.Fprintf(&b, "  %-10s %9s  %s/%s%s%s\n", c.Label, humanBytes(c.Size), desc, c.Files[0], parts, kind)
	}
	return b.String()
}

func humanBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}
