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

// policy reads the settings under the policy's lock, so that the first
// collection's hook, which other tests' allocations may set off at any
// moment, is either wholly before or wholly after.
func policy() (starting bool, percent int, limit int64) {
	gcPolicy.mu.Lock()
	defer gcPolicy.mu.Unlock()
	return gcPolicy.starting, gcPercent(), debug.SetMemoryLimit(-1)
}

// A run starts with the collector off below startHeap; its first
// collection restores the usual pacing; a big count sets a limit above
// its heap, and the next load lifts it.
func TestGCPolicy(t *testing.T) {
	defer debug.SetGCPercent(gcPercent())
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))

	// Still starting (no collection yet), or already past the start:
	// the settings are one or the other, never a mix.
	requireStartOrUsual := func() {
		t.Helper()
		if st, pct, limit := policy(); st {
			require.Equal(t, -1, pct)
			require.Equal(t, int64(startHeap), limit)
		} else {
			require.Equal(t, 100, pct)
			require.Equal(t, int64(math.MaxInt64), limit)
		}
	}
	startGC()
	requireStartOrUsual()
	done := startLoad() // a load while starting keeps the start settings
	requireStartOrUsual()
	done()
	requireStartOrUsual()

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
	require.Equal(t, 100, gcPercent(), "past the start, the usual pacing stays beside the limit")
	// A load after the start holds the collector off up to startHeap
	// above the heap, in place of the settled limit, and restores the
	// usual pacing once over.
	done = startLoad()
	require.Equal(t, -1, gcPercent())
	require.Greater(t, debug.SetMemoryLimit(-1), int64(startHeap))
	require.NotEqual(t, limit, debug.SetMemoryLimit(-1))
	done()
	require.Equal(t, 100, gcPercent())
	require.Equal(t, int64(math.MaxInt64), debug.SetMemoryLimit(-1))
	// A collection during a load, as its limit sets off, ends the hold.
	done = startLoad()
	require.Equal(t, -1, gcPercent())
	for deadline := time.Now().Add(10 * time.Second); gcPercent() != 100; {
		require.True(t, time.Now().Before(deadline), "a collection did not end the load's hold")
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	require.Equal(t, int64(math.MaxInt64), debug.SetMemoryLimit(-1))
	done()
	require.Equal(t, 100, gcPercent())

	// A count settled before the first collection (a GGUF load, which
	// does not collect) is paced by its limit alone: the usual pacing
	// would collect at once, its goal reckoned from a heap of nothing.
	// The limit stays when the first collection comes.
	startGC()
	settleMemory(bigCount)
	limit = debug.SetMemoryLimit(-1)
	require.False(t, starting())
	require.Less(t, limit, int64(math.MaxInt64))
	require.Equal(t, -1, gcPercent())
	for range 20 {
		runtime.GC()
		time.Sleep(time.Millisecond) // the finalizer's turn
	}
	require.Equal(t, limit, debug.SetMemoryLimit(-1))
	require.Equal(t, -1, gcPercent())
}
