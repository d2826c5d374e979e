//go:build !unix

package pytorch_test

import "time"

// cpuTime is not measured where there is no getrusage: the cpu-ns/op
// figure is then 0.
func cpuTime() time.Duration { return 0 }
