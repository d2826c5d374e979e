//go:build unix

package gguf_test

import (
	"os"
	"syscall"
)

// diskUsage is the disk a file really occupies, which for a sparse file is
// far less than its size.
func diskUsage(fi os.FileInfo) (int64, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int64(st.Blocks) * 512, true
}
