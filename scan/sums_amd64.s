//go:build !purego

#include "go_asm.h"
#include "textflag.h"

// The gather kernels add blocks to a qhist (DI) as qhist.block does,
// stopping at the first block whose scale is Inf or NaN or whose
// magnitude bits reach the limit for its sign (R9 for positive scales,
// R10 for negative ones); they return the number of blocks added.
//	R8	blocks added
//	R12	zero count
//	DX	the scale's bits; R11 its magnitude bits; R13 its cell's offset

// GATHER_SCALE loads the scale of the block at SI and leaves the loop for
// a block the Go code must see.
#define GATHER_SCALE(out) \
	MOVWLZX (SI), DX \
	MOVL DX, AX \
	ANDL $0x7C00, AX \
	CMPL AX, $0x7C00 \
	JEQ out \
	MOVL DX, R11 \
	ANDL $0x7FFF, R11 \
	MOVL R9, R14 \
	TESTL $0x8000, DX \
	CMOVLNE R10, R14 \
	CMPL R11, R14 \
	JAE out

// GATHER_CELL adds a block's moments to its cell and the zero count:
// R14 holds the block's sum, AX its sum of squares in the upper 32 bits,
// BX its zero quants.
#define GATHER_CELL(zeroscale) \
	TESTL R11, R11 \
	JNE zeroscale \
	MOVL $32, BX \
zeroscale: \
	ADDQ BX, R12 \
	MOVQ DX, R13 \
	SHLQ $4, R13 \
	ADDQ R14, qhist_cells(DI)(R13*1) \
	SHRQ $32, AX \
	BTSQ $const_qcellShift, AX \
	ADDQ AX, (qhist_cells+8)(DI)(R13*1) \
	MOVL DX, R13 \
	SHRL $6, R13 \
	MOVQ qhist_used(DI)(R13*8), AX \
	BTSQ DX, AX \
	MOVQ AX, qhist_used(DI)(R13*8)

#define GATHER_ENTER \
	MOVQ h+0(FP), DI \
	MOVQ src+8(FP), SI \
	MOVQ n+16(FP), CX \
	MOVL limits+24(FP), R9 \
	MOVL R9, R10 \
	ANDL $0xFFFF, R9 \
	SHRL $16, R10 \
	XORQ R8, R8 \
	XORQ R12, R12

#define GATHER_LEAVE(ret) \
	ADDQ R12, qhist_zeros(DI) \
	MOVQ R8, ret \
	VZEROUPPER \
	RET

// The fast loops of the gather kernels take only ordinary blocks, which
// need neither the Go code nor the one-block loop's cases.
//
// ORDINARY_SCALE loads the scale of the block at off(SI) into reg and
// leaves for out unless the block is ordinary: its magnitude is not zero
// (a zero scale counts all 32 values as zeros, which the fast loops' zero
// count does not) and is below the limit for its sign (so it is finite).
// That is magnitude − 1 < ordinary[sign], unsigned, where R15 points to
// the kernel's arguments ordinary0 and ordinary1: the limits less one, or
// 0 for a sign whose limit is 0 (ordinaryLimits).
#define ORDINARY_SCALE(off, reg, out) \
	MOVWLZX off(SI), reg \
	MOVL reg, R11 \
	ANDL $0x7FFF, R11 \
	DECL R11 \
	MOVL reg, R14 \
	SHRL $15, R14 \
	CMPL R11, (R15)(R14*4) \
	JAE out

// ADD_CELL adds X5, a block's addition to its cell (Σq, or Q4_0's Σn −
// 256; then Σq² with one block in the count field), to the cell of the
// pattern in reg. A cell whose count is now one was empty: fresh marks
// its pattern used (MARK_USED, out of the loop) and returns to marked.
#define ADD_CELL(reg, fresh, marked) \
	MOVQ reg, R13 \
	SHLQ $4, R13 \
	VPADDQ qhist_cells(DI)(R13*1), X5, X6 \
	VMOVDQU X6, qhist_cells(DI)(R13*1) \
	VPEXTRQ $1, X6, AX \
	SHRQ $(const_qcellShift+1), AX \
	JEQ fresh \
marked:

