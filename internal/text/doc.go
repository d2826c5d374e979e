// Package text holds the small pieces every human-readable output shares:
// numbers in readable units (8.03B, 14.96 GiB), exact integers with
// thousands separators, and the escaping that keeps text taken from a
// weight file (tensor names, metadata) from writing to the terminal.
package text
