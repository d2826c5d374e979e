package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/tensorcount/tensorcount/model"
	"github.com/tensorcount/tensorcount/report"
	"github.com/tensorcount/tensorcount/scan"
)

func runScan(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("scan", pflag.ContinueOnError)
	asJSON := fs.Bool("json", false, "")
	all := fs.Bool("all", false, "")
	quiet := fs.Bool("quiet", false, "")
	workers := fs.Int("workers", 0, "")
	if done, st := parse(fs, args, stdout, stderr); done {
		return st
	}
	if fs.NArg() != 1 {
		return usageError(stderr, "scan takes one PATH")
	}
	if *workers < 0 {
		return usageError(stderr, "--workers must not be negative")
	}
	m, err := model.Load(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "tensorcount: %v\n", err)
		return ExitRead
	}
	opt := scan.Options{Workers: *workers}
	var p *progress
	if !*quiet && isTerminal(stderr) {
		p = startProgress(stderr, scanBytes(m))
		opt.Progress = p.add
	}
	r, err := report.Scan(context.Background(), m, opt)
	p.stop()
	if err != nil {
		fmt.Fprintf(stderr, "tensorcount: %v\n", err)
		return ExitRead
	}
	if *asJSON {
		err = r.WriteJSON(stdout)
	} else {
		err = r.WriteText(stdout, *all)
	}
	if err != nil {
		return ExitRead
	}
	if r.NaNOrInf() {
		return ExitNaN
	}
	return ExitOK
}

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

// isTerminal reports whether w is a terminal; the progress bar is drawn
// only there, so that redirected output stays clean. Tests replace it.
var isTerminal = func(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
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
