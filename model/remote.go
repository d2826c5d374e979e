package model

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/format/gguf"
	"github.com/tensorcount/tensorcount/format/pytorch"
	"github.com/tensorcount/tensorcount/format/safetensors"
	"github.com/tensorcount/tensorcount/source"
	"github.com/tensorcount/tensorcount/source/hf"
	"github.com/tensorcount/tensorcount/source/ollama"
	"github.com/tensorcount/tensorcount/source/remote"
)

// HubParameters is the Hub's own safetensors figure for a repository:
// every stored element of its safetensors files, by dtype.
type HubParameters struct {
	Total   int64            `json:"total"`
	ByDType map[string]int64 `json:"by_dtype"`
}

// A ChooseError says that a remote source holds several GGUF models and
// the argument named none: its message lists them, with the argument to
// pass for each. The CLI prints it and exits 2.
type ChooseError struct {
	Source  string
	Choices []source.Choice
	msg     string
}

func (e *ChooseError) Error() string { return strings.TrimRight(e.msg, "\n") }

// remoteState is what a remotely loaded model keeps: the source its small
// files (README.md) are read from, and those read ahead while the weight
// headers were.
type remoteState struct {
	name  string // the repository or model name, for claims
	ctx   context.Context
	src   source.Source
	dir   string          // the folder small files are looked up in ("" for the root)
	names map[string]bool // files of the listing

	wg     sync.WaitGroup
	mu     sync.Mutex
	pre    map[string]smallResult // read ahead, by name
	hub    *hf.Parameters
	hubErr error
}

type smallResult struct {
	kind format.Small
	data []byte
	err  error
}

func (st *remoteState) join(name string) string {
	if st.dir == "" {
		return name
	}
	return st.dir + "/" + name
}

// readAhead reads a small file on its own goroutine, when the listing
// has it, so that its request overlaps the weight headers'.
func (st *remoteState) readAhead(ctx context.Context, name string, kind format.Small) {
	full := st.join(name)
	if !st.names[full] {
		return
	}
	st.wg.Go(func() {
		b, err := st.src.ReadFile(ctx, full, kind.Limit())
		st.mu.Lock()
		st.pre[name] = smallResult{kind, b, err}
		st.mu.Unlock()
	})
}

// RemoteName is the name of the repository (org/name) or Ollama model
// (name:tag) a remote model was read from, a source of size claims; ""
// for a local model or a URL.
func (m *Model) RemoteName() string {
	if m.remote == nil {
		return ""
	}
	return m.remote.name
}

// Remote reports whether the model was read over the network: its tensor
// data cannot be read (the count compares no stored head with the
// embedding and reads no packed-weight description).
func (m *Model) Remote() bool { return m.remote != nil }

// readRemoteSmall reads a small file of a remote model, bounded by kind's
// limit; a file not in the listing is fs.ErrNotExist.
func (m *Model) readRemoteSmall(name string, kind format.Small) ([]byte, error) {
	r := m.remote
	if !r.names[r.join(name)] {
		return nil, fs.ErrNotExist
	}
	r.wg.Wait()
	r.mu.Lock()
	pre, ok := r.pre[name]
	r.mu.Unlock()
	if ok && pre.kind == kind {
		return pre.data, pre.err
	}
	b, err := r.src.ReadFile(r.ctx, r.join(name), kind.Limit())
	if errors.Is(err, hf.ErrEntryNotFound) {
		return nil, fs.ErrNotExist
	}
	return b, err
}

// remoteIndexLimit bounds an index read remotely.
const remoteIndexLimit = int64(safetensors.MaxIndexSize)

