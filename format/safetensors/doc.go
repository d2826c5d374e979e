// Package safetensors reads the header of safetensors files and the index
// of sharded safetensors sets, validating them as strictly as the format's
// reference reader does.
//
// A safetensors file is an 8-byte little-endian header length N, N bytes of
// UTF-8 JSON describing every tensor (dtype, shape, byte range), and the
// tensor data. Counting never needs the data, so a File holds only what the
// header says; NewFile reads at most two ranges of the file (a speculative
// 64 KiB first read, then the rest of a larger header).
//
// Validation follows the reference reader: the header must be strict JSON
// (no duplicate names, exact-case member names, valid UTF-8), every dtype
// known, every shape's byte size equal to its byte range, the ranges
// contiguous from 0 with no gap or overlap, and the file exactly as long as
// header and data. Unlike the reference reader, duplicate names are
// rejected outright rather than through the overlap they usually cause.
package safetensors
