package rangeio

import (
	"testing"
)

// A cache entry is read back from disk, where anything may have happened
// to it: decoding must never panic or claim bytes outside the file.
func FuzzDecodeRanges(f *testing.F) {
	var ss spans
	ss.add(0, []byte("abcdef"))
	ss.add(100, []byte("xyz"))
	c := &Cache{Dir: f.TempDir()}
	if err := c.PutRanges("k", 1000, "e", &ss, 1000); err != nil {
		f.Fatal(err)
	}
	b, _ := c.Get("ranges\x00k")
	f.Add(b)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		size, _, got, err := decodeRanges(b)
		if err != nil {
			return
		}
		for _, sp := range got.s {
			if sp.start < 0 || sp.end() > size {
				t.Fatalf("span %d-%d outside a %d-byte file", sp.start, sp.end(), size)
			}
		}
	})
}
