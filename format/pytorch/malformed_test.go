package pytorch_test

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/format/pytorch"
)

// openBytes parses b and checks that a failure is a *format.Error.
func openBytes(t *testing.T, b []byte) (*pytorch.File, error) {
	t.Helper()
	f, err := pytorch.NewFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		var fe *format.Error
		require.ErrorAs(t, err, &fe)
	}
	return f, err
}

func TestBrokenFixtures(t *testing.T) {
	for _, tc := range []struct{ file, msg string }{
		{"broken/truncated.pt", "testdata/broken/truncated.pt: zip central directory: not a readable zip archive: zip: not a valid zip file"},
		{"broken/missing_record.pt", `testdata/broken/missing_record.pt: byte 158: storage "0": storage record is missing from the archive (found "broken_src/data/0")`},
		{"broken/short_storage.pt", `testdata/broken/short_storage.pt: zip record "broken_src/data/0": storage record is shorter than its pickle declares (8 elements of F32) (found 16, limit 32)`},
		{"consolidated/params.json", `testdata/consolidated/params.json: byte 0: pickle opcode: not a pickle opcode (found "0x7b")`},
	} {
		_, err := pytorch.Open("testdata/" + tc.file)
		require.EqualError(t, err, tc.msg)
	}
}

// synthetic builds a zip checkpoint around a pickle with storage records
// of the given sizes.
func synthetic(t *testing.T, pkl []byte, records map[string]uint64) []byte {
	recs := []record{{name: "archive/data.pkl", data: pkl}}
	for k, n := range records {
		recs = append(recs, record{name: "archive/data/" + k, data: make([]byte, n)})
	}
	recs = append(recs, record{name: "archive/version", data: []byte("3\n")})
	s := torchZip(t, recs)
	b := make([]byte, s.size)
	_, err := s.ReadAt(b, 0)
	require.NoError(t, err)
	return b
}

