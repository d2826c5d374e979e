//go:build !amd64 || purego

package scan

// Where there are no vector kernels, the Go kernels run, and F16 and
// BF16 are counted (hist.go).
const (
	hasAVX2 = false
	hasF16C = false
)

var vector = false

// hasAVX512 is a variable, as on amd64, for the tests that turn it off.
var hasAVX512 = false

func sumsF32Asm(a *floatSums, src []byte, k float64)        { panic("scan: no vector kernels") }
func sumsF16Asm(a *halfSums, src []byte, k float64)         { panic("scan: no vector kernels") }
func sumsBF16Asm(a *halfSums, src []byte, k float64)        { panic("scan: no vector kernels") }
func q8SumsAsm(dst []uint64, src []byte)                    { panic("scan: no vector kernels") }
func q4SumsAsm(dst []uint64, src []byte)                    { panic("scan: no vector kernels") }
func q8GatherAsm(h *qhist, src []byte, limit [2]uint16) int { panic("scan: no vector kernels") }
func q4GatherAsm(h *qhist, src []byte, limit [2]uint16) int { panic("scan: no vector kernels") }