#define MARK_USED(reg, fresh, marked) \
fresh: \
	MOVL reg, R13 \
	SHRL $6, R13 \
	MOVQ qhist_used(DI)(R13*8), AX \
	BTSQ reg, AX \
	MOVQ AX, qhist_used(DI)(R13*8) \
	JMP marked

// The kernels below keep a floatSums in registers:
//	Y0	Σd, four lanes
//	Y1	Σd², four lanes
//	Y2, Y3	smallest and largest order key, eight lanes
//	Y4	zero count, eight lanes
//	Y5	zero
//	Y15	the shift k, broadcast
// Each group of eight float32 arrives in Y6 (its bits) and at SI;
// KEYS32 and FLOAT8MEM fold it in. The order of the additions is
// sumsF32Go's.

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

// KEYS32 folds the order keys and zeros of the eight float32 bit
// patterns in Y6 into Y2–Y4; it clobbers Y7.
//	key = bits ^ (bits>>31 as a sign mask)>>1
//	zero when bits<<1 == 0
#define KEYS32 \
	VPSRAD $31, Y6, Y7 \
	VPSRLD $1, Y7, Y7 \
	VPXOR Y6, Y7, Y7 \
	VPMINSD Y7, Y2, Y2 \
	VPMAXSD Y7, Y3, Y3 \
	VPSLLD $1, Y6, Y7 \
	VPCMPEQD Y5, Y7, Y7 \
	VPSUBD Y7, Y4, Y4

// FLOAT8MEM folds the eight float32 at SI into Σd and Σd²: value j and
// value j+4 are added first, then their sum to lane j. They are widened
// straight from memory, which saves extracting the upper half of a
// register. It clobbers Y6–Y8.
#define FLOAT8MEM \
	VCVTPS2PD 0(SI), Y7 \
	VCVTPS2PD 16(SI), Y6 \
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
	KEYS32
	FLOAT8MEM
	ADDQ $32, SI
	DECQ CX
	JNZ f32loop
f32done:
	STORE_SUMS
	RET

// KEYS16 folds the order keys and zeros of the sixteen 16-bit float
// patterns in Y6 into Y2, Y3 (sixteen lanes) and R12 (two per zero); it
// clobbers Y7 and AX.
#define KEYS16 \
	VPSRAW $15, Y6, Y7 \
	VPSRLW $1, Y7, Y7 \
	VPXOR Y6, Y7, Y7 \
	VPMINSW Y7, Y2, Y2 \
	VPMAXSW Y7, Y3, Y3 \
	VPSLLW $1, Y6, Y7 \
	VPCMPEQW Y5, Y7, Y7 \
	VPMOVMSKB Y7, AX \
	POPCNTL AX, AX \
	ADDQ AX, R12

// The 16-bit kernels keep a halfSums in registers. With AVX2, its first
// set of lanes is in Y0, Y1 (Σd) and Y9, Y10 (Σd²), its second in Y11,
// Y12 and Y13, Y14; with AVX-512, the first in Z0 and Z1, the second in
// Z9 and Z10. The extremes' keys are in Y2 and Y3, the zeros (counted
// twice) in R12. Each step's first group of eight goes to the first set,
// its second group to the second.
#define LANES0 (halfSums_l)
#define LANES1 (halfSums_l+halfLanes__size)

#define LOAD_KEYS \
	VMOVDQU halfSums_lo(DI), Y2 \
	VMOVDQU halfSums_hi(DI), Y3 \
	VPXOR Y5, Y5, Y5 \
	XORQ R12, R12

#define STORE_KEYS \
	VMOVDQU Y2, halfSums_lo(DI) \
	VMOVDQU Y3, halfSums_hi(DI) \
	SHRQ $1, R12 \
	ADDQ R12, halfSums_zeros(DI) \
	VZEROUPPER

#define LOAD_HALFS \
	VMOVUPD (LANES0+halfLanes_s)(DI), Y0 \
	VMOVUPD (LANES0+halfLanes_s+32)(DI), Y1 \
	VMOVUPD (LANES0+halfLanes_q)(DI), Y9 \
	VMOVUPD (LANES0+halfLanes_q+32)(DI), Y10 \
	VMOVUPD (LANES1+halfLanes_s)(DI), Y11 \
	VMOVUPD (LANES1+halfLanes_s+32)(DI), Y12 \
	VMOVUPD (LANES1+halfLanes_q)(DI), Y13 \
	VMOVUPD (LANES1+halfLanes_q+32)(DI), Y14 \
	LOAD_KEYS

