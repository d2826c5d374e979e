package model

import (
	"encoding/binary"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tensorcount/tensorcount/format/gguf"
)

// loadGGUF reads a single GGUF file, or every part of the split set a
// part belongs to (name-00001-of-00003.gguf).
func (m *Model) loadGGUF(path string) error {
	if _, _, _, _, ok := gguf.SplitName(path); ok {
		s, err := gguf.OpenSplit(path)
		if err != nil {
			return err
		}
		defer s.Close()
		m.addSplit(s)
		return nil
	}
	f, err := gguf.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	m.Format = GGUF
	m.addGGUF(path, f)
	m.ggufArch(f)
	return nil
}

func (m *Model) addSplit(s *gguf.Split) {
	m.Format = GGUF
	for i, f := range s.Parts {
		m.addGGUF(s.Paths[i], f)
	}
	m.notef(fmt.Sprintf("split GGUF: %d parts; model metadata from the first", len(s.Parts)))
	m.ggufArch(s.Parts[0])
}

func (m *Model) addGGUF(path string, f *gguf.File) {
	ts := f.FormatTensors(path)
	var bytes int64
	for _, t := range ts {
		bytes += t.Size
	}
	m.Files = append(m.Files, File{Path: path, Format: GGUF, Tensors: len(ts), Bytes: bytes,
		Size: f.Size, HeaderBytes: min(f.DataOffset, f.Size), BigEndian: f.ByteOrder == binary.BigEndian})
	m.addTensors(ts)
	for _, w := range f.Warnings {
		m.notef(filepath.Base(path) + ": " + w)
	}
}

// loadGGUFDir picks the GGUF files of a directory: its one file or its one
// split set. A multimodal projector (mmproj) beside a language model is a
// separate model; it is noted, not added. Several quantizations of one
// model are not guessed between.
//
// outside holds the error for each file of the directory that is a link
// out of it; such a file is an error if it is to be read.
func (m *Model) loadGGUFDir(dir string, names []string, outside map[string]error) ([]string, error) {
	var models, projectors []string
	for _, n := range names {
		if strings.Contains(strings.ToLower(n), "mmproj") {
			projectors = append(projectors, n)
		} else {
			models = append(models, n)
		}
	}
	if len(models) == 0 {
		models, projectors = projectors, nil
	}
	for _, n := range models {
		if err := outside[n]; err != nil {
			return nil, err
		}
	}
	if len(models) == 1 {
		if err := m.loadGGUF(filepath.Join(dir, models[0])); err != nil {
			return nil, err
		}
		return models, nil
	}
	// Several files: they must be the parts of one split set.
	var prefix string
	for i, n := range models {
		p, _, _, _, ok := gguf.SplitName(n)
		if !ok || (i > 0 && p != prefix) {
			sort.Strings(models)
			return nil, pathErrorf(ErrSeveralModels, dir, "%d GGUF files (%s); pass the one to count", len(models), fewNames(models))
		}
		prefix = p
	}
	s, err := gguf.OpenSplit(filepath.Join(dir, models[0]))
	if err != nil {
		return nil, err
	}
	defer s.Close()
	m.addSplit(s)
	used := make([]string, len(s.Paths))
	for i, p := range s.Paths {
		used[i] = filepath.Base(p)
	}
	return used, nil
}

