package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/tensorcount/tensorcount/format"
)

// nestedConfigs are the members of a multimodal config that hold the
// language model's facts, consulted after the top level.
var nestedConfigs = []string{"text_config", "llm_config", "language_config", "thinker_config"}

// A config is a parsed config.json: its top-level object and the nested
// language-model objects, searched in that order.
type config struct {
	file  string
	maps  []map[string]any
	names []string // "" for the top level, else the nested member's name
	notes []string
	data  []byte // the file's text
}

// readConfig reads a JSON config file by the one open path, bounded by
// format.MaxConfigBytes. A missing file is (nil, nil); an unreadable,
// oversized or malformed one is an error the caller turns into a note,
// since the weights can be counted without it.
func readConfig(path string) (*config, error) {
	data, err := format.ReadSmall(path, format.SmallConfig)
	return configFrom(filepath.Base(path), data, err)
}

// configFrom parses data, the text of the config file named file as a
// bounded read returned it with err.
func configFrom(file string, data []byte, err error) (*config, error) {
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return parseConfig(file, data)
}

// parseConfig parses the text of a config file named file.
func parseConfig(file string, data []byte) (*config, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var top map[string]any
	if err := dec.Decode(&top); err != nil {
		return nil, fmt.Errorf("%s is not a JSON object: %v", file, err)
	}
	if top == nil {
		return nil, fmt.Errorf("%s is null, not a JSON object", file)
	}
	c := &config{file: file, maps: []map[string]any{top}, names: []string{""}, data: data}
	for _, k := range nestedConfigs {
		if m, ok := top[k].(map[string]any); ok {
			c.maps = append(c.maps, m)
			c.names = append(c.names, k)
			// Qwen-Omni style: thinker_config.text_config.
			if t, ok := m["text_config"].(map[string]any); ok {
				c.maps = append(c.maps, t)
				c.names = append(c.names, k+".text_config")
			}
		}
	}
	return c, nil
}

// lookup finds the first of keys in the first object that has it.
func (c *config) lookup(keys ...string) (v any, key, where string, ok bool) {
	for i, m := range c.maps {
		for _, k := range keys {
			if v, ok := m[k]; ok {
				return v, k, c.names[i], true
			}
		}
	}
	return nil, "", "", false
}

func (c *config) at(key, where string) string {
	if where == "" {
		return c.file + " " + key
	}
	return c.file + " " + where + "." + key
}

// limit is the largest value an architecture field may take before it is
// treated as absurd: far above any real model, far below overflow.
const limit = 1 << 26

// int reads a non-negative integer field under any of its spellings. A
// wrong type or an absurd value is noted and ignored, never fatal.
func (c *config) int(keys ...string) int {
	v, key, where, ok := c.lookup(keys...)
	if !ok || v == nil {
		return 0
	}
	n, err := asInt(v)
	if err == nil && (n < 0 || n > limit) {
		err = fmt.Errorf("is %d, outside 0…%d", n, limit)
	}
	if err != nil {
		c.notes = append(c.notes, fmt.Sprintf("%s %v; ignored", c.at(key, where), err))
		return 0
	}
	return int(n)
}

func asInt(v any) (int64, error) {
	switch v := v.(type) {
	case json.Number:
		if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return n, nil
		}
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return 0, fmt.Errorf("is %s, not a whole number", v)
		}
		return int64(f), nil
	case string:
		return 0, fmt.Errorf("is the string %q, not a number", cut(v))
	case bool:
		return 0, fmt.Errorf("is %v, not a number", v)
	default:
		return 0, fmt.Errorf("is %s, not a number", article(jsonKind(v)))
	}
}

func (c *config) str(keys ...string) string {
	v, _, _, ok := c.lookup(keys...)
	if !ok {
		return ""
	}
	s, _ := v.(string)
	return s
}

