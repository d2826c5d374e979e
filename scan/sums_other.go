//go:build !amd64 || purego

package scan

// hasAVX2 is false where there are no vector kernels: the Go kernels run.
const hasAVX2 = false
