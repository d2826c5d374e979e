package model

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/format/safetensors"
	"github.com/tensorcount/tensorcount/internal/fsroot"
	"github.com/tensorcount/tensorcount/internal/text"
)

// Options change how Load reads a model.
type Options struct {
	// FollowLinks follows every symbolic link in a model directory
	// wherever it points (the --follow-links flag). Without it a link is
	// followed only inside the model directory (and, in a Hugging Face
	// cache entry, from a snapshot into the entry's blobs/); see
	// internal/fsroot.
	FollowLinks bool
}

// Load resolves path to a model and reads the headers of its weight
// files. path may be a weight file (safetensors, GGUF, an Ollama blob), an
// index file, a model directory or a Hugging Face cache entry
// (models--org--name). It is LoadWith(path, Options{}).
func Load(path string) (*Model, error) { return LoadWith(path, Options{}) }

// LoadWith is Load with options.
func LoadWith(path string, opt Options) (*Model, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	m := &Model{Path: path, opt: opt}
	if fi.IsDir() {
		dir := path
		if snap, note, err := hfSnapshot(path, opt); err != nil {
			return nil, err
		} else if snap != "" {
			dir = snap
			m.notef(note)
		}
		m.Dir = dir
		if err := m.openRoot(); err != nil {
			return nil, err
		}
		defer m.closeRoot()
		if fi, statErr := m.root.Stat("model_index.json"); statErr == nil && fi.Mode().IsRegular() {
			err = m.loadDiffusers(dir)
		} else {
			err = m.loadDir(dir)
		}
	} else {
		m.Dir = filepath.Dir(path)
		if err := m.openRoot(); err != nil {
			return nil, err
		}
		defer m.closeRoot()
		err = m.loadFile(path)
	}
	if err != nil {
		return nil, err
	}
	m.loadArch()
	m.loadAdapter()
	m.checkCard()
	releaseScratch(m.Format, len(m.Tensors))
	return m, nil
}

// bigLoad is the tensor count past which a load collects its garbage
// before returning, and LetGo a model let go.
const bigLoad = 1 << 17

// releaseScratch collects the garbage a load of many tensors leaves (the
// entry tables and name indexes of the parse, about the size of the
// tensors kept) and gives its pages back to the system, so that what the
// caller builds next — the count's per-tensor results — does not add to
// it: a collection alone leaves the pages mapped, and the results, one
// large block, rarely fit the holes. Below bigLoad tensors the garbage is
// small and the collection not worth its time. A GGUF load leaves little
// at any size (inPlace); a collection there would mark the whole model to
// free an eighth of it.
func releaseScratch(format string, tensors int) {
	if tensors > bigLoad && !inPlace(format) {
		debug.FreeOSMemory()
	}
}

// LetGo collects a model of the format and tensor count given that the
// caller has let go of, before it loads another (diff): the next model
// should take the freed one's place rather than lie beside it. A
// safetensors model's pages go back to the system: its freed blocks lie
// among the parse's, and the next load, which makes the same blocks in
// another order, leaves many of them unused (a million-tensor diff peaks
// at 334 MiB instead of 266). A GGUF model's pages stay mapped (inPlace):
// returning them would only have the next load fault them back in (a
// million-tensor diff: 794 ms instead of 691, at the same 280 MiB).
func LetGo(format string, tensors int) {
	switch {
	case tensors <= bigLoad:
	case inPlace(format):
		runtime.GC()
	default:
		debug.FreeOSMemory()
	}
}

// inPlace reports whether a load of format makes few large blocks and
// little garbage, so that the next load of many tensors makes the same
// blocks again in the freed ones' place: GGUF, whose reader parses its
// directory into the list the model keeps (a million tensors: 16 MB of
// name hashes beside 130 MB kept).
func inPlace(format string) bool { return format == GGUF }

// checkCard notes a README.md beside the weights that readers of the
// model card (audit) will not read: a link out of the directory, a named
// pipe, a device. Opening it by the one open path says so without
// reading or blocking.
func (m *Model) checkCard() {
	const name = "README.md"
	f, _, err := m.root.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err != nil {
		m.noteSkipped(name, err)
		return
	}
	f.Close()
}

// openRoot opens the Root that the files beside the weights (config.json,
// README.md, and in a directory the weight files themselves) are read
// through.
func (m *Model) openRoot() error {
	r, err := fsroot.Open(m.Dir, fsroot.Options{FollowLinks: m.opt.FollowLinks})
	if err != nil {
		return err
	}
	m.root = r
	return nil
}

func (m *Model) closeRoot() {
	if m.root != nil {
		m.root.Close()
		m.root = nil
	}
}