#define STORE_HALFS \
	VMOVUPD Y0, (LANES0+halfLanes_s)(DI) \
	VMOVUPD Y1, (LANES0+halfLanes_s+32)(DI) \
	VMOVUPD Y9, (LANES0+halfLanes_q)(DI) \
	VMOVUPD Y10, (LANES0+halfLanes_q+32)(DI) \
	VMOVUPD Y11, (LANES1+halfLanes_s)(DI) \
	VMOVUPD Y12, (LANES1+halfLanes_s+32)(DI) \
	VMOVUPD Y13, (LANES1+halfLanes_q)(DI) \
	VMOVUPD Y14, (LANES1+halfLanes_q+32)(DI) \
	STORE_KEYS

#define LOAD_HALFS512 \
	VMOVUPD (LANES0+halfLanes_s)(DI), Z0 \
	VMOVUPD (LANES0+halfLanes_q)(DI), Z1 \
	VMOVUPD (LANES1+halfLanes_s)(DI), Z9 \
	VMOVUPD (LANES1+halfLanes_q)(DI), Z10 \
	LOAD_KEYS

#define STORE_HALFS512 \
	VMOVUPD Z0, (LANES0+halfLanes_s)(DI) \
	VMOVUPD Z1, (LANES0+halfLanes_q)(DI) \
	VMOVUPD Z9, (LANES1+halfLanes_s)(DI) \
	VMOVUPD Z10, (LANES1+halfLanes_q)(DI) \
	STORE_KEYS

// HALF8 folds the eight float32 in Y6 into one set of lanes: Σd into s0
// (values 0–3) and s1 (4–7), Σd² into q0 and q1. It clobbers Y6 and Y7.
#define HALF8(s0, s1, q0, q1) \
	VCVTPS2PD X6, Y7 \
	VEXTRACTF128 $1, Y6, X6 \
	VCVTPS2PD X6, Y6 \
	VSUBPD Y15, Y7, Y7 \
	VSUBPD Y15, Y6, Y6 \
	VADDPD Y7, s0, s0 \
	VADDPD Y6, s1, s1 \
	VFMADD231PD Y7, Y7, q0 \
	VFMADD231PD Y6, Y6, q1

// HALF8Z is HALF8 in one ZMM register a sum: the same additions, eight
// lanes an instruction. It clobbers Z7.
#define HALF8Z(s, q) \
	VCVTPS2PD Y6, Z7 \
	VSUBPD Z15, Z7, Z7 \
	VADDPD Z7, s, s \
	VFMADD231PD Z7, Z7, q

// WIDEN_F16 and WIDEN_BF16 leave in Y6 the eight values at off(SI) as
// float32: F16 by VCVTPH2PS (F16C), exactly; BF16 are the top halves of
// float32.
#define WIDEN_F16(off) \
	VCVTPH2PS off(SI), Y6

#define WIDEN_BF16(off) \
	VPMOVZXWD off(SI), Y6 \
	VPSLLD $16, Y6, Y6

// HALF_KERNEL is the body of a 16-bit kernel: n pairs of groups of eight
// values at SI, widened by widen, added by half and half2 between load
// and store.
#define HALF_KERNEL(load, store, widen, half, half2, loop, done) \
	MOVQ a+0(FP), DI \
	MOVQ p+8(FP), SI \
	MOVQ n+16(FP), CX \
	load \
	TESTQ CX, CX \
	JZ done \
loop: \
	VMOVDQU (SI), Y6 \
	KEYS16 \
	widen(0) \
	half \
	widen(16) \
	half2 \
	ADDQ $32, SI \
	DECQ CX \
	JNZ loop \
done: \
	store \
	RET

// func sumsF16AVX2(a *halfSums, p *byte, n int, k float64)
// n pairs of groups of eight IEEE half-precision values.
TEXT ·sumsF16AVX2(SB), NOSPLIT, $0-32
	VBROADCASTSD k+24(FP), Y15
	HALF_KERNEL(LOAD_HALFS, STORE_HALFS, WIDEN_F16, HALF8(Y0, Y1, Y9, Y10), HALF8(Y11, Y12, Y13, Y14), f16loop, f16done)

