package main

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

func starting() bool {
	gcPolicy.mu.Lock()
	defer gcPolicy.mu.Unlock()
	return gcPolicy.starting
}

// A run starts with the collector off below startHeap; its first
// collection restores the usual pacing; a big count sets a limit above
// its heap, and the next load lifts it.
func TestGCPolicy(t *testing.T) {
	defer debug.SetGCPercent(gcPercent())
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))

	startGC()
	require.Equal(t, -1, gcPercent())
	require.Equal(t, int64(startHeap), debug.SetMemoryLimit(-1))
	liftMemoryLimit() // a load while starting keeps the start limit
	require.Equal(t, int64(startHeap), debug.SetMemoryLimit(-1))

	runtime.GC()
	for deadline := time.Now().Add(10 * time.Second); starting(); {
		require.True(t, time.Now().Before(deadline), "the first collection did not end the start")
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	require.Equal(t, 100, gcPercent())
	require.Equal(t, int64(math.MaxInt64), debug.SetMemoryLimit(-1))

	settleMemory(bigCount - 1) // small: nothing to bound
	require.Equal(t, int64(math.MaxInt64), debug.SetMemoryLimit(-1))
	settleMemory(bigCount)
	limit := debug.SetMemoryLimit(-1)
	require.Less(t, limit, int64(math.MaxInt64))
	require.GreaterOrEqual(t, limit, int64(32<<20))
	liftMemoryLimit()
	require.Equal(t, int64(math.MaxInt64), debug.SetMemoryLimit(-1))

	// A count settled before the first collection keeps its limit when
	// that collection comes.
	startGC()
	settleMemory(bigCount)
	limit = debug.SetMemoryLimit(-1)
	require.False(t, starting())
	require.Less(t, limit, int64(math.MaxInt64))
	for range 20 {
		runtime.GC()
		time.Sleep(time.Millisecond) // the finalizer's turn
	}
	require.Equal(t, limit, debug.SetMemoryLimit(-1))
	require.Equal(t, 100, gcPercent())
}