// LoadRemote reads the headers of the weights t names, choosing files as
// for a local directory: the named file alone; else the safetensors
// index and the shards it names; else model.safetensors; else the GGUF
// model (a *ChooseError when there are several); else a PyTorch
// checkpoint. config.json (or params.json), adapter_config.json and the
// model card are read as the local loader reads them. Shard headers are
// parsed in parallel.
//
// A target already in the local Hugging Face cache (t.LocalPath) is
// loaded from disk with LoadWith.
func LoadRemote(ctx context.Context, t *remote.Target, opt Options) (*Model, error) {
	if t.LocalPath != "" {
		m, err := LoadWith(t.LocalPath, opt)
		if err != nil {
			return nil, err
		}
		m.Path = t.Spec.Arg
		m.notef(fmt.Sprintf("%s is in the local Hugging Face cache: read from %s", t.Source.Describe(), t.LocalPath))
		return m, nil
	}
	if o, ok := t.Source.(*ollama.Source); ok && !source.IsRemote(o) {
		// A pulled model: its blob is on disk.
		if p := o.BlobPath(ollama.ModelName); p != "" {
			m, err := LoadWith(p, opt)
			if err != nil {
				return nil, err
			}
			m.Path = t.Spec.Arg
			m.notef(fmt.Sprintf("%s is in the local Ollama store: read from %s", o.Describe(), p))
			return m, nil
		}
	}
	desc := t.Source.Describe()
	m := &Model{Path: t.Spec.Arg, Dir: desc, opt: opt}
	entries, err := t.Source.List(ctx)
	if err != nil {
		return nil, err
	}
	st := &remoteState{ctx: ctx, src: t.Source, names: map[string]bool{}, pre: map[string]smallResult{}}
	if d := path.Dir(t.File); t.File != "" && d != "." {
		st.dir = d
	}
	hasSafetensors := false
	for _, e := range entries {
		st.names[e.Name] = true
		hasSafetensors = hasSafetensors || strings.HasSuffix(e.Name, ".safetensors")
	}
	switch t.Spec.Kind {
	case source.KindHub:
		st.name = t.Spec.Repo
	case source.KindOllama:
		st.name = t.Spec.Ollama.Name + ":" + t.Spec.Ollama.Tag
	}
	m.remote = st
	// The small files and the Hub's figure are read while the weight
	// headers are: their requests overlap.
	ahead, cancel := context.WithCancel(ctx)
	defer cancel()
	st.readAhead(ahead, "config.json", format.SmallConfig)
	if !st.names[st.join("config.json")] {
		st.readAhead(ahead, "params.json", format.SmallConfig)
	}
	st.readAhead(ahead, "adapter_config.json", format.SmallAdapterConfig)
	st.readAhead(ahead, "README.md", format.SmallCard)
	repo, isRepo := t.Source.(*hf.Repo)
	if isRepo && hasSafetensors {
		st.wg.Go(func() { st.hub, st.hubErr = repo.HubParameters(ahead) })
	}
	l := &remoteLoader{m: m, ctx: ctx, src: t.Source, desc: desc, entries: entries}
	if t.File != "" {
		err = l.loadNamed(t.File)
	} else {
		err = l.loadAll()
	}
	if err != nil {
		return nil, err
	}
	m.loadArch()
	m.loadAdapter()
	st.wg.Wait()
	if m.Format == Safetensors {
		if st.hubErr != nil {
			m.notef(fmt.Sprintf("the Hub's own parameter figure could not be read: %v", st.hubErr))
		} else if p := st.hub; p != nil {
			m.HubParameters = &HubParameters{Total: p.Total, ByDType: p.ByDType}
		}
	}
	return m, nil
}

type remoteLoader struct {
	m       *Model
	ctx     context.Context
	src     source.Source
	desc    string
	entries []source.Entry
}

func (l *remoteLoader) path(name string) string { return l.desc + "/" + name }

// loadNamed loads the one file the argument names.
func (l *remoteLoader) loadNamed(name string) error {
	switch {
	case strings.HasSuffix(name, ".safetensors.index.json"):
		return l.loadIndex(name)
	case strings.HasSuffix(name, ".bin.index.json"):
		return pathErrorf(ErrNotWeightFile, l.path(name), "a PyTorch index is read remotely only through its repository; pass the repository")
	case strings.HasSuffix(name, ".gguf"):
		if _, _, _, _, ok := gguf.SplitName(name); ok {
			for _, c := range source.GGUFChoices(l.entries) {
				if len(c.Files) > 1 && contains(c.Files, name) {
					return l.loadGGUF(c.Files)
				}
			}
		}
		return l.loadGGUF([]string{name})
	case strings.HasSuffix(name, ".safetensors"):
		if err := l.loadSafetensors([]string{name}); err != nil {
			return err
		}
		l.noteShardOf(name)
		return nil
	}
	// Detect by content: a URL need not end in the format's name.
	f, err := l.src.Open(l.ctx, name)
	if err != nil {
		return err
	}
	k := Detect(f, f.Size(), name)
	f.Close()
	switch k {
	case KindGGUF:
		return l.loadGGUF([]string{name})
	case KindSafetensors:
		return l.loadSafetensors([]string{name})
	case KindPyTorchZip, KindPickle:
		return l.loadPyTorch([]string{name})
	}
	return pathErrorf(ErrNotWeightFile, l.path(name), "neither a safetensors nor a GGUF file")
}