// ReadSmall reads the small file name (README.md, say) in the model's
// directory, bounded by kind's limit, by the link rule the load used: a
// link out of the directory, a named pipe or a device is an error, never
// read.
func (m *Model) ReadSmall(name string, kind format.Small) ([]byte, error) {
	if m.remote != nil {
		return m.readRemoteSmall(name, kind)
	}
	if m.root != nil {
		return m.root.ReadSmall(name, kind)
	}
	r, err := fsroot.Open(m.Dir, fsroot.Options{FollowLinks: m.opt.FollowLinks})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return r.ReadSmall(name, kind)
}

func (m *Model) loadFile(path string) error {
	k, head, err := detectFile(path)
	if err != nil {
		return err
	}
	switch k {
	case KindIndex:
		if strings.HasSuffix(path, ".bin.index.json") {
			return m.loadPyTorchIndex(path)
		}
		return m.loadIndex(path)
	case KindPyTorchZip, KindPickle:
		return m.loadPyTorch(path)
	case KindGGUF:
		return m.loadGGUF(path)
	case KindSafetensors:
	case KindUnknown:
		if !strings.HasSuffix(path, ".safetensors") {
			return pathErrorf(ErrNotWeightFile, path, "neither a safetensors nor a GGUF file")
		}
		// A .safetensors file that fails the check: let the reader say
		// which field is wrong.
	default:
		return pathErrorf(ErrNotWeightFile, path, "%s", unsupported(k, head))
	}
	if err := m.loadSafetensors(path); err != nil {
		return err
	}
	m.noteShardOf(path)
	return nil
}

// detectFile opens path as a regular file and detects its kind; head is
// its first bytes, for messages.
func detectFile(path string) (Kind, []byte, error) {
	if strings.HasSuffix(path, ".index.json") {
		return KindIndex, nil, nil
	}
	f, size, err := format.OpenRegular(path)
	if err != nil {
		return KindUnknown, nil, err
	}
	defer f.Close()
	head := make([]byte, 4)
	f.ReadAt(head, 0)
	return Detect(f, size, path), head, nil
}

func (m *Model) loadSafetensors(path string) error {
	f, err := safetensors.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	m.Format = Safetensors
	m.addSafetensors(path, f)
	if f.Metadata != nil {
		m.Metadata = make(map[string]string, len(f.Metadata))
		for k, v := range f.Metadata {
			m.Metadata[k] = preview(v)
		}
	}
	if f.MetadataNull {
		m.notef(filepath.Base(path) + ": __metadata__ is null (as MLX writes it)")
	}
	return nil
}

func (m *Model) addSafetensors(path string, f *safetensors.File) {
	m.addSafetensorsFile(path, f)
	m.addTensors(f.Tensors)
}

// addSafetensorsFile records a file and its notes, not its tensors.
func (m *Model) addSafetensorsFile(path string, f *safetensors.File) {
	var bytes int64
	for _, t := range f.Tensors {
		bytes += t.Size
	}
	m.Files = append(m.Files, File{Path: path, Format: Safetensors, Tensors: len(f.Tensors),
		Bytes: bytes, Size: f.Size, HeaderBytes: f.DataOffset})
	for _, n := range f.Notes {
		m.notef(filepath.Base(path) + ": " + n)
	}
}

// addTensors adds a file's tensors. The first file's slice becomes the
// model's, not copied: for a single file of a million tensors a copy was
// another 100 MB at the peak of the load.
func (m *Model) addTensors(ts []format.Tensor) {
	if m.Tensors == nil {
		m.Tensors = ts
	} else {
		m.Tensors = append(m.Tensors, ts...)
	}
}

func (m *Model) loadIndex(path string) error {
	set, err := safetensors.OpenSet(path)
	if err != nil {
		return err
	}
	defer set.Close()
	m.Format = Safetensors
	// The set's list, not a copy of it: the shards' lists are its parts.
	m.addTensors(set.Tensors())
	for i, f := range set.Files {
		m.addSafetensorsFile(set.Paths[i], f)
	}
	if set.Index.HasTotalParameters {
		m.IndexTotalParameters = set.Index.TotalParameters
	}
	m.Notes = append(m.Notes, set.Notes...)
	m.notef(fmt.Sprintf("%s selects %d shards", filepath.Base(path), len(set.Files)))
	return nil
}

// noteShardOf says so when a single file given on its own is one shard of
// a set whose index sits beside it: counting it alone is rarely meant.
func (m *Model) noteShardOf(path string) {
	dir, base := filepath.Split(path)
	indexes, _ := filepath.Glob(filepath.Join(dir, "*.safetensors.index.json"))
	for _, ip := range indexes {
		if _, err := m.root.Stat(filepath.Base(ip)); err != nil {
			continue // a link out of the directory is not read
		}
		idx, err := safetensors.OpenIndex(ip)
		if err != nil {
			continue
		}
		for _, s := range idx.Shards {
			if s == base {
				m.notef(fmt.Sprintf("%s is one of %d shards listed in %s; pass the directory to count the whole model",
					base, len(idx.Shards), filepath.Base(ip)))
				return
			}
		}
	}
}

