package classify

import (
	"testing"

	"github.com/stretchr/testify/require"
)

const (
	lm  = ComponentLanguageModel
	vis = ComponentVision
	aud = ComponentAudio
	prj = ComponentProjector
	mtp = ComponentMTP
)

// want is the part of a Label every table row asserts.
type want struct {
	role   Role
	comp   Component
	layer  int
	expert int
	kind   Kind
	canon  string
}

type row struct {
	name string
	want want
}

func checkRows(t *testing.T, rows []row) {
	t.Helper()
	seen := map[string]bool{}
	for _, r := range rows {
		require.False(t, seen[r.name], "duplicate row %q", r.name)
		seen[r.name] = true
		t.Run(r.name, func(t *testing.T) {
			l := Tensor(r.name)
			got := want{l.Role, l.Component, int(l.Layer), int(l.Expert), l.Kind, l.Canonical}
			require.Equal(t, r.want, got)
		})
	}
}
