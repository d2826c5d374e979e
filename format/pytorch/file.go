package pytorch

import (
	"bytes"
	"errors"
	"io"
	"os"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/format/pickle"
)

// Kind is the container of a checkpoint.
type Kind int

const (
	// Zip is torch.save's format since torch 1.6: a zip archive of
	// data.pkl and one record per storage.
	Zip Kind = iota + 1
	// Legacy is torch.save's stream before 1.6 (and with
	// _use_new_zipfile_serialization=False): pickles followed by raw
	// storages.
	Legacy
	// TorchScript is a torch.jit.save archive (code/, constants.pkl).
	TorchScript
	// Pickle is a bare pickle with no storages (a .pkl file).
	Pickle
)

func (k Kind) String() string {
	switch k {
	case Zip:
		return "zip"
	case Legacy:
		return "legacy"
	case TorchScript:
		return "torchscript"
	case Pickle:
		return "pickle"
	}
	return "unknown"
}

// Limits on what a checkpoint may demand.
const (
	// MaxPickleSize bounds one pickle (data.pkl, or the leading pickles
	// of a legacy stream). A state dict of 100,000 tensors takes about
	// 10 MB.
	MaxPickleSize = 512 << 20
	// MaxEntries bounds the records of a zip archive.
	MaxEntries = 1 << 22
	// maxSmallRecord bounds the version and byteorder records.
	maxSmallRecord = 4 << 10
	// maxDepth bounds the nesting of containers the tensor walk follows.
	maxDepth = 1000
)

// A File is a parsed PyTorch checkpoint: its tensors, found from the pickle
// alone, and every import the pickle would perform.
type File struct {
	Kind Kind
	Size int64 // bytes
	// Prefix is the zip archive's record prefix ("archive/"); empty for
	// a legacy stream.
	Prefix string
	// ByteOrder is "little" or "big": the zip byteorder record, or the
	// legacy sys_info (little when absent, as torch assumes).
	ByteOrder string
	// Version is the zip version record, trimmed; for a legacy stream
	// the protocol version (1001).
	Version string
	// Layout says where the model tensors were found: "state_dict" for a
	// flat state dict, "module" for a pickled nn.Module, "lightning" for
	// a Lightning checkpoint, "nested:KEY" for {"KEY": state dict, …},
	// "torchscript", or "objects" for anything else.
	Layout string

	// Tensors are the model tensors; Info, parallel to it, carries their
	// storage details.
	Tensors []format.Tensor
	Info    []TensorInfo
	// OptimizerTensors are optimizer-state tensors (Adam moments, …),
	// summarised by Optimizer (nil when there are none).
	OptimizerTensors []format.Tensor
	OptimizerInfo    []TensorInfo
	Optimizer        *OptimizerSummary
	// OtherTensors are tensors outside the model and the optimizer (an
	// "ema" copy beside "model", say), named by their full path, and the
	// constants of a TorchScript archive ("constants.0", …).
	OtherTensors []format.Tensor
	OtherInfo    []TensorInfo

	Storages []Storage
	// Imports lists every import of every pickle in the file, in file
	// order.
	Imports []pickle.Import
	Notes   []string

	closer io.Closer
}

// A Storage is one storage record: the flat buffer tensors view.
type Storage struct {
	Key      string
	DType    format.DType // element type (U8 for an UntypedStorage)
	Elements uint64       // as the pickle declares them
	Location string       // "cpu", "cuda:0"
	// Record is the zip record name; empty for a legacy stream.
	Record string
	// Offset is the absolute offset of the storage's first byte; -1
	// when the record is compressed, so that no offset is meaningful.
	Offset int64
	Bytes  uint64 // Elements × element size
	// Compressed is set for a zip record that is not stored.
	Compressed bool
}

// Dangerous reports whether the file would import something dangerous
// when loaded with torch.load.
func (f *File) Dangerous() bool {
	for _, im := range f.Imports {
		if im.Safety == pickle.Dangerous {
			return true
		}
	}
	return false
}

// DangerousImports returns the dangerous imports, with their offsets.
func (f *File) DangerousImports() []pickle.Import {
	var d []pickle.Import
	for _, im := range f.Imports {
		if im.Safety == pickle.Dangerous {
			d = append(d, im)
		}
	}
	return d
}

// StorageBytes is the bytes of the distinct storages the model tensors
// view: tied weights and views of one storage count once.
func (f *File) StorageBytes() uint64 {
	seen := map[int]bool{}
	var n uint64
	for _, t := range f.Info {
		if !seen[t.Storage] {
			seen[t.Storage] = true
			n += f.Storages[t.Storage].Bytes
		}
	}
	return n
}

// Open opens the named checkpoint read-only and parses it. Errors are
// *format.Error values naming the file. Tensors' File is name.
func Open(name string) (*File, error) {
	f, fd, err := format.OpenAndParse(name, func(r *os.File, size int64) (*File, error) { return newFile(r, size, name) })
	if err != nil {
		return nil, err
	}
	f.closer = fd
	return f, nil
}

// NewFile parses the checkpoint of size bytes read through r, with
// bounded positioned reads only: for a zip archive, its central directory,
// the pickles and the local headers of the storage records; for a legacy
// stream, the leading pickles and the 8-byte length of each storage.
// Tensor data is never read. The tensors' File field is left empty.
func NewFile(r io.ReaderAt, size int64) (*File, error) {
	return newFile(r, size, "")
}

// Close closes the file opened by Open.
func (f *File) Close() error {
	if f.closer == nil {
		return nil
	}
	c := f.closer
	f.closer = nil
	return c.Close()
}

func newFile(r io.ReaderAt, size int64, name string) (*File, error) {
	if size < 0 {
		return nil, &format.Error{Offset: -1, Field: "size", Value: size, Msg: "negative file size"}
	}
	var head [4]byte
	if size < 4 {
		return nil, &format.Error{Offset: 0, Field: "magic", Value: size, Limit: 4, Msg: "file is too short to be a checkpoint"}
	}
	if err := readAt(r, head[:], 0); err != nil {
		return nil, err
	}
	f := &File{Size: size, ByteOrder: "little"}
	var err error
	switch {
	case bytes.Equal(head[:], []byte("PK\x03\x04")) || bytes.Equal(head[:], []byte("PK\x05\x06")):
		err = f.readZip(r, size, name)
	case isTar(r, size):
		return nil, &format.Error{Offset: 257, Field: "magic", Msg: "tar checkpoint (torch before 0.1.10) is not supported"}
	default:
		err = f.readLegacy(r, size, name)
	}
	if err != nil {
		return nil, err
	}
	return f, nil
}

func isTar(r io.ReaderAt, size int64) bool {
	if size < 512 {
		return false
	}
	var m [5]byte
	return readAt(r, m[:], 257) == nil && string(m[:]) == "ustar"
}

// readAt reads len(p) bytes at off, turning a short read into an error
// that says where the file ended.
func readAt(r io.ReaderAt, p []byte, off int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return &format.Error{Offset: off + int64(n), Msg: "cannot read the file", Err: err}
}