// loadAll chooses the weights of a whole source as loadDir does.
func (l *remoteLoader) loadAll() error {
	var indexes, sts, ggufs, pts []string
	var ptIndex string
	for _, e := range l.entries {
		if strings.Contains(e.Name, "/") {
			continue // subfolders (diffusers components, original/) are not chosen
		}
		switch n := e.Name; {
		case strings.HasSuffix(n, ".safetensors.index.json"):
			indexes = append(indexes, n)
		case strings.HasSuffix(n, ".safetensors"):
			sts = append(sts, n)
		case strings.HasSuffix(n, ".gguf"):
			ggufs = append(ggufs, n)
		case strings.HasSuffix(n, ".bin.index.json"):
			ptIndex = n
		case isWeightFile(n):
			pts = append(pts, n)
		}
	}
	var used []string
	switch {
	case len(indexes) > 0:
		idx := indexes[0]
		if len(indexes) > 1 {
			if !contains(indexes, "model.safetensors.index.json") {
				return pathErrorf(ErrSeveralModels, l.desc, "several index files (%s); pass the one to count", fewNames(indexes))
			}
			idx = "model.safetensors.index.json"
		}
		if err := l.loadIndex(idx); err != nil {
			return err
		}
		used = append(used, idx)
	case len(sts) == 1:
		if err := l.loadSafetensors(sts); err != nil {
			return err
		}
	case len(sts) > 1:
		pick := pickSafetensors(sts)
		if pick == nil {
			return pathErrorf(ErrSeveralModels, l.desc, "%d safetensors files and no index (%s); pass the file to count", len(sts), fewNames(sts))
		}
		if err := l.loadSafetensors(pick); err != nil {
			return err
		}
		if len(pick) > 1 {
			l.m.notef(fmt.Sprintf("no index file: the %d shards were found by their names", len(pick)))
		}
	case len(ggufs) > 0:
		var top []source.Entry
		for _, e := range l.entries {
			if !strings.Contains(e.Name, "/") && strings.HasSuffix(e.Name, ".gguf") {
				top = append(top, e)
			}
		}
		choices := source.GGUFChoices(top)
		var models []source.Choice
		for _, c := range choices {
			if !c.Projector {
				models = append(models, c)
			}
		}
		if len(models) == 0 {
			models = choices
		}
		if len(models) > 1 {
			return &ChooseError{Source: l.desc, Choices: models, msg: source.FormatChoices(l.desc, models)}
		}
		if err := l.loadGGUF(models[0].Files); err != nil {
			return err
		}
	case ptIndex != "":
		if err := l.loadPyTorchIndex(ptIndex); err != nil {
			return err
		}
		used = append(used, ptIndex)
	case len(pts) > 0:
		_, _, single := pickPyTorch(pts)
		if single == "" {
			return pathErrorf(ErrSeveralModels, l.desc, "%d checkpoint files and no index (%s); pass the one to count", len(pts), fewNames(pts))
		}
		if err := l.loadPyTorch([]string{single}); err != nil {
			return err
		}
	default:
		return pathErrorf(ErrNoWeights, l.desc, "no safetensors or GGUF files")
	}
	for _, f := range l.m.Files {
		used = append(used, strings.TrimPrefix(f.Path, l.desc+"/"))
	}
	var unused []string
	for _, e := range l.entries {
		if (isWeightFile(e.Name) || strings.HasSuffix(e.Name, ".index.json")) && !contains(used, e.Name) {
			unused = append(unused, e.Name)
		}
	}
	if len(unused) > 0 {
		sort.Strings(unused)
		l.m.notef(fmt.Sprintf("not counted (not part of the selected weights): %s", strings.Join(unused, ", ")))
	}
	return nil
}

