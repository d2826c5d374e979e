package pickle_test

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/format/pickle"
)

// render writes a value in the canonical form make_pickles.py uses,
// interpreting the constructors Python's pickler uses for sets, bytes and
// bytearrays in the older protocols.
func render(r *pickle.Result, v pickle.Value) string {
	switch v.Kind() {
	case pickle.KindNone:
		return "None"
	case pickle.KindBool:
		if b, _ := r.Bool(v); b {
			return "True"
		}
		return "False"
	case pickle.KindInt:
		n, _ := r.BigInt(v)
		return n.String()
	case pickle.KindFloat:
		f, _ := r.Float(v)
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], math.Float64bits(f))
		return "f" + hex.EncodeToString(b[:])
	case pickle.KindStr:
		s, _ := r.Str(v)
		j, _ := json.Marshal(s)
		return "s" + pyJSON(string(j))
	case pickle.KindBytes:
		b, _ := r.Bytes(v)
		return "b" + hex.EncodeToString(b)
	case pickle.KindByteArray:
		b, _ := r.Bytes(v)
		return "ba" + hex.EncodeToString(b)
	case pickle.KindTuple:
		return "(" + join(r, r.Items(v)) + ")"
	case pickle.KindList:
		return "[" + join(r, r.Items(v)) + "]"
	case pickle.KindDict:
		var parts []string
		for _, e := range r.Entries(v) {
			parts = append(parts, render(r, e.Key)+":"+render(r, e.Value))
		}
		return "{" + strings.Join(parts, ",") + "}"
	case pickle.KindSet, pickle.KindFrozenSet:
		return setString(r, v.Kind() == pickle.KindFrozenSet, r.Items(v))
	case pickle.KindObject:
		g := r.Func(v)
		args := r.ArgTuple(v)
		if g == nil {
			break
		}
		switch g.Module + "." + g.Name {
		case "builtins.set", "__builtin__.set", "builtins.frozenset", "__builtin__.frozenset":
			var items []pickle.Value
			if len(args) > 0 {
				items = r.Items(args[0])
			}
			return setString(r, strings.HasSuffix(g.Name, "frozenset"), items)
		case "builtins.bytes", "__builtin__.bytes":
			return "b"
		case "_codecs.encode":
			s, _ := r.Str(args[0])
			return "b" + hex.EncodeToString(latin1(s))
		case "builtins.bytearray", "__builtin__.bytearray":
			if len(args) == 0 {
				return "ba"
			}
			if s, ok := r.Str(args[0]); ok {
				return "ba" + hex.EncodeToString(latin1(s))
			}
			return "ba" + strings.TrimPrefix(render(r, args[0]), "b")
		}
	}
	return fmt.Sprintf("<%v>", v.Kind())
}

func join(r *pickle.Result, vs []pickle.Value) string {
	parts := make([]string, len(vs))
	for i, x := range vs {
		parts[i] = render(r, x)
	}
	return strings.Join(parts, ",")
}

func setString(r *pickle.Result, frozen bool, items []pickle.Value) string {
	parts := make([]string, len(items))
	for i, x := range items {
		parts[i] = render(r, x)
	}
	slices.Sort(parts)
	p := "set"
	if frozen {
		p = "fset"
	}
	return p + "{" + strings.Join(parts, ",") + "}"
}

func latin1(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r))
	}
	return b
}

// pyJSON turns Go's JSON string escapes into Python's json.dumps ones
// (ASCII only, \uXXXX with lowercase hex, surrogate pairs).
func pyJSON(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r > 0xffff:
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		case r > 0x7e:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return strings.ReplaceAll(b.String(), `\u003c`, "<")
}

func TestProtocols(t *testing.T) {
	var want struct{ Render string }
	b, err := os.ReadFile("testdata/expected.json")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &want))
	for p := 0; p <= 5; p++ {
		t.Run(fmt.Sprint("protocol ", p), func(t *testing.T) {
			data, err := os.ReadFile(fmt.Sprintf("testdata/p%d.pkl", p))
			require.NoError(t, err)
			res, err := pickle.Parse(data, nil)
			require.NoError(t, err)
			require.Equal(t, want.Render, render(res, res.Value))
			require.Equal(t, int64(len(data)), res.End)
			if p >= 2 {
				require.Equal(t, p, res.Protocol)
			}
			require.Empty(t, res.Dangerous())
		})
	}
}

func TestRecursive(t *testing.T) {
	for _, p := range []int{0, 2, 4} {
		data, err := os.ReadFile(fmt.Sprintf("testdata/recursive_p%d.pkl", p))
		require.NoError(t, err)
		res, err := pickle.Parse(data, nil)
		require.NoError(t, err)
		require.Equal(t, pickle.KindList, res.Value.Kind())
		items := res.Items(res.Value)
		require.Len(t, items, 1)
		require.Equal(t, res.Value, items[0])
	}
}

