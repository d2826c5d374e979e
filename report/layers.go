package report

import (
	"fmt"
	"io"
	"strconv"

	"github.com/tensorcount/tensorcount/classify"
	"github.com/tensorcount/tensorcount/count"
	"github.com/tensorcount/tensorcount/internal/text"
)

// WriteLayersText writes one row per block: its tensors, parameters and
// the parameters of each role present. Tensors outside any block
// (embeddings, final norm, head) form the row "–".
func (r *view) writeLayersText(w io.Writer) error {
	var roles []classify.Role
	for _, role := range classify.Roles() {
		for _, l := range r.ByLayer {
			if l.ByRole[role] > 0 {
				roles = append(roles, role)
				break
			}
		}
	}
	t := &table{}
	comps := map[string]bool{}
	for _, l := range r.ByLayer {
		comps[l.Component] = true
	}
	// One component needs no column: the title names it.
	multi := len(comps) > 1
	head := []string{"component", "layer", "tensors", "parameters"}
	if !multi {
		head = head[1:]
		for c := range comps {
			fmt.Fprintf(w, "%s\n", c)
		}
	}
	for _, role := range roles {
		head = append(head, role.String())
	}
	t.add(head...)
	for _, l := range r.ByLayer {
		layer := "–"
		if l.Layer >= 0 {
			layer = strconv.Itoa(l.Layer)
		}
		row := []string{l.Component, layer, text.Exact(l.Tensors), r.count(l.Parameters)}
		if !multi {
			row = row[1:]
		}
		for _, role := range roles {
			row = append(row, r.count(l.ByRole[role]))
		}
		t.add(row...)
	}
	if err := t.write(w); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "total %s parameters in %s tensors\n", text.Exact(r.Parameters), text.Exact(r.Tensors))
	return err
}

// LayersSchema identifies the JSON layout of the per-layer totals.
const LayersSchema = "tensorcount/layers/v1"

// WriteLayersJSON writes the per-layer totals as JSON.
func WriteLayersJSON(w io.Writer, r *count.Report) error {
	layers := r.ByLayer
	if layers == nil {
		layers = []count.LayerCount{}
	}
	return encode(w, struct {
		Schema     string             `json:"schema"`
		Path       string             `json:"path"`
		Parameters uint64             `json:"parameters"`
		Layers     []count.LayerCount `json:"layers"`
	}{LayersSchema, r.Path, r.Parameters, layers})
}
