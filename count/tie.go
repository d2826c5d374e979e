package count

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tensorcount/tensorcount/classify"
	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/internal/text"
	"github.com/tensorcount/tensorcount/scan"
)

// Tie says whether the output head shares the token embedding's weights,
// and how that was decided.
type Tie struct {
	// Tied: the head is the embedding, counted once.
	Tied bool `json:"tied"`
	// Embedding and Head name the tensors; Head is empty when no head is
	// stored.
	Embedding string `json:"embedding,omitempty"`
	Head      string `json:"head,omitempty"`
	// HeadStored: a head tensor is in the files.
	HeadStored bool `json:"head_stored"`
	// Evidence is how the answer was reached: "no head tensor",
	// "config", "identical content", "different content", "different
	// shape", "constant content", "not compared" (the comparison failed,
	// or was skipped: --headers-only, a model read remotely).
	Evidence string `json:"evidence"`
	// DuplicateParameters is what a naive count adds for the second copy
	// of a tied weight stored twice.
	DuplicateParameters uint64 `json:"duplicate_parameters,omitempty"`
	// BytesRead is the tensor data the content check read.
	BytesRead int64 `json:"bytes_read,omitempty"`
}

// comparer compares tensor contents; scan.Source in practice.
type comparer interface {
	Compare(a, b format.Tensor) (scan.Comparison, error)
}

// tie decides whether the main model's head is tied to its embedding.
// Only the language model counts: an MTP layer's own embedding and head
// copies are counted as stored.
func (c *counter) tie(cmp comparer) *Tie {
	var emb, head *Tensor
	for i := range c.items {
		it := &c.items[i]
		l := &it.Label
		if l.Component != classify.ComponentLanguageModel || l.Param != "weight" {
			continue
		}
		switch {
		case l.Role == classify.RoleEmbedding && l.Kind == classify.KindTokenEmbd && emb == nil:
			emb = it
		case l.Role == classify.RoleHead && l.Kind == classify.KindOutput && head == nil:
			head = it
		}
	}
	if emb == nil {
		return nil
	}
	stated := c.m.Arch.TiedEmbeddings
	t := &Tie{Embedding: emb.Tensor.Name}
	if head == nil {
		if !c.decoder() {
			// An encoder, or a checkpoint with nothing to say that a head
			// reuses the embedding: no head is stored, and that is all.
			if c.m.Arch.Class == "" {
				c.notes.add("no output head is stored, and nothing (no config, no decoder layout) says that one reuses the embedding")
			}
			return nil
		}
		t.Tied = true
		t.Evidence = "no head tensor"
		c.notes.add(fmt.Sprintf("no output head is stored: the head reuses %s (tied embeddings), counted once", text.Safe(emb.Tensor.Name)))
		if stated != nil && !*stated {
			c.notes.add("config.json says tie_word_embeddings is false, yet no head tensor is stored")
		}
		return t
	}
	t.Head, t.HeadStored = head.Tensor.Name, true
	sameShape := emb.Tensor.DType == head.Tensor.DType && slices.Equal(emb.Tensor.Shape, head.Tensor.Shape)
	if !sameShape {
		t.Evidence = "different shape"
		if emb.Tensor.Elements() == head.Tensor.Elements() && emb.Tensor.DType != head.Tensor.DType {
			t.Evidence = "different dtype"
		}
		return t
	}
	verdict := scan.Different
	compared := false
	if cmp != nil {
		r, err := cmp.Compare(*emb.Tensor, *head.Tensor)
		if err == nil {
			err = c.unchanged(cmp, emb.Tensor.File, head.Tensor.File)
		}
		switch {
		case errors.Is(err, scan.ErrChanged):
			// The data read is not the file's: no verdict may rest on it.
			c.err = err
			return nil
		case err != nil:
			c.notes.add(fmt.Sprintf("could not compare %s with %s: %v", text.Safe(emb.Tensor.Name), text.Safe(head.Tensor.Name), err))
		default:
			verdict, compared = r.Verdict, true
			t.BytesRead = 2 * r.BytesRead
		}
	}
	switch {
	case verdict == scan.Identical:
		t.Tied, t.Evidence = true, "identical content"
		c.notes.add(fmt.Sprintf("%s is byte-identical to %s: one tied weight stored twice, counted once (%s parameters not counted again)",
			text.Safe(head.Tensor.Name), text.Safe(emb.Tensor.Name), text.Exact(head.Parameters)))
	case stated != nil && *stated:
		t.Tied, t.Evidence = true, "config"
		why := "its content was not compared"
		switch verdict {
		case scan.Different:
			why = "although its content differs (the loader replaces it with the embedding)"
		case scan.Constant:
			why = "its content is constant placeholder data"
		}
		c.notes.add(fmt.Sprintf("config.json ties the embeddings: the stored %s is the same parameter as %s, counted once; %s",
			text.Safe(head.Tensor.Name), text.Safe(emb.Tensor.Name), why))
	case verdict == scan.Constant:
		t.Evidence = "constant content"
		c.notes.add(fmt.Sprintf("%s and %s hold only constant (placeholder) values, which says nothing about tying; they are counted as two untied weights",
			text.Safe(emb.Tensor.Name), text.Safe(head.Tensor.Name)))
	case !compared:
		t.Evidence = "not compared"
	default:
		t.Evidence = "different content"
		if cmp != nil {
			c.notes.add(fmt.Sprintf("%s differs from %s (found in %s of sampled data): two untied weights",
				text.Safe(head.Tensor.Name), text.Safe(emb.Tensor.Name), text.Bytes(t.BytesRead)))
		}
	}
	if t.Tied {
		head.Excluded = ExcludedTiedCopy
		t.DuplicateParameters = head.Parameters
	}
	return t
}

// unchanged returns a *scan.ChangedError if a file the comparison read has
// another size now than when the model was loaded: replaced or truncated
// between the load and the count, its data is not the one the header
// describes.
func (c *counter) unchanged(cmp comparer, files ...string) error {
	sized, ok := cmp.(interface{ MappedSize(string) (int64, bool) })
	if !ok {
		return nil
	}
	for _, name := range files {
		now, ok := sized.MappedSize(name)
		if !ok {
			continue
		}
		for _, f := range c.m.Files {
			if f.Path == name && f.Size != now {
				return &scan.ChangedError{File: name, Err: fmt.Errorf("%d bytes when loaded, %d when read", f.Size, now)}
			}
		}
	}
	return nil
}

// decoder reports whether the model generates text, so that a missing
// head means a tied one rather than an encoder without a head.
func (c *counter) decoder() bool {
	a := c.m.Arch
	if a.TiedEmbeddings != nil && *a.TiedEmbeddings {
		return true
	}
	if c.m.Format == "gguf" {
		return true // llama.cpp reuses token_embd when output is absent
	}
	for _, suffix := range []string{"ForCausalLM", "LMHeadModel", "ForConditionalGeneration"} {
		if strings.HasSuffix(a.Class, suffix) {
			return true
		}
	}
	// Without a config, a decoder is recognised by its decoder-only
	// layout: attention blocks and a final norm, but no head.
	if a.Class != "" {
		return false
	}
	blocks, finalNorm := false, false
	for i := range c.items {
		l := &c.items[i].Label
		if l.Component != classify.ComponentLanguageModel {
			continue
		}
		blocks = blocks || (l.Layer >= 0 && l.Role == classify.RoleAttention)
		finalNorm = finalNorm || (l.Layer < 0 && l.Role == classify.RoleNorm)
	}
	return blocks && finalNorm
}