// TestErrors checks each malformed input's message and offset.
func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		lim        pickle.Limits
		msg        string
		offset     int64
		eof        bool
	}{
		{name: "empty", data: "", msg: "pickle: pickle ends without STOP", offset: 0, eof: true},
		{name: "no STOP", data: "\x80\x02K\x01", msg: "pickle ends without STOP", offset: 4, eof: true},
		{name: "unknown opcode", data: "\x80\x02K\x01\xff.", msg: `pickle opcode: not a pickle opcode (found "0xff")`, offset: 4},
		{name: "protocol 6", data: "\x80\x06N.", msg: "pickle opcode PROTO: unsupported pickle protocol (found 6, limit 5)", offset: 0},
		{name: "truncated BININT", data: "\x80\x02J\x01\x02", msg: "pickle opcode BININT: pickle ends inside the opcode's argument", offset: 2, eof: true},
		{name: "string past end", data: "\x80\x02X\xff\xff\x00\x00abc.", msg: "pickle opcode BINUNICODE: length runs past the end of the pickle (found 65535, limit 4)", offset: 2, eof: true},
		{name: "bytes8 past end", data: "\x8e\xff\xff\xff\xff\xff\xff\xff\xff.", msg: "pickle opcode BINBYTES8: length runs past the end of the pickle (found 18446744073709551615, limit 1)", offset: 0, eof: true},
		{name: "frame past end", data: "\x80\x04\x95\x00\x00\x00\x00\x01\x00\x00\x00N.", msg: "pickle opcode FRAME: length runs past the end of the pickle (found 4294967296, limit 2)", offset: 2, eof: true},
		{name: "memo index undefined", data: "\x80\x02N\x94h\x05.", msg: "pickle opcode BINGET: memo index is not defined (found 5)", offset: 4},
		{name: "long memo index undefined", data: "Nq\x00j\x00\x00\x00\x01.", msg: "pickle opcode LONG_BINGET: memo index is not defined (found 16777216)", offset: 3},
		{name: "text memo index", data: "g12x\n.", msg: `pickle opcode GET: invalid memo index "12x"`, offset: 0},
		{name: "stack underflow", data: "\x80\x020.", msg: "pickle opcode POP: stack underflow", offset: 2},
		{name: "STOP on empty stack", data: ".", msg: "pickle opcode STOP: stack underflow", offset: 0},
		{name: "TUPLE without MARK", data: "Nt.", msg: "pickle opcode TUPLE: no MARK to pop to", offset: 1},
		{name: "REDUCE across a MARK", data: "cos\nsystem\n(N\x85R.", msg: "pickle opcode REDUCE: stack underflow", offset: 14},
		{name: "SETITEM on a list", data: "]K\x01K\x02s.", msg: "pickle opcode SETITEM: SETITEM on a list, not a dict", offset: 5},
		{name: "SETITEMS on a tuple", data: ")(K\x01K\x02u.", msg: "pickle opcode SETITEMS: SETITEMS on a tuple, not a dict", offset: 6},
		{name: "APPEND on a dict", data: "}K\x01a.", msg: "pickle opcode APPEND: APPEND on a dict, not a list", offset: 3},
		{name: "BUILD on an int", data: "K\x01}b.", msg: "pickle opcode BUILD: BUILD on an int, not an object", offset: 3},
		{name: "ADDITEMS on a list", data: "](K\x01\x90.", msg: "pickle opcode ADDITEMS: ADDITEMS on a list, not a set", offset: 4},
		{name: "odd DICT", data: "(K\x01d.", msg: "pickle opcode DICT: odd number of items (1) for key-value pairs", offset: 3},
		{name: "STACK_GLOBAL of ints", data: "K\x01K\x02\x93.", msg: "pickle opcode STACK_GLOBAL: module and name must be strings, found an int and an int", offset: 4},
		{name: "EXT1", data: "\x82\x01.", msg: "pickle opcode EXT1: extension registry codes are not supported", offset: 0},
		{name: "NEXT_BUFFER", data: "\x80\x05\x97.", msg: "pickle opcode NEXT_BUFFER: out-of-band buffers (protocol 5) are not part of a file", offset: 2},
		{name: "READONLY_BUFFER", data: "\x80\x05N\x98.", msg: "pickle opcode READONLY_BUFFER: out-of-band buffers", offset: 3},
		{name: "negative LONG4", data: "\x8b\xff\xff\xff\xff.", msg: "pickle opcode LONG4: negative byte count", offset: 0},
		{name: "negative BINSTRING", data: "T\xff\xff\xff\xff.", msg: "pickle opcode BINSTRING: negative length", offset: 0},
		{name: "long too long", data: "\x8b\x00\x10\x00\x00" + strings.Repeat("\x01", 4096) + ".", msg: "pickle opcode LONG4: integer is too long (found 4096, limit 4095)", offset: 0, lim: pickle.Limits{MaxLong: 4095}},
		{name: "bad float", data: "Fx1\n.", msg: `pickle opcode FLOAT: invalid float "x1"`, offset: 0},
		{name: "bad int", data: "I1x\n.", msg: `pickle opcode INT: invalid integer "1x"`, offset: 0},
		{name: "bad quoted string", data: "Sabc\n.", msg: `pickle opcode STRING: invalid quoted string "abc"`, offset: 0},
		{name: "unterminated line", data: "cos\nsys", msg: "pickle opcode GLOBAL: pickle ends inside the opcode's argument", offset: 0, eof: true},
		{name: "nesting bomb", data: strings.Repeat("(", 5000) + ".", msg: "pickle opcode MARK: MARKs nested too deeply (found 4097, limit 4096)", offset: 4096},
		{name: "list nesting bomb", data: strings.Repeat("]", 100) + ".", lim: pickle.Limits{MaxStack: 50}, msg: "pickle opcode EMPTY_LIST: stack is too deep (found 51, limit 50)", offset: 50},
		{name: "memo bomb", data: "N" + strings.Repeat("\x94", 20) + ".", lim: pickle.Limits{MaxMemo: 10}, msg: "pickle opcode MEMOIZE: too many memo entries (limit 10)", offset: 11},
		{name: "value bomb", data: "N" + strings.Repeat("2", 100) + ".", lim: pickle.Limits{MaxItems: 50}, msg: "pickle opcode DUP: more than 50 values: refusing to build more", offset: 50},
		{name: "OBJ without class", data: "(o.", msg: "pickle opcode OBJ: OBJ without a class", offset: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pickle.Parse([]byte(tc.data), &pickle.Options{Base: 1000, Limits: tc.lim})
			require.Error(t, err)
			var fe *format.Error
			require.ErrorAs(t, err, &fe)
			require.ErrorContains(t, err, tc.msg)
			require.Equal(t, 1000+tc.offset, fe.Offset)
			require.Equal(t, tc.eof, errors.Is(err, io.ErrUnexpectedEOF))
		})
	}
}

