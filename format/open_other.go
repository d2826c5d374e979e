//go:build !unix

package format

import "syscall"

// openFlags are the flags of every open. Systems other than Unix have no
// named pipes in the file system that an open could block on, nor
// O_NONBLOCK for files; the stat before and after the open still refuses
// anything but a regular file.
const openFlags = syscall.O_RDONLY

// noFollow is 0 where the system has no O_NOFOLLOW; fsroot's Lstat
// before the open and the same-file check after it stand in for it.
const noFollow = 0
