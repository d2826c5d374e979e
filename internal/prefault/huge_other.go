//go:build !linux

package prefault

// minHuge is the size from which memory is laid out on huge pages:
// where there are none, never.
const minHuge = 1 << 62

func onHuge[T any](n int) []T { return make([]T, n) }

func piece[T any](n int) []T { return make([]T, n) }
