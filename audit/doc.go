// Package audit checks a model's advertised size. It finds the size
// claims a checkpoint carries — directory, cache entry and file names, the
// README.md model card, GGUF size labels and names, an index's
// total_parameters — parses texts such as "7B", "0.49B", "30B-A3B" or
// "8x7B" into claims with the precision the text implies, and judges each
// against a count.Report: matches, close (within ±5%), mismatch, or a
// label that is explained rather than judged.
//
// Audit is the whole recipe; Find, ParseClaim and Judge are its steps.
package audit
