package classify

import "strconv"

// canonical builds the GGUF name of a Hugging Face tensor from the GGUF
// base name of its module, its block and the GGUF parameter suffix.
// T5-style encoder-decoder names get the enc./dec. prefix llama.cpp uses;
// token embeddings never do, because every stack's copy is the one tied
// token_embd.
func (sc *scope) canonical(base string, layer int32, cparam string) string {
	prefix := ""
	if sc.tStyle && base != "token_embd" {
		prefix = "enc."
		if sc.stack == stackDecoder {
			prefix = "dec."
		}
	}
	return ggufName(prefix, layer, base, cparam)
}

// ggufName formats "<prefix>blk.<layer>.<base>.<param>" (no block part
// when layer is -1) with a single allocation.
func ggufName(prefix string, layer int32, base, param string) string {
	var buf [160]byte
	b := append(buf[:0], prefix...)
	if layer >= 0 {
		b = append(b, "blk."...)
		b = strconv.AppendInt(b, int64(layer), 10)
		b = append(b, '.')
	}
	b = append(b, base...)
	b = append(b, '.')
	b = append(b, param...)
	return string(b)
}
