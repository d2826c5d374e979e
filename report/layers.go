package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/tensorcount/tensorcount/classify"
)

// WriteLayersText writes one row per block: its tensors, parameters and
// the parameters of each role present. Tensors outside any block
// (embeddings, final norm, head) form the row "–".
func (r *Report) WriteLayersText(w io.Writer) error {
	var roles []classify.Role
	for _, role := range classify.Roles() {
		for _, l := range r.ByLayer {
			if l.ByRole[string(role)] > 0 {
				roles = append(roles, role)
				break
			}
		}
	}
	t := &table{}
	head := []string{"component", "layer", "tensors", "parameters"}
	for _, role := range roles {
		head = append(head, string(role))
	}
	t.add(head...)
	for _, l := range r.ByLayer {
		layer := "–"
		if l.Layer >= 0 {
			layer = strconv.Itoa(l.Layer)
		}
		row := []string{l.Component, layer, Exact(l.Tensors), r.count(l.Parameters)}
		for _, role := range roles {
			row = append(row, r.count(l.ByRole[string(role)]))
		}
		t.add(row...)
	}
	if err := t.write(w); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "total %s parameters in %s tensors\n", Exact(r.Parameters), Exact(r.Tensors))
	return err
}

// WriteLayersJSON writes the per-layer totals as JSON.
func (r *Report) WriteLayersJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Schema     string       `json:"schema"`
		Path       string       `json:"path"`
		Parameters uint64       `json:"parameters"`
		Layers     []LayerCount `json:"layers"`
	}{Schema, r.Path, r.Parameters, r.ByLayer})
}
