package main

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// The collector's settings over a run. Most runs read a few headers,
// allocate tens of megabytes and exit: at the default pacing they would
// collect four or five times on the way, a tenth of their CPU or more.
// So a run starts with the collector off below startHeap (as the Go
// compiler starts with a large heap); the first collection, which only a
// big model reaches, hands back to the usual pacing. After counting a big
// model a soft limit bounds the heap (settleMemory); the next load lifts
// it and holds the collector off while it runs (startLoad).
var gcPolicy struct {
	mu       sync.Mutex
	starting bool // collector off below startHeap, until the first collection
	loading  bool // collector off during a load (startLoad)
}

// startHeap is the heap a run may reach before its first collection. A
// million-tensor safetensors load reaches about 240 MB, half of it the
// parse's garbage, which the load's own collection then returns to the
// system (model.LoadWith): below that, the collections on the way to it
// marked the growing heap two or three times, a sixth of the run's CPU. A
// million-tensor GGUF load leaves little garbage and does not collect:
// its model, count and checkpoint come to about 280 MB, which a run holds
// without a collection.
const startHeap = 320 << 20

// bigCount is the tensor count from which a command bounds its heap once
// the count is built.
const bigCount = 1 << 17

// startGC turns the collector off below startHeap until a collection
// happens. Only main calls it: the settings are the process's.
func startGC() {
	gcPolicy.mu.Lock()
	defer gcPolicy.mu.Unlock()
	gcPolicy.starting = true
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(startHeap)
	afterNextGC(func() {
		gcPolicy.mu.Lock()
		defer gcPolicy.mu.Unlock()
		// A settled limit, set since, stays.
		if gcPolicy.starting {
			endStartLocked()
			debug.SetMemoryLimit(math.MaxInt64)
		}
	})
}

// endStartLocked restores the usual pacing if the run is still starting.
func endStartLocked() {
	if gcPolicy.starting {
		gcPolicy.starting = false
		debug.SetGCPercent(100)
	}
}

// afterNextGC calls f once a collection has run: a finalizer runs after
// the collection that finds its object unreachable.
func afterNextGC(f func()) {
	type sentinel struct{ _ *int } // holds a pointer, so it is not a tiny allocation
	runtime.SetFinalizer(&sentinel{}, func(*sentinel) { f() })
}

// startLoad readies the collector for a load and returns what to call
// once it is over. A load's garbage (the parse's tables) is about what it
// keeps, and a big load collects it itself once done (model.LoadWith), so
// collections on the way only mark the heap so far again: after the
// start, the collector stays off during a load until the heap has grown
// by loadHeap, and the first collection, the load's own or one that limit
// sets off, restores the usual pacing. The load also lifts a limit
// settleMemory set for an earlier model, which its growth would otherwise
// keep hitting. A run still starting keeps its start settings, which the
// first collection ends.
func startLoad() (done func()) {
	gcPolicy.mu.Lock()
	defer gcPolicy.mu.Unlock()
	if gcPolicy.starting {
		return func() {}
	}
	gcPolicy.loading = true
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(int64(heapObjects() + loadHeap))
	end := func() {
		gcPolicy.mu.Lock()
		defer gcPolicy.mu.Unlock()
		if gcPolicy.loading {
			gcPolicy.loading = false
			debug.SetGCPercent(100)
			debug.SetMemoryLimit(math.MaxInt64)
		}
	}
	afterNextGC(end)
	return end
}

// loadHeap is how much a load after the first may grow the heap before it
// collects: a million-tensor load grows it by about 260 MB.
const loadHeap = 320 << 20

// heapObjects is the heap's live objects and the garbage not yet swept.
func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// settleMemory bounds the heap once a big model is counted. What lives
// from here to the exit is the model's tensors and their results (about
// 250 bytes a tensor); what the commands make next, rows formatted and
// written, is garbage. The collector's default pacing lets the heap grow
// to twice the live size before it collects, 500 MB for a million
// tensors; a soft limit a little above the live heap collects that
// garbage sooner, for some CPU, and keeps the peak near the live size.
//
// diff does not settle: it keeps a checkpoint of each side, lets the
// model go (model.LetGo) and compares after both loads, and its tables of names
// would grow the heap past such a limit, collecting without end.
func settleMemory(tensors int) {
	if tensors < bigCount {
		return
	}
	heap := heapObjects()
	if heap == 0 {
		return
	}
	gcPolicy.mu.Lock()
	defer gcPolicy.mu.Unlock()
	// The limit alone paces the collector from here. A run still starting
	// has never collected: the usual pacing would collect at once, marking
	// the whole model, since its goal is reckoned from the heap at the
	// last collection.
	gcPolicy.starting = false
	debug.SetMemoryLimit(int64(heap + max(32<<20, heap/8)))
}
