package format

import (
	"path/filepath"
	"strconv"
	"strings"
)

// ShardName splits the base name of one part of a multi-file checkpoint,
// "prefix-00002-of-00005.ext", into its prefix, part number (1-based, as
// written), part count and digit width. Hugging Face shards
// (model-00001-of-00004.safetensors) and gguf-split parts
// (name-00001-of-00003.gguf) share this convention. ok is false unless the
// name has that form with the given ext, part and count written with the
// same number of digits (at most 6) and count ≥ 1. A part number past the
// count still parses, so that callers can name it as a stray part.
func ShardName(name, ext string) (prefix string, part, count, width int, ok bool) {
	base, found := strings.CutSuffix(filepath.Base(name), ext)
	if !found {
		return "", 0, 0, 0, false
	}
	i := strings.LastIndex(base, "-of-")
	if i < 0 {
		return "", 0, 0, 0, false
	}
	j := strings.LastIndexByte(base[:i], '-')
	if j < 1 {
		return "", 0, 0, 0, false
	}
	ks, ns := base[j+1:i], base[i+4:]
	if len(ks) != len(ns) || len(ns) == 0 || len(ns) > 6 {
		return "", 0, 0, 0, false
	}
	k, err1 := strconv.Atoi(ks)
	n, err2 := strconv.Atoi(ns)
	if err1 != nil || err2 != nil || strings.ContainsAny(ks+ns, "+-") || n < 1 {
		return "", 0, 0, 0, false
	}
	return base[:j], k, n, len(ns), true
}
