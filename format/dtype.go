package format

import "math/bits"

// A DType describes how a tensor's elements are laid out on disk. Elements
// are stored in blocks of BlockSize elements occupying BlockBytes bytes:
// plain types have BlockSize 1 (F32 is {1, 4}), sub-byte types pack several
// elements into a block (safetensors F4 is {2, 1}, F6_E2M3 is {4, 3}) and
// GGUF quantized types carry their scales inside the block (Q4_K is
// {256, 144}).
//
// A DType whose BlockSize is 0 is known by name only: its element count is
// exact but its byte size cannot be verified (a removed GGUF type id, say).
type DType struct {
	Name       string // the file's own spelling: "BF16", "F8_E4M3", "Q4_K"
	BlockSize  int32  // elements per block
	BlockBytes int32  // bytes per block
}

// Known reports whether the DType's block layout is known, so that byte
// sizes can be computed and checked.
func (d DType) Known() bool { return d.BlockSize > 0 && d.BlockBytes > 0 }

// BitsPerElement is the storage cost of one element, including any scales a
// quantized block carries. It is 0 for an unknown layout.
func (d DType) BitsPerElement() float64 {
	if !d.Known() {
		return 0
	}
	return float64(d.BlockBytes) * 8 / float64(d.BlockSize)
}

// ByteSize returns the bytes that elements elements occupy. ok is false when
// the layout is unknown, when elements is not a whole number of blocks, or
// when the size does not fit in an int64.
func (d DType) ByteSize(elements uint64) (size uint64, ok bool) {
	if !d.Known() || elements%uint64(d.BlockSize) != 0 {
		return 0, false
	}
	hi, lo := bits.Mul64(elements/uint64(d.BlockSize), uint64(d.BlockBytes))
	if hi != 0 || lo > 1<<63-1 {
		return 0, false
	}
	return lo, true
}

func (d DType) String() string { return d.Name }
