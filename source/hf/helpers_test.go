package hf_test

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/format/safetensors"
	"github.com/tensorcount/tensorcount/internal/fixture/archs"
	"github.com/tensorcount/tensorcount/internal/hubtest"
	"github.com/tensorcount/tensorcount/source"
	"github.com/tensorcount/tensorcount/source/hf"
	"github.com/tensorcount/tensorcount/source/rangeio"
)

// waits records the backoff waits a client asked for, without taking
// them.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) sleep(_ context.Context, d time.Duration) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.d = append(w.d, d)
	return nil
}

func (w *waits) all() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.d...)
}

// options returns Options for srv with a fresh client that records its
// waits, a cache in cacheDir ("" for none) and the server's token.
func options(srv *hubtest.Server, cacheDir string, w *waits) hf.Options {
	c := rangeio.NewClient()
	c.Retry.Sleep = w.sleep
	o := hf.Options{Endpoint: srv.URL(), Token: srv.Token, Client: c}
	if cacheDir != "" {
		o.Cache = &rangeio.Cache{Dir: cacheDir}
	}
	return o
}

// writeDeepSeek writes the 163-shard DeepSeek-V3-shaped set, config and
// README into dir and returns the shard names.
func writeDeepSeek(t testing.TB, dir string) []string {
	m, shards := archs.DeepSeekV3Bench()
	paths, err := archs.WriteSharded(dir, m, shards)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "README.md"), []byte("---\nlicense: mit\n---\n# DeepSeek-V3 (bench)\n"), 0o644))
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = filepath.Base(p)
	}
	return names
}

// headerLen returns 8+N of a local safetensors file.
func headerLen(t testing.TB, path string) int64 {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var b [8]byte
	_, err = f.ReadAt(b[:], 0)
	require.NoError(t, err)
	return 8 + int64(binary.LittleEndian.Uint64(b[:]))
}

// localTensors parses a local file and clears the File field, to
// compare with a parse through a ReaderAt.
func localTensors(t testing.TB, path string) []format.Tensor {
	f, err := safetensors.Open(path)
	require.NoError(t, err)
	defer f.Close()
	out := append([]format.Tensor(nil), f.Tensors...)
	for i := range out {
		out[i].File = ""
	}
	return out
}

// loadSet reads the index through the source and parses every shard
// with bounded concurrency, as the loader will.
func loadSet(ctx context.Context, src source.Source, conc int) (map[string][]format.Tensor, source.Stats, error) {
	b, err := src.ReadFile(ctx, "model.safetensors.index.json", safetensors.MaxIndexSize)
	if err != nil {
		return nil, source.Stats{}, err
	}
	idx, err := safetensors.ReadIndex(bytesReader(b), int64(len(b)))
	if err != nil {
		return nil, source.Stats{}, err
	}
	out := make([][]format.Tensor, len(idx.Shards))
	stats := make([]source.Stats, len(idx.Shards))
	err = source.Each(ctx, src, idx.Shards, conc, func(i int, f source.File) error {
		sf, err := safetensors.NewFile(f, f.Size())
		stats[i] = f.Stats()
		if err != nil {
			return err
		}
		out[i] = sf.Tensors
		return nil
	})
	var total source.Stats
	byName := make(map[string][]format.Tensor, len(out))
	for i, name := range idx.Shards {
		byName[name] = out[i]
	}
	for i := range stats {
		total = total.Add(stats[i])
	}
	return byName, total, err
}
