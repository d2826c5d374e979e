package safetensors

import (
	"testing"
	"unicode/utf8"
)

// plainASCII agrees with the byte-by-byte rule on every byte value at
// every position of spans of every length up to 24.
func TestPlainASCII(t *testing.T) {
	slow := func(p []byte) bool {
		for _, c := range p {
			if c < ' ' || c == '\\' || c >= utf8.RuneSelf {
				return false
			}
		}
		return true
	}
	for n := 0; n <= 24; n++ {
		p := make([]byte, n)
		for i := range p {
			p[i] = 'a' + byte(i%26)
		}
		if !plainASCII(p) {
			t.Fatalf("%q: want true", p)
		}
		for at := range n {
			for c := range 256 {
				q := append([]byte(nil), p...)
				q[at] = byte(c)
				if got, want := plainASCII(q), slow(q); got != want {
					t.Fatalf("%q: got %v, want %v", q, got, want)
				}
			}
		}
	}
}
