package model

import "fmt"

// loadGGUF reads a single GGUF file or the split set it belongs to.
func (m *Model) loadGGUF(path string) error {
	return fmt.Errorf("%s: GGUF is not read yet", path)
}

// loadGGUFDir picks the GGUF files of a directory.
func (m *Model) loadGGUFDir(dir string, names []string) ([]string, error) {
	return nil, fmt.Errorf("%s: GGUF is not read yet", dir)
}
