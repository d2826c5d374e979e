package source_test

import (
	"strings"
	"testing"

	"github.com/tensorcount/tensorcount/source"
)

// Parse never panics, and what it accepts as a Hub path stays inside
// the repository.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"hf://org/m@rev/a/b.gguf", "https://huggingface.co/org/m/blob/main/x", "ollama://h:1/ns/n:t", "hf://gpt2", "https://x/y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		s, err := source.Parse(arg)
		if err != nil || s.Kind != source.KindHub {
			return
		}
		for _, seg := range strings.Split(s.Path, "/") {
			if seg == ".." || (s.Path != "" && seg == "") {
				t.Fatalf("%q: path %q leaves the repository", arg, s.Path)
			}
		}
	})
}
