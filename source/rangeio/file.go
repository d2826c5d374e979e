package rangeio

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/tensorcount/tensorcount/source"
)

// Speculative is the first read's size: a little over 100 kB plus the
// safetensors length prefix, so that a header of up to 102,400 bytes
// comes in one request (huggingface_hub's 100,000-byte range cuts headers
// of 99,994 to 100,000 bytes; huggingface_hub#4602).
const Speculative = 8 + 100<<10

// DefaultMaxKeep bounds the bytes one File keeps in memory. Headers are
// far smaller; a GGUF with a 256k vocabulary has a header of a few MB.
const DefaultMaxKeep = 128 << 20

// An Origin is where a file is first asked for. Header (a token) goes
// only to the origin's host, never to a host a redirect points at.
type Origin struct {
	URL    string
	Header http.Header
}

// Options configure a File.
type Options struct {
	// Name is the file's name in errors ("org/name/model.safetensors").
	Name string
	// Size is the file's length; -1 when unknown, in which case the first
	// response's Content-Range total sets it.
	Size int64
	// ETag is the expected version (an LFS sha256, a digest); "" accepts
	// the first one seen. Either way, every later answer must agree.
	ETag string
	// Speculative sizes the first read at offset 0 (default Speculative).
	Speculative int64
	// MaxKeep bounds the bytes kept in memory (default DefaultMaxKeep).
	MaxKeep int64
	// Cache, when set, keeps fetched ranges between runs under CacheKey,
	// which must name the file's exact version (repo, commit, path, ETag).
	Cache    *Cache
	CacheKey string
	// Offline forbids requests: only cached bytes can be read.
	Offline bool
	// Commit, when set, must equal any X-Repo-Commit the origin sends.
	Commit string
	// Check turns an origin's answer that is neither a redirect nor
	// 200/206/416 into an error (the Hub's X-Error-Code); nil, and any
	// other host's answer, give a StatusError naming the host.
	Check func(name string, resp *http.Response) error
}

// A File reads a remote file by range. It is safe for concurrent use;
// reads are serialised, which is what a header parse does anyway.
type File struct {
	c   *Client
	org Origin
	opt Options

	mu       sync.Mutex
	ctx      context.Context
	size     int64
	spans    spans
	loaded   bool  // disk cache consulted
	dirty    bool  // fetched bytes not yet stored
	fetched  int64 // bytes fetched so far
	lastEnd  int64 // end of the last fetch, -1 before the first
	location *url.URL
	etag     string // first ETag seen from the origin (or expected)
	cdnETag  string // first ETag seen from a redirect target
	noRange  bool   // the server answered a range with 200
	used     int64  // end of the furthest read
	// headerEnd is 8+N when the first bytes look like a safetensors
	// length prefix and JSON; read-ahead stops there.
	headerEnd int64
	st        counters
	closed    bool
}

// Open returns a File; no request is made until a read needs bytes that
// neither memory nor the cache holds. ctx bounds every later request.
func Open(ctx context.Context, c *Client, org Origin, opt Options) *File {
	if opt.Speculative <= 0 {
		opt.Speculative = Speculative
	}
	if opt.MaxKeep <= 0 {
		opt.MaxKeep = DefaultMaxKeep
	}
	c.Progress.Opened()
	return &File{c: c, org: org, opt: opt, ctx: ctx, size: opt.Size, lastEnd: -1, etag: normETag(opt.ETag)}
}

// Size returns the file's length (-1 while unknown).
func (f *File) Size() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.size
}

// ETag returns the version the reads saw ("" before any answer).
func (f *File) ETag() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.etag
}

// Stats returns what the reads cost so far.
func (f *File) Stats() source.Stats { return f.st.stats() }

// Close stores newly fetched ranges in the cache.
func (f *File) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil
	}
	f.closed = true
	f.c.Progress.Done()
	return f.flush()
}

func (f *File) flush() error {
	if !f.dirty || f.opt.Cache == nil || f.opt.CacheKey == "" {
		return nil
	}
	f.dirty = false
	return f.opt.Cache.PutRanges(f.opt.CacheKey, f.size, f.etag, &f.spans, f.used)
}

// Prefetch makes the first, speculative read (learning the size when it
// was unknown) if nothing is held yet.
func (f *File) Prefetch() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.loadCache()
	if len(f.spans.s) > 0 {
		return nil
	}
	return f.fetch(0, f.opt.Speculative)
}

func (f *File) loadCache() {
	if f.loaded {
		return
	}
	f.loaded = true
	if f.opt.Cache == nil || f.opt.CacheKey == "" {
		return
	}
	size, etag, ss, ok := f.opt.Cache.GetRanges(f.opt.CacheKey)
	if !ok || (f.size >= 0 && size != f.size) || (f.etag != "" && etag != f.etag) {
		return
	}
	f.size, f.etag, f.spans = size, etag, *ss
}

