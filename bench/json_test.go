package bench

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/tensorcount/tensorcount/format/safetensors"
	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/internal/fixture/archs"
)

// bigHeader is a real-scale safetensors header: DeepSeek-V3's 91,991
// tensors in one file (about 11 MB of JSON). It returns the file's first
// 8 + N bytes and the size the whole file would have; the readers here
// never touch the data region.
var bigHeader = sync.OnceValues(func() ([]byte, int64) {
	h, dataLen, err := fixture.Safetensors{Tensors: archs.DeepSeekV3().Tensors}.Header()
	if err != nil {
		panic(err)
	}
	img := make([]byte, 8, 8+len(h))
	binary.LittleEndian.PutUint64(img, uint64(len(h)))
	return append(img, h...), int64(8+len(h)) + int64(dataLen)
})

// BenchmarkHeaderJSON compares JSON readers on the same 11 MB header:
// tensorcount's strict jsontext reader (with the layout checks after it),
// a reader that is as strict but built on encoding/json's Decoder.Token,
// and encoding/json's Unmarshal into a map, which is not strict at all
// (it keeps the last duplicate, folds case and replaces invalid UTF-8).
func BenchmarkHeaderJSON(b *testing.B) {
	img, size := bigHeader()
	h := img[8:]
	b.Run("tensorcount-jsontext", func(b *testing.B) {
		b.SetBytes(int64(len(h)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := safetensors.NewFile(bytes.NewReader(img), size); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json-token-strict", func(b *testing.B) {
		b.SetBytes(int64(len(h)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := strictTokens(h); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json-unmarshal-lax", func(b *testing.B) {
		b.SetBytes(int64(len(h)))
		b.ReportAllocs()
		for b.Loop() {
			var m map[string]plainTensor
			if err := json.Unmarshal(h, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// strictTokens parses a header with encoding/json's token stream and the
// strictness the format needs: valid UTF-8 (checked up front, since the
// decoder would replace it), exact-case member names, no duplicates at
// any level, integers without sign, fraction or exponent.
func strictTokens(h []byte) (int, error) {
	if !utf8.Valid(h) {
		return 0, errors.New("invalid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(h))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return 0, fmt.Errorf("not an object: %v", err)
	}
	seen := map[string]bool{}
	count := 0
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return 0, err
		}
		name := tok.(string)
		if seen[name] {
			return 0, fmt.Errorf("duplicate %q", name)
		}
		seen[name] = true
		if name == "__metadata__" {
			var m map[string]string
			if err := dec.Decode(&m); err != nil {
				return 0, err
			}
			continue
		}
		if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
			return 0, fmt.Errorf("%s: not an object", name)
		}
		members := map[string]bool{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return 0, err
			}
			key := tok.(string)
			if members[key] {
				return 0, fmt.Errorf("%s: duplicate %q", name, key)
			}
			members[key] = true
			switch key {
			case "dtype":
				if _, err := dec.Token(); err != nil {
					return 0, err
				}
			case "shape", "data_offsets":
				if _, err := dec.Token(); err != nil {
					return 0, err
				}
				for dec.More() {
					tok, err := dec.Token()
					if err != nil {
						return 0, err
					}
					num, ok := tok.(json.Number)
					if !ok {
						return 0, fmt.Errorf("%s.%s: not a number", name, key)
					}
					if _, err := strconv.ParseUint(string(num), 10, 64); err != nil {
						return 0, err
					}
				}
				if _, err := dec.Token(); err != nil {
					return 0, err
				}
			default:
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return 0, err
				}
			}
		}
		if _, err := dec.Token(); err != nil {
			return 0, err
		}
		count++
	}
	if _, err := dec.Token(); err != nil {
		return 0, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return 0, errors.New("trailing data")
	}
	return count, nil
}

func TestStrictTokensAgrees(t *testing.T) {
	img, _ := bigHeader()
	got, err := strictTokens(img[8:])
	if err != nil || got != 91_991 {
		t.Fatalf("%d tensors, %v", got, err)
	}
	if _, err := strictTokens([]byte(`{"a":{"dtype":"F32","dtype":"F32"}}`)); err == nil {
		t.Fatal("duplicate member accepted")
	}
}
