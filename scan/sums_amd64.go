//go:build !purego

package scan

import "golang.org/x/sys/cpu"

// The AVX2 kernels (sums_amd64.s) do eight values at a time what the Go
// kernels do one at a time, with the same additions in the same order:
// 6× the Go kernel's rate on F32. The quant kernels sum a block's quants
// in vector registers instead of through lookup tables, whose 256 KiB
// miss L1 on every other quant of random data.

//go:noescape
func sumsF32AVX2(a *floatSums, p *byte, n int, k float64)

//go:noescape
func q8MomentsAVX2(dst *uint64, src *byte, n int)

//go:noescape
func q4MomentsAVX2(dst *uint64, src *byte, n int)

//go:noescape
func sumsF16AVX2(a *halfSums, p *byte, n int, k float64)

//go:noescape
func sumsBF16AVX2(a *halfSums, p *byte, n int, k float64)

// The AVX-512 kernels are the AVX2 ones with each sum in one ZMM register
// instead of two YMM: the same additions, in half the instructions,
// which CPUs with full-width AVX-512 units run in half the time.
//
//go:noescape
func sumsF16AVX512(a *halfSums, p *byte, n int, k float64)

//go:noescape
func sumsBF16AVX512(a *halfSums, p *byte, n int, k float64)

// cpuid1ECX returns ECX of CPUID leaf 1.
func cpuid1ECX() uint32

var hasAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasPOPCNT && cpu.X86.HasFMA

// F16C is bit 29 of CPUID.1:ECX, which x/sys/cpu does not report; the
// operating system's support for the YMM registers is part of HasAVX2.
var hasF16C = hasAVX2 && cpuid1ECX()&(1<<29) != 0

// hasAVX512 selects the AVX-512 forms of the 16-bit kernels; tests turn
// it off to compare them with the AVX2 ones.
var hasAVX512 = hasAVX2 && cpu.X86.HasAVX512F

func sumsF16Asm(a *halfSums, src []byte, k float64) {
	sumsHalfAsm(a, src, k, sumsF16AVX512, sumsF16AVX2)
}

func sumsBF16Asm(a *halfSums, src []byte, k float64) {
	sumsHalfAsm(a, src, k, sumsBF16AVX512, sumsBF16AVX2)
}

// sumsHalfAsm runs a 16-bit kernel, its AVX-512 form where it may, on the
// whole pairs of groups of eight in src.
func sumsHalfAsm(a *halfSums, src []byte, k float64, wide, narrow func(*halfSums, *byte, int, float64)) {
	if n := len(src) / 32; n > 0 {
		if hasAVX512 {
			wide(a, &src[0], n, k)
		} else {
			narrow(a, &src[0], n, k)
		}
	}
}

func sumsF32Asm(a *floatSums, src []byte, k float64) {
	if n := len(src) / 32; n > 0 {
		sumsF32AVX2(a, &src[0], n, k)
	}
}

func q8SumsAsm(dst []uint64, src []byte) {
	if len(dst) > 0 {
		_ = src[34*len(dst)-1]
		q8MomentsAVX2(&dst[0], &src[0], len(dst))
	}
}

func q4SumsAsm(dst []uint64, src []byte) {
	if len(dst) > 0 {
		_ = src[18*len(dst)-1]
		q4MomentsAVX2(&dst[0], &src[0], len(dst))
	}
}

//go:noescape
func q8GatherAVX2(h *qhist, src *byte, n int, limits, ordinary0, ordinary1 uint32) int

//go:noescape
func q4GatherAVX2(h *qhist, src *byte, n int, limits, ordinary0, ordinary1 uint32) int

// ordinaryLimits gives the kernels' fast loops the magnitudes they take
// for each sign: those in [1, limit), as magnitude − 1 < limit − 1 (see
// ORDINARY_SCALE).
func ordinaryLimits(limit [2]uint16) (uint32, uint32) {
	less := func(l uint16) uint32 { return uint32(max(l, 1) - 1) }
	return less(limit[0]), less(limit[1])
}

func q8GatherAsm(h *qhist, src []byte, limit [2]uint16) int {
	n := len(src) / 34
	if n == 0 {
		return 0
	}
	o0, o1 := ordinaryLimits(limit)
	return q8GatherAVX2(h, &src[0], n, uint32(limit[0])|uint32(limit[1])<<16, o0, o1)
}

func q4GatherAsm(h *qhist, src []byte, limit [2]uint16) int {
	n := len(src) / 18
	if n == 0 {
		return 0
	}
	o0, o1 := ordinaryLimits(limit)
	return q4GatherAVX2(h, &src[0], n, uint32(limit[0])|uint32(limit[1])<<16, o0, o1)
}

// vector selects the vector kernels; tests turn it off to compare.
var vector = hasAVX2

func init() {
	if hasAVX2 {
		fuse("BF16", fusedBF16)
	}
	if hasF16C {
		fuse("F16", fusedF16)
	}
}
