package rangeio

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// A Policy says how often and how long to retry.
type Policy struct {
	// Attempts bounds the tries of one request, the first included.
	Attempts int
	// Base is the first backoff; each retry doubles it, with jitter.
	Base time.Duration
	// MaxWait caps any single wait, including one a server asks for
	// with Retry-After or RateLimit.
	MaxWait time.Duration
	// Sleep waits d or until ctx ends; nil sleeps for real. Tests record
	// the waits instead of taking them.
	Sleep func(ctx context.Context, d time.Duration) error
}

// DefaultPolicy retries four times, from half a second, never waiting
// more than 30 seconds at once.
var DefaultPolicy = Policy{Attempts: 5, Base: 500 * time.Millisecond, MaxWait: 30 * time.Second}

func (p Policy) attempts() int {
	if p.Attempts <= 0 {
		return 1
	}
	return p.Attempts
}

func (p Policy) sleep(ctx context.Context, d time.Duration) error {
	if p.Sleep != nil {
		return p.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// backoff is the wait before retry number n (1 for the first retry):
// exponential with "equal jitter" (half fixed, half random), so that many
// clients failing together do not come back together. A server's own
// figure (Retry-After, RateLimit t=) wins when it gives one.
func (p Policy) backoff(n int, resp *http.Response) time.Duration {
	var d time.Duration
	if resp != nil {
		if s, ok := serverWait(resp.Header, time.Now()); ok {
			d = s
		}
	}
	if d == 0 {
		d = p.Base << min(n-1, 20)
		if d > 0 {
			d = d/2 + rand.N(d/2+1)
		}
	}
	if p.MaxWait > 0 && d > p.MaxWait {
		d = p.MaxWait
	}
	return d
}

// serverWait reads how long the server asks the client to wait:
// Retry-After as seconds or an HTTP date, else the reset time t= of the
// IETF RateLimit header (`"api";r=0;t=12`).
func serverWait(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if s, err := strconv.ParseInt(v, 10, 64); err == nil && s >= 0 {
			return time.Duration(min(s, 1<<20)) * time.Second, true
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0), true
		}
	}
	if v := h.Get("RateLimit"); v != "" {
		for _, item := range strings.Split(v, ",") {
			for _, param := range strings.Split(item, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(param), "=")
				if !ok || k != "t" {
					continue
				}
				if s, err := strconv.ParseInt(strings.TrimSpace(val), 10, 64); err == nil && s >= 0 {
					return time.Duration(min(s, 1<<20)) * time.Second, true
				}
			}
		}
	}
	return 0, false
}

// retryable reports statuses worth another try: timeouts, rate limits
// and server errors. Every other 4xx is final, so a wrong name or a
// missing token costs one request, not a storm.
func retryable(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500
}
