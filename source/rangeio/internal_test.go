package rangeio

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestServerWait(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		h    http.Header
		want time.Duration
		ok   bool
	}{
		{http.Header{"Retry-After": {"7"}}, 7 * time.Second, true},
		{http.Header{"Retry-After": {now.Add(90 * time.Second).Format(http.TimeFormat)}}, 90 * time.Second, true},
		{http.Header{"Retry-After": {now.Add(-time.Hour).Format(http.TimeFormat)}}, 0, true},
		{http.Header{"Ratelimit": {`"api";r=0;t=12`}}, 12 * time.Second, true},
		{http.Header{"Ratelimit": {`"api";r=5;t=3, "resolvers";r=0;t=40`}}, 3 * time.Second, true},
		{http.Header{"Retry-After": {"soon"}}, 0, false},
		{http.Header{}, 0, false},
	} {
		got, ok := serverWait(tc.h, now)
		require.Equal(t, tc.ok, ok, tc.h)
		require.Equal(t, tc.want, got, tc.h)
	}
	p := Policy{Base: time.Second, MaxWait: 10 * time.Second}
	for n := 1; n < 30; n++ {
		d := p.backoff(n, nil)
		require.LessOrEqual(t, d, 10*time.Second)
		require.GreaterOrEqual(t, d, min(time.Second<<(n-1)/2, 10*time.Second))
	}
	require.True(t, retryable(503) && retryable(429) && retryable(408) && !retryable(404) && !retryable(401) && !retryable(416))
}

func TestSpans(t *testing.T) {
	var ss spans
	ss.add(10, []byte("abcde")) // 10-15
	ss.add(20, []byte("uvwxy")) // 20-25
	lo, hi := ss.gap(10, 25)
	require.Equal(t, [2]int64{15, 20}, [2]int64{lo, hi})
	lo, hi = ss.gap(0, 12)
	require.Equal(t, [2]int64{0, 10}, [2]int64{lo, hi})
	lo, hi = ss.gap(11, 14)
	require.Equal(t, lo, hi)
	ss.add(15, []byte("FGHIJ")) // joins both
	require.Len(t, ss.s, 1)
	p := make([]byte, 15)
	require.True(t, ss.read(p, 10))
	require.Equal(t, "abcdeFGHIJuvwxy", string(p))
	require.False(t, ss.read(make([]byte, 2), 24))
	ss.add(12, []byte("ZZ")) // overlap: new bytes win
	require.True(t, ss.read(p, 10))
	require.Equal(t, "abZZeFGHIJuvwxy", string(p))
	require.Equal(t, int64(15), ss.bytes)
}

func TestCache(t *testing.T) {
	c := &Cache{Dir: t.TempDir()}
	_, ok := c.Get("k")
	require.False(t, ok)
	require.NoError(t, c.Put("k", []byte("hello")))
	b, ok := c.Get("k")
	require.True(t, ok)
	require.Equal(t, "hello", string(b))

	var ss spans
	ss.add(0, bytes.Repeat([]byte{1}, 100))
	ss.add(500, bytes.Repeat([]byte{2}, 100))
	require.NoError(t, c.PutRanges("f", 1000, "etag", &ss, 550))
	size, etag, got, ok := c.GetRanges("f")
	require.True(t, ok)
	require.Equal(t, int64(1000), size)
	require.Equal(t, "etag", etag)
	require.Len(t, got.s, 2)
	require.Equal(t, int64(150), got.bytes, "only bytes up to the furthest read are kept")

	// A flipped byte, a truncated file, another key's file: misses.
	p := c.path("ranges\x00f")
	raw, err := os.ReadFile(p)
	require.NoError(t, err)
	for _, bad := range [][]byte{
		append(append([]byte(nil), raw[:40]...), append([]byte{raw[40] ^ 1}, raw[41:]...)...),
		raw[:len(raw)-3],
	} {
		require.NoError(t, os.WriteFile(p, bad, 0o644))
		_, _, _, ok = c.GetRanges("f")
		require.False(t, ok)
	}
	require.NoError(t, os.MkdirAll(filepath.Dir(c.path("other")), 0o755))
	require.NoError(t, os.WriteFile(c.path("other"), raw, 0o644))
	_, ok = c.Get("other")
	require.False(t, ok, "an entry must carry its own key")
	entries, _ := filepath.Glob(filepath.Join(c.Dir, "v1", "*", ".tmp-*"))
	require.Empty(t, entries, "no temporary files left behind")

	var nilCache *Cache
	_, ok = nilCache.Get("k")
	require.False(t, ok)
	require.NoError(t, nilCache.Put("k", nil))
}

func TestEscape(t *testing.T) {
	require.Equal(t, `a\x1b[31mb`, Escape("a\x1b[31mb"))
	require.Equal(t, `x\u202ey`, Escape("x\u202ey"))
	require.Equal(t, `\xff`, Escape("\xff"))
	long := Escape(string(bytes.Repeat([]byte("é"), 500)))
	require.LessOrEqual(t, len(long), MaxServerText+4)
}
