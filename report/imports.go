package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/tensorcount/tensorcount/internal/text"
	"github.com/tensorcount/tensorcount/model"
)

// ImportsSchema identifies the JSON layout of the imports listing.
const ImportsSchema = "tensorcount/imports/v1"

// Escape makes text from a file safe for a terminal.
func Escape(s string) string { return text.Safe(s) }

type importJSON struct {
	File   string `json:"file"`
	Module string `json:"module"`
	Name   string `json:"name"`
	Offset int64  `json:"offset"`
	Opcode string `json:"opcode"`
	Safety string `json:"safety"`
	Reason string `json:"reason"`
}

// WriteImportsJSON writes what loading a model's pickles would import.
func WriteImportsJSON(w io.Writer, path string, imports []model.Import) error {
	list := make([]importJSON, 0, len(imports))
	dangerous := false
	for _, i := range imports {
		list = append(list, importJSON{i.File, i.Module, i.Name, i.Offset, i.Opcode, i.Safety.String(), i.Reason})
		dangerous = dangerous || i.Safety.String() == "dangerous"
	}
	return encode(w, struct {
		Schema    string       `json:"schema"`
		Path      string       `json:"path"`
		Dangerous bool         `json:"dangerous"`
		Imports   []importJSON `json:"imports"`
	}{ImportsSchema, path, dangerous, list})
}

// WriteImportsText writes one row per import: safety, global, where.
func WriteImportsText(w io.Writer, path string, imports []model.Import, opt Options) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", text.Safe(path))
	if len(imports) == 0 {
		b.WriteString("  no pickle: nothing is imported when the weights are loaded\n")
	} else {
		t := &table{indent: "  ", left: map[int]bool{1: true, 2: true, 4: true}, width: opt.width(), shrink: 1}
		t.add("safety", "global", "opcode", "byte", "why")
		for _, i := range imports {
			s := i.Safety.String()
			if s == "dangerous" {
				s = text.Paint(s, text.Red, opt.Color)
			}
			t.add(s, text.Safe(i.String()), i.Opcode, text.Exact(i.Offset), text.Safe(i.Reason))
		}
		t.write(&b)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
