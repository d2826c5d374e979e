package source

import (
	"context"
	"errors"
	"sync"
)

// Each opens every named file of s with at most conc open at once
// (DefaultConcurrency when conc ≤ 0) and calls fn with each, closing the
// file after. fn runs on several goroutines. The first error, in names
// order, is returned; files not yet opened after an error are skipped.
//
// It is what a loader needs to parse 163 shard headers remotely in a
// little more than the time of the slowest few.
func Each(ctx context.Context, s Source, names []string, conc int, fn func(i int, f File) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lim := NewLimiter(conc)
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		if err := lim.Acquire(ctx); err != nil {
			errs[i] = err
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer lim.Release()
			f, err := s.Open(ctx, name)
			if err != nil {
				errs[i] = err
				cancel()
				return
			}
			defer f.Close()
			if err := fn(i, f); err != nil {
				errs[i] = err
				cancel()
			}
		}()
	}
	wg.Wait()
	var canceled error
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
		if err != nil {
			canceled = err
		}
	}
	if canceled != nil {
		return canceled
	}
	return ctx.Err()
}
