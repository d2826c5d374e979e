package model

import (
	"errors"
	"fmt"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/internal/text"
)

// Sentinel errors, for errors.Is. The errors Load returns wrap them with
// the path and what was found.
var (
	// ErrNotWeightFile: the file is neither safetensors nor GGUF (nor a
	// format the message names).
	ErrNotWeightFile = errors.New("not a weight file tensorcount reads")
	// ErrNoWeights: a directory holds no weight file.
	ErrNoWeights = errors.New("no weight files")
	// ErrSeveralModels: a directory holds several models (weight files
	// or indexes that are not one set); the user must pick one.
	ErrSeveralModels = errors.New("several models")
)

// A PathError is an error about the files at Path: what was found there
// and what to do. Err is one of the sentinel errors.
type PathError struct {
	Path string
	Msg  string
	Err  error
}

func (e *PathError) Error() string { return text.Safe(e.Path) + ": " + e.Msg }
func (e *PathError) Unwrap() error { return e.Err }

func pathErrorf(sentinel error, path, format string, args ...any) error {
	return &PathError{Path: path, Msg: fmt.Sprintf(format, args...), Err: sentinel}
}

// maxNamesListed bounds the names a message lists.
const maxNamesListed = 5

// fewNames lists up to maxNamesListed names, escaped and shortened, and
// says how many more there are (format.FewNames).
func fewNames(names []string) string { return format.FewNames(names, maxNamesListed) }
