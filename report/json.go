package report

import (
	"encoding/json"
	"errors"
	"io"

	"github.com/tensorcount/tensorcount/audit"
	"github.com/tensorcount/tensorcount/count"
	"github.com/tensorcount/tensorcount/format"
)

// Schema identifies the JSON layout of the summary; it changes only if a
// key is renamed or removed, which the contract forbids.
const Schema = "tensorcount/v1"

// summaryJSON is the documented summary object: the count's figures with
// the claim verdicts placed before the notes. The outer Notes shadows the
// embedded one so that the keys keep the order scripts have seen since
// the first release.
type summaryJSON struct {
	*count.Report
	Claim  *audit.Verdict  `json:"claim,omitempty"`
	Claims []audit.Verdict `json:"claims,omitempty"`
	Notes  []string        `json:"notes"`
}

func (s Summary) json() summaryJSON {
	j := summaryJSON{Report: s.Report, Claims: s.Claims, Notes: s.Report.Notes}
	if j.Notes == nil {
		j.Notes = []string{}
	}
	if len(s.Claims) > 0 {
		j.Claim = &s.Claims[0]
	}
	return j
}

// WriteJSON writes the summary as one indented JSON object.
func WriteJSON(w io.Writer, s Summary) error {
	return encode(w, s.json())
}

// WriteJSONList writes several summaries as one JSON array, in order.
// A nil entry in errs[i] keeps summary i; otherwise position i holds
// {"path": …, "error": …}, so that positions line up with the paths given.
func WriteJSONList(w io.Writer, ss []Summary, errs []PathError) error {
	out := make([]any, len(ss))
	for i, s := range ss {
		if i < len(errs) && errs[i].Err != nil {
			out[i] = struct {
				Path  string `json:"path"`
				Error string `json:"error"`
			}{errs[i].Path, errs[i].Err.Error()}
			continue
		}
		out[i] = s.json()
	}
	return encode(w, out)
}

// A PathError is a path that could not be reported on, for the place it
// takes in a JSON list.
type PathError struct {
	Path string
	Err  error
}

// encode writes v as indented JSON, the form of every JSON document,
// through format.NewJSONWriter: DEL, C1 and bidirectional controls and
// the other runes format.Escape escapes come out as \u escapes, so a
// report piped to a terminal cannot reorder or rewrite it, and a decoder
// reads back the same strings.
func encode(w io.Writer, v any) error {
	jw := format.NewJSONWriter(w)
	enc := json.NewEncoder(jw)
	enc.SetIndent("", "  ")
	return errors.Join(enc.Encode(v), jw.Flush())
}
