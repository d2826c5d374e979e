//go:build !linux

package prefault

const hugePage = 2 << 20

func adviseHuge([]byte) {}