// ggufArch fills m.Arch from the {arch}.* keys.
func (m *Model) ggufArch(f *gguf.File) {
	g := ggufKeys{f: f, m: m}
	a := &m.Arch
	a.Source = "gguf"
	a.Architecture = g.str("general.architecture")
	arch := a.Architecture
	key := func(k string) string { return arch + "." + k }
	blocks := g.int(key("block_count"))
	a.MTPLayers = g.int(key("nextn_predict_layers"))
	a.Layers = blocks
	if a.MTPLayers > 0 && a.MTPLayers < blocks {
		// Converters count NextN layers in block_count.
		a.Layers = blocks - a.MTPLayers
	}
	a.HiddenSize = g.int(key("embedding_length"))
	a.FFNSize = g.intOrLayers(key("feed_forward_length"), blocks)
	a.Heads = g.intOrLayers(key("attention.head_count"), blocks)
	a.KVHeads = g.intOrLayers(key("attention.head_count_kv"), blocks)
	if a.KVHeads == 0 {
		a.KVHeads = a.Heads
	}
	a.Experts = g.int(key("expert_count"))
	a.ExpertsPerToken = g.int(key("expert_used_count"))
	a.SharedExperts = g.int(key("expert_shared_count"))
	a.ExpertFFNSize = g.int(key("expert_feed_forward_length"))
	a.SharedExpertFFNSize = g.int(key("expert_shared_feed_forward_length"))
	a.FirstDenseLayers = g.int(key("leading_dense_block_count"))
	a.QLoRARank = g.int(key("attention.q_lora_rank"))
	a.KVLoRARank = g.int(key("attention.kv_lora_rank"))
	keyLen := g.int(key("attention.key_length"))
	valueLen := g.int(key("attention.value_length"))
	if a.KVLoRARank > 0 {
		// MLA: key_length covers the no-rope and rope parts of a head.
		a.QKRopeHeadDim = g.int(key("rope.dimension_count"))
		a.QKNopeHeadDim = g.int(key("attention.key_length_mla"))
		if a.QKNopeHeadDim == 0 && keyLen > a.QKRopeHeadDim {
			a.QKNopeHeadDim = keyLen - a.QKRopeHeadDim
		}
		a.VHeadDim = g.int(key("attention.value_length_mla"))
		if a.VHeadDim == 0 {
			a.VHeadDim = valueLen
		}
	} else {
		a.HeadDim = keyLen
	}
	if a.HeadDim == 0 && a.Heads > 0 && a.HiddenSize%a.Heads == 0 {
		a.HeadDim = a.HiddenSize / a.Heads
	}
	a.ContextLength = g.int(key("context_length"))
	a.VocabSize = g.int(key("vocab_size"))
	if a.VocabSize == 0 {
		if kv, ok := f.Lookup("tokenizer.ggml.tokens"); ok {
			if n, err := kv.ArrayLen(); err == nil && n <= limit {
				a.VocabSize = int(n)
			}
		}
	}
	if a.Experts > 0 && a.ExpertsPerToken > a.Experts {
		m.notef(fmt.Sprintf("gguf %s is %d but %s is %d; experts per token ignored", key("expert_used_count"), a.ExpertsPerToken, key("expert_count"), a.Experts))
		a.ExpertsPerToken = 0
	}
	if blocks > 512 {
		m.notef(fmt.Sprintf("gguf %s is %d, above llama.cpp's limit of 512 layers", key("block_count"), blocks))
	}
	a.Name = g.str("general.name")
	a.SizeLabel = g.str("general.size_label")
	a.BaseName = g.str("general.basename")
	if kv, ok := f.Lookup("general.parameter_count"); ok {
		if v, err := kv.Uint(); err == nil {
			m.GGUFParameterCount = v
		} else {
			g.bad(kv.Key, err)
		}
	}
	if kv, ok := f.Lookup("general.file_type"); ok {
		if v, err := kv.Uint(); err == nil && v < 1<<16 {
			ft := int(v)
			a.FileType = &ft
			a.FileTypeName = gguf.FileTypeName(ft)
		} else {
			g.bad(kv.Key, err)
		}
	}
	m.Metadata = map[string]string{}
	for _, kv := range f.Metadata {
		if !strings.HasPrefix(kv.Key, "general.") {
			continue
		}
		if s, err := kv.String(); err == nil {
			m.Metadata[kv.Key] = preview(s)
		}
	}
}

// ggufKeys reads typed architecture keys, turning a wrong type or an
// absurd value into a note: the tensors can be counted regardless.
type ggufKeys struct {
	f *gguf.File
	m *Model
}

func (g ggufKeys) bad(key string, err error) {
	g.m.notef(fmt.Sprintf("gguf %s: %v; ignored", key, err))
}

func (g ggufKeys) str(key string) string {
	kv, ok := g.f.Lookup(key)
	if !ok {
		return ""
	}
	s, err := kv.String()
	if err != nil {
		g.bad(key, err)
	}
	return preview(s)
}

func (g ggufKeys) int(key string) int {
	kv, ok := g.f.Lookup(key)
	if !ok {
		return 0
	}
	v, err := kv.Uint()
	if err == nil && v > limit {
		err = fmt.Errorf("%d is outside 0…%d", v, limit)
	}
	if err != nil {
		g.bad(key, err)
		return 0
	}
	return int(v)
}

// intOrLayers reads a key that is a scalar or a per-layer array.
// For an array the largest value is the model's figure (layers
// without attention or FFN store 0); a note says the value varies.
func (g ggufKeys) intOrLayers(key string, layers int) int {
	kv, ok := g.f.Lookup(key)
	if !ok {
		return 0
	}
	if kv.Type != gguf.TypeArray {
		return g.int(key)
	}
	vals, err := g.f.ArrayUints(kv)
	if err != nil {
		g.bad(key, err)
		return 0
	}
	if layers > 0 && len(vals) != layers {
		g.m.notef(fmt.Sprintf("gguf %s has %d values for %d layers", key, len(vals), layers))
	}
	var top uint64
	distinct := map[uint64]bool{}
	for _, v := range vals {
		top = max(top, v)
		distinct[v] = true
	}
	if top > limit {
		g.bad(key, fmt.Errorf("%d is outside 0…%d", top, limit))
		return 0
	}
	if len(distinct) > 1 {
		g.m.notef(fmt.Sprintf("gguf %s varies by layer (%d distinct values); the largest, %d, is shown", key, len(distinct), top))
	}
	return int(top)
}