func TestValues(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"INT bools", "(I00\nI01\nI7\nl.", "[False,True,7]"},
		{"LONG text", "L123456789012345678901234567890L\n.", "123456789012345678901234567890"},
		{"LONG1 negative", "\x8a\x02\x00\xff.", "-256"},
		{"LONG1 empty", "\x8a\x00.", "0"},
		{"LONG1 9 bytes", "\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x01.", "18446744073709551616"},
		{"LONG1 2^63", "\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x80\x00.", "9223372036854775808"},
		{"STRING escapes", `S'a\'b\x41\n\101'` + "\n.", `s"a'bA\nA"`},
		{"STRING double quotes", `S"q"` + "\n.", `s"q"`},
		{"SHORT_BINSTRING", "U\x02hi.", `s"hi"`},
		{"BINUNICODE8", "\x8d\x02\x00\x00\x00\x00\x00\x00\x00hi.", `s"hi"`},
		{"UNICODE escapes", "V\\u00e9\xe9\n.", `s"\u00e9\u00e9"`},
		{"DUP POP_MARK", "K\x01(K\x02K\x031\x85.", "(1)"},
		{"POP pops a MARK", "K\x01(0\x85.", "(1)"},
		{"PUT GET", "K\x07p3\n0g3\n.", "7"},
		{"LONG_BINPUT sparse", "K\x07r\x00\x00\x00\x100j\x00\x00\x00\x10.", "7"},
		{"FROZENSET", "(K\x01K\x02\x91.", "fset{1,2}"},
		{"BYTEARRAY8", "\x96\x01\x00\x00\x00\x00\x00\x00\x00z.", "ba7a"},
		{"SHORT_BINBYTES", "C\x01z.", "b7a"},
		{"BINFLOAT", "G?\xf8\x00\x00\x00\x00\x00\x00.", "f3ff8000000000000"},
		{"FRAME", "\x80\x04\x95\x02\x00\x00\x00\x00\x00\x00\x00N.", "None"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := pickle.Parse([]byte(tc.data), nil)
			require.NoError(t, err)
			require.Equal(t, tc.want, render(res, res.Value))
		})
	}
}

