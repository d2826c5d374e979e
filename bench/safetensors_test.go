package bench

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/tensorcount/tensorcount/count"
	"github.com/tensorcount/tensorcount/model"
)

// BenchmarkSafetensorsSet counts sharded sets three ways: tensorcount's
// model.Load (index and every shard header, strictly validated, shards in
// parallel), its full summary (model.Load plus report.Build), and a plain
// encoding/json reader that walks the index and each header in turn, the
// way huggingface_hub's local metadata reader does.
func BenchmarkSafetensorsSet(b *testing.B) {
	setup(b)
	for _, set := range []struct{ name, dir string }{
		{"llama-3.1-8b-4shards", fixtures.llama8b},
		{"deepseek-163shards-91991tensors", fixtures.ds163},
	} {
		b.Run(set.name+"/tensorcount-load", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := model.Load(set.dir); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(set.name+"/tensorcount-summary", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m, err := model.Load(set.dir)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := count.Build(m, count.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(set.name+"/encoding-json", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := plainCount(set.dir); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// plainCount is the baseline: encoding/json over the index, then each
// shard's header unmarshalled into a map, elements summed. It validates
// nothing (duplicate names silently keep the last, case is folded, invalid
// UTF-8 is replaced), so it does less work than tensorcount.
func plainCount(dir string) (uint64, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "model.safetensors.index.json"))
	if err != nil {
		return 0, err
	}
	var idx struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(raw, &idx); err != nil {
		return 0, err
	}
	shards := map[string]bool{}
	for _, s := range idx.WeightMap {
		shards[s] = true
	}
	var total uint64
	for s := range shards {
		n, err := plainHeader(filepath.Join(dir, s))
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

type plainTensor struct {
	DType       string   `json:"dtype"`
	Shape       []uint64 `json:"shape"`
	DataOffsets []uint64 `json:"data_offsets"`
}

func plainHeader(path string) (uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var n [8]byte
	if _, err := io.ReadFull(f, n[:]); err != nil {
		return 0, err
	}
	hdr := make([]byte, binary.LittleEndian.Uint64(n[:]))
	if _, err := io.ReadFull(f, hdr); err != nil {
		return 0, err
	}
	var tensors map[string]json.RawMessage
	if err := json.Unmarshal(hdr, &tensors); err != nil {
		return 0, err
	}
	var total uint64
	for name, raw := range tensors {
		if name == "__metadata__" {
			continue
		}
		var t plainTensor
		if err := json.Unmarshal(raw, &t); err != nil {
			return 0, fmt.Errorf("%s: %w", name, err)
		}
		e := uint64(1)
		for _, d := range t.Shape {
			e *= d
		}
		total += e
	}
	return total, nil
}

// The baseline must agree with tensorcount before its speed means
// anything.
func TestPlainCountAgrees(t *testing.T) {
	setup(t)
	for _, dir := range []string{fixtures.llama8b, fixtures.ds163} {
		m, err := model.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		var want uint64
		for _, tn := range m.Tensors {
			want += tn.Elements()
		}
		got, err := plainCount(dir)
		if err != nil || got != want {
			t.Fatalf("%s: plain count %d (%v), tensorcount %d", dir, got, err, want)
		}
	}
}