// readIndexFile reads and parses a safetensors index.
func (l *remoteLoader) readIndexFile(name string) (*safetensors.Index, error) {
	b, err := l.src.ReadFile(l.ctx, name, remoteIndexLimit)
	if err != nil {
		return nil, err
	}
	idx, err := safetensors.ReadIndex(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, format.WithFile(err, l.path(name))
	}
	return idx, nil
}

// loadIndex loads a sharded safetensors set through its index, checking
// that every indexed tensor is in its shard.
func (l *remoteLoader) loadIndex(name string) error {
	idx, err := l.readIndexFile(name)
	if err != nil {
		return err
	}
	dir := path.Dir(name)
	shards := make([]string, len(idx.Shards))
	for i, s := range idx.Shards {
		if err := safetensors.CheckShardName(s); err != nil {
			return format.WithFile(err, l.path(name))
		}
		if dir != "." {
			s = dir + "/" + s
		}
		shards[i] = s
	}
	files, err := l.parseSafetensors(shards)
	if err != nil {
		return err
	}
	if err := checkIndex(idx, files, shards, l.path(name)); err != nil {
		return err
	}
	l.m.Format = Safetensors
	for i, f := range files {
		l.m.addSafetensors(l.path(shards[i]), f)
	}
	if idx.HasTotalParameters {
		l.m.IndexTotalParameters = idx.TotalParameters
	}
	l.m.Notes = append(l.m.Notes, idx.Notes...)
	l.m.notef(fmt.Sprintf("%s selects %d shards", path.Base(name), len(files)))
	return nil
}

// checkIndex checks that every tensor of the index is in the shard it
// names and that every shard tensor is indexed.
func checkIndex(idx *safetensors.Index, files []*safetensors.File, shards []string, indexPath string) error {
	want := make(map[string]int, len(idx.Entries))
	for _, e := range idx.Entries {
		if _, dup := want[e.Name]; dup {
			return &format.Error{File: indexPath, Offset: -1, Field: "weight_map." + e.Name,
				Msg: "duplicate object member name: the tensor is listed twice"}
		}
		want[e.Name] = e.Shard
	}
	seen := make(map[string]bool, len(idx.Entries))
	for i, f := range files {
		for _, t := range f.Tensors {
			s, ok := want[t.Name]
			switch {
			case !ok:
				return &format.Error{File: shards[i], Offset: -1, Field: "tensor " + format.Quote(t.Name),
					Msg: "is in this shard but the index does not list it"}
			case seen[t.Name]:
				return &format.Error{File: shards[i], Offset: -1, Field: "tensor " + format.Quote(t.Name),
					Msg: "is stored in two shards"}
			case s != i:
				return &format.Error{File: shards[i], Offset: -1, Field: "tensor " + format.Quote(t.Name),
					Value: idx.Shards[s], Msg: "is in this shard but the index assigns it to another"}
			}
			seen[t.Name] = true
		}
	}
	if len(seen) != len(want) {
		var missing []string
		for n := range want {
			if !seen[n] {
				missing = append(missing, n)
			}
		}
		sort.Strings(missing)
		return &format.Error{File: indexPath, Offset: -1, Field: "weight_map",
			Msg: fmt.Sprintf("tensor %s is listed in shard %s, which does not hold it (%d listed tensors are missing from their shards)",
				format.Quote(missing[0]), format.Quote(idx.Shards[want[missing[0]]]), len(missing))}
	}
	return nil
}

// parseSafetensors parses the headers of the named files in parallel.
func (l *remoteLoader) parseSafetensors(names []string) ([]*safetensors.File, error) {
	files := make([]*safetensors.File, len(names))
	err := source.Each(l.ctx, l.src, names, 0, func(i int, f source.File) error {
		sf, err := safetensors.NewFile(f, f.Size())
		if err != nil {
			return format.WithFile(err, l.path(names[i]))
		}
		for j := range sf.Tensors {
			sf.Tensors[j].File = l.path(names[i])
		}
		files[i] = sf
		return nil
	})
	return files, err
}

func (l *remoteLoader) loadSafetensors(names []string) error {
	files, err := l.parseSafetensors(names)
	if err != nil {
		return err
	}
	l.m.Format = Safetensors
	for i, f := range files {
		l.m.addSafetensors(l.path(names[i]), f)
		if f.MetadataNull {
			l.m.notef(path.Base(names[i]) + ": __metadata__ is null (as MLX writes it)")
		}
	}
	if len(files) == 1 {
		l.m.Metadata = files[0].Metadata
	}
	return nil
}

