//go:build !race

package gguf_test

const raceEnabled = false
