package rangeio

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// The checks on a server's answers: what a redirect says about the file,
// ETags, the pinned commit, Content-Range.

// redirect reads a redirecting answer: the Hub's X-Linked-Size and
// X-Linked-Etag (or ETag) describe the file behind it.
func (f *File) redirect(resp *http.Response, from *url.URL) (*url.URL, error) {
	if err := f.checkCommit(resp); err != nil {
		return nil, err
	}
	if v := resp.Header.Get("X-Linked-Size"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err == nil && f.size >= 0 && n != f.size {
			return nil, fmt.Errorf("%w: the server now says %d bytes, the listing said %d", ErrChanged, n, f.size)
		}
		if err == nil && f.size < 0 {
			f.size = n
		}
	}
	tag := resp.Header.Get("X-Linked-Etag")
	if tag == "" {
		tag = resp.Header.Get("ETag")
	}
	if err := f.sawETag(&f.etag, tag); err != nil {
		return nil, err
	}
	loc := resp.Header.Get("Location")
	if loc == "" {
		return nil, fmt.Errorf("%s answered %d without a Location", from.Host, resp.StatusCode)
	}
	u, err := from.Parse(loc)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("%s redirected to an unusable address", from.Host)
	}
	if from.Scheme == "https" && u.Scheme == "http" {
		return nil, fmt.Errorf("%s redirected from https to http; refused", from.Host)
	}
	return u, nil
}

// checkCommit compares X-Repo-Commit with the pinned commit.
func (f *File) checkCommit(resp *http.Response) error {
	c := resp.Header.Get("X-Repo-Commit")
	if f.opt.Commit == "" || c == "" || c == f.opt.Commit {
		return nil
	}
	return fmt.Errorf("%w: the server answered for commit %s, not the pinned %s", ErrChanged, Escape(short(c)), short(f.opt.Commit))
}

func (f *File) checkETag(resp *http.Response, atOrigin bool) error {
	tag := resp.Header.Get("ETag")
	if atOrigin {
		if err := f.checkCommit(resp); err != nil {
			return err
		}
		if t := resp.Header.Get("X-Linked-Etag"); t != "" {
			tag = t
		}
		return f.sawETag(&f.etag, tag)
	}
	return f.sawETag(&f.cdnETag, tag)
}

func (f *File) sawETag(known *string, tag string) error {
	tag = normETag(tag)
	switch {
	case tag == "":
		return nil
	case *known == "":
		*known = tag
		return nil
	case *known != tag:
		return fmt.Errorf("%w (version %s, then %s); run again", ErrChanged, Escape(short(*known)), Escape(short(tag)))
	}
	return nil
}

func short(s string) string {
	if len(s) > 16 {
		return s[:16]
	}
	return s
}

func normETag(t string) string {
	t = strings.TrimSpace(t)
	t = strings.TrimPrefix(t, "W/")
	return strings.Trim(t, `"`)
}

// contentRange checks a 206 answer's Content-Range against the request:
// it must start where asked, end no later, and give the file's size.
func (f *File) contentRange(resp *http.Response, pos, hi int64) (end int64, err error) {
	v := resp.Header.Get("Content-Range")
	bad := func(why string) (int64, error) {
		return 0, fmt.Errorf("%w: Content-Range %s for bytes %d-%d: %s", ErrRange, Escape(v), pos, hi-1, why)
	}
	rest, ok := strings.CutPrefix(v, "bytes ")
	if !ok {
		return bad("not a byte range")
	}
	rng, total, ok := strings.Cut(rest, "/")
	a, b, ok2 := strings.Cut(rng, "-")
	if !ok || !ok2 {
		return bad("malformed")
	}
	start, e1 := strconv.ParseInt(a, 10, 64)
	end, e2 := strconv.ParseInt(b, 10, 64)
	n, e3 := strconv.ParseInt(total, 10, 64)
	switch {
	case e1 != nil || e2 != nil || e3 != nil || start < 0 || end < start:
		return bad("malformed")
	case start != pos:
		return bad("starts elsewhere")
	case end > hi-1:
		return bad("ends past what was asked")
	case f.size >= 0 && n != f.size:
		return bad(fmt.Sprintf("the file's size is %d", f.size))
	case end >= n:
		return bad("ends past the total")
	}
	if f.size < 0 {
		f.size = n
	}
	return end, nil
}

// bodyText returns the start of an error body, escaped.
func bodyText(resp *http.Response) string {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	s := strings.TrimSpace(string(b))
	if strings.HasPrefix(s, "{") {
		// {"error": "..."} is how the Hub words it.
		if i := strings.Index(s, `"error":"`); i >= 0 {
			s = s[i+9:]
			if j := strings.IndexByte(s, '"'); j >= 0 {
				s = s[:j]
			}
		}
	}
	if strings.HasPrefix(s, "<") {
		return "" // an HTML page says nothing useful
	}
	return Escape(s)
}
