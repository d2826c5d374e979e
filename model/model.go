package model

import (
	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/internal/fsroot"
)

// Format names, as they appear in reports.
const (
	Safetensors = "safetensors"
	GGUF        = "gguf"
)

// A Model is what a path resolved to: its weight files, their tensors and
// the architecture facts found beside them.
type Model struct {
	// Path is the path as the user gave it; Dir the directory the files
	// were found in (a Hugging Face snapshot, say).
	Path string
	Dir  string
	// Format is Safetensors or GGUF.
	Format string
	// Files lists the weight files counted, in order.
	Files []File
	// Tensors holds every tensor of every file, file by file.
	Tensors []format.Tensor
	// Arch holds the architecture facts.
	Arch Arch
	// Config is the text of config.json, when there is one, for the
	// facts Arch does not carry (per-layer types of hybrid models).
	Config []byte
	// Metadata is the safetensors __metadata__ of a single-file model, or
	// the string-valued GGUF general.* metadata.
	Metadata map[string]string
	// IndexTotalParameters is metadata.total_parameters of a sharded
	// set's index, when it has one (0 otherwise).
	IndexTotalParameters uint64
	// GGUFParameterCount is general.parameter_count of a GGUF file (what
	// llama.cpp's converter counted), when it has one (0 otherwise).
	GGUFParameterCount uint64
	// TiedTo maps the index of a tensor that is exactly another one — the
	// same storage, offset, shape and stride in a pickle checkpoint — to
	// that tensor's index: one weight under two names.
	TiedTo map[int]int
	// Adapter is what adapter_config.json says, when the files are an
	// adapter (nil otherwise).
	Adapter *Adapter
	// Components lists the parts of a diffusers pipeline, and
	// FileComponent names the part each weight file belongs to.
	Components    []Component
	FileComponent map[string]string
	// Imports lists what loading a pickle checkpoint would import.
	Imports []Import
	// Notes says what was chosen, ignored or inferred while loading.
	Notes []string
	// HubParameters is the Hub's own safetensors figure, for a model read
	// from a Hub repository that has one (nil otherwise).
	HubParameters *HubParameters

	opt  Options
	root *fsroot.Root // open during the load only
	// remote is set for a model read over the network (LoadRemote).
	remote *remoteState
}

// A File is one weight file of a Model.
type File struct {
	Path    string
	Format  string
	Tensors int
	// Bytes is the tensor data the file holds: the sum of tensor sizes,
	// excluding headers and alignment padding.
	Bytes int64
	// Size is the file's length; HeaderBytes the part before the data.
	Size        int64
	HeaderBytes int64
	// BigEndian is set for a file whose tensor data is big-endian (a
	// big-endian GGUF, a PyTorch archive saved on such a machine).
	BigEndian bool
}

func (m *Model) notef(s string) { m.Notes = append(m.Notes, s) }
