package main

import (
	"math"
	"runtime/debug"
	"runtime/metrics"

	"github.com/tensorcount/tensorcount/count"
)

// bigCount is the tensor count from which a command bounds its heap once
// the count is built.
const bigCount = 1 << 17

// liftMemoryLimit removes a limit settleMemory set for an earlier model:
// a load grows the heap by what it keeps, and a limit below that would
// make it collect without end.
func liftMemoryLimit() { debug.SetMemoryLimit(math.MaxInt64) }

// settleMemory bounds the heap once a big model is counted. What lives
// from here to the exit is the model's tensors and their results (about
// 250 bytes a tensor); what the commands make next, rows formatted and
// written, is garbage. The collector's default pacing lets the heap grow
// to twice the live size before it collects, 500 MB for a million
// tensors; a soft limit a little above the live heap collects that
// garbage sooner, for some CPU, and keeps the peak near the live size.
//
// diff does not settle: it compares after both loads, and its tables of
// names would grow the heap past such a limit, collecting without end.
func settleMemory(r *count.Report) {
	if r == nil || r.Tensors < bigCount {
		return
	}
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	heap := s[0].Value.Uint64() // live objects, and garbage not yet swept
	debug.SetMemoryLimit(int64(heap + max(32<<20, heap/8)))
}