func TestMalformedTensors(t *testing.T) {
	f32 := func(name string, shape []uint64, numel, offset uint64, stride []uint64) spec {
		return spec{name: name, shape: shape, storage: "FloatStorage", key: "0", numel: numel, offset: offset, stride: stride}
	}
	for _, tc := range []struct {
		name  string
		specs []spec
		rec   uint64
		msg   string
	}{
		{"view past the end", []spec{f32("w", []uint64{4, 4}, 15, 0, nil)}, 60,
			`tensor "w": view reaches past the end of storage "0" (found "offset 0, size [4 4], stride [4 1]", limit 15)`},
		{"offset past the end", []spec{f32("w", []uint64{2}, 4, 3, nil)}, 16,
			`tensor "w": view reaches past the end of storage "0" (found "offset 3, size [2], stride [1]", limit 4)`},
		{"strided past the end", []spec{f32("w", []uint64{3, 2}, 8, 0, []uint64{3, 2})}, 32,
			`view reaches past the end of storage "0" (found "offset 0, size [3 2], stride [3 2]", limit 8)`},
		{"stride overflow", []spec{f32("w", []uint64{3, 2}, 8, 0, []uint64{1 << 62, 1})}, 32,
			`view reaches past the end of storage "0"`},
		{"stride length", []spec{f32("w", []uint64{2, 2}, 4, 0, []uint64{1})}, 16,
			"torch._utils._rebuild_tensor_v2: stride and size have different lengths (found 1, limit 2)"},
		{"storage declared twice", []spec{f32("a", []uint64{2}, 2, 0, nil), f32("b", []uint64{2}, 3, 0, nil)}, 8,
			`storage "0": storage is declared twice with different types or sizes (found "3 × F32", limit "2 × F32")`},
		{"unknown storage class", []spec{{name: "w", shape: []uint64{2}, storage: "EvilStorage", key: "0"}}, 8,
			`storage persistent id: storage type is not a torch storage class (found "torch.EvilStorage")`},
		{"record too short", []spec{f32("w", []uint64{4}, 4, 0, nil)}, 12,
			`zip record "archive/data/0": storage record is shorter than its pickle declares (4 elements of F32) (found 12, limit 16)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := openBytes(t, synthetic(t, stateDict(tc.specs), map[string]uint64{"0": tc.rec}))
			require.ErrorContains(t, err, tc.msg)
		})
	}
	// An empty tensor at any offset needs no storage.
	f, err := openBytes(t, synthetic(t, stateDict([]spec{f32("e", []uint64{0, 5}, 0, 0, nil)}), map[string]uint64{"0": 0}))
	require.NoError(t, err)
	require.Equal(t, int64(0), f.Tensors[0].Size)
}

func TestMalformedPickles(t *testing.T) {
	for _, tc := range []struct{ name, pkl, msg string }{
		{"memo out of range", "\x80\x02}q\x00h\x07.", "byte 51: pickle opcode BINGET: memo index is not defined (found 7)"},
		{"no STOP", "\x80\x02}q\x00", "byte 51: pickle: pickle ends without STOP"},
		{"deep list nesting", "\x80\x02" + strings.Repeat("]", 1200) + strings.Repeat("a", 1199) + ".", "pickle: containers nested too deeply (found 1001, limit 1000)"},
		{"MARK bomb", "\x80\x02" + strings.Repeat("(", 5000) + ".", "pickle opcode MARK: MARKs nested too deeply (found 4097, limit 4096)"},
		{"bad persistent id", "\x80\x02}(X\x01\x00\x00\x00wctorch._utils\n_rebuild_tensor_v2\n(K\x01QK\x00)))\x89NtRu.", "storage persistent id: must be a tuple ('storage', type, key, location, numel)"},
		{"SETITEMS on a list", "\x80\x02](K\x01K\x02u.", "pickle opcode SETITEMS: SETITEMS on a list, not a dict"},
		// f(f, None, (f, None, (…), None), None): rebuilders that wrap
		// each other 20 deep.
		{"wrapping rebuilders", wrapping(20), "tensor rebuilders wrap each other too deeply (found 9, limit 8)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := openBytes(t, synthetic(t, []byte(tc.pkl), nil))
			require.ErrorContains(t, err, tc.msg)
		})
	}
}

// wrapping returns a dict holding _rebuild_from_type_v2 applied to
// argument tuples that nest it n deep.
func wrapping(n int) string {
	var b strings.Builder
	b.WriteString("\x80\x02}(X\x01\x00\x00\x00wctorch._tensor\n_rebuild_from_type_v2\nq\x000)q\x010")
	for i := 1; i <= n; i++ {
		b.WriteString("(h\x00Nh" + string(rune(i)) + "Ntq" + string(rune(i+1)) + "0")
	}
	b.WriteString("h\x00h" + string(rune(n+1)) + "Ru.")
	return b.String()
}

// TestSharedState: a BUILD state of tuples nested 60 deep, each holding
// the one below twice (2^60 paths), is walked once per tuple.
func TestSharedState(t *testing.T) {
	pkl := "\x80\x02cmy\nC\n)\x81N" + strings.Repeat("2\x86", 60) + "b."
	f, err := openBytes(t, synthetic(t, []byte(pkl), nil))
	require.NoError(t, err)
	require.Empty(t, f.Tensors)
	require.Equal(t, "module", f.Layout)
}

// TestV3 checks the torch ≥ 2.1 form for dtypes without a typed storage:
// an UntypedStorage of bytes and a dtype global.
func TestV3(t *testing.T) {
	p := newPK()
	p.WriteString("}(")
	for _, tc := range []struct {
		name, dtype string
		shape       []uint64
	}{{"f8", "float8_e4m3fn", []uint64{4, 4}}, {"f8b", "float8_e5m2", []uint64{16}}, {"u16", "uint16", []uint64{8}}} {
		p.str(tc.name)
		p.global("torch._utils", "_rebuild_tensor_v3")
		p.WriteString("((")
		p.str("storage")
		p.global("torch", "UntypedStorage")
		p.str(tc.name)
		p.str("cpu")
		p.int(16)
		p.WriteString("tQ")
		p.int(0)
		p.tuple(tc.shape)
		p.tuple(contiguous(tc.shape))
		p.WriteByte(0x89)
		p.global("collections", "OrderedDict")
		p.WriteString(")R")
		p.global("torch", tc.dtype)
		p.WriteString("tR")
	}
	p.WriteString("u.")
	f, err := openBytes(t, synthetic(t, p.Bytes(), map[string]uint64{"f8": 16, "f8b": 16, "u16": 16}))
	require.NoError(t, err)
	require.Equal(t, "F8_E4M3", f.Tensors[0].DType.Name)
	require.Equal(t, "F8_E5M2", f.Tensors[1].DType.Name)
	require.Equal(t, "U16", f.Tensors[2].DType.Name)
	require.Equal(t, "U8", f.Info[2].StorageDType.Name)
	require.Equal(t, int64(16), f.Tensors[2].Size)
	require.False(t, f.Dangerous())

	// Eight uint16 elements fill the 16 bytes; nine do not fit.
	bad := bytes.Replace(p.Bytes(), []byte("(K\x08t"), []byte("(K\x09t"), 1)
	_, err = openBytes(t, synthetic(t, bad, map[string]uint64{"f8": 16, "f8b": 16, "u16": 16}))
	require.ErrorContains(t, err, `tensor "u16": view reaches past the end of storage "u16" (found "offset 0, size [9], stride [1]", limit 8)`)
}

func TestByteOrder(t *testing.T) {
	pkl := stateDict([]spec{{name: "w", shape: []uint64{2}, storage: "FloatStorage", key: "0"}})
	mk := func(order string) []byte {
		s := torchZip(t, []record{{name: "archive/data.pkl", data: pkl}, {name: "archive/byteorder", data: []byte(order)},
			{name: "archive/data/0", data: make([]byte, 8)}})
		b := make([]byte, s.size)
		s.ReadAt(b, 0)
		return b
	}
	f, err := openBytes(t, mk("big"))
	require.NoError(t, err)
	require.Equal(t, "big", f.ByteOrder)
	require.Contains(t, f.Notes, "storages are big-endian (byteorder record)")
	_, err = openBytes(t, mk("middle"))
	require.ErrorContains(t, err, `zip record byteorder: must be little or big (found "middle")`)
}

// TestCompressed: a checkpoint re-zipped with deflate still counts; its
// storages have no offset.
func TestCompressed(t *testing.T) {
	zr, err := zip.OpenReader("testdata/views.pt")
	require.NoError(t, err)
	defer zr.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, zf := range zr.File {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: zf.Name, Method: zip.Deflate})
		require.NoError(t, err)
		rc, err := zf.Open()
		require.NoError(t, err)
		_, err = w.Write(must(t, rc))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	f, err := openBytes(t, buf.Bytes())
	require.NoError(t, err)
	require.Len(t, f.Tensors, 7)
	for _, tt := range f.Tensors {
		require.Equal(t, int64(-1), tt.Offset)
	}
	require.Equal(t, `"views/data.pkl" is compressed: pickle offsets (imports, errors) count from the start of the decompressed record`, f.Notes[0])
	require.Contains(t, f.Notes[1], "is compressed (method 8): its tensors have no data offset")
}

func must(t *testing.T, r interface{ Read([]byte) (int, error) }) []byte {
	var b bytes.Buffer
	_, err := b.ReadFrom(r)
	require.NoError(t, err)
	return b.Bytes()
}

func TestMalformedLegacy(t *testing.T) {
	good, err := os.ReadFile("testdata/views_legacy.pt")
	require.NoError(t, err)
	f, err := openBytes(t, good)
	require.NoError(t, err)
	first := f.Storages[0]
	for _, st := range f.Storages {
		if st.Offset < first.Offset {
			first = st
		}
	}
	hdr := first.Offset - 8

	// Cut inside the object pickle, and inside the storages.
	_, err = openBytes(t, good[:200])
	require.ErrorContains(t, err, "pickle ends")
	_, err = openBytes(t, good[:len(good)-1])
	require.ErrorContains(t, err, "size: storage runs past the end of the file")

	// A size header that disagrees with the pickle.
	b := bytes.Clone(good)
	binary.LittleEndian.PutUint64(b[hdr:], first.Elements+1)
	_, err = openBytes(t, b)
	require.ErrorContains(t, err, "element count differs from the pickle's")
	var fe *format.Error
	require.ErrorAs(t, err, &fe)
	require.Equal(t, hdr, fe.Offset)

	// A huge size header is checked against the bytes remaining.
	binary.LittleEndian.PutUint64(b[hdr:], 1<<61)
	_, err = openBytes(t, b)
	require.ErrorContains(t, err, "element count differs")

	// Trailing bytes are a note.
	f, err = openBytes(t, append(bytes.Clone(good), 0, 0, 0))
	require.NoError(t, err)
	require.Contains(t, f.Notes, "3 bytes after the last storage")
}

// TestLegacyImportsInEveryPickle: torch.load unpickles the sys_info and
// key-list pickles too, so a payload there is found.
func TestLegacyImportsInEveryPickle(t *testing.T) {
	good, err := os.ReadFile("testdata/views_legacy.pt")
	require.NoError(t, err)
	sysInfo := bytes.Index(good, []byte("\x80\x02}q\x00(X\x10\x00\x00\x00protocol_version"))
	require.Positive(t, sysInfo)
	end := bytes.IndexByte(good[sysInfo:], '.') + sysInfo + 1
	// Replace sys_info by a pickle that calls os.system.
	evil := []byte("cos\nsystem\n(S'x'\ntR.")
	b := append(append(append([]byte{}, good[:sysInfo]...), evil...), good[end:]...)
	f, err := openBytes(t, b)
	require.NoError(t, err)
	require.True(t, f.Dangerous())
	require.Equal(t, int64(sysInfo), f.DangerousImports()[0].Offset)
	require.Len(t, f.Tensors, 7)
}

func TestNotACheckpoint(t *testing.T) {
	_, err := openBytes(t, []byte("PK"))
	require.EqualError(t, err, "byte 0: magic: file is too short to be a checkpoint (found 2, limit 4)")
	tar := make([]byte, 1024)
	copy(tar[257:], "ustar")
	_, err = openBytes(t, tar)
	require.EqualError(t, err, "byte 257: magic: tar checkpoint (torch before 0.1.10) is not supported")
	// A bare pickle that references a storage.
	pkl := stateDict([]spec{{name: "w", shape: []uint64{2}, storage: "FloatStorage", key: "0"}})
	_, err = openBytes(t, pkl)
	require.EqualError(t, err, `storage "0": a bare pickle references storages but holds none (not a torch.save stream)`)
	// A zip without data.pkl.
	s := torchZip(t, []record{{name: "x/y", data: []byte("z")}})
	b := make([]byte, s.size)
	s.ReadAt(b, 0)
	_, err = openBytes(t, b)
	require.EqualError(t, err, "zip record data.pkl: archive has no data.pkl: not a torch checkpoint")
}

// TestRecordNames covers both ways records are found: the numbered
// storage records torch writes (kept by number) and any other name, such
// as a key that is not a canonical number ("07") or one past the record
// count, and a name that appears twice in either kind.
func TestRecordNames(t *testing.T) {
	specs := []spec{
		{name: "a", shape: []uint64{2}, storage: "FloatStorage", key: "0"},
		{name: "b", shape: []uint64{2}, storage: "FloatStorage", key: "07"},
		{name: "c", shape: []uint64{2}, storage: "FloatStorage", key: "1234567"},
		{name: "d", shape: []uint64{2}, storage: "FloatStorage", key: "x"},
		{name: "e", shape: []uint64{2}, storage: "FloatStorage", key: "0", offset: 1, numel: 3, stride: []uint64{1}},
	}
	specs[0].numel = 3
	s := checkpoint(t, specs, 4)
	f, err := pytorch.NewFile(s, s.size)
	require.NoError(t, err)
	require.Len(t, f.Tensors, 5)
	require.Len(t, f.Storages, 4)
	for i, k := range []string{"0", "07", "1234567", "x", "0"} {
		require.Equal(t, k, f.Info[i].StorageKey)
		require.Equal(t, "archive/data/"+k, f.Storages[f.Info[i].Storage].Record)
	}
	require.True(t, f.Info[0].SharesStorage)
	require.True(t, f.Info[4].SharesStorage)

	for _, dup := range []string{"archive/data/0", "archive/data/07", "archive/version"} {
		recs := []record{{name: "archive/data.pkl", data: stateDict(specs[:1])}, {name: "archive/data/0", size: 8}, {name: "archive/data/07", size: 8}, {name: "archive/version", data: []byte("3\n")}, {name: dup, size: 8}}
		s := torchZip(t, recs)
		_, err := pytorch.NewFile(s, s.size)
		require.ErrorContains(t, err, "zip record "+format.Quote(dup)+": record name appears twice")
	}
}
