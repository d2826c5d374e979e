package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/tensorcount/tensorcount/format"
)

// An Adapter is what adapter_config.json says of the adapter beside it:
// PEFT's (peft_type, r, target_modules, modules_to_save,
// base_model_name_or_path, task_type) or mlx-lm's (lora_parameters.rank,
// model).
type Adapter struct {
	Method        string   `json:"method"` // "LORA", "IA3", "LOHA", …
	Rank          int      `json:"rank,omitempty"`
	BaseModel     string   `json:"base_model,omitempty"`
	TaskType      string   `json:"task_type,omitempty"`
	TargetModules []string `json:"target_modules,omitempty"`
	ModulesToSave []string `json:"modules_to_save,omitempty"`
	// Config is the file's text, for the classifier's rules.
	Config []byte `json:"-"`
}

// loadAdapter reads adapter_config.json beside the weights, when there is
// one. A config that cannot be used is a note: the weights count without
// it.
func (m *Model) loadAdapter() {
	data, err := m.ReadSmall("adapter_config.json", format.SmallAdapterConfig)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err != nil {
		m.notef(fmt.Sprintf("adapter_config.json could not be used: %v", err))
		return
	}
	var c struct {
		PeftType      string          `json:"peft_type"`
		R             json.Number     `json:"r"`
		BaseModel     string          `json:"base_model_name_or_path"`
		TaskType      string          `json:"task_type"`
		TargetModules json.RawMessage `json:"target_modules"`
		ModulesToSave []string        `json:"modules_to_save"`
		// mlx-lm
		LoRAParameters struct {
			Rank json.Number `json:"rank"`
		} `json:"lora_parameters"`
		Model string `json:"model"`
	}
	if err := json.Unmarshal(data, &c); err != nil {
		m.notef(fmt.Sprintf("adapter_config.json could not be used: not the JSON object an adapter config is (%v)", err))
		return
	}
	a := &Adapter{Method: c.PeftType, BaseModel: c.BaseModel, TaskType: c.TaskType, ModulesToSave: c.ModulesToSave, Config: data}
	if r, err := c.R.Int64(); err == nil && r > 0 && r < 1<<20 {
		a.Rank = int(r)
	}
	var list []string
	var one string
	if json.Unmarshal(c.TargetModules, &list) == nil {
		a.TargetModules = list
	} else if json.Unmarshal(c.TargetModules, &one) == nil && one != "" {
		a.TargetModules = []string{one}
	}
	if a.Method == "" && c.LoRAParameters.Rank != "" {
		a.Method = "LORA"
		if r, err := c.LoRAParameters.Rank.Int64(); err == nil && r > 0 && r < 1<<20 {
			a.Rank = int(r)
		}
		a.BaseModel = filepath.Base(c.Model)
	}
	if a.Method == "" {
		return // not an adapter config tensorcount understands
	}
	m.Adapter = a
}