// func sumsBF16AVX2(a *halfSums, p *byte, n int, k float64)
// n pairs of groups of eight bfloat16.
TEXT ·sumsBF16AVX2(SB), NOSPLIT, $0-32
	VBROADCASTSD k+24(FP), Y15
	HALF_KERNEL(LOAD_HALFS, STORE_HALFS, WIDEN_BF16, HALF8(Y0, Y1, Y9, Y10), HALF8(Y11, Y12, Y13, Y14), bf16loop, bf16done)

// func sumsF16AVX512(a *halfSums, p *byte, n int, k float64)
TEXT ·sumsF16AVX512(SB), NOSPLIT, $0-32
	VBROADCASTSD k+24(FP), Z15
	HALF_KERNEL(LOAD_HALFS512, STORE_HALFS512, WIDEN_F16, HALF8Z(Z0, Z1), HALF8Z(Z9, Z10), f16loop512, f16done512)

// func sumsBF16AVX512(a *halfSums, p *byte, n int, k float64)
TEXT ·sumsBF16AVX512(SB), NOSPLIT, $0-32
	VBROADCASTSD k+24(FP), Z15
	HALF_KERNEL(LOAD_HALFS512, STORE_HALFS512, WIDEN_BF16, HALF8Z(Z0, Z1), HALF8Z(Z9, Z10), bf16loop512, bf16done512)

// func cpuid1ECX() uint32
TEXT ·cpuid1ECX(SB), NOSPLIT, $0-4
	MOVL $1, AX
	XORL CX, CX
	CPUID
	MOVL CX, ret+0(FP)
	RET

// Q8_BLOCK and Q4_BLOCK take the quants of the block at SI, which the
// moment and gather kernels share: the sum of the quants (Q4_0: of the
// nibbles) in the low 32 bits of AX, the sum of their squares in the
// upper 32, and the zero quants in BX. Q8_BLOCK needs Y15 (1 in each
// 16-bit lane) and Y14 (zero) and clobbers Y1–Y8; Q4_BLOCK needs X11–X14
// (q4consts, zero) and clobbers X1–X7 and R13.
#define Q8_BLOCK \
	VPMOVSXBW 2(SI), Y1 \
	VPMOVSXBW 18(SI), Y2 \
	VPMADDWD Y1, Y1, Y3 \
	VPMADDWD Y2, Y2, Y4 \
	VPADDD Y4, Y3, Y3 \
	VPADDW Y2, Y1, Y5 \
	VPMADDWD Y15, Y5, Y5 \
	VPHADDD Y3, Y5, Y6 \
	VEXTRACTI128 $1, Y6, X7 \
	VPADDD X7, X6, X6 \
	VPHADDD X6, X6, X6 \
	VMOVQ X6, AX \
	VMOVDQU 2(SI), Y8 \
	VPCMPEQB Y14, Y8, Y8 \
	VPMOVMSKB Y8, BX \
	POPCNTL BX, BX

#define Q4_BLOCK \
	VMOVDQU 2(SI), X1 \
	VPSRLW $4, X1, X2 \
	VPAND X13, X1, X1 \
	VPAND X13, X2, X2 \
	VPADDB X2, X1, X3 \
	VPSADBW X14, X3, X3 \
	VPSHUFB X1, X12, X4 \
	VPSHUFB X2, X12, X5 \
	VPADDB X5, X4, X4 \
	VPSADBW X14, X4, X4 \
	VPSLLQ $32, X4, X4 \
	VPADDQ X4, X3, X3 \
	VPSHUFD $0x4E, X3, X4 \
	VPADDQ X4, X3, X3 \
	VMOVQ X3, AX \
	VPCMPEQB X11, X1, X6 \
	VPCMPEQB X11, X2, X7 \
	VPMOVMSKB X6, BX \
	VPMOVMSKB X7, R13 \
	SHLL $16, R13 \
	ORL R13, BX \
	POPCNTL BX, BX

// func q8MomentsAVX2(dst *uint64, src *byte, n int)
// For n Q8_0 blocks of 34 bytes (a scale, then 32 int8 quants), the sum
// of the quants (int32, bits 0–31), of their squares (bits 32–55) and
// the zero count (bits 56–63), as q8SumsGo packs them.
TEXT ·q8MomentsAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VPCMPEQW Y15, Y15, Y15
	VPSRLW $15, Y15, Y15 // 1 in each 16-bit lane
	VPXOR Y14, Y14, Y14
	MOVL $32, R8
	TESTQ CX, CX
	JZ q8done
