package pickle_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/format/pickle"
)

// FuzzPickle checks that no input panics or hangs the machine, that every
// rejection is a *format.Error with an offset inside the input, and that
// every import of an accepted pickle points at an opcode that names it,
// and that the accepted values read back.
func FuzzPickle(f *testing.F) {
	for _, glob := range []string{"testdata/*.pkl", "../pytorch/testdata/malicious/*.pkl"} {
		paths, _ := filepath.Glob(glob)
		for _, p := range paths {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	for _, s := range []string{
		"\x80\x02}q\x00(X\x01\x00\x00\x00wq\x01ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x04tQK\x00K\x04\x85K\x01\x85\x89ccollections\nOrderedDict\n)RtRu.",
		"(I1\nF2.5\nS'x'\nV\\u1234\nL5L\np0\ng0\ndl.",
		"\x80\x05\x95\x10\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x94\x8c\x06system\x94\x93\x94.",
		"\x80\x04\x8f(K\x01\x90\x91\x96\x01\x00\x00\x00\x00\x00\x00\x00a\x8a\x02\xff\x7f.",
		"(cmy\nC\no}b.",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := pickle.Parse(b, &pickle.Options{Limits: pickle.Limits{MaxItems: 1 << 20}})
		if err != nil {
			fe, ok := err.(*format.Error)
			if !ok {
				t.Fatalf("error is %T, not *format.Error: %v", err, err)
			}
			if fe.Offset < 0 || fe.Offset > int64(len(b)) {
				t.Fatalf("error offset %d outside the %d-byte input: %v", fe.Offset, len(b), err)
			}
			return
		}
		if res.End <= 0 || res.End > int64(len(b)) || b[res.End-1] != '.' {
			t.Fatalf("End %d does not follow a STOP", res.End)
		}
		// Reading the values back must not panic either, however they
		// nest or refer to themselves.
		if r := res.Repr(res.Value); len(r) > 1<<10 {
			t.Fatalf("Repr of %d bytes", len(r))
		}
		for _, im := range res.Imports {
			if im.Offset < 0 || im.Offset >= res.End {
				t.Fatalf("import %s at %d outside the pickle", im, im.Offset)
			}
			switch op := b[im.Offset]; {
			case op == 'c' && im.Opcode == "GLOBAL", op == 'i' && im.Opcode == "INST", op == 0x93 && im.Opcode == "STACK_GLOBAL":
			default:
				t.Fatalf("import %s at %d: byte 0x%02x is not its %s opcode", im, im.Offset, op, im.Opcode)
			}
		}
	})
}
