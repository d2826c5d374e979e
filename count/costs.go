package count

import (
	"fmt"

	"github.com/tensorcount/tensorcount/classify"
	"github.com/tensorcount/tensorcount/internal/checked"
	"github.com/tensorcount/tensorcount/internal/text"
)

// Costs are what the parameters cost to hold and to run.
type Costs struct {
	// Weights at 16, 8 and 4 bits a parameter.
	WeightsBF16Bytes uint64 `json:"weights_bf16_bytes"`
	WeightsFP8Bytes  uint64 `json:"weights_fp8_bytes"`
	WeightsInt4Bytes uint64 `json:"weights_int4_bytes"`
	// DiskBytes are the tensor bytes as stored; BitsPerParameter their
	// cost per parameter.
	DiskBytes        int64   `json:"disk_bytes"`
	BitsPerParameter float64 `json:"bits_per_parameter,omitempty"`
	// FLOPsPerToken is the forward pass, ≈ 2 × active parameters (one
	// multiply and one add per weight; attention over the context adds to
	// it).
	FLOPsPerToken uint64 `json:"flops_per_token,omitempty"`
	// KVCacheBytes is the bf16 key/value cache for Context tokens
	// (--ctx); KVCacheBytesPerToken the same for one token.
	Context              int    `json:"context,omitempty"`
	KVCacheBytesPerToken uint64 `json:"kv_cache_bytes_per_token,omitempty"`
	KVCacheBytes         uint64 `json:"kv_cache_bytes,omitempty"`
	KVCacheFormula       string `json:"kv_cache_formula,omitempty"`
	// TrainingFLOPs is 6·N·D for D = TrainingTokens (--tokens), N the
	// active parameters.
	TrainingTokens uint64  `json:"training_tokens,omitempty"`
	TrainingFLOPs  float64 `json:"training_flops,omitempty"`
}

func (c *counter) costs(r *Report, lm bool) *Costs {
	if r.Parameters == 0 {
		return nil
	}
	active := r.ActiveParameters
	if active == 0 {
		active = r.Parameters
	}
	k := &Costs{
		WeightsBF16Bytes: c.mul(r.Parameters, 2, "the bf16 weight size"),
		WeightsFP8Bytes:  r.Parameters,
		WeightsInt4Bytes: r.Parameters / 2,
		DiskBytes:        r.Bytes,
		BitsPerParameter: r.BitsPerParameter,
	}
	if !lm {
		return k
	}
	k.FLOPsPerToken = c.mul(active, 2, "the compute per token")
	if per, how := c.kvPerToken(r); per > 0 {
		k.KVCacheBytesPerToken, k.KVCacheFormula = per, how
		if c.opt.Context > 0 {
			k.Context = c.opt.Context
			k.KVCacheBytes = c.mul(per, uint64(c.opt.Context), fmt.Sprintf("KV cache for %s tokens", text.Exact(c.opt.Context)))
		}
	} else if c.opt.Context > 0 {
		c.notes.add("the KV-cache size needs layers, KV heads and head size, which the metadata does not give")
	}
	if c.opt.Tokens > 0 {
		k.TrainingTokens = c.opt.Tokens
		k.TrainingFLOPs = 6 * float64(active) * float64(c.opt.Tokens)
	}
	return k
}

// mul returns a·b, or 0 with the note "WHAT is too large to show" when
// the product does not fit in a uint64: a wrapped figure would be small
// and wrong.
func (c *counter) mul(a, b uint64, what string) uint64 {
	p, ok := checked.Mul(a, b)
	if !ok {
		c.notes.add(what + " is too large to show")
		return 0
	}
	return p
}

// kvPerToken is the bf16 key/value cache one token needs across the main
// model's layers: 2 (K and V) × KV heads × head size × 2 bytes per layer,
// or for multi-head latent attention the compressed latent and the shared
// rope key, (kv_lora_rank + qk_rope_head_dim) × 2 bytes.
func (c *counter) kvPerToken(r *Report) (uint64, string) {
	a := c.m.Arch
	layers := a.Layers
	if r.Formula != nil {
		layers = r.Formula.Layers
	}
	// Only blocks with attention keep keys and values; state-space and
	// linear-attention blocks hold a fixed-size state instead.
	if n := c.attentionBlocks(); n > 0 && n < layers {
		layers = n
	}
	if layers == 0 {
		return 0, ""
	}
	L := uint64(layers)
	if a.KVLoRARank > 0 {
		per, ok := checked.ProductUint64([]uint64{L, uint64(a.KVLoRARank) + uint64(a.QKRopeHeadDim), 2})
		if !ok {
			return 0, ""
		}
		return per, fmt.Sprintf("MLA: %d layers × (kv_lora_rank %d + rope dim %d) × 2 bytes", layers, a.KVLoRARank, a.QKRopeHeadDim)
	}
	if a.KVHeads == 0 || a.HeadDim == 0 {
		return 0, ""
	}
	per, ok := checked.ProductUint64([]uint64{L, 2, uint64(a.KVHeads), uint64(a.HeadDim), 2})
	if !ok {
		return 0, ""
	}
	return per, fmt.Sprintf("%d layers × 2 (K, V) × %d KV heads × head size %d × 2 bytes", layers, a.KVHeads, a.HeadDim)
}

// attentionBlocks counts the main model's blocks that hold attention
// tensors.
func (c *counter) attentionBlocks() int {
	blocks := map[int]bool{}
	for i := range c.items {
		l := &c.items[i].Label
		if l.Component == classify.ComponentLanguageModel && l.Layer >= 0 && l.Role == classify.RoleAttention {
			blocks[int(l.Layer)] = true
		}
	}
	return len(blocks)
}
