package count

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/classify"
	"github.com/tensorcount/tensorcount/model"
)

// The Hub adds up stored elements; the note says what makes the
// difference.
func TestHubNote(t *testing.T) {
	require.Empty(t, hubNote(&Report{Parameters: 5}, nil))
	r := &Report{Parameters: 1000, Elements: 1000}
	require.Equal(t, "the Hub says 1,000 parameters, as tensorcount counts", hubNote(r, &model.HubParameters{Total: 1000}))

	r = &Report{Parameters: 1000, Elements: 1164, Tie: &Tie{DuplicateParameters: 50}}
	r.ByRole = map[classify.Role]RoleCount{}
	r.ByRole[classify.RoleBuffer] = RoleCount{Elements: 64}
	r.ByRole[classify.RoleQuantAux] = RoleCount{Elements: 50}
	require.Equal(t, "the Hub says 1,164 parameters; tensorcount counts 1,000: the Hub counts every stored element, "+
		"including 64 of buffers, 50 of quantization bookkeeping, 50 in a second copy of a tied weight",
		hubNote(r, &model.HubParameters{Total: 1164}))

	r = &Report{Parameters: 2000, Elements: 1000}
	require.Equal(t, "the Hub says 1,000 parameters; tensorcount counts 2,000: the Hub counts every stored element as written (packed weights as stored)",
		hubNote(r, &model.HubParameters{Total: 1000}))
}
