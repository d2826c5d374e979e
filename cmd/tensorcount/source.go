package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/tensorcount/tensorcount/internal/text"
	"github.com/tensorcount/tensorcount/model"
	"github.com/tensorcount/tensorcount/source"
	"github.com/tensorcount/tensorcount/source/ollama"
	"github.com/tensorcount/tensorcount/source/remote"
)

// sourceHelp describes the SOURCE forms, for the summary's help.
const sourceHelp = `
A SOURCE may stand for a PATH: hf://org/name[@rev][/file-or-folder], a Hub
URL (https://huggingface.co/org/name, …/tree/REV, …/blob/REV/FILE,
…/resolve/REV/FILE), any other https:// URL of a weight file, or
ollama://[host/][namespace/]name[:tag]. Only headers are fetched, by range
(HF_ENDPOINT, HF_TOKEN, HF_HOME and HF_HUB_OFFLINE are honoured as
huggingface_hub does); a repository already in the local Hugging Face cache
at the pinned commit is read from disk.`

// remoteFlags are the flags of every subcommand that reads headers.
type remoteFlags struct {
	noCache        bool
	ollamaRegistry string
}

func addRemote(fs *pflag.FlagSet, f *flagValues) {
	fs.BoolVar(&f.remote.noCache, "no-cache", false, "for a remote SOURCE, neither use nor fill the on-disk cache of listings and headers")
	def := os.Getenv("TENSORCOUNT_OLLAMA_REGISTRY")
	if def == "" {
		def = ollama.DefaultRegistry
	}
	fs.StringVar(&f.remote.ollamaRegistry, "ollama-registry", def, "the registry ollama:// models are fetched from; TENSORCOUNT_OLLAMA_REGISTRY sets the default")
}

// scanRefusal is why scan takes no remote SOURCE.
const scanRefusal = "scan reads every tensor's values and would download the whole model; download it first"

// progressDelay is how long a load runs before a progress line is drawn.
var progressDelay = 500 * time.Millisecond

// loadModel loads a PATH or a SOURCE: a local path with model.Load, a
// remote source with remote.Open and model.LoadRemote. A progress line
// is drawn on e's stderr while a remote load lasts, when stderr is a
// terminal.
func loadModel(ctx context.Context, e *env, arg string, f *flagValues) (*model.Model, error) {
	spec, err := source.Parse(arg)
	if err != nil {
		return nil, err
	}
	defer startLoad()()
	if !spec.IsRemote() {
		return model.LoadWith(arg, f.modelOptions())
	}
	opt := remote.Options{NoCache: f.remote.noCache}
	if r := f.remote.ollamaRegistry; r != "" && r != ollama.DefaultRegistry {
		opt.OllamaRegistry = r
	}
	var p *loadProgress
	if isTerminal(e.stderr) {
		opt.Progress = &source.Progress{}
		p = startLoadProgress(e.stderr, opt.Progress)
		defer p.stop()
	}
	t, err := remote.Open(ctx, spec, opt)
	if err != nil {
		return nil, err
	}
	return model.LoadRemote(ctx, t, f.modelOptions())
}

// modelOptions are what the flags ask of loading a model.
func (f *flagValues) modelOptions() model.Options {
	return model.Options{FollowLinks: f.followLinks}
}

// isRemoteArg reports whether arg names a remote SOURCE.
func isRemoteArg(arg string) bool {
	spec, err := source.Parse(arg)
	return err == nil && spec.IsRemote()
}

// chooseFailure prints the choices of a *model.ChooseError and returns
// exit status 2; ok is false for any other error.
func (e *env) chooseFailure(err error) (int, bool) {
	var ce *model.ChooseError
	if !errors.As(err, &ce) {
		return 0, false
	}
	lines := strings.Split(ce.Error(), "\n")
	for i, l := range lines {
		lines[i] = text.Safe(l)
	}
	fmt.Fprintf(e.stderr, "tensorcount: %s\n", strings.Join(lines, "\n"))
	return exitUsage, true
}

// loadProgress draws "files, bytes, rate" on one line of a terminal
// while a remote load runs longer than progressDelay.
type loadProgress struct {
	w     io.Writer
	p     *source.Progress
	start time.Time
	quit  chan struct{}
	wg    sync.WaitGroup
	drawn bool
}

func startLoadProgress(w io.Writer, p *source.Progress) *loadProgress {
	lp := &loadProgress{w: w, p: p, start: time.Now(), quit: make(chan struct{})}
	lp.wg.Go(func() {
		select {
		case <-lp.quit:
			return
		case <-time.After(progressDelay):
		}
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			lp.draw()
			select {
			case <-lp.quit:
				return
			case <-tick.C:
			}
		}
	})
	return lp
}

func (lp *loadProgress) line() string {
	secs := time.Since(lp.start).Seconds()
	b := lp.p.Bytes.Load()
	rate := ""
	if secs > 0 {
		rate = ", " + text.Bytes(int64(float64(b)/secs)) + "/s"
	}
	return fmt.Sprintf("reading headers: %d/%d files, %d requests, %s%s",
		lp.p.FilesDone.Load(), lp.p.FilesOpened.Load(), lp.p.Requests.Load(), text.Bytes(b), rate)
}

func (lp *loadProgress) draw() {
	fmt.Fprintf(lp.w, "\r\x1b[K%s", lp.line())
	lp.drawn = true
}

// stop ends the line, clearing it if it was drawn.
func (lp *loadProgress) stop() {
	if lp == nil {
		return
	}
	close(lp.quit)
	lp.wg.Wait()
	if lp.drawn {
		fmt.Fprint(lp.w, "\r\x1b[K")
	}
}