q8loop:
	Q8_BLOCK
	MOVWLZX (SI), DX
	TESTL $0x7FFF, DX
	CMOVLEQ R8, BX       // a zero scale: every value is zero
	SHLQ $56, BX
	ORQ BX, AX
	MOVQ AX, (DI)
	ADDQ $34, SI
	ADDQ $8, DI
	DECQ CX
	JNZ q8loop
q8done:
	VZEROUPPER
	RET

// Q4_0 constants: (n−8)² for each nibble n, a byte at a time; the low
// nibble mask; the nibble of a zero quant.
DATA q4consts<>+0(SB)/8, $0x0104091019243140
DATA q4consts<>+8(SB)/8, $0x3124191009040100
DATA q4consts<>+16(SB)/8, $0x0F0F0F0F0F0F0F0F
DATA q4consts<>+24(SB)/8, $0x0F0F0F0F0F0F0F0F
DATA q4consts<>+32(SB)/8, $0x0808080808080808
DATA q4consts<>+40(SB)/8, $0x0808080808080808
GLOBL q4consts<>(SB), RODATA|NOPTR, $48

// func q4MomentsAVX2(dst *uint64, src *byte, n int)
// For n Q4_0 blocks of 18 bytes (a scale, then 16 bytes of nibbles n,
// the quants n − 8), the sum of the nibbles (bits 0–31), of the squared
// quants (bits 32–55) and the zero count (bits 56–63), as q4SumsGo
// packs them.
TEXT ·q4MomentsAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VMOVDQU q4consts<>+0(SB), X12
	VMOVDQU q4consts<>+16(SB), X13
	VMOVDQU q4consts<>+32(SB), X11
	VPXOR X14, X14, X14
	MOVL $32, R8
	TESTQ CX, CX
	JZ q4done
q4loop:
	Q4_BLOCK
	MOVWLZX (SI), DX
	TESTL $0x7FFF, DX
	CMOVLEQ R8, BX       // a zero scale: every value is zero
	SHLQ $56, BX
	ORQ BX, AX
	MOVQ AX, (DI)
	ADDQ $18, SI
	ADDQ $8, DI
	DECQ CX
	JNZ q4loop
q4done:
	RET

// Q8_0 fast-loop constant: one block in a cell's count field, in the
// upper qword.
DATA q8fast<>+0(SB)/8, $0
DATA q8fast<>+8(SB)/8, $(1<<const_qcellShift)
GLOBL q8fast<>(SB), RODATA|NOPTR, $16

// func q8GatherAVX2(h *qhist, src *byte, n int, limits, ordinary0, ordinary1 uint32) int
// Ordinary blocks (ORDINARY_SCALE) go through a fast loop that adds each
// block's moments to its cell with one 128-bit add; any other block goes
// through the one-block loop, which stops at it or takes it as
// q8MomentsAVX2 does.
TEXT ·q8GatherAVX2(SB), NOSPLIT, $0-48
	GATHER_ENTER
	LEAQ ordinary0+28(FP), R15
	VPCMPEQW Y15, Y15, Y15
	VPSRLW $15, Y15, Y15
	VPXOR Y14, Y14, Y14
	VMOVDQU q8fast<>+0(SB), X10
q8gfast:
	CMPQ R8, CX
	JEQ q8gdone
	ORDINARY_SCALE(0, DX, q8gone)
	VPMOVSXBW 2(SI), Y1
	VPMOVSXBW 18(SI), Y2
	VPMADDWD Y1, Y1, Y3
	VPMADDWD Y2, Y2, Y4
	VPADDD Y4, Y3, Y3
	VPADDW Y2, Y1, Y5
	VPMADDWD Y15, Y5, Y5
	VPHADDD Y3, Y5, Y6
	VEXTRACTI128 $1, Y6, X7
	VPADDD X7, X6, X6
	VPHADDD X6, X6, X6 // Σq, Σq² in the low dwords
	VPMOVSXDQ X6, X5
	VPADDQ X10, X5, X5 // the cell's addition
	VMOVDQU 2(SI), Y8
	VPCMPEQB Y14, Y8, Y8
	VPMOVMSKB Y8, BX
	POPCNTL BX, BX
	ADDQ BX, R12
	ADD_CELL(DX, q8gfresh, q8gmarked)
	ADDQ $34, SI
	INCQ R8
	JMP q8gfast
