package rangeio_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/source/rangeio"
)

// A server that answers ranges from data, with a hook to lie.
func rangeServer(t *testing.T, data []byte, lie func(w http.ResponseWriter, a, b int64) bool) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		var a, b int64
		fmt.Sscanf(r.Header.Get("Range"), "bytes=%d-%d", &a, &b)
		b = min(b, int64(len(data))-1)
		if lie != nil && lie(w, a, b) {
			return
		}
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", a, b, len(data)))
		w.WriteHeader(http.StatusPartialContent)
		w.Write(data[a : b+1])
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func data(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

func TestReadAtPolicy(t *testing.T) {
	d := data(1 << 20)
	srv, n := rangeServer(t, d, nil)
	f := rangeio.Open(context.Background(), rangeio.NewClient(), rangeio.Origin{URL: srv.URL}, rangeio.Options{Name: "x", Size: int64(len(d))})
	p := make([]byte, 100)
	_, err := f.ReadAt(p, 0)
	require.NoError(t, err)
	require.Equal(t, d[:100], p)
	require.Equal(t, int64(rangeio.Speculative), f.Stats().Bytes, "the first read takes the speculative block")
	_, err = f.ReadAt(p, 5000)
	require.NoError(t, err)
	require.Equal(t, int64(1), n.Load(), "served from memory")
	// A read past the block, not contiguous: exactly the missing bytes.
	_, err = f.ReadAt(p, 500_000)
	require.NoError(t, err)
	require.Equal(t, d[500_000:500_100], p)
	require.Equal(t, int64(rangeio.Speculative+100), f.Stats().Bytes)
	// The end of the file: a short read with io.EOF.
	got, err := f.ReadAt(make([]byte, 200), int64(len(d))-50)
	require.ErrorIs(t, err, io.EOF)
	require.Equal(t, 50, got)
	_, err = f.ReadAt(p, int64(len(d)))
	require.ErrorIs(t, err, io.EOF)
	require.NoError(t, f.Close())
}

func TestBadRangeAnswers(t *testing.T) {
	d := data(300_000)
	for name, lie := range map[string]func(w http.ResponseWriter, a, b int64) bool{
		"wrong start": func(w http.ResponseWriter, a, b int64) bool {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", a+1, b, len(d)))
			w.WriteHeader(206)
			w.Write(d[a+1 : b+1])
			return true
		},
		"wrong total": func(w http.ResponseWriter, a, b int64) bool {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", a, b, len(d)+1))
			w.WriteHeader(206)
			w.Write(d[a : b+1])
			return true
		},
		"garbage": func(w http.ResponseWriter, a, b int64) bool {
			w.Header().Set("Content-Range", "lines 1-2")
			w.WriteHeader(206)
			return true
		},
		"416": func(w http.ResponseWriter, a, b int64) bool {
			w.WriteHeader(416)
			return true
		},
	} {
		t.Run(name, func(t *testing.T) {
			srv, _ := rangeServer(t, d, lie)
			f := rangeio.Open(context.Background(), rangeio.NewClient(), rangeio.Origin{URL: srv.URL}, rangeio.Options{Name: "x", Size: int64(len(d))})
			_, err := f.ReadAt(make([]byte, 10), 0)
			require.ErrorIs(t, err, rangeio.ErrRange)
		})
	}
}

// A 404 is final: one request, a StatusError with the server's words
// escaped.
func TestNoRetryOn4xx(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.Error(w, "gone \x1b[2J away", 404)
	}))
	defer srv.Close()
	f := rangeio.Open(context.Background(), rangeio.NewClient(), rangeio.Origin{URL: srv.URL}, rangeio.Options{Name: "x", Size: 10})
	_, err := f.ReadAt(make([]byte, 4), 0)
	var se *rangeio.StatusError
	require.ErrorAs(t, err, &se)
	require.Equal(t, 404, se.Status)
	require.NotContains(t, err.Error(), "\x1b")
	require.Equal(t, int64(1), n.Load())
}

// Unknown size: the first answer's Content-Range total sets it.
func TestUnknownSize(t *testing.T) {
	d := data(5000)
	srv, _ := rangeServer(t, d, nil)
	f := rangeio.Open(context.Background(), rangeio.NewClient(), rangeio.Origin{URL: srv.URL}, rangeio.Options{Name: "x", Size: -1})
	require.NoError(t, f.Prefetch())
	require.Equal(t, int64(5000), f.Size())
	p := make([]byte, 5000)
	_, err := f.ReadAt(p, 0)
	require.NoError(t, err)
	require.Equal(t, d, p)
}

// Offline with nothing cached: an error, no request.
func TestOfflineMiss(t *testing.T) {
	srv, n := rangeServer(t, data(10), nil)
	f := rangeio.Open(context.Background(), rangeio.NewClient(), rangeio.Origin{URL: srv.URL}, rangeio.Options{Name: "x", Size: 10, Offline: true})
	_, err := f.ReadAt(make([]byte, 4), 0)
	require.ErrorIs(t, err, rangeio.ErrOffline)
	require.Zero(t, n.Load())
}
