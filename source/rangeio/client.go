package rangeio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tensorcount/tensorcount/source"
)

// A Client makes HTTP requests with timeouts, retries and an idle-body
// watchdog. It never follows redirects: callers read the redirecting
// response's headers and decide which headers go to the next host.
type Client struct {
	HTTP  *http.Client
	Retry Policy
	// IdleTimeout cancels a response whose body delivers no byte for
	// this long; the read is then retried from where it stopped.
	IdleTimeout time.Duration
	Progress    *source.Progress
	UserAgent   string
}

// Timeouts for one request. The whole operation is bounded by the
// caller's context.
const (
	DialTimeout           = 10 * time.Second
	ResponseHeaderTimeout = 30 * time.Second
	DefaultIdleTimeout    = 30 * time.Second
)

// NewClient returns a Client with its own transport: dial, TLS and
// response-header timeouts, connection reuse sized for parallel shard
// reads, no automatic redirects.
func NewClient() *Client {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: DialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   DialTimeout,
		ResponseHeaderTimeout: ResponseHeaderTimeout,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &Client{
		HTTP:        &http.Client{Transport: tr, CheckRedirect: noRedirect},
		Retry:       DefaultPolicy,
		IdleTimeout: DefaultIdleTimeout,
		UserAgent:   "tensorcount",
	}
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// A Request is what Do sends: a GET unless Method says otherwise.
type Request struct {
	Method string
	URL    string
	Header http.Header
}

// counters are per-file request statistics, updated atomically.
type counters struct {
	requests, bytes, retries, hits atomic.Int64
}

func (c *counters) stats() source.Stats {
	return source.Stats{Requests: c.requests.Load(), Bytes: c.bytes.Load(), Retries: c.retries.Load(), CacheHits: c.hits.Load()}
}

// Do sends req, retrying transport errors and 408/429/5xx answers with
// backoff. It returns the last response when it is not retryable or the
// attempts are spent, and an error only when no response came. The body
// is watched: if no byte arrives for IdleTimeout the request is cancelled
// and the read fails with ErrIdle.
func (c *Client) Do(ctx context.Context, req Request, st *counters) (*http.Response, error) {
	if st == nil {
		st = new(counters)
	}
	var lastErr error
	n := c.Retry.attempts()
	for attempt := 1; ; attempt++ {
		resp, err := c.once(ctx, req, st)
		switch {
		case err == nil && !retryable(resp.StatusCode):
			return resp, nil
		case err == nil && attempt >= n:
			return resp, nil
		case err != nil && (ctx.Err() != nil || attempt >= n):
			if lastErr != nil && ctx.Err() == nil {
				err = fmt.Errorf("%w (after %d attempts)", err, attempt)
			}
			return nil, err
		}
		lastErr = err
		wait := c.Retry.backoff(attempt, resp)
		if resp != nil {
			drain(resp.Body)
		}
		st.retries.Add(1)
		if err := c.Retry.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

func (c *Client) once(ctx context.Context, req Request, st *counters) (*http.Response, error) {
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	rctx, cancel := context.WithCancel(ctx)
	hr, err := http.NewRequestWithContext(rctx, method, req.URL, nil)
	if err != nil {
		cancel()
		return nil, err
	}
	for k, v := range req.Header {
		hr.Header[k] = v
	}
	if c.UserAgent != "" && hr.Header.Get("User-Agent") == "" {
		hr.Header.Set("User-Agent", c.UserAgent)
	}
	st.requests.Add(1)
	c.Progress.AddRequest()
	resp, err := c.HTTP.Do(hr)
	if err != nil {
		cancel()
		return nil, err
	}
	idle := c.IdleTimeout
	if idle <= 0 {
		idle = DefaultIdleTimeout
	}
	resp.Body = newIdleBody(resp.Body, idle, cancel, st, c.Progress)
	return resp, nil
}

// ErrIdle is the error of a body read that stalled past the idle timeout.
var ErrIdle = errors.New("no data received within the idle timeout")

// idleBody cancels its request when no byte arrives for d, and counts
// the bytes that do.
type idleBody struct {
	rc     io.ReadCloser
	d      time.Duration
	t      *time.Timer
	fired  atomic.Bool
	cancel context.CancelFunc
	st     *counters
	p      *source.Progress
	once   sync.Once
}

func newIdleBody(rc io.ReadCloser, d time.Duration, cancel context.CancelFunc, st *counters, p *source.Progress) *idleBody {
	b := &idleBody{rc: rc, d: d, cancel: cancel, st: st, p: p}
	b.t = time.AfterFunc(d, func() { b.fired.Store(true); cancel() })
	return b
}

func (b *idleBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if n > 0 {
		b.t.Reset(b.d)
		b.st.bytes.Add(int64(n))
		b.p.AddBytes(int64(n))
	}
	if err != nil && err != io.EOF && b.fired.Load() {
		err = ErrIdle
	}
	return n, err
}

func (b *idleBody) Close() error {
	err := b.rc.Close()
	b.once.Do(func() { b.t.Stop(); b.cancel() })
	return err
}

// drain discards a little of an unwanted body so the connection can be
// reused, then closes it.
func drain(rc io.ReadCloser) {
	io.CopyN(io.Discard, rc, 4<<10)
	rc.Close()
}
