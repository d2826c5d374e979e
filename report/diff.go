package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/tensorcount/tensorcount/classify"
	"github.com/tensorcount/tensorcount/diff"
	"github.com/tensorcount/tensorcount/internal/text"
)

// maxListed bounds the tensors a text diff lists per section; JSON lists
// all.
const maxListed = 12

// WriteText writes the diff for a terminal.
func WriteDiffText(w io.Writer, d *diff.Diff, opt Options) error {
	var b strings.Builder
	t := &table{indent: "  ", left: map[int]bool{1: true, 2: true}, width: opt.width(), shrink: 1}
	t.add("", "path", "format", "tensors", "parameters", "bytes")
	for _, s := range []struct {
		label string
		s     diff.Side
	}{{"A", d.A}, {"B", d.B}} {
		format := s.s.Format
		if s.s.FileTypeName != "" {
			format += " " + s.s.FileTypeName
		}
		t.add(s.label, text.Safe(s.s.Path), format, text.Exact(s.s.Tensors), text.Exact(s.s.Parameters), text.Bytes(s.s.Bytes))
	}
	t.write(&b)
	b.WriteString("\n" + text.Wrap(d.Verdict, opt.width(), "", "  "))
	list := func(title string, ts []diff.Tensor) {
		if len(ts) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n%s (%d)\n", title, len(ts))
		t := &table{indent: "  ", left: map[int]bool{1: true, 2: true, 3: true}, width: opt.width()}
		for i, x := range ts {
			if i == maxListed {
				t.add(fmt.Sprintf("… %d more (--json lists all)", len(ts)-maxListed))
				break
			}
			t.add(text.Safe(x.Name), x.Role, text.Safe(x.DType), dims(x.Shape), text.Exact(x.Parameters))
		}
		t.write(&b)
	}
	list("only in A", d.OnlyInA)
	list("only in B", d.OnlyInB)
	if len(d.ShapeChanges) > 0 {
		fmt.Fprintf(&b, "\nshape changes (%d)\n", len(d.ShapeChanges))
		t := &table{indent: "  ", left: map[int]bool{1: true, 2: true}, width: opt.width()}
		for i, c := range d.ShapeChanges {
			if i == maxListed {
				t.add(fmt.Sprintf("… %d more (--json lists all)", len(d.ShapeChanges)-maxListed))
				break
			}
			t.add(text.Safe(c.A.Name), dims(c.A.Shape), "→ "+dims(c.B.Shape), text.Signed(int64(c.B.Parameters)-int64(c.A.Parameters)))
		}
		t.write(&b)
	}
	if len(d.DTypeChanges) > 0 {
		b.WriteString("\ndtype changes\n")
		t := &table{indent: "  "}
		for _, c := range d.DTypeChanges {
			t.add(text.Safe(c.From)+" → "+text.Safe(c.To), text.Exact(c.Tensors), "tensors")
		}
		t.write(&b)
	}
	if len(d.RoleDeltas) > 0 {
		b.WriteString("\nparameters by role\n")
		t := &table{indent: "  "}
		t.add("role", "A", "B", "delta")
		for _, role := range classify.Roles() {
			if x, ok := d.RoleDeltas[role.String()]; ok {
				t.add(role.String(), text.Exact(x.A), text.Exact(x.B), text.Signed(x.Delta))
			}
		}
		t.write(&b)
	}
	for _, tie := range d.Ties {
		b.WriteString("\n" + text.Wrap(text.Safe(tie), opt.width(), "", "  "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the diff as one JSON object.
func WriteDiffJSON(w io.Writer, d *diff.Diff) error { return encode(w, d) }
