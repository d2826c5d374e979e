package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/internal/text"
)

// A Component is one part of a diffusers pipeline: a subfolder named in
// model_index.json (unet, vae, text_encoder, transformer, …) with its own
// weights.
type Component struct {
	Name  string `json:"name"`
	Class string `json:"class"` // the diffusers or transformers class model_index.json names
}

// loadDiffusers loads a diffusers pipeline: model_index.json names its
// components, each a subfolder with weights of its own, counted as one
// model with a component per subfolder.
func (m *Model) loadDiffusers(dir string) error {
	data, err := m.root.ReadSmall("model_index.json", format.SmallModelIndex)
	if err != nil {
		return err
	}
	var index map[string]json.RawMessage
	if err := json.Unmarshal(data, &index); err != nil {
		return pathErrorf(ErrNotWeightFile, filepath.Join(dir, "model_index.json"), "not a JSON object (%v)", err)
	}
	class := ""
	_ = json.Unmarshal(index["_class_name"], &class)
	names := make([]string, 0, len(index))
	for k := range index {
		names = append(names, k)
	}
	slices.Sort(names)
	var loaded, skipped []string
	for _, name := range names {
		var lib []string
		if strings.HasPrefix(name, "_") || json.Unmarshal(index[name], &lib) != nil || len(lib) != 2 || lib[1] == "" {
			continue
		}
		if fi, err := m.root.Stat(name); err != nil || !fi.IsDir() {
			continue // a scheduler or tokenizer has no weights
		}
		sub := &Model{Path: filepath.Join(dir, name), Dir: filepath.Join(dir, name), opt: m.opt}
		if err := sub.openRoot(); err != nil {
			return err
		}
		err := sub.loadDir(sub.Dir)
		sub.closeRoot()
		if err != nil {
			if errors.Is(err, ErrNoWeights) {
				skipped = append(skipped, name)
				continue
			}
			return err
		}
		if m.FileComponent == nil {
			m.FileComponent = map[string]string{}
		}
		for _, f := range sub.Files {
			m.FileComponent[f.Path] = name
		}
		m.Files = append(m.Files, sub.Files...)
		m.Tensors = append(m.Tensors, sub.Tensors...)
		if m.Format == "" {
			m.Format = sub.Format
		}
		for _, n := range sub.Notes {
			m.notef(name + ": " + n)
		}
		m.Components = append(m.Components, Component{Name: name, Class: lib[1]})
		loaded = append(loaded, name)
	}
	if len(loaded) == 0 {
		return pathErrorf(ErrNoWeights, dir, "a diffusers pipeline whose model_index.json names no component with weights")
	}
	what := "a diffusers pipeline"
	if class != "" {
		what += " (" + text.Safe(class) + ")"
	}
	note := fmt.Sprintf("%s: %d components counted as one model, one component each: %s", what, len(loaded), strings.Join(loaded, ", "))
	if len(skipped) > 0 {
		note += fmt.Sprintf("; %s hold no weights", strings.Join(skipped, ", "))
	}
	m.notef(note)
	return nil
}