// weightExts are file endings that hold weights, counted or not.
var weightExts = []string{".safetensors", ".gguf", ".bin", ".pt", ".pth", ".ckpt", ".h5", ".msgpack", ".onnx", ".npz"}

func isWeightFile(name string) bool {
	if strings.HasSuffix(name, ".index.json") {
		return false
	}
	for _, e := range weightExts {
		if strings.HasSuffix(name, e) {
			return true
		}
	}
	return false
}

// loadDir picks the weight files of a model directory. An index wins over
// globbing, because repositories often carry the same weights twice
// (consolidated.safetensors beside HF shards, an original/ folder) or a
// stray file of another precision.
//
// The directory is read through m.root: a weight file the load needs that
// is a link out of the directory is an error, and listed entries that are
// such links are left out.
func (m *Model) loadDir(dir string) error {
	entries, err := m.root.ReadDir(".")
	if err != nil {
		return err
	}
	var indexes, sts, ggufs, others []string
	// outside holds the error for each listed link out of the directory:
	// checked here, before any is opened, so that an index or a split
	// set cannot lead the readers out through a shard.
	outside := map[string]error{}
	for _, e := range entries {
		name := e.Name()
		if m.isDirEntry("", e) {
			continue
		}
		if e.Type()&fs.ModeSymlink != 0 {
			if _, err := m.root.Stat(name); errors.Is(err, fsroot.ErrOutside) {
				outside[name] = err
			}
		}
		switch {
		case strings.HasSuffix(name, ".safetensors.index.json"):
			indexes = append(indexes, name)
		case strings.HasSuffix(name, ".safetensors"):
			sts = append(sts, name)
		case strings.HasSuffix(name, ".gguf"):
			ggufs = append(ggufs, name)
		case strings.HasSuffix(name, ".bin.index.json"), isWeightFile(name):
			others = append(others, name)
		}
	}
	var used []string
	switch {
	case len(indexes) > 0:
		idx := indexes[0]
		if len(indexes) > 1 {
			if !contains(indexes, "model.safetensors.index.json") {
				return pathErrorf(ErrSeveralModels, dir, "several index files (%s); pass the one to count", fewNames(indexes))
			}
			idx = "model.safetensors.index.json"
		}
		if err := outside[idx]; err != nil {
			return err
		}
		if err := m.shardsInside(filepath.Join(dir, idx), outside); err != nil {
			return err
		}
		if err := m.loadIndex(filepath.Join(dir, idx)); err != nil {
			return err
		}
		used = append(used, idx)
		for _, f := range m.Files {
			used = append(used, filepath.Base(f.Path))
		}
	case len(sts) == 1:
		if err := outside[sts[0]]; err != nil {
			return err
		}
		if err := m.loadSafetensors(filepath.Join(dir, sts[0])); err != nil {
			return err
		}
		used = sts
	case len(sts) > 1:
		pick := pickSafetensors(sts)
		if pick == nil {
			return pathErrorf(ErrSeveralModels, dir, "%d safetensors files and no index (%s); pass the file to count", len(sts), fewNames(sts))
		}
		for _, name := range pick {
			if err := outside[name]; err != nil {
				return err
			}
			f, err := safetensors.Open(filepath.Join(dir, name))
			if err != nil {
				return err
			}
			m.addSafetensors(filepath.Join(dir, name), f)
			f.Close()
		}
		m.Format = Safetensors
		if len(pick) > 1 {
			m.notef(fmt.Sprintf("no index file: the %d shards were found by their names", len(pick)))
		}
		used = pick
	case len(ggufs) > 0:
		picked, err := m.loadGGUFDir(dir, ggufs, outside)
		if err != nil {
			return err
		}
		used = picked
	case len(others) > 0:
		index, consolidated, single := pickPyTorch(others)
		switch {
		case index != "":
			err = m.loadPyTorchIndex(filepath.Join(dir, index))
			used = append(used, index)
			for _, f := range m.Files {
				used = append(used, filepath.Base(f.Path))
			}
		case consolidated:
			err = m.loadConsolidated(dir)
			for _, f := range m.Files {
				used = append(used, filepath.Base(f.Path))
			}
		case single != "":
			err = m.loadPyTorch(filepath.Join(dir, single))
			used = []string{single}
		default:
			return pathErrorf(ErrSeveralModels, dir, "%d checkpoint files and no index (%s); pass the one to count", len(others), fewNames(others))
		}
		if err != nil {
			return err
		}
	default:
		if len(others) > 0 {
			return pathErrorf(ErrNoWeights, dir, "no safetensors or GGUF files; found %s, which tensorcount does not read", fewNames(others))
		}
		return pathErrorf(ErrNoWeights, dir, "no safetensors or GGUF files")
	}
	m.noteUnused(entries, used)
	return nil
}

