package classify

// maxSegments bounds the dot-separated segments a name may have. The
// deepest real names (a PEFT adapter on a vision tower) have 13; a longer
// one is labelled unknown rather than spilling to the heap.
const maxSegments = 24

// segments is a name cut at its dots, held on the stack. seg[i] is a
// substring of name starting at byte off[i], so any run of segments can be
// turned back into a substring of name without allocating.
type segments struct {
	name string
	n    int
	seg  [maxSegments]string
	off  [maxSegments]int
}

// split cuts name at every '.'. It reports false when the name has more
// than maxSegments segments.
func (s *segments) split(name string) bool {
	s.name = name
	s.n = 0
	start := 0
	// A plain byte loop: segments are short, so per-segment calls to
	// strings.IndexByte cost more than they save.
	for i := 0; i <= len(name); i++ {
		if i < len(name) && name[i] != '.' {
			continue
		}
		if s.n == maxSegments {
			return false
		}
		s.seg[s.n] = name[start:i]
		s.off[s.n] = start
		s.n++
		start = i + 1
	}
	return true
}

// span returns the substring of the name covering segments [from, to).
func (s *segments) span(from, to int) string {
	if from >= to {
		return ""
	}
	return s.name[s.off[from] : s.off[to-1]+len(s.seg[to-1])]
}

// index parses a segment that is a block or expert index. Only plain
// decimal digits count, and at most nine of them, so the result always
// fits an int and is never negative.
func index(s string) (int32, bool) {
	if len(s) == 0 || len(s) > 9 { // so that it fits in an int32
		return 0, false
	}
	n := int32(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int32(c-'0')
	}
	return n, true
}

// isIndex reports whether s is a segment index would accept.
func isIndex(s string) bool {
	_, ok := index(s)
	return ok
}