q8gone:
	GATHER_SCALE(q8gdone)
	Q8_BLOCK
	MOVLQSX AX, R14
	GATHER_CELL(q8gz)
	ADDQ $34, SI
	INCQ R8
	JMP q8gfast
q8gdone:
	GATHER_LEAVE(ret+40(FP))
	MARK_USED(DX, q8gfresh, q8gmarked)

// Q4_0 pair constants: per 128-bit lane, the bias of a block's sum of
// nibbles (−8 for each of 32 quants) and one block in a cell's count
// field.
DATA q4pair<>+0(SB)/8, $-256
DATA q4pair<>+8(SB)/8, $(1<<const_qcellShift)
GLOBL q4pair<>(SB), RODATA|NOPTR, $16

// func q4GatherAVX2(h *qhist, src *byte, n int, limits, ordinary0, ordinary1 uint32) int
// Blocks go two at a time, one in each 128-bit lane, while both are
// ordinary (ORDINARY_SCALE): their moments in one set of vector
// instructions and their zero quants summed in Y9, four qwords, until
// the end. A block that is not goes through the one-block loop, which
// stops at it or takes it as q4MomentsAVX2 does.
TEXT ·q4GatherAVX2(SB), NOSPLIT, $0-48
	GATHER_ENTER
	LEAQ ordinary0+28(FP), R15
	VBROADCASTI128 q4consts<>+0(SB), Y12
	VBROADCASTI128 q4consts<>+16(SB), Y13
	VBROADCASTI128 q4consts<>+32(SB), Y11
	VBROADCASTI128 q4pair<>+0(SB), Y10
	VPXOR Y14, Y14, Y14
	VPXOR Y9, Y9, Y9
q4gpair:
	LEAQ 2(R8), AX
	CMPQ AX, CX
	JA q4gone
	ORDINARY_SCALE(0, DX, q4gone)
	ORDINARY_SCALE(18, BX, q4gone)
	VMOVDQU 2(SI), X1
	VINSERTI128 $1, 20(SI), Y1, Y1
	VPSRLW $4, Y1, Y2
	VPAND Y13, Y1, Y1
	VPAND Y13, Y2, Y2
	VPADDB Y2, Y1, Y3
	VPSADBW Y14, Y3, Y3 // Σn, two qwords a block
	VPSHUFB Y1, Y12, Y4
	VPSHUFB Y2, Y12, Y5
	VPADDB Y5, Y4, Y4
	VPSADBW Y14, Y4, Y4 // Σq², two qwords a block
	VPCMPEQB Y11, Y1, Y5
	VPCMPEQB Y11, Y2, Y6
	VPADDB Y6, Y5, Y5
	VPSUBB Y5, Y14, Y5 // zero quants of each byte
	VPSADBW Y14, Y5, Y5
	VPADDQ Y5, Y9, Y9
	VPUNPCKLQDQ Y4, Y3, Y5
	VPUNPCKHQDQ Y4, Y3, Y6
	VPADDQ Y6, Y5, Y5
	VPADDQ Y10, Y5, Y5 // each lane: a cell's addition
	ADD_CELL(DX, q4gfa, q4gma)
	VEXTRACTI128 $1, Y5, X5
	ADD_CELL(BX, q4gfb, q4gmb)
	ADDQ $36, SI
	ADDQ $2, R8
	JMP q4gpair
q4gone:
	CMPQ R8, CX
	JEQ q4gdone
	GATHER_SCALE(q4gdone)
	Q4_BLOCK
	MOVL AX, R14
	SUBQ $256, R14
	GATHER_CELL(q4gz)
	ADDQ $18, SI
	INCQ R8
	JMP q4gpair
q4gdone:
	VEXTRACTI128 $1, Y9, X5
	VPADDQ X5, X9, X9
	VPSHUFD $0x4E, X9, X5
	VPADDQ X5, X9, X9
	VMOVQ X9, AX
	ADDQ AX, R12
	GATHER_LEAVE(ret+40(FP))
	MARK_USED(DX, q4gfa, q4gma)
	MARK_USED(BX, q4gfb, q4gmb)