// ReadAt reads len(p) bytes at off. A read that reaches the end of the
// file returns the bytes there and io.EOF.
func (f *File) ReadAt(p []byte, off int64) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if off < 0 {
		return 0, &FileError{f.opt.Name, errors.New("negative offset")}
	}
	f.loadCache()
	if f.size < 0 {
		if err := f.fetch(0, max(f.opt.Speculative, off+int64(len(p)))); err != nil {
			return 0, err
		}
	}
	if off >= f.size {
		return 0, io.EOF
	}
	end := min(off+int64(len(p)), f.size)
	want := p[:end-off]
	f.used = max(f.used, end)
	if f.spans.read(want, off) {
		f.st.hits.Add(1)
		return f.eof(len(want), len(p))
	}
	lo, hi := f.spans.gap(off, end)
	switch {
	case f.lastEnd < 0 && len(f.spans.s) == 0 && lo < f.opt.Speculative:
		// The first read: take the speculative block with it.
		lo, hi = min(lo, 0), max(hi, f.opt.Speculative)
	case lo == f.lastEnd:
		// Reading on forward (a windowed reader walking a GGUF
		// header): fetch ahead by a speculative block or a tenth of
		// what was fetched, whichever is more, so the window grows
		// geometrically while the overshoot past the end of a header
		// stays within 10% of it (or one block). A safetensors file
		// says where its header ends; nothing past that is fetched
		// ahead, so the rest of its header comes exactly.
		ahead := lo + max(f.opt.Speculative, f.fetched/10)
		if f.headerEnd > 0 && hi <= f.headerEnd {
			ahead = min(ahead, f.headerEnd)
		}
		if f.noRange {
			// Every request resends the file from byte 0: double.
			ahead = max(ahead, 2*lo)
		}
		hi = max(hi, ahead)
	}
	if err := f.fetch(lo, hi); err != nil {
		return 0, err
	}
	if !f.spans.read(want, off) {
		return 0, &FileError{f.opt.Name, fmt.Errorf("bytes %d-%d not held after fetching them (memory bound %d bytes)", off, end-1, f.opt.MaxKeep)}
	}
	return f.eof(len(want), len(p))
}

func (f *File) eof(n, asked int) (int, error) {
	if n < asked {
		return n, io.EOF
	}
	return n, nil
}

// fetch gets [lo, hi) (clipped to the size) and keeps it.
func (f *File) fetch(lo, hi int64) error {
	if f.size >= 0 {
		hi = min(hi, f.size)
	}
	if lo >= hi && f.size >= 0 {
		return nil
	}
	if f.opt.Offline {
		return &FileError{f.opt.Name, ErrOffline}
	}
	data, err := f.get(lo, hi)
	if err != nil {
		return &FileError{f.opt.Name, err}
	}
	f.fetched += int64(len(data))
	f.lastEnd = lo + int64(len(data))
	if lo == 0 && len(data) >= 9 && data[8] == '{' {
		if n := binary.LittleEndian.Uint64(data); n < uint64(max(f.size, 0)) {
			f.headerEnd = 8 + int64(n)
		}
	}
	if f.spans.bytes+int64(len(data)) <= f.opt.MaxKeep {
		f.spans.add(lo, data)
		f.dirty = true
	} else {
		// Over the bound: keep only this read's bytes.
		f.spans = spans{}
		f.spans.add(lo, data)
	}
	return nil
}

// ErrOffline is the error of a read that needs the network when it is
// forbidden (HF_HUB_OFFLINE=1) and the cache does not hold the bytes.
var ErrOffline = errors.New("not in the cache, and offline mode forbids fetching it")

const maxRedirects = 5

// maxRounds bounds the requests of one fetch, however a server splits
// its answers.
const maxRounds = 256

