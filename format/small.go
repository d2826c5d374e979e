package format

import (
	"errors"
	"io"
)

// The byte limits of the small files read whole. Each is far above any
// real file of its kind and small enough that reading it costs nothing.
const (
	// MaxRefBytes bounds a Hugging Face cache ref (refs/main): a 40-hex
	// commit hash and perhaps a newline.
	MaxRefBytes = 256
	// MaxConfigBytes bounds config.json and params.json. Real ones are a
	// few kilobytes; those with long id2label maps stay below a megabyte.
	MaxConfigBytes = 4 << 20
	// MaxIndexBytes bounds a *.safetensors.index.json. It is
	// safetensors.MaxIndexSize (which the streaming index reader applies);
	// the largest index seen is about 60 MB.
	MaxIndexBytes = 256 << 20
	// MaxCardBytes bounds a model card (README.md).
	MaxCardBytes = 1 << 20
	// MaxAdapterConfigBytes bounds a PEFT adapter_config.json.
	MaxAdapterConfigBytes = 1 << 20
	// MaxQuantConfigBytes bounds a separate quantization config
	// (quantize_config.json, quant_config.json, hf_quant_config.json),
	// which may list excluded layers one by one.
	MaxQuantConfigBytes = 4 << 20
	// MaxModelIndexBytes bounds a diffusers model_index.json.
	MaxModelIndexBytes = 1 << 20
)

// A Small names a kind of small file and so its byte limit.
type Small int

// The kinds of small file.
const (
	SmallRef           Small = iota // refs/main of a Hugging Face cache entry
	SmallConfig                     // config.json, params.json
	SmallIndex                      // *.safetensors.index.json
	SmallCard                       // README.md model card
	SmallAdapterConfig              // adapter_config.json
	SmallQuantConfig                // quantize_config.json and the like
	SmallModelIndex                 // model_index.json
)

var smallKinds = [...]struct {
	limit int64
	name  string
}{
	SmallRef:           {MaxRefBytes, "Hugging Face ref"},
	SmallConfig:        {MaxConfigBytes, "config file"},
	SmallIndex:         {MaxIndexBytes, "safetensors index"},
	SmallCard:          {MaxCardBytes, "model card"},
	SmallAdapterConfig: {MaxAdapterConfigBytes, "adapter config"},
	SmallQuantConfig:   {MaxQuantConfigBytes, "quantization config"},
	SmallModelIndex:    {MaxModelIndexBytes, "model index"},
}

// Limit returns the kind's byte limit (0 for an unknown kind).
func (k Small) Limit() int64 {
	if k < 0 || int(k) >= len(smallKinds) {
		return 0
	}
	return smallKinds[k].limit
}

// String names the kind as messages do: "config file".
func (k Small) String() string {
	if k < 0 || int(k) >= len(smallKinds) {
		return "small file"
	}
	return smallKinds[k].name
}

// ErrTooLarge is matched (errors.Is) by the error for a small file above
// its kind's limit.
var ErrTooLarge = errors.New("larger than its limit")

type tooLargeError struct{ kind Small }

func (e tooLargeError) Error() string {
	return "larger than the " + Thousands(uint64(e.kind.Limit())) + "-byte limit for a " + e.kind.String()
}

func (e tooLargeError) Is(target error) bool { return target == ErrTooLarge }

// ReadSmall reads the whole of the named small file of the given kind,
// through the one open path (OpenRegular: links followed, anything but a
// regular file refused unread). A file above the kind's limit is refused
// with "FILE: larger than the 4,194,304-byte limit for a config file",
// from its size alone when the size says so, so that a 1 GiB sparse file
// costs one stat; at most limit+1 bytes are ever read or held, should the
// file grow meanwhile.
func ReadSmall(name string, kind Small) ([]byte, error) {
	f, size, err := OpenRegular(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadLimited(f, size, name, kind)
}

// ReadLimited reads all of r, a file named name whose size was size when
// opened, bounded by kind's limit as ReadSmall is. It is ReadSmall's
// second half, for a file opened otherwise (fsroot.Root opens through its
// root).
func ReadLimited(r io.Reader, size int64, name string, kind Small) ([]byte, error) {
	limit := kind.Limit()
	if size > limit {
		return nil, &Error{File: name, Offset: -1, Err: tooLargeError{kind}}
	}
	// One byte more than the size, so that a file that has not grown is
	// read without regrowing the buffer, and one that has shows it.
	buf := make([]byte, 0, max(size, 0)+1)
	for int64(len(buf)) <= limit {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // grow; bounded by limit+1 below
		}
		room := min(int64(cap(buf)), limit+1) - int64(len(buf))
		n, err := r.Read(buf[len(buf) : int64(len(buf))+room])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, PathError(name, err)
		}
	}
	return nil, &Error{File: name, Offset: -1, Err: tooLargeError{kind}}
}
