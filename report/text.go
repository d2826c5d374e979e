package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/tensorcount/tensorcount/model"
)

// maxFilesShown bounds the file list of the text summary; a 163-shard
// checkpoint would otherwise bury the figures. JSON always lists all.
const maxFilesShown = 8

// WriteText writes the human summary: aligned tables with readable units
// and the exact integers beside them.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", safe(r.Path))

	fmt.Fprintf(&b, "  %s, %d %s\n\n", r.Format, len(r.Files), plural(len(r.Files), "file", "files"))
	top := &table{indent: "  "}
	top.add("tensors", Exact(r.Tensors), "")
	top.add("elements", Count(r.Elements), Exact(r.Elements))
	top.add("bytes", Bytes(r.Bytes), Exact(r.Bytes))
	top.write(&b)

	if len(r.ByDType) > 0 {
		b.WriteString("\n")
		t := &table{indent: "  "}
		t.add("dtype", "tensors", "elements", "bytes", "bits/elem", "share")
		for _, name := range r.dtypeOrder() {
			c := r.ByDType[name]
			bits := "–"
			if c.Elements > 0 {
				bits = fmt.Sprintf("%.2f", float64(c.Bytes)*8/float64(c.Elements))
			}
			t.add(safe(name), Exact(c.Tensors), r.count(c.Elements), r.bytes(c.Bytes), bits, percent(c.Bytes, r.Bytes))
		}
		t.write(&b)
	}

	if r.Arch != nil {
		b.WriteString("\n")
		writeArch(&b, r.Arch)
	}

	if len(r.Files) > 1 {
		fmt.Fprintf(&b, "\nfiles (%d)\n", len(r.Files))
		t := &table{indent: "  ", left: map[int]bool{2: true}}
		for i, f := range r.Files {
			if i == maxFilesShown {
				t.add(fmt.Sprintf("… %d more (--json lists every file)", len(r.Files)-maxFilesShown))
				break
			}
			t.add(safe(base(f.Path)), Exact(f.Tensors), plural(f.Tensors, "tensor", "tensors"), r.bytes(f.Bytes))
		}
		t.write(&b)
	}

	if len(r.Notes) > 0 {
		b.WriteString("\nnotes\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "  - %s\n", safe(n))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeArch(b *strings.Builder, a *model.Arch) {
	name := a.Architecture
	if a.Class != "" {
		if name != "" {
			name += " (" + a.Class + ")"
		} else {
			name = a.Class
		}
	}
	if name == "" {
		name = "unknown"
	}
	fmt.Fprintf(b, "architecture  %s", safe(name))
	if a.Source != "" {
		fmt.Fprintf(b, ", from %s", safe(a.Source))
	}
	b.WriteString("\n")
	var facts []string
	add := func(label string, v int) {
		if v > 0 {
			facts = append(facts, fmt.Sprintf("%s %s", label, Exact(v)))
		}
	}
	add("layers", a.Layers)
	add("hidden", a.HiddenSize)
	add("vocab", a.VocabSize)
	if a.Heads > 0 {
		h := fmt.Sprintf("heads %d", a.Heads)
		if a.KVHeads > 0 && a.KVHeads != a.Heads {
			h += fmt.Sprintf(" (%d KV)", a.KVHeads)
		}
		facts = append(facts, h)
	}
	add("head dim", a.HeadDim)
	add("FFN", a.FFNSize)
	if a.Experts > 0 {
		e := fmt.Sprintf("experts %d", a.Experts)
		if a.ExpertsPerToken > 0 {
			e += fmt.Sprintf(" (%d per token", a.ExpertsPerToken)
			if a.SharedExperts > 0 {
				e += fmt.Sprintf(", %d shared", a.SharedExperts)
			}
			e += ")"
		}
		facts = append(facts, e)
	}
	add("expert FFN", a.ExpertFFNSize)
	add("MTP layers", a.MTPLayers)
	add("context", a.ContextLength)
	if a.TiedEmbeddings != nil {
		if *a.TiedEmbeddings {
			facts = append(facts, "tied embeddings")
		} else {
			facts = append(facts, "untied embeddings")
		}
	}
	if q := a.Quantization; q != nil {
		s := "quantization " + safe(q.Method)
		if q.Bits > 0 {
			s += fmt.Sprintf(" %d-bit", q.Bits)
		}
		facts = append(facts, s)
	}
	// Wrap the facts into lines of readable length.
	line := "  "
	for i, f := range facts {
		if i > 0 {
			if len(line)+len(f)+3 > 90 {
				b.WriteString(line + "\n")
				line = "  "
			} else {
				line += " · "
			}
		}
		line += f
	}
	if len(facts) > 0 {
		b.WriteString(line + "\n")
	}
}

// count and bytes render a figure in a table: readable units, or the
// exact integer when the user asked for exact output.
func (r *Report) count(n uint64) string {
	if r.exact {
		return Exact(n)
	}
	return Count(n)
}

func (r *Report) bytes(n int64) string {
	if r.exact {
		return Exact(n)
	}
	return Bytes(n)
}

func percent(part, whole int64) string {
	if whole <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", float64(part)*100/float64(whole))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
