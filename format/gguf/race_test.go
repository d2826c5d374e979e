//go:build race

package gguf_test

// raceEnabled is set under the race detector, which adds allocations of
// its own.
const raceEnabled = true
