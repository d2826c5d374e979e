//go:build !linux

package prefault

// AdviseHuge does nothing where there are no transparent huge pages.
func AdviseHuge([]byte) {}
