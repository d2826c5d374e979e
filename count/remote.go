package count

import (
	"fmt"
	"strings"

	"github.com/tensorcount/tensorcount/classify"
	"github.com/tensorcount/tensorcount/internal/text"
	"github.com/tensorcount/tensorcount/model"
)

// remoteNote is the note of a count of a model read over the network,
// whose tensor data is not read.
const remoteNote = "read remotely: headers only; a stored head is not compared with the embedding"

// hubNote compares the Hub's own parameter figure with the count: the
// Hub adds up every stored element of the safetensors files, so it
// includes buffers, quantization bookkeeping and a second copy of a tied
// weight, which the count leaves out. "" when there is no figure.
func hubNote(r *Report, hp *model.HubParameters) string {
	if hp == nil || hp.Total <= 0 {
		return ""
	}
	hub := uint64(hp.Total)
	if hub == r.Parameters {
		return fmt.Sprintf("the Hub says %s parameters, as tensorcount counts", text.Exact(hub))
	}
	s := fmt.Sprintf("the Hub says %s parameters; tensorcount counts %s", text.Exact(hub), text.Exact(r.Parameters))
	var buffers, aux uint64
	for role, c := range r.ByRole {
		switch role {
		case classify.RoleBuffer:
			buffers += c.Elements
		case classify.RoleQuantAux:
			aux += c.Elements
		}
	}
	var parts []string
	if buffers > 0 {
		parts = append(parts, text.Exact(buffers)+" of buffers")
	}
	if aux > 0 {
		parts = append(parts, text.Exact(aux)+" of quantization bookkeeping")
	}
	if r.Tie != nil && r.Tie.DuplicateParameters > 0 {
		parts = append(parts, text.Exact(r.Tie.DuplicateParameters)+" in a second copy of a tied weight")
	}
	switch {
	case hub == r.Elements && len(parts) > 0:
		s += ": the Hub counts every stored element, including " + strings.Join(parts, ", ")
	case hub == r.Elements:
		s += ": the Hub counts every stored element as written (packed weights as stored)"
	default:
		s += fmt.Sprintf(" (the files store %s elements)", text.Exact(r.Elements))
	}
	return s
}
