package model

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"io"
	"path"
	"strings"
)

// A Kind is what a file is, decided from its bytes.
type Kind int

const (
	KindUnknown       Kind = iota
	KindSafetensors        // an 8-byte length that fits the file, then a JSON object
	KindGGUF               // "GGUF" (or "FUGG", big-endian)
	KindIndex              // a *.index.json shard index (by name)
	KindPyTorchZip         // a zip holding */data.pkl: torch.save since 1.6
	KindNumPyZip           // a zip of .npy members: numpy.savez
	KindZip                // another zip
	KindPickle             // a bare pickle: legacy torch.save, pickle.dump
	KindLegacyGGML         // ggml, ggmf, ggjt or ggla: llama.cpp's formats before GGUF
	KindGitLFSPointer      // the text Git LFS leaves when the weights were not pulled
	KindONNX               // an ONNX protobuf (by name and first byte)
)

// legacyGGML maps the magics of the formats GGUF replaced, as their
// little-endian bytes, to their names.
var legacyGGML = map[string]string{"lmgg": "ggml", "fmgg": "ggmf", "tjgg": "ggjt", "algg": "ggla"}

// maxZipEntries bounds the central-directory entries a zip is searched
// through to tell a PyTorch archive from another zip.
const maxZipEntries = 1 << 16

// Detect decides what the file of the given name and size holds. The
// checks are complete and ordered so that none can mistake one format
// for another: a safetensors header length whose low byte is 0x80 (1 in
// 32 of them) is not a pickle, because a safetensors file is recognised
// by its length and the '{' after it before a pickle is considered.
func Detect(r io.ReaderAt, size int64, name string) Kind {
	if strings.HasSuffix(name, ".index.json") {
		return KindIndex
	}
	var b [32]byte
	n, _ := r.ReadAt(b[:], 0)
	head := b[:n]
	switch {
	case n >= 4 && (string(head[:4]) == "GGUF" || string(head[:4]) == "FUGG"):
		return KindGGUF
	case n >= 9 && isSafetensors(head, size):
		return KindSafetensors
	case n >= 4 && string(head[:4]) == "PK\x03\x04":
		return zipKind(r, size)
	case n >= 2 && head[0] == 0x80 && head[1] >= 2 && head[1] <= 5:
		return KindPickle
	case n >= 4 && legacyGGML[string(head[:4])] != "":
		return KindLegacyGGML
	case bytes.HasPrefix(head, []byte("version https://git-lfs")):
		return KindGitLFSPointer
	case n >= 1 && head[0] == 0x08 && strings.HasSuffix(name, ".onnx"):
		return KindONNX
	}
	return KindUnknown
}

// isSafetensors: a little-endian length with room for it in the file,
// followed by a JSON object (whitespace before the brace is allowed).
func isSafetensors(head []byte, size int64) bool {
	n := binary.LittleEndian.Uint64(head[:8])
	if n < 2 || size < 8 || n > uint64(size-8) {
		return false
	}
	for _, c := range head[8:] {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '{':
			return true
		}
		return false
	}
	return false
}

func zipKind(r io.ReaderAt, size int64) Kind {
	z, err := zip.NewReader(r, size)
	if err != nil || len(z.File) > maxZipEntries {
		return KindZip
	}
	npy := 0
	for _, f := range z.File {
		if path.Base(f.Name) == "data.pkl" {
			return KindPyTorchZip
		}
		if strings.HasSuffix(f.Name, ".npy") {
			npy++
		}
	}
	if npy > 0 && npy == len(z.File) {
		return KindNumPyZip
	}
	return KindZip
}

// unsupported says what a detected file is that tensorcount cannot count,
// and what to do about it; "" for the formats it reads.
func unsupported(k Kind, head []byte) string {
	switch k {
	case KindPyTorchZip:
		return "a PyTorch zip checkpoint (torch.save); tensorcount reads only safetensors and GGUF here (pickles can run code when loaded)"
	case KindPickle:
		return "a pickle (a legacy torch.save or pickle.dump); tensorcount reads only safetensors and GGUF here (pickles can run code when loaded)"
	case KindNumPyZip:
		return "a NumPy .npz archive, not a model checkpoint tensorcount reads"
	case KindZip:
		return "a zip archive, neither a PyTorch checkpoint nor a NumPy archive"
	case KindLegacyGGML:
		return "a " + legacyGGML[string(head[:4])] + " file, llama.cpp's format before GGUF; convert it with llama.cpp's convert_llama_ggml_to_gguf.py"
	case KindGitLFSPointer:
		return "a Git LFS pointer, not the weights; run `git lfs pull` in the repository"
	case KindONNX:
		return "an ONNX model, which tensorcount does not read"
	}
	return ""
}
