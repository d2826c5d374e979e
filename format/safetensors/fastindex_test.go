package safetensors

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tensorcount/tensorcount/internal/corpus"
)

// indexBothPaths reads the index text b with the specialised scanner
// first and through the general path alone, and fails unless both give
// the same Index or the same error, and announce the same shards in the
// same order. It reports whether the scanner took the index.
func indexBothPaths(t testing.TB, b []byte) bool {
	t.Helper()
	var fastCalls, generalCalls []string
	general, errGeneral := readIndexWith(bytes.NewReader(b), nil, int64(len(b)), func(i int, name string) {
		generalCalls = append(generalCalls, fmt.Sprint(i, name))
	}, false)
	// Through readIndexWith, through ReadIndex, and (for OpenSet) through
	// readIndex on a file.
	for _, at := range []io.ReaderAt{bytes.NewReader(b)} {
		fastCalls = nil
		fast, errFast := readIndexWith(bytes.NewReader(b), at, int64(len(b)), func(i int, name string) {
			fastCalls = append(fastCalls, fmt.Sprint(i, name))
		}, true)
		if !reflect.DeepEqual(errFast, errGeneral) {
			t.Fatalf("errors differ (window %v):\nfast:    %#v\ngeneral: %#v\ninput: %q", at != nil, errFast, errGeneral, b)
		}
		if !reflect.DeepEqual(fast, general) {
			t.Fatalf("results differ (window %v):\nfast:    %+v\ngeneral: %+v\ninput: %q", at != nil, fast, general, b)
		}
		if !reflect.DeepEqual(fastCalls, generalCalls) {
			t.Fatalf("shards announced differ (window %v):\nfast:    %q\ngeneral: %q\ninput: %q", at != nil, fastCalls, generalCalls, b)
		}
	}
	// ReadIndex takes the scanner for a reader at its start that reads at
	// offsets, the general path for any other.
	for _, r := range []io.Reader{bytes.NewReader(b), io.MultiReader(bytes.NewReader(b))} {
		idx, err := ReadIndex(r, int64(len(b)))
		if !reflect.DeepEqual(err, errGeneral) || !reflect.DeepEqual(idx, general) {
			t.Fatalf("ReadIndex(%T) differs:\n%+v %v\n%+v %v\ninput: %q", r, idx, err, general, errGeneral, b)
		}
	}
	announced := 0
	_, ok := fastIndex(b, nil, 0, nil, &announced)
	return ok
}

func indexTexts(t testing.TB) [][]byte {
	texts := [][]byte{
		[]byte(`{"metadata":{"total_size":8},"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors"}}`),
		[]byte(`{"weight_map":{"a\u0000":"x.safetensors","b":"x.safetensors","c":"y.safetensors","d":"x.safetensors"},"metadata":null}`),
		[]byte(` { "metadata" : { "total_size" : 0 , "total_parameters" : 18446744073709551615, "format": "pt" } ,` + "\n" + ` "weight_map" : { "caf\u00e9" : "x.safetensors" , "\"q\"" : "y\u002esafetensors" } } ` + "\n"),
		[]byte(`{"weight_map":{}}`),
		[]byte(`{"weight_map":{"a":"../x"}}`),
		[]byte(`{"metadata":{"total_size":1.5e3},"weight_map":{}}`),
		[]byte(`{"metadata":{"total_size":-1,"x":{}},"weight_map":{"a":"b.safetensors"},"extra":[1]}`),
		[]byte(`{"weight_map":{"a":"b.safetensors"},"weight_map":{}}`),
	}
	if dir, ok := corpus.Find(); ok {
		paths, _ := filepath.Glob(filepath.Join(dir, "*", "*.index.json"))
		for _, p := range paths {
			if b, err := os.ReadFile(p); err == nil {
				texts = append(texts, b)
			}
		}
	}
	// An index larger than the scanner's window, with a long name at a
	// window boundary.
	var big bytes.Buffer
	big.WriteString(`{"metadata":{"total_size":0},"weight_map":{`)
	for i := range 12000 {
		if i > 0 {
			big.WriteString(",")
		}
		if i == 5000 {
			fmt.Fprintf(&big, `"%s":"x.safetensors"`, strings.Repeat("n", indexWindow/3))
			continue
		}
		fmt.Fprintf(&big, `"model.layers.%d.mlp.experts.%d.down_proj.weight":"model-%05d-of-00163.safetensors"`, i/256, i%256, 1+i/80)
	}
	big.WriteString("}}\n")
	texts = append(texts, big.Bytes())
	return texts
}

func TestFastIndexMatchesGeneral(t *testing.T) {
	texts := indexTexts(t)
	took := 0
	for _, b := range texts {
		if indexBothPaths(t, b) {
			took++
		}
	}
	t.Logf("%d indexes, %d taken by the scanner", len(texts), took)
	for _, b := range append(texts[:4:4], texts[len(texts)-1]) {
		if !indexBothPaths(t, b) {
			t.Errorf("scanner refused %.200q", b)
		}
	}
	r := rand.New(rand.NewPCG(17, 3))
	// Each general read allocates its 256 KiB bufio buffer: fewer runs
	// than for headers keep the test quick.
	runs := 5000
	if testing.Short() {
		runs = 1000
	}
	took = 0
	for range runs {
		if indexBothPaths(t, mutate(r, texts[r.IntN(len(texts)-1)])) {
			took++
		}
	}
	t.Logf("%d mutated indexes, %d taken by the scanner", runs, took)
}

// FuzzFastIndex checks that the index scanner and the general path agree.
func FuzzFastIndex(f *testing.F) {
	for _, b := range indexTexts(f) {
		if len(b) < 4<<10 { // see FuzzFastHeader
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		indexBothPaths(t, b)
	})
}
