package scan

import "testing"

// FuzzQuantGather holds the vector gather kernels to the Go ones on any
// bytes and limits: they stop at the same block and leave the same qhist.
//
//	go test ./scan -run '^$' -fuzz FuzzQuantGather -fuzztime 60s
func FuzzQuantGather(f *testing.F) {
	if !hasAVX2 {
		f.Skip("no vector kernel on this CPU or build")
	}
	ordinary := func(blockBytes, blocks int, scale uint16) []byte {
		b := make([]byte, blockBytes*blocks)
		for i := 0; i < len(b); i += blockBytes {
			b[i], b[i+1] = byte(scale), byte(scale>>8)
			for j := 2; j < blockBytes; j++ {
				b[i+j] = byte(i*7 + j*13)
			}
		}
		return b
	}
	f.Add(ordinary(34, 9, 0x1400), uint16(0x7C00), uint16(0x7C00), false)
	f.Add(ordinary(18, 9, 0x9400), uint16(0x1500), uint16(0x1500), true)
	f.Add(ordinary(18, 4, 0x0000), uint16(1), uint16(0), true)
	f.Add(ordinary(18, 4, 0x8000), uint16(0x7C00), uint16(0x7C00), true) // zero scales count 32 zeros
	f.Add(ordinary(34, 4, 0x0000), uint16(0x7C00), uint16(0x7C00), false)
	f.Add([]byte{0x00, 0x7C, 0x88, 0x88}, uint16(0x7C00), uint16(1), true)
	f.Fuzz(func(t *testing.T, src []byte, l0, l1 uint16, q4 bool) {
		asm, ref, blockBytes := q8GatherAsm, q8GatherGo, 34
		if q4 {
			asm, ref, blockBytes = q4GatherAsm, q4GatherGo, 18
		}
		limit := [2]uint16{min(l0, 0x7C00), min(l1, 0x7C00)} // qlimits' range
		want, got := newQhist(), newQhist()
		for len(src) >= blockBytes {
			nw, ng := ref(want, src, limit), asm(got, src, limit)
			if nw != ng {
				t.Fatalf("stopped after %d blocks, want %d", ng, nw)
			}
			src = src[min(len(src), (nw+1)*blockBytes):]
		}
		if want.cells != got.cells || want.used != got.used || want.zeros != got.zeros {
			t.Fatal("the gathered blocks differ")
		}
	})
}
