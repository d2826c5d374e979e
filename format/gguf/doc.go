// Package gguf reads the header of GGUF model files: the key-value
// metadata and the tensor directory that says where each tensor's data
// lives and how it is encoded. Tensor data is never read.
//
// GGUF versions 1, 2 and 3 are supported, in little- and big-endian byte
// order. Version 1 uses 32-bit counts, string lengths and dimensions; later
// versions use 64-bit ones and add 64-bit value types. A big-endian file is
// recognised either by the magic bytes "FUGG" or, as older writers did, by
// the magic "GGUF" followed by a version that only makes sense byte-swapped.
//
// Files come from strangers, so the reader trusts no number in them. Every
// count and length is checked against the bytes that remain before anything
// is allocated for it, all size arithmetic is overflow-checked, and errors
// are *format.Error values that say which byte offset and which field broke
// which limit. Metadata arrays (a tokenizer vocabulary can hold hundreds of
// thousands of strings) are walked to find their end but not loaded: a KV of
// array type records where its elements start, and File.ArrayUints,
// File.ArrayFloats and File.EachArrayString read them on demand.
//
// The tensor directory is parsed straight into File.Tensors, the
// format.Tensor list every reader of the module gives (shapes outermost
// first, absolute offsets), so that a model keeps the list the parse made
// rather than a copy of it: at a million tensors, a second list was 76 MB
// to fill and collect. File.Info and File.Infos give an entry as GGUF
// stores it (dimensions innermost first, the ggml type, the offset
// relative to the data section).
//
// Files split into parts by gguf-split ("name-00001-of-00003.gguf") are
// opened together with OpenSplit, which checks that the parts form a
// complete, consistent set.
package gguf
