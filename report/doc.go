// Package report turns a loaded model into the figures tensorcount
// reports — tensors, elements, parameters, bytes and their breakdowns —
// and renders them as an aligned text table, JSON or Markdown.
//
// Every figure has one definition (see Report), the same in every output
// form. Anything excluded, unpacked, tied or inferred is explained by a
// note, so that each number can be checked by hand.
package report