func (c *config) boolean(keys ...string) *bool {
	v, key, where, ok := c.lookup(keys...)
	if !ok || v == nil {
		return nil
	}
	b, isBool := v.(bool)
	if !isBool {
		c.notes = append(c.notes, fmt.Sprintf("%s is %s, not true or false; ignored", c.at(key, where), article(jsonKind(v))))
		return nil
	}
	return &b
}

func jsonKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number:
		return "number"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

func article(kind string) string {
	if strings.ContainsRune("aeiou", rune(kind[0])) {
		return "an " + kind
	}
	return "a " + kind
}

func cut(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// arch extracts the architecture facts, under every spelling that
// Hugging Face, Meta and MLX configs use for each.
func (c *config) arch() Arch {
	a := Arch{Source: c.file}
	a.Architecture = c.str("model_type")
	if v, _, _, ok := c.lookup("architectures"); ok {
		if l, ok := v.([]any); ok && len(l) > 0 {
			a.Class, _ = l[0].(string)
		}
	}
	a.Layers = c.int("num_hidden_layers", "n_layer", "num_layers", "n_layers")
	a.HiddenSize = c.int("hidden_size", "n_embd", "n_embed", "d_model", "dim")
	a.VocabSize = c.int("vocab_size", "padded_vocab_size", "n_vocab")
	a.Heads = c.int("num_attention_heads", "n_head", "n_heads", "num_heads")
	a.KVHeads = c.int("num_key_value_heads", "n_head_kv", "num_kv_heads", "n_kv_heads", "multi_query_group_num")
	if a.KVHeads == 0 {
		if mq := c.boolean("multi_query"); mq != nil && *mq {
			a.KVHeads = 1
		} else {
			a.KVHeads = a.Heads
		}
	}
	a.HeadDim = c.int("head_dim", "kv_channels")
	a.FFNSize = c.int("intermediate_size", "n_inner", "ffn_hidden_size", "ffn_dim", "d_ff")
	// hidden_dim is the FFN width beside a "dim" (Meta's params.json,
	// DistilBERT) or a different hidden_size; alone, it is the model's
	// width (many vision and audio configs).
	if a.FFNSize == 0 {
		if hd := c.int("hidden_dim"); hd > 0 {
			_, _, _, hasDim := c.lookup("dim")
			switch {
			case hasDim || (a.HiddenSize > 0 && a.HiddenSize != hd):
				a.FFNSize = hd
			case a.HiddenSize == 0:
				a.HiddenSize = hd
			}
		}
	}
	if a.FFNSize == 0 && a.HiddenSize > 0 {
		if v, _, _, ok := c.lookup("n_inner"); ok && v == nil {
			a.FFNSize = 4 * a.HiddenSize // GPT-2: n_inner null means 4·d
		}
	}
	a.Experts = c.int("num_local_experts", "num_experts", "n_routed_experts", "moe_num_experts", "n_experts")
	a.ExpertsPerToken = c.int("num_experts_per_tok", "num_experts_per_token", "experts_per_token", "moe_top_k", "top_k_experts")
	a.SharedExperts = c.int("n_shared_experts", "num_shared_experts")
	a.ExpertFFNSize = c.int("moe_intermediate_size", "expert_intermediate_size")
	a.SharedExpertFFNSize = c.int("shared_expert_intermediate_size")
	if a.SharedExperts == 0 && a.SharedExpertFFNSize > 0 {
		a.SharedExperts = 1 // Qwen-MoE: one shared expert of that width
	}
	a.FirstDenseLayers = c.int("first_k_dense_replace")
	a.MTPLayers = c.int("num_nextn_predict_layers")
	a.QLoRARank = c.int("q_lora_rank")
	a.KVLoRARank = c.int("kv_lora_rank")
	a.QKNopeHeadDim = c.int("qk_nope_head_dim")
	a.QKRopeHeadDim = c.int("qk_rope_head_dim")
	a.VHeadDim = c.int("v_head_dim")
	switch {
	case a.HeadDim > 0:
	case a.QKNopeHeadDim+a.QKRopeHeadDim > 0:
		a.HeadDim = a.QKNopeHeadDim + a.QKRopeHeadDim // MLA query/key heads
	case a.Heads > 0 && a.HiddenSize%a.Heads == 0:
		a.HeadDim = a.HiddenSize / a.Heads
	}
	a.ContextLength = c.int("max_position_embeddings", "n_positions", "n_ctx", "seq_length", "max_seq_len")
	a.TiedEmbeddings = c.boolean("tie_word_embeddings")
	if a.Experts > 0 && a.ExpertsPerToken > a.Experts {
		c.notes = append(c.notes, fmt.Sprintf("%s says %d experts per token but only %d experts; experts per token ignored", c.file, a.ExpertsPerToken, a.Experts))
		a.ExpertsPerToken = 0
	}
	for i, name := range c.names {
		if name != "" && c.maps[i]["num_hidden_layers"] != nil && c.maps[0]["num_hidden_layers"] == nil {
			a.Source = c.file + " (" + name + ")"
			break
		}
	}
	a.Quantization = c.quantization()
	return a
}

// quantization reads quantization_config (or the older
// compression_config), at the top level or nested in text_config.
func (c *config) quantization() *Quantization {
	v, _, _, ok := c.lookup("quantization_config", "compression_config")
	m, isMap := v.(map[string]any)
	if !ok || !isMap {
		return c.mlxQuantization()
	}
	// mlx-lm writes its "quantization" object twice, the second time as
	// a quantization_config without a quant_method.
	if _, hasMethod := m["quant_method"]; !hasMethod {
		if q := c.mlxQuantization(); q != nil {
			return q
		}
	}
	qc := &config{file: c.file, maps: []map[string]any{m}, names: []string{"quantization_config"}}
	q := &Quantization{
		Method:    qc.str("quant_method"),
		Bits:      qc.int("bits", "w_bit", "num_bits"),
		GroupSize: qc.int("group_size", "q_group_size"),
		Format:    qc.str("format"),
		QuantType: qc.str("bnb_4bit_quant_type"),
	}
	if b := qc.boolean("load_in_4bit"); b != nil {
		q.Load4Bit = *b
	}
	if b := qc.boolean("load_in_8bit"); b != nil {
		q.Load8Bit = *b
	}
	if groups, ok := m["config_groups"].(map[string]any); ok {
		names := make([]string, 0, len(groups))
		for name := range groups {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			g, _ := groups[name].(map[string]any)
			w, _ := g["weights"].(map[string]any)
			if w == nil {
				continue
			}
			gc := &config{file: c.file, maps: []map[string]any{w}, names: []string{"config_groups." + name}}
			qg := QuantGroup{Name: name, Bits: gc.int("num_bits"), Type: gc.str("type"), Targets: stringList(g["targets"])}
			q.Groups = append(q.Groups, qg)
			c.notes = append(c.notes, gc.notes...)
		}
		if q.Bits == 0 && len(q.Groups) > 0 {
			q.Bits = q.Groups[0].Bits
		}
	}
	q.Ignore = append(stringList(m["ignore"]), stringList(m["modules_to_not_convert"])...)
	q.ExpertDType = c.str("expert_dtype")
	c.notes = append(c.notes, qc.notes...)
	if q.Method == "" && q.Load4Bit {
		q.Method = "bitsandbytes"
	}
	return q
}

// mlxQuantization reads MLX's top-level "quantization" object
// ({"group_size": 64, "bits": 4}), the only place an MLX checkpoint states
// that its U32 weights are packed.
func (c *config) mlxQuantization() *Quantization {
	m, ok := c.maps[0]["quantization"].(map[string]any)
	if !ok {
		return nil
	}
	qc := &config{file: c.file, maps: []map[string]any{m}, names: []string{"quantization"}}
	q := &Quantization{Method: "mlx", Bits: qc.int("bits"), GroupSize: qc.int("group_size")}
	c.notes = append(c.notes, qc.notes...)
	return q
}

func stringList(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, e := range l {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
