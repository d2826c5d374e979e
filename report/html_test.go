package report

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/audit"
	"github.com/tensorcount/tensorcount/count"
	"github.com/tensorcount/tensorcount/internal/fixture/archs"
	"github.com/tensorcount/tensorcount/model"
	"github.com/tensorcount/tensorcount/treemap"
)

func summaryOf(t *testing.T, path string) Summary {
	t.Helper()
	m, err := model.Load(path)
	require.NoError(t, err)
	r, err := count.Build(m, count.Options{NoData: true})
	require.NoError(t, err)
	vs, err := audit.Audit(m, r, "30B-A3B")
	require.NoError(t, err)
	return Summary{Report: r, Claims: vs}
}

// The page's input carries the report's figures; the tensors add up to
// the parameters, and both outputs are the same bytes every time.
func TestPageFromSummary(t *testing.T) {
	dir := t.TempDir()
	_, err := archs.Write(dir, archs.Qwen3_30B_A3B())
	require.NoError(t, err)
	s := summaryOf(t, dir)
	r := s.Report

	p := Page(s)
	require.Equal(t, filepath.Base(dir), p.Title)
	require.Equal(t, "parameters", p.Figures[0].Label)
	require.Equal(t, r.Parameters, p.Figures[0].Value)
	require.Equal(t, "active parameters", p.Figures[1].Label)
	require.Equal(t, r.ActiveParameters, p.Figures[1].Value)
	require.Len(t, p.Tensors, r.Tensors)
	var sum uint64
	for _, pt := range p.Tensors {
		sum += pt.Parameters
	}
	require.Equal(t, r.Parameters, sum)
	require.NotNil(t, p.MoE)
	require.Equal(t, r.MoE.Experts, p.MoE.Experts)
	require.Len(t, p.Claims, len(s.Claims))
	require.NotEmpty(t, p.Claims)
	for i, v := range s.Claims {
		require.Equal(t, v.Text, p.Claims[i].Text)
		require.Equal(t, string(v.Verdict), p.Claims[i].Verdict)
	}
	require.Len(t, p.Roles, len(r.ByRole))
	require.Len(t, p.Layers, len(r.ByLayer))

	var a, b bytes.Buffer
	require.NoError(t, WriteHTML(&a, s, Options{}))
	require.NoError(t, WriteHTML(&b, s, Options{}))
	require.Equal(t, a.String(), b.String())
	a.Reset()
	b.Reset()
	require.NoError(t, WriteSVG(&a, s, Options{}))
	require.NoError(t, WriteSVG(&b, s, Options{}))
	require.Equal(t, a.String(), b.String())
	st, err := treemap.Verify(&a)
	require.NoError(t, err)
	require.Equal(t, []uint64{r.Parameters}, st.Params)
}
