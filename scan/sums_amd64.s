//go:build !purego

#include "textflag.h"

// The kernels below keep a floatSums in registers:
//	Y0	Σd, four lanes
//	Y1	Σd², four lanes
//	Y2, Y3	smallest and largest order key, eight lanes
//	Y4	zero count, eight lanes
//	Y5	zero
//	Y15	the shift k, broadcast
// Each group of eight float32 arrives in Y6 (its bits); GROUP folds it
// in. The order of the additions is sumsF32Go's.

#define LOAD_SUMS \
	VMOVUPD 0(DI), Y0 \
	VMOVUPD 32(DI), Y1 \
	VMOVDQU 64(DI), Y2 \
	VMOVDQU 96(DI), Y3 \
	VMOVDQU 128(DI), Y4 \
	VPXOR Y5, Y5, Y5

#define STORE_SUMS \
	VMOVUPD Y0, 0(DI) \
	VMOVUPD Y1, 32(DI) \
	VMOVDQU Y2, 64(DI) \
	VMOVDQU Y3, 96(DI) \
	VMOVDQU Y4, 128(DI) \
	VZEROUPPER

// GROUP folds the eight float32 bit patterns in Y6 into the sums; it
// clobbers Y6–Y9.
//	key = bits ^ (bits>>31 as a sign mask)>>1
//	zero when bits<<1 == 0
#define GROUP \
	VPSRAD $31, Y6, Y7 \
	VPSRLD $1, Y7, Y7 \
	VPXOR Y6, Y7, Y7 \
	VPMINSD Y7, Y2, Y2 \
	VPMAXSD Y7, Y3, Y3 \
	VPSLLD $1, Y6, Y7 \
	VPCMPEQD Y5, Y7, Y7 \
	VPSUBD Y7, Y4, Y4 \
	VCVTPS2PD X6, Y7 \
	VEXTRACTF128 $1, Y6, X6 \
	VCVTPS2PD X6, Y6 \
	VSUBPD Y15, Y7, Y7 \
	VSUBPD Y15, Y6, Y6 \
	VADDPD Y6, Y7, Y8 \
	VADDPD Y8, Y0, Y0 \
	VMULPD Y7, Y7, Y7 \
	VMULPD Y6, Y6, Y6 \
	VADDPD Y6, Y7, Y7 \
	VADDPD Y7, Y1, Y1

// func sumsF32AVX2(a *floatSums, p *byte, n int, k float64)
// n groups of eight little-endian float32.
TEXT ·sumsF32AVX2(SB), NOSPLIT, $0-32
	MOVQ a+0(FP), DI
	MOVQ p+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSD k+24(FP), Y15
	LOAD_SUMS
	TESTQ CX, CX
	JZ f32done
f32loop:
	VMOVDQU (SI), Y6
	GROUP
	ADDQ $32, SI
	DECQ CX
	JNZ f32loop
f32done:
	STORE_SUMS
	RET
