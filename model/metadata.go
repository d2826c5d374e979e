package model

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tensorcount/tensorcount/format/gguf"
)

// A MetadataEntry is one key-value pair a weight file stores beside its
// tensors: a GGUF metadata key or a safetensors __metadata__ entry.
type MetadataEntry struct {
	File string `json:"file"`
	Key  string `json:"key"`
	// Type is the GGUF value type ("UINT32", "STRING", "ARRAY"), or
	// "STRING" for safetensors metadata.
	Type string `json:"type"`
	// ElemType and Len describe an array (and Len the length of a
	// string, in bytes).
	ElemType string `json:"elem_type,omitempty"`
	Len      uint64 `json:"len,omitempty"`
	// Value is the value: a number, bool or string — cut to a preview
	// unless full was asked for, with Truncated set — or, with full, an
	// array's elements.
	Value     any  `json:"value,omitempty"`
	Truncated bool `json:"truncated,omitempty"`
}

// maxPreview is how much of a string metadata value is kept unless the
// full value is asked for: a GGUF string may be hundreds of megabytes.
const maxPreview = 256

// maxFullArray bounds the elements of one array ReadMetadata returns in
// full; the length says how many there are.
const maxFullArray = 1 << 20

// ReadMetadata lists the metadata of every weight file of m, in file
// order. Strings are previewed and arrays described by type and length;
// with full, strings are whole and arrays listed (up to a million
// elements each).
func ReadMetadata(m *Model, full bool) ([]MetadataEntry, error) {
	out := []MetadataEntry{}
	for _, f := range m.Files {
		switch f.Format {
		case GGUF:
			g, err := m.openGGUF(f.Path)
			if err != nil {
				return nil, err
			}
			for _, kv := range g.Metadata {
				e, err := ggufEntry(g, kv, full)
				if err != nil {
					g.Close()
					return nil, err
				}
				e.File = f.Path
				out = append(out, e)
			}
			g.Close()
		case Safetensors:
			s, err := m.openSafetensors(f.Path)
			if err != nil {
				return nil, err
			}
			for _, k := range sortedKeys(s.Metadata) {
				e := MetadataEntry{File: f.Path, Key: k, Type: "STRING"}
				e.setString(s.Metadata[k], full)
				out = append(out, e)
			}
			s.Close()
		}
	}
	return out, nil
}

// preview returns s when it is at most maxPreview bytes, and otherwise a
// copy of its first maxPreview bytes (cut at a rune boundary) followed by
// "…(N bytes)": a GGUF string may be 256 MiB, and what a Model keeps of
// it (general.name, general.* metadata, the architecture) is neither a
// second copy nor a reference that keeps the whole string alive.
func preview(s string) string {
	if len(s) <= maxPreview {
		return s
	}
	n := maxPreview
	for n > maxPreview-utf8.UTFMax && !utf8.RuneStart(s[n]) {
		n--
	}
	return strings.Clone(s[:n]) + "…(" + strconv.Itoa(len(s)) + " bytes)"
}

func (e *MetadataEntry) setString(s string, full bool) {
	e.Len = uint64(len(s))
	if !full && len(s) > maxPreview {
		n := maxPreview
		for n > maxPreview-utf8.UTFMax && !utf8.RuneStart(s[n]) {
			n--
		}
		s, e.Truncated = strings.Clone(s[:n]), true
	}
	e.Value = s
}

func ggufEntry(g *gguf.File, kv gguf.KV, full bool) (MetadataEntry, error) {
	e := MetadataEntry{Key: kv.Key, Type: kv.Type.String()}
	switch kv.Type {
	case gguf.TypeString:
		s, _ := kv.String()
		e.setString(s, full)
	case gguf.TypeArray:
		e.ElemType, e.Len = kv.ElemType.String(), kv.Len
		if !full {
			return e, nil
		}
		if kv.Len > maxFullArray {
			e.Truncated = true
		}
		switch kv.ElemType {
		case gguf.TypeString:
			var vals []string
			err := g.EachArrayString(kv, func(i int, s []byte) error {
				if i >= maxFullArray {
					return errStop
				}
				vals = append(vals, string(s))
				return nil
			})
			if err != nil && err != errStop {
				return e, err
			}
			e.Value = vals
		case gguf.TypeFloat32, gguf.TypeFloat64:
			if vals, err := g.ArrayFloats(kv); err == nil && len(vals) <= maxFullArray {
				e.Value = vals
			}
		case gguf.TypeInt8, gguf.TypeInt16, gguf.TypeInt32, gguf.TypeInt64:
			if vals, err := g.ArrayInts(kv); err == nil && len(vals) <= maxFullArray {
				e.Value = vals
			}
		case gguf.TypeArray:
			// Nested arrays are listed by type and length only.
		default:
			if vals, err := g.ArrayUints(kv); err == nil && len(vals) <= maxFullArray {
				e.Value = vals
			}
		}
	default:
		e.Value = kv.Value()
	}
	return e, nil
}

var errStop = fmt.Errorf("stop")

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// String renders the value for a table.
func (e MetadataEntry) String() string {
	switch v := e.Value.(type) {
	case nil:
		if e.Type == "ARRAY" {
			return fmt.Sprintf("[%s × %s]", e.ElemType, strconv.FormatUint(e.Len, 10))
		}
		return ""
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}