// loadGGUF loads one GGUF file or the parts of a split set, first part
// first; the model metadata comes from the first.
func (l *remoteLoader) loadGGUF(names []string) error {
	files := make([]*gguf.File, len(names))
	err := source.Each(l.ctx, l.src, names, 0, func(i int, f source.File) error {
		gf, err := gguf.NewFile(f, f.Size())
		if err != nil {
			return format.WithFile(err, l.path(names[i]))
		}
		files[i] = gf
		return nil
	})
	if err != nil {
		return err
	}
	l.m.Format = GGUF
	for i, f := range files {
		l.m.addGGUF(l.path(names[i]), f)
	}
	if len(files) > 1 {
		l.m.notef(fmt.Sprintf("split GGUF: %d parts; model metadata from the first", len(files)))
	}
	l.m.ggufArch(files[0])
	return nil
}

func (l *remoteLoader) loadPyTorch(names []string) error {
	files := make([]*pytorch.File, len(names))
	err := source.Each(l.ctx, l.src, names, 0, func(i int, f source.File) error {
		pf, err := pytorch.NewFile(f, f.Size())
		if err != nil {
			return format.WithFile(err, l.path(names[i]))
		}
		files[i] = pf
		return nil
	})
	if err != nil {
		return err
	}
	l.m.Format = PyTorch
	for i, f := range files {
		for j := range f.Tensors {
			f.Tensors[j].File = l.path(names[i])
		}
		l.m.addPyTorch(l.path(names[i]), f)
	}
	return nil
}

// loadPyTorchIndex loads the checkpoints a pytorch_model.bin.index.json
// names (its weight_map has the safetensors index's layout).
func (l *remoteLoader) loadPyTorchIndex(name string) error {
	idx, err := l.readIndexFile(name)
	if err != nil {
		return err
	}
	dir := path.Dir(name)
	shards := make([]string, len(idx.Shards))
	for i, s := range idx.Shards {
		if dir != "." {
			s = dir + "/" + s
		}
		shards[i] = s
	}
	if err := l.loadPyTorch(shards); err != nil {
		return err
	}
	l.m.notef(fmt.Sprintf("%s selects %d checkpoints", path.Base(name), len(shards)))
	return nil
}

// remoteFile opens a weight file of a remote model by the path Files
// gives it.
func (m *Model) remoteFile(p string) (source.File, string, error) {
	name := strings.TrimPrefix(p, m.Dir+"/")
	f, err := m.remote.src.Open(m.remote.ctx, name)
	return f, name, err
}

// openGGUF parses a GGUF file of the model again, locally or remotely.
func (m *Model) openGGUF(p string) (*gguf.File, error) {
	if m.remote == nil {
		return gguf.Open(p)
	}
	f, _, err := m.remoteFile(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	g, err := gguf.NewFile(f, f.Size())
	if err != nil {
		return nil, format.WithFile(err, p)
	}
	return g, nil
}

// openSafetensors parses a safetensors header of the model again,
// locally or remotely.
func (m *Model) openSafetensors(p string) (*safetensors.File, error) {
	if m.remote == nil {
		return safetensors.Open(p)
	}
	f, _, err := m.remoteFile(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s, err := safetensors.NewFile(f, f.Size())
	if err != nil {
		return nil, format.WithFile(err, p)
	}
	return s, nil
}

// noteShardOf says so when a file named on its own is one shard of a set
// whose index sits beside it, as the local loader does.
func (l *remoteLoader) noteShardOf(name string) {
	dir, base := path.Split(name)
	for _, e := range l.entries {
		if path.Dir(e.Name)+"/" != dir && !(dir == "" && !strings.Contains(e.Name, "/")) {
			continue
		}
		if !strings.HasSuffix(e.Name, ".safetensors.index.json") {
			continue
		}
		idx, err := l.readIndexFile(e.Name)
		if err != nil {
			continue
		}
		if contains(idx.Shards, base) {
			l.m.notef(fmt.Sprintf("%s is one of %d shards listed in %s; pass the repository to count the whole model",
				base, len(idx.Shards), path.Base(e.Name)))
			return
		}
	}
}
