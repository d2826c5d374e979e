package format

// A Tensor is one tensor entry of a weight file, described by its header.
// Nothing in a Tensor requires reading the tensor's data.
type Tensor struct {
	Name string
	// Shape lists the dimensions outermost first, the order PyTorch and
	// NumPy use. GGUF stores dimensions innermost first; its reader reverses
	// them so that the same weight has the same Shape in both formats.
	Shape  []uint64
	DType  DType
	File   string // the file holding the data
	Offset int64  // absolute byte offset of the data in File
	Size   int64  // bytes of data; 0 when the DType's layout is unknown
}

// Elements is the product of the shape (1 for a scalar). Readers reject
// shapes whose product overflows, so for a Tensor they return it is exact.
func (t Tensor) Elements() uint64 {
	n := uint64(1)
	for _, d := range t.Shape {
		n *= d
	}
	return n
}
