package gguf_test

import (
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/format/gguf"
	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/internal/fixture/ggufw"
)

// fuzzSeedLimit keeps corpus seeds to their headers' first bytes, so the
// fuzzer mutates headers rather than tensor data.
const fuzzSeedLimit = 4 << 10

func FuzzNewFile(f *testing.F) {
	if paths, _ := filepath.Glob(filepath.Join(corpusDir, "*", "*.gguf")); len(paths) > 0 {
		for _, p := range paths {
			if b, err := readPrefix(p, fuzzSeedLimit); err == nil {
				f.Add(b)
			}
		}
	}
	tensors := []fixture.TensorSpec{
		spec("token_embd.weight", "Q8_0", 4, 32),
		spec("blk.0.ffn_down.weight", "Q4_K", 2, 256),
		spec("scalar", "F32"),
		spec("old", "Q4_0_4_4", 1, 32),
	}
	for _, version := range []uint32{1, 2, 3} {
		for _, order := range []string{"le", "be", "fugg"} {
			w := ggufw.File{Version: version, BigEndian: order != "le", FUGG: order == "fugg",
				Metadata: append(metadataFixture(version), ggufw.Vocab(8, 4)...), Tensors: tensors}
			if b, err := w.Bytes(); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add(le3().Header("GGUF", 1, 1).KV("general.alignment", ggufw.U32(64)).TensorInfo("a", []uint64{8}, 0, 0).Pad(64).Raw(make([]byte, 64)...).Bytes())
	f.Add(ggufw.NewEncoder(1, binary.BigEndian).Header("GGUF", 0, 1).KV("deep", nest(3)).Bytes())

	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := parseBytes(b)
		if err != nil {
			var fe *format.Error
			if !errors.As(err, &fe) {
				t.Fatalf("error is %T, not *format.Error: %v", err, err)
			}
			_ = err.Error()
			return
		}
		checkInvariants(t, file, int64(len(b)))
	})
}

// checkInvariants holds for every file NewFile accepts, and exercises
// every accessor on every value.
func checkInvariants(t *testing.T, f *gguf.File, size int64) {
	if f.Alignment == 0 || f.Alignment&(f.Alignment-1) != 0 || f.DataOffset%int64(f.Alignment) != 0 {
		t.Fatalf("bad alignment %d / data offset %d", f.Alignment, f.DataOffset)
	}
	for i, ft := range f.FormatTensors("x") {
		ti := f.Info(i)
		if len(ft.Shape) != len(ti.Dims) || ft.Elements() != ti.Elements || len(ti.Dims) > 4 {
			t.Fatalf("tensor %q: shape %v dims %v elements %d", ti.Name, ft.Shape, ti.Dims, ti.Elements)
		}
		if ft.Offset < f.DataOffset || ft.Offset+ft.Size > size || ft.Size < 0 {
			t.Fatalf("tensor %q outside the file: %d+%d > %d", ti.Name, ft.Offset, ft.Size, size)
		}
		if ft.DType.Known() {
			if want, ok := ft.DType.ByteSize(ft.Elements()); !ok || int64(want) != ft.Size {
				t.Fatalf("tensor %q: size %d, want %d", ti.Name, ft.Size, want)
			}
		}
	}
	for _, kv := range f.Metadata {
		if got, ok := f.Lookup(kv.Key); !ok || got.Offset != kv.Offset {
			t.Fatalf("lookup %q", kv.Key)
		}
		_ = kv.Value()
		_, _ = kv.Uint()
		_, _ = kv.Int()
		_, _ = kv.Float()
		_, _ = kv.String()
		_, _ = kv.Bool()
		_, _ = kv.ArrayLen()
		_, _ = f.ArrayUints(kv)
		_, _ = f.ArrayInts(kv)
		_, _ = f.ArrayFloats(kv)
		n := 0
		err := f.EachArrayString(kv, func(i int, s []byte) error {
			if i != n {
				t.Fatalf("index %d, want %d", i, n)
			}
			n++
			return nil
		})
		if err == nil && uint64(n) != kv.Len {
			t.Fatalf("%q: %d strings, want %d", kv.Key, n, kv.Len)
		}
	}
}

func readPrefix(path string, n int) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	b := make([]byte, n)
	got, err := io.ReadFull(fh, b)
	if err == io.ErrUnexpectedEOF {
		err = nil
	}
	return b[:got], err
}
