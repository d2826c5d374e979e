//go:build unix

package format

import "syscall"

// openFlags are the flags of every open: read-only, non-blocking (a named
// pipe swapped in after the stat then cannot block the open) and
// close-on-exec.
const openFlags = syscall.O_RDONLY | syscall.O_NONBLOCK | syscall.O_CLOEXEC

// noFollow makes the final open refuse a link.
const noFollow = syscall.O_NOFOLLOW
