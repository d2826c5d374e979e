package main

import (
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/tensorcount/tensorcount/model"
	"github.com/tensorcount/tensorcount/scan"
)

// scanBytes estimates what a scan reads, for the progress bar's total.
func scanBytes(m *model.Model) int64 {
	var n int64
	for _, t := range m.Tensors {
		if scan.Supported(t.DType.Name) {
			n += t.Size
		}
	}
	return n
}

// progress drives a progress bar from the scan's workers. They only add
// to a counter; one goroutine moves the bar, so the bar's lock is never
// contended on the hot path.
type progress struct {
	bar  *progressbar.ProgressBar
	done atomic.Int64
	quit chan struct{}
	wg   sync.WaitGroup
}

func startProgress(w io.Writer, total int64) *progress {
	p := &progress{quit: make(chan struct{})}
	p.bar = progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("scanning"),
		progressbar.OptionShowBytes(true),
		progressbar.OptionShowTotalBytes(true),
		progressbar.OptionUseIECUnits(true),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetWidth(30),
		progressbar.OptionSetRenderBlankState(true),
		progressbar.OptionClearOnFinish(),
	)
	p.wg.Go(func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-p.quit:
				return
			case <-tick.C:
				p.bar.Set64(p.done.Load())
			}
		}
	})
	return p
}

func (p *progress) add(n int64) { p.done.Add(n) }

// stop removes the bar; it does nothing on a nil progress.
func (p *progress) stop() {
	if p == nil {
		return
	}
	close(p.quit)
	p.wg.Wait()
	p.bar.Set64(p.done.Load())
	p.bar.Finish()
}
