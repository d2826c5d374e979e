//go:build !linux

package scan

import "testing"

func cpuPerOp(b *testing.B, f func()) {
	for b.Loop() {
		f()
	}
}
