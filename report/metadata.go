package report

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/tensorcount/tensorcount/internal/text"
	"github.com/tensorcount/tensorcount/model"
)

// MetadataSchema identifies the JSON layout of the metadata listing.
const MetadataSchema = "tensorcount/metadata/v1"

// Metadata is what the files of a model store beside their tensors, and
// the architecture facts read from them and their configs.
type Metadata struct {
	Schema  string                `json:"schema"`
	Path    string                `json:"path"`
	Format  string                `json:"format"`
	Entries []model.MetadataEntry `json:"entries"`
	Arch    model.Arch            `json:"arch"`
	// Full is set when whole values were asked for: the text then
	// shortens nothing.
	Full bool `json:"-"`
}

// WriteMetadataJSON writes the listing as one JSON object.
func WriteMetadataJSON(w io.Writer, md *Metadata) error {
	md.Schema = MetadataSchema
	if md.Entries == nil {
		md.Entries = []model.MetadataEntry{}
	}
	return encode(w, md)
}

// maxValueWidth bounds a value cell of the text listing unless the
// output is wide.
const maxValueWidth = 60

// WriteMetadataText writes one row per key, file by file, then the
// architecture facts.
func WriteMetadataText(w io.Writer, md *Metadata, opt Options) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", text.Safe(md.Path))
	file := ""
	var t *table
	flush := func() {
		if t != nil {
			t.write(&b)
		}
	}
	for _, e := range md.Entries {
		if e.File != file {
			flush()
			file = e.File
			fmt.Fprintf(&b, "\n%s\n", text.Safe(filepath.Base(file)))
			t = &table{indent: "  ", left: map[int]bool{1: true, 2: true}, width: opt.width(), shrink: 2}
			if md.Full {
				t.width = 0
			}
		}
		v := text.Safe(e.String())
		if opt.Width >= 0 && !md.Full {
			v = text.Shorten(v, min(maxValueWidth, max(opt.width()-40, 20)))
		}
		typ := e.Type
		if e.Type == "STRING" && e.Truncated {
			v += fmt.Sprintf(" (%s bytes; --full shows all)", text.Exact(e.Len))
		}
		if e.ElemType != "" {
			typ = fmt.Sprintf("%s[%s]", e.ElemType, text.Exact(e.Len))
			switch {
			case e.Value == nil && md.Full:
				v = "(nested arrays are not listed)"
			case e.Value == nil:
				v = "(--full lists them)"
			}
		}
		t.add(text.Safe(e.Key), typ, v)
	}
	flush()
	if len(md.Entries) == 0 {
		b.WriteString("\n  no metadata stored beside the tensors\n")
	}
	if md.Arch != (model.Arch{}) {
		b.WriteString("\n")
		writeArch(&b, &md.Arch, opt.width())
	}
	_, err := io.WriteString(w, b.String())
	return err
}
