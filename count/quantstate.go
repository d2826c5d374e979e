package count

import (
	"encoding/binary"
	"encoding/json"
)

// parseQuantStateShape reads "shape" from a bitsandbytes quant state: a
// U8 tensor whose bytes are a JSON object (QuantState.as_dict(packed=True)).
func parseQuantStateShape(b []byte) ([]uint64, bool) {
	var qs struct {
		Shape []json.Number `json:"shape"`
	}
	if err := json.Unmarshal(b, &qs); err != nil || len(qs.Shape) == 0 || len(qs.Shape) > 8 {
		return nil, false
	}
	out := make([]uint64, len(qs.Shape))
	for i, n := range qs.Shape {
		v, err := n.Int64()
		if err != nil || v < 0 {
			return nil, false
		}
		out[i] = uint64(v)
	}
	return out, true
}

// decodeInts reads a small little-endian integer tensor.
func decodeInts(b []byte, dtype string) ([]uint64, bool) {
	var size int
	switch dtype {
	case "I64", "U64":
		size = 8
	case "I32", "U32":
		size = 4
	default:
		return nil, false
	}
	if len(b)%size != 0 || len(b) == 0 || len(b)/size > 8 {
		return nil, false
	}
	out := make([]uint64, len(b)/size)
	for i := range out {
		var v int64
		if size == 8 {
			v = int64(binary.LittleEndian.Uint64(b[8*i:]))
		} else {
			v = int64(int32(binary.LittleEndian.Uint32(b[4*i:])))
		}
		if v < 0 { // a U64 at or above 2^63 reads as negative
			return nil, false
		}
		out[i] = uint64(v)
	}
	return out, true
}
