package count

import (
	"fmt"

	"github.com/tensorcount/tensorcount/classify"
	"github.com/tensorcount/tensorcount/internal/text"
)

// MoE describes a mixture-of-experts model's routed experts and what one
// token uses of them.
type MoE struct {
	Experts         int `json:"experts"`
	ExpertsPerToken int `json:"experts_per_token,omitempty"`
	SharedExperts   int `json:"shared_experts,omitempty"`
	// ExpertsSource says where Experts came from: "config" or "tensors".
	ExpertsSource string `json:"experts_source"`
	// RoutedParameters are all routed experts' parameters;
	// ActiveRoutedParameters the share k/E of them a token runs.
	RoutedParameters       uint64 `json:"routed_parameters"`
	ActiveRoutedParameters uint64 `json:"active_routed_parameters,omitempty"`
	SharedParameters       uint64 `json:"shared_expert_parameters,omitempty"`
	RouterParameters       uint64 `json:"router_parameters,omitempty"`
}

// moe computes active parameters: parameters − routed × (1 − k/E).
func (c *counter) moe(r *Report) *MoE {
	routed := r.ByRole[classify.RoleExpert].Parameters
	if routed == 0 {
		return nil
	}
	a := c.m.Arch
	m := &MoE{
		Experts:          a.Experts,
		ExpertsPerToken:  a.ExpertsPerToken,
		SharedExperts:    a.SharedExperts,
		ExpertsSource:    "config",
		RoutedParameters: routed,
		SharedParameters: r.ByRole[classify.RoleSharedExpert].Parameters,
		RouterParameters: r.ByRole[classify.RoleRouter].Parameters,
	}
	if c.m.Format == "gguf" {
		m.ExpertsSource = "gguf metadata"
	}
	if seen := c.expertsInTensors(); seen > 0 && seen != m.Experts {
		if m.Experts > 0 {
			c.notes.add(fmt.Sprintf("the metadata says %d experts but the tensors hold %d; the tensors are used", m.Experts, seen))
		}
		m.Experts, m.ExpertsSource = seen, "tensors"
	}
	k, e := uint64(m.ExpertsPerToken), uint64(m.Experts)
	if k == 0 || e == 0 {
		r.ActiveParameters = 0
		c.notes.add("experts per token is not stated, so active parameters cannot be computed")
		return m
	}
	inactive := scale(routed, e-k, e)
	m.ActiveRoutedParameters = routed - inactive
	r.ActiveParameters = r.Parameters - inactive
	c.notes.add(fmt.Sprintf("mixture of experts: %d of %d routed experts run per token, so %s of the %s routed-expert parameters are active",
		k, e, text.Exact(m.ActiveRoutedParameters), text.Exact(routed)))
	return m
}

// expertsInTensors counts routed experts from the tensors themselves: the
// highest per-expert index, or the outer dimension of fused expert
// tensors.
func (c *counter) expertsInTensors() int {
	n := 0
	for i := range c.items {
		it := &c.items[i]
		l := &it.Label
		if l.Role != classify.RoleExpert {
			continue
		}
		switch {
		case l.Expert >= 0:
			n = max(n, int(l.Expert)+1)
		case l.Fused3D && len(it.Tensor.Shape) >= 2 && it.Tensor.Shape[0] < 1<<20:
			n = max(n, int(it.Tensor.Shape[0]))
		}
	}
	return n
}
