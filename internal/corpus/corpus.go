// Package corpus locates the shared test corpus of real weight files
// (../shared/corpus beside the repository) and its reference numbers, for
// tests that check tensorcount against files other tools wrote. Tests
// skip cleanly when the corpus is absent.
package corpus

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the corpus directory, or skips the test when there is none.
func Dir(t testing.TB) string {
	t.Helper()
	dir, ok := Find()
	if !ok {
		t.Skip("the shared corpus (../shared/corpus beside the repository) is absent")
	}
	return dir
}

// Find returns the corpus directory: ../shared/corpus beside a module
// root above the working directory (the repository's, also from the
// nested bench module).
func Find() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			c := filepath.Join(dir, "..", "shared", "corpus")
			if fi, err := os.Stat(c); err == nil && fi.IsDir() {
				return c, true
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// Path returns a file of the corpus by its path relative to the corpus.
func Path(t testing.TB, rel string) string {
	return filepath.Join(Dir(t), filepath.FromSlash(rel))
}

// Reference is reference-numbers.json: what independent readers found in
// each corpus file.
type Reference struct {
	Safetensors map[string]SafetensorsRef `json:"safetensors"`
	GGUF        map[string]GGUFRef        `json:"gguf"`
}

// SafetensorsRef is the independent safetensors reader's result for one
// file or index.
type SafetensorsRef struct {
	Size             int64             `json:"size"`
	HeaderLen        uint64            `json:"header_len"`
	Metadata         map[string]string `json:"metadata"`
	TensorCount      int               `json:"tensor_count"`
	TotalElements    uint64            `json:"total_elements"`
	PerDTypeElements map[string]uint64 `json:"per_dtype_elements"`
	Shards           int               `json:"shards"`
	SumDataBytes     uint64            `json:"sum_data_bytes"`
	IndexMetadata    map[string]uint64 `json:"index_metadata"`
}

// GGUFRef holds the independent GGUF walker's result for one file.
type GGUFRef struct {
	Walk struct {
		Version         uint32 `json:"version"`
		TensorCount     int    `json:"tensor_count"`
		KVCount         int    `json:"kv_count"`
		DataStart       int64  `json:"data_start"`
		Alignment       uint64 `json:"alignment"`
		TotalElements   uint64 `json:"total_elements"`
		TensorDataBytes int64  `json:"tensor_data_bytes"`
		PerType         map[string]struct {
			Tensors  int    `json:"tensors"`
			Elements uint64 `json:"elements"`
		} `json:"per_type"`
		FileSize int64  `json:"file_size"`
		Arch     string `json:"arch"`
	} `json:"py_walk"`
}

// References reads reference-numbers.json, or skips the test.
func References(t testing.TB) *Reference {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(Dir(t), "reference-numbers.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r Reference
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}
