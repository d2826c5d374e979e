package format

import (
	"fmt"
	"os"
)

// OpenRegular opens a weight file read-only and returns its size. A
// directory, device or pipe given as a weight file is refused before it
// is read: reading one would fail obscurely or block.
func OpenRegular(name string) (*os.File, int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("%s: not a regular file", name)
	}
	return f, fi.Size(), nil
}
