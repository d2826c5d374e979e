package model

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// safetensorsOfHeader writes a one-tensor safetensors file whose header
// is exactly n bytes (padded with spaces, as writers pad).
func safetensorsOfHeader(t *testing.T, path string, n int) {
	t.Helper()
	h := `{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`
	require.LessOrEqual(t, len(h), n)
	h += strings.Repeat(" ", n-len(h))
	b := binary.LittleEndian.AppendUint64(nil, uint64(n))
	b = append(append(b, h...), 7)
	require.NoError(t, os.WriteFile(path, b, 0o644))
}

// Every header length a writer produces loads as a single file — among
// them those whose low byte is 0x80, which a pickle also starts with.
func TestEveryHeaderLengthLoads(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.bin") // no telling extension
	for n := 56; n <= 4096; n += 8 {
		safetensorsOfHeader(t, path, n)
		m, err := Load(path)
		require.NoError(t, err, "header length %d (low byte %#x)", n, n&0xff)
		require.Equal(t, Safetensors, m.Format)
		require.Len(t, m.Tensors, 1)
	}
	// Lengths 8 to 48 cannot hold a tensor; an empty object can.
	for n := 8; n < 56; n += 8 {
		b := binary.LittleEndian.AppendUint64(nil, uint64(n))
		b = append(b, "{}"+strings.Repeat(" ", n-2)...)
		require.NoError(t, os.WriteFile(path, b, 0o644))
		m, err := Load(path)
		require.NoError(t, err, n)
		require.Empty(t, m.Tensors)
	}
}

func TestDetectOtherFormats(t *testing.T) {
	dir := t.TempDir()
	zipOf := func(names ...string) []byte {
		var b bytes.Buffer
		w := zip.NewWriter(&b)
		for _, n := range names {
			f, err := w.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Store})
			require.NoError(t, err)
			f.Write([]byte("x"))
		}
		require.NoError(t, w.Close())
		return b.Bytes()
	}
	for _, c := range []struct {
		name, file string
		data       []byte
		kind       Kind
		msg        string
	}{
		{"torch zip", "pytorch_model.bin", zipOf("archive/data.pkl", "archive/data/0", "archive/version"), KindPyTorchZip, "not a pickle opcode"},
		{"npz", "arrays.npz", zipOf("a.npy", "b.npy"), KindNumPyZip, "a NumPy .npz archive"},
		{"zip", "x.zip", zipOf("readme.txt"), KindZip, "a zip archive"},
		{"pickle", "model.pt", []byte("\x80\x02}q\x00."), KindPickle, ""},
		{"ggjt", "old.bin", []byte("tjgg\x03\x00\x00\x00rest"), KindLegacyGGML, "a ggjt file, llama.cpp's format before GGUF; convert it"},
		{"ggml", "old.bin", []byte("lmgg\x01\x00\x00\x00"), KindLegacyGGML, "a ggml file"},
		{"lfs", "model.safetensors", []byte("version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n"), KindGitLFSPointer, "a Git LFS pointer, not the weights; run `git lfs pull`"},
		{"onnx", "model.onnx", []byte("\x08\x07\x12\x07pytorch"), KindONNX, "an ONNX model"},
		{"gguf", "m", []byte("GGUF\x03\x00\x00\x00"), KindGGUF, ""},
		{"text", "notes.txt", []byte("hello"), KindUnknown, "neither a safetensors nor a GGUF file"},
		// A length past the end is no safetensors header, whatever follows.
		{"length past end", "m.bin", append(binary.LittleEndian.AppendUint64(nil, 1<<20), '{', '}'), KindUnknown, "neither"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.file)
			require.NoError(t, os.WriteFile(path, c.data, 0o644))
			require.Equal(t, c.kind, Detect(bytes.NewReader(c.data), int64(len(c.data)), path))
			if c.msg == "" {
				return
			}
			_, err := Load(path)
			require.Error(t, err)
			require.Contains(t, err.Error(), c.msg)
			if c.kind != KindPyTorchZip { // read as a checkpoint, its data.pkl is broken
				require.True(t, errors.Is(err, ErrNotWeightFile), fmt.Sprint(err))
			}
			require.NoError(t, os.Remove(path))
		})
	}
}
