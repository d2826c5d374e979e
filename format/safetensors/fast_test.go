package safetensors

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"testing"

	"github.com/tensorcount/tensorcount/internal/corpus"
)

// bothPaths parses the file image b with the specialised scanner first and
// through the general path alone, and fails unless the two agree exactly:
// the same File, or errors identical in every field. It reports whether
// the scanner took the header.
func bothPaths(t testing.TB, b []byte) bool {
	t.Helper()
	fast, errFast := newFileWith(bytes.NewReader(b), int64(len(b)), "x", parseOptions{})
	general, errGeneral := newFileWith(bytes.NewReader(b), int64(len(b)), "x", parseOptions{generalOnly: true})
	if !reflect.DeepEqual(errFast, errGeneral) {
		t.Fatalf("errors differ:\nfast:    %#v\ngeneral: %#v\ninput: %q", errFast, errGeneral, b)
	}
	if !reflect.DeepEqual(fast, general) {
		t.Fatalf("results differ:\nfast:    %+v\ngeneral: %+v\ninput: %q", fast, general, b)
	}
	if len(b) < 8 {
		return false
	}
	n := binary.LittleEndian.Uint64(b)
	if n == 0 || n > uint64(len(b)-8) {
		return false
	}
	p := &headerParser{base: 8, hdr: b[8 : 8+n]}
	return p.fast(&File{}, &scanner{b: p.hdr})
}

// headerImages is every header the package's tests use: the literal
// headers in the test files, the benchmark's, and the corpus files'.
func headerImages(t testing.TB) [][]byte {
	var images [][]byte
	files, _ := filepath.Glob("*_test.go")
	lit := regexp.MustCompile("raw\\(`([^`]*)`, ([0-9]+)\\)")
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range lit.FindAllSubmatch(src, -1) {
			n, _ := strconv.Atoi(string(m[2]))
			images = append(images, raw(string(m[1]), n))
		}
	}
	img, size := manyTensorsImage(t, 1000)
	images = append(images, append(img, make([]byte, size-int64(len(img)))...))
	if dir, ok := corpus.Find(); ok {
		paths, _ := filepath.Glob(filepath.Join(dir, "*", "*.safetensors"))
		for _, p := range paths {
			if b, err := os.ReadFile(p); err == nil {
				images = append(images, b)
			}
		}
	}
	return images
}

func TestFastMatchesGeneral(t *testing.T) {
	images := headerImages(t)
	took := 0
	for _, b := range images {
		if bothPaths(t, b) {
			took++
		}
	}
	t.Logf("%d headers, %d taken by the scanner", len(images), took)
	// Headers real writers produce take the fast path: the generated
	// 1000-tensor one and every corpus file (when the corpus is there;
	// the literal headers are mostly malformed, so no share of them is
	// asked for).
	img, size := manyTensorsImage(t, 1000)
	if !bothPaths(t, append(img, make([]byte, size-int64(len(img)))...)) {
		t.Fatal("the scanner did not take the generated 1000-tensor header")
	}
	if dir, ok := corpus.Find(); ok {
		paths, _ := filepath.Glob(filepath.Join(dir, "*", "*.safetensors"))
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err == nil && !bothPaths(t, b) {
				t.Errorf("the scanner did not take %s", p)
			}
		}
	}
	// The usual shapes must take the fast path.
	for _, h := range []string{
		`{}`,
		` {"__metadata__":null} `,
		`{"__metadata__":{"format":"pt","k":"caf\u00e9 \"q\" \ud83d\ude00"},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}`,
		"{\"b\" : {\"shape\":[ ],\"data_offsets\":[0 , 2],\"dtype\":\"BF16\"}\n,\"\u00e9\\n\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[2,2]}}\n  ",
	} {
		b := raw(h, 24)
		if !bothPaths(t, append(b[:len(b):len(b)], make([]byte, 0)...)) {
			// the data length may be wrong for the layout; the scan must
			// still have taken the header
			t.Errorf("scanner refused %q", h)
		}
	}
}

// mutate returns b with a few random edits: bytes replaced, dropped,
// duplicated or inserted from a set of JSON-significant ones.
func mutate(r *rand.Rand, b []byte) []byte {
	const alphabet = "{}[]\":,. \t\r\n\\u0123456789-+eE_nulltrfs\x00\x7f\xc3\xa9\xed\xa0\x80\xff"
	out := append([]byte(nil), b...)
	for range 1 + r.IntN(4) {
		if len(out) == 0 {
			out = append(out, alphabet[r.IntN(len(alphabet))])
			continue
		}
		i := r.IntN(len(out))
		switch r.IntN(5) {
		case 0:
			out[i] = alphabet[r.IntN(len(alphabet))]
		case 1:
			out = append(out[:i], out[i+1:]...)
		case 2:
			out = append(out[:i], append([]byte{alphabet[r.IntN(len(alphabet))]}, out[i:]...)...)
		case 3:
			j := min(len(out), i+1+r.IntN(16))
			out = append(out[:j], append(append([]byte(nil), out[i:j]...), out[j:]...)...)
		case 4:
			escapes := []string{`\u0041`, `\ud83d\ude00`, `\ud83d`, `\"`, `\/`, `\n`, `\x`, `"__metadata__"`, `null`, `0`, `01`, `18446744073709551615`, `18446744073709551616`}
			s := escapes[r.IntN(len(escapes))]
			out = append(out[:i], append([]byte(s), out[i:]...)...)
		}
	}
	return out
}

// withHeader returns the image of header hdr followed by dataLen bytes.
func withHeader(hdr []byte, dataLen int) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))
	b = append(b, hdr...)
	return append(b, make([]byte, dataLen)...)
}

func TestFastMatchesGeneralMutated(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 2))
	var headers [][]byte
	for _, b := range headerImages(t) {
		if len(b) >= 8 {
			if n := binary.LittleEndian.Uint64(b); n > 0 && n <= uint64(len(b)-8) && n < 1<<16 {
				headers = append(headers, b[8:8+n])
			}
		}
	}
	runs := 20000
	if testing.Short() {
		runs = 2000
	}
	took := 0
	for range runs {
		h := mutate(r, headers[r.IntN(len(headers))])
		// The data length is usually what the header wants, so that the
		// mutations reach the layout checks too.
		if bothPaths(t, withHeader(h, r.IntN(8))) {
			took++
		}
	}
	t.Logf("%d mutated headers, %d taken by the scanner", runs, took)
}

// FuzzFastHeader checks that the specialised scanner and the general path
// agree on every header: the same File, or the same error.
//
// The seeds are the small headers only: the fuzzer minimises every new
// input for up to a minute, which for the 60 KB header took the whole run.
func FuzzFastHeader(f *testing.F) {
	for _, b := range headerImages(f) {
		if len(b) >= 8 {
			if n := binary.LittleEndian.Uint64(b); n > 0 && n <= uint64(len(b)-8) && n < 4<<10 {
				f.Add(b[8:8+n], uint8(len(b)-8-int(n)))
			}
		}
	}
	f.Fuzz(func(t *testing.T, hdr []byte, dataLen uint8) {
		bothPaths(t, withHeader(hdr, int(dataLen)))
	})
}
