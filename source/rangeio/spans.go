package rangeio

import "sort"

// spans holds the fetched parts of a file: sorted, non-overlapping,
// non-adjacent byte ranges with their data.
type spans struct {
	s     []span
	bytes int64
}

type span struct {
	start int64
	data  []byte
}

func (sp span) end() int64 { return sp.start + int64(len(sp.data)) }

// find returns the span holding off, or -1.
func (ss *spans) find(off int64) int {
	i := sort.Search(len(ss.s), func(i int) bool { return ss.s[i].end() > off })
	if i < len(ss.s) && ss.s[i].start <= off {
		return i
	}
	return -1
}

// read copies [off, off+len(p)) into p if it is all held.
func (ss *spans) read(p []byte, off int64) bool {
	i := ss.find(off)
	if i < 0 || ss.s[i].end() < off+int64(len(p)) {
		return false
	}
	copy(p, ss.s[i].data[off-ss.s[i].start:])
	return true
}

// gap returns the first and one past the last byte of [off, end) that
// are not held; lo == hi when everything is.
func (ss *spans) gap(off, end int64) (lo, hi int64) {
	lo, hi = off, end
	for _, sp := range ss.s {
		if sp.start <= lo && sp.end() > lo {
			lo = sp.end()
		}
	}
	if lo >= hi {
		return end, end
	}
	for i := len(ss.s) - 1; i >= 0; i-- {
		sp := ss.s[i]
		if sp.start < hi && sp.end() >= hi && sp.start > lo {
			hi = sp.start
		}
	}
	return lo, hi
}

// add stores data at start, merging with the spans it touches.
func (ss *spans) add(start int64, data []byte) {
	if len(data) == 0 {
		return
	}
	var out []span
	merged := span{start: start, data: data}
	for _, sp := range ss.s {
		if sp.end() < merged.start || sp.start > merged.end() {
			out = append(out, sp)
			continue
		}
		lo := min(sp.start, merged.start)
		hi := max(sp.end(), merged.end())
		buf := make([]byte, hi-lo)
		copy(buf[sp.start-lo:], sp.data)
		copy(buf[merged.start-lo:], merged.data) // new bytes win
		merged = span{start: lo, data: buf}
	}
	out = append(out, merged)
	sort.Slice(out, func(i, j int) bool { return out[i].start < out[j].start })
	ss.s = out
	ss.bytes = 0
	for _, sp := range out {
		ss.bytes += int64(len(sp.data))
	}
}