// TestImports checks the classification of each kind of use.
func TestImports(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		want       []string // "module.name use safety"
	}{
		{"REDUCE of os.system", "cos\nsystem\n(S'x'\ntR.", []string{"os.system called dangerous"}},
		{"a dangerous module only referenced", "csubprocess\nPopen\n.", []string{"subprocess.Popen referenced dangerous"}},
		{"an unknown class instantiated", "\x80\x02cmy.mod\nNet\n)\x81}b.", []string{"my.mod.Net instantiated unknown"}},
		{"an unknown class built with arguments", "\x80\x02cmy.mod\nNet\nK\x01\x85\x81.", []string{"my.mod.Net called dangerous"}},
		{"an unknown function called", "cmy.mod\nrun\n)R.", []string{"my.mod.run called dangerous"}},
		{"an unknown global referenced", "cmy.mod\nthing\n.", []string{"my.mod.thing referenced unknown"}},
		{"INST", "(S'ls'\nios\nsystem\n.", []string{"os.system called dangerous"}},
		{"OBJ", "(cmy.mod\nf\nK\x01o.", []string{"my.mod.f called dangerous"}},
		{"NEWOBJ_EX with kwargs", "\x80\x04\x8c\x06my.mod\x8c\x01C\x93)}(\x8c\x01kK\x01u\x92.", []string{"my.mod.C called dangerous"}},
		{"copyreg reconstructor", "ccopy_reg\n_reconstructor\n(cmy.mod\nC\nc__builtin__\nobject\nNtR.", []string{"copy_reg._reconstructor called safe", "my.mod.C instantiated unknown", "__builtin__.object referenced safe"}},
		{"OrderedDict", "\x80\x02ccollections\nOrderedDict\n)R.", []string{"collections.OrderedDict called safe"}},
		{"torch storage and dtype", "ctorch\nBFloat16Storage\nctorch\nfloat8_e4m3fn\n\x86.", []string{"torch.BFloat16Storage referenced safe", "torch.float8_e4m3fn referenced safe"}},
		{"getattr", "c__builtin__\ngetattr\n.", []string{"__builtin__.getattr referenced dangerous"}},
		{"builtins.print called", "cbuiltins\nprint\n)R.", []string{"builtins.print called dangerous"}},
		{"codecs is not code", "c_codecs\nencode\n(V\nVlatin1\ntR.", []string{"_codecs.encode called safe"}},
		{"code module", "ccode\ninteract\n.", []string{"code.interact referenced dangerous"}},
		{"torch._inductor", "ctorch._inductor.codecache\ncompile_file\n.", []string{"torch._inductor.codecache.compile_file referenced dangerous"}},
		{"functools.partial", "cfunctools\npartial\n.", []string{"functools.partial referenced dangerous"}},
		{"torch.serialization.load", "ctorch.serialization\nload\n.", []string{"torch.serialization.load referenced dangerous"}},
		{"torch.nn module class", "\x80\x02ctorch.nn.modules.linear\nLinear\n)\x81.", []string{"torch.nn.modules.linear.Linear instantiated safe"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := pickle.Parse([]byte(tc.data), nil)
			require.NoError(t, err)
			var got []string
			for _, im := range res.Imports {
				got = append(got, fmt.Sprintf("%s %s %s", im, im.Use, im.Safety))
				if im.Opcode == "STACK_GLOBAL" {
					require.Equal(t, byte(0x93), tc.data[im.Offset])
					continue
				}
				require.Equal(t, im.Module+"\n"+im.Name, tc.data[im.Offset+1:im.Offset+1+int64(len(im.Module)+1+len(im.Name))], "offset of %s", im)
			}
			require.Equal(t, tc.want, got)
		})
	}
}

func TestImportOffsetsStackGlobal(t *testing.T) {
	data, err := os.ReadFile("testdata/p4.pkl")
	require.NoError(t, err)
	res, err := pickle.Parse(data, nil)
	require.NoError(t, err)
	for _, im := range res.Imports {
		require.Equal(t, "STACK_GLOBAL", im.Opcode)
		require.Equal(t, byte(0x93), data[im.Offset])
	}
}

func TestBase(t *testing.T) {
	res, err := pickle.Parse([]byte("cos\nsystem\n.trailing"), &pickle.Options{Base: 100})
	require.NoError(t, err)
	require.Equal(t, int64(112), res.End)
	require.Equal(t, int64(100), res.Imports[0].Offset)
	g, ok := res.Global(res.Value)
	require.True(t, ok)
	require.Equal(t, int64(100), g.Offset)
}