// pickSafetensors chooses among several safetensors files without an
// index: a complete shard set by name, or model.safetensors over a
// consolidated.safetensors copy. nil means the choice is not clear.
func pickSafetensors(names []string) []string {
	if set := shardSet(names); set != nil {
		return set
	}
	if contains(names, "model.safetensors") {
		return []string{"model.safetensors"}
	}
	return nil
}

// shardSet returns names if they are exactly the shards
// prefix-0000k-of-0000n.safetensors, k = 1…n, of one set.
func shardSet(names []string) []string {
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	var prefix string
	total := 0
	for i, name := range sorted {
		p, k, n, ok := parseShardName(name, ".safetensors")
		if !ok || k != i+1 || (i > 0 && (p != prefix || n != total)) {
			return nil
		}
		prefix, total = p, n
	}
	if total != len(sorted) {
		return nil
	}
	return sorted
}

// parseShardName splits "prefix-00002-of-00005.ext" into its parts; a
// part number outside 1…count is not a shard of a set.
func parseShardName(name, ext string) (prefix string, k, n int, ok bool) {
	prefix, k, n, _, ok = format.ShardName(name, ext)
	if !ok || k < 1 || k > n {
		return "", 0, 0, false
	}
	return prefix, k, n, true
}

// shardsInside refuses the index at path if a shard it lists is one of
// the links out of the directory. The index is read for its shard list
// only when there is such a link.
func (m *Model) shardsInside(path string, outside map[string]error) error {
	if len(outside) == 0 {
		return nil
	}
	idx, err := safetensors.OpenIndex(path)
	if err != nil {
		return nil // OpenSet reports it
	}
	for _, s := range idx.Shards {
		if err := outside[s]; err != nil {
			return err
		}
	}
	return nil
}

// isDirEntry reports whether the entry e of the directory sub (relative
// to the model directory; "" for itself) is a directory, or a link the
// rule allows to one.
func (m *Model) isDirEntry(sub string, e fs.DirEntry) bool {
	if e.IsDir() {
		return true
	}
	if e.Type()&os.ModeSymlink != 0 {
		fi, err := m.root.Stat(filepath.Join(sub, e.Name()))
		return err == nil && fi.IsDir()
	}
	return false
}

// noteUnused lists weight files in dir (and one level of subdirectories,
// where original/ and metal/ copies live) that were not counted.
func (m *Model) noteUnused(entries []fs.DirEntry, used []string) {
	var unused []string
	for _, e := range entries {
		name := e.Name()
		if m.isDirEntry("", e) {
			sub, err := m.root.ReadDir(name)
			if err != nil {
				continue
			}
			for _, s := range sub {
				if !s.IsDir() && (isWeightFile(s.Name()) || strings.HasSuffix(s.Name(), ".index.json")) {
					unused = append(unused, name+"/"+s.Name())
				}
			}
			continue
		}
		if (isWeightFile(name) || strings.HasSuffix(name, ".index.json")) && !contains(used, name) {
			unused = append(unused, name)
		}
	}
	if len(unused) > 0 {
		sort.Strings(unused)
		m.notef(fmt.Sprintf("not counted (not part of the selected weights): %s", fewNames(unused)))
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// loadArch reads config.json (or Mistral's params.json) beside the weights
// when the weights themselves (GGUF) did not say.
func (m *Model) loadArch() {
	if m.Format == GGUF {
		return
	}
	for _, name := range []string{"config.json", "params.json"} {
		data, err := m.ReadSmall(name, format.SmallConfig)
		c, err := configFrom(name, data, err)
		if err != nil {
			m.noteSkipped(name, err)
			continue
		}
		if c == nil {
			continue
		}
		m.Arch = c.arch()
		if name == "config.json" {
			m.Config = c.data
		}
		m.Notes = append(m.Notes, c.notes...)
		return
	}
}

// noteSkipped notes that the optional file name was not used because of
// err: "skipped NAME: a link to outside the model directory (TARGET)" for
// a link the rule refuses, else "NAME could not be used: ERR".
func (m *Model) noteSkipped(name string, err error) {
	var le *fsroot.LinkError
	if errors.As(err, &le) {
		m.notef(fmt.Sprintf("skipped %s: %v", text.Safe(name), le))
		return
	}
	m.notef(fmt.Sprintf("%s could not be used: %v", text.Safe(name), err))
}