// get fetches bytes [lo, hi) with as few requests as the server allows:
// it follows redirects itself (remembering the target for later reads),
// resumes a body cut short from the next byte, and goes back to the
// origin once when a redirect target refuses (an expired signed URL).
func (f *File) get(lo, hi int64) ([]byte, error) {
	buf := make([]byte, 0, max(hi-lo, 0))
	pos := lo
	redirects, refreshes, resumes := 0, 0, 0
	for round := 0; f.size < 0 || pos < hi; round++ {
		if round >= maxRounds {
			return nil, fmt.Errorf("%w: still %d bytes short after %d requests", ErrRange, hi-pos, round)
		}
		target := f.location
		atOrigin := target == nil
		if atOrigin {
			u, err := url.Parse(f.org.URL)
			if err != nil {
				return nil, err
			}
			target = u
		}
		h := http.Header{}
		if atOrigin || sameHost(target, f.org.URL) {
			for k, v := range f.org.Header {
				h[k] = v
			}
		}
		h.Set("Range", fmt.Sprintf("bytes=%d-%d", pos, hi-1))
		resp, err := f.c.Do(f.ctx, Request{URL: target.String(), Header: h}, &f.st)
		if err != nil {
			return nil, err
		}
		switch {
		case isRedirect(resp.StatusCode):
			loc, err := f.redirect(resp, target)
			drain(resp.Body)
			if err != nil {
				return nil, err
			}
			if redirects++; redirects > maxRedirects {
				return nil, fmt.Errorf("more than %d redirects", maxRedirects)
			}
			f.location = loc
			continue
		case resp.StatusCode == http.StatusPartialContent:
			end, err := f.contentRange(resp, pos, hi)
			if err != nil {
				drain(resp.Body)
				return nil, err
			}
			if err := f.checkETag(resp, atOrigin); err != nil {
				drain(resp.Body)
				return nil, err
			}
			if f.size >= 0 {
				hi = min(hi, f.size)
			}
			want := end + 1 - pos
			n, rerr := readInto(resp.Body, &buf, want)
			resp.Body.Close()
			pos += n
			if n < want {
				// Cut short: go on from the next byte.
				if resumes++; resumes >= f.c.Retry.attempts() {
					return nil, fmt.Errorf("body cut short at byte %d: %w", pos, orEOF(rerr))
				}
				f.st.retries.Add(1)
			}
			// A server may also answer with less than asked (a capped
			// range); the loop asks for the rest.
		case resp.StatusCode == http.StatusOK:
			// The server ignores Range: read only as far as needed and
			// close the connection.
			if err := f.checkETag(resp, atOrigin); err != nil {
				drain(resp.Body)
				return nil, err
			}
			f.noRange = true
			if f.size < 0 {
				if resp.ContentLength < 0 {
					resp.Body.Close()
					return nil, fmt.Errorf("%w: the server ignores Range and sends no length", ErrRange)
				}
				f.size = resp.ContentLength
				hi = min(hi, f.size)
			} else if resp.ContentLength >= 0 && resp.ContentLength != f.size {
				resp.Body.Close()
				return nil, fmt.Errorf("%w: the whole file is %d bytes, expected %d", ErrRange, resp.ContentLength, f.size)
			}
			if _, err := io.CopyN(io.Discard, resp.Body, pos); err != nil {
				resp.Body.Close()
				return nil, fmt.Errorf("body cut short before byte %d: %w", pos, err)
			}
			n, rerr := readInto(resp.Body, &buf, hi-pos)
			resp.Body.Close() // unread rest: net/http closes the connection
			pos += n
			if pos < hi {
				if resumes++; resumes >= f.c.Retry.attempts() {
					return nil, fmt.Errorf("body cut short at byte %d: %w", pos, orEOF(rerr))
				}
				f.st.retries.Add(1)
				continue
			}
			return buf, nil
		case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable:
			drain(resp.Body)
			return nil, fmt.Errorf("%w: %s answered 416 to bytes %d-%d (the file is shorter than the listing says?)", ErrRange, target.Host, pos, hi-1)
		case !atOrigin && (resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusGone) && refreshes < 2:
			// An expired signed URL: ask the origin again.
			drain(resp.Body)
			refreshes++
			f.location = nil
			continue
		default:
			defer drain(resp.Body)
			if f.opt.Check != nil && (atOrigin || sameHost(target, f.org.URL)) {
				if err := f.opt.Check(f.opt.Name, resp); err != nil {
					return nil, err
				}
			}
			return nil, &StatusError{Name: f.opt.Name, Host: target.Host, Status: resp.StatusCode, Msg: bodyText(resp)}
		}
	}
	return buf, nil
}

func orEOF(err error) error {
	if err == nil {
		return io.ErrUnexpectedEOF
	}
	return err
}

// readInto appends up to n bytes of r to *buf, returning how many came.
func readInto(r io.Reader, buf *[]byte, n int64) (int64, error) {
	b := *buf
	start := len(b)
	if int64(cap(b)-start) < n {
		nb := make([]byte, start, int64(start)+n)
		copy(nb, b)
		b = nb
	}
	b = b[:int64(start)+n]
	got, err := io.ReadFull(r, b[start:])
	*buf = b[:start+got]
	return int64(got), err
}

func isRedirect(code int) bool {
	switch code {
	case 301, 302, 303, 307, 308:
		return true
	}
	return false
}

func sameHost(u *url.URL, origin string) bool {
	o, err := url.Parse(origin)
	return err == nil && strings.EqualFold(o.Host, u.Host) && o.Scheme == u.Scheme
}
