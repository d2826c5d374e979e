//go:build unix

package audit

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/model"
)

func cardClaims(cs []Claim) []Claim {
	var out []Claim
	for _, c := range cs {
		if strings.HasPrefix(c.Source, "README.md") {
			out = append(out, c)
		}
	}
	return out
}

func TestCardFIFO(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "plain")
	writeST(t, filepath.Join(dir, "model.safetensors"), "a")
	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "README.md"), 0o644))
	done := make(chan []Claim, 1)
	go func() {
		m, err := model.Load(dir)
		if err != nil {
			done <- nil
			return
		}
		done <- Find(m)
	}()
	select {
	case cs := <-done:
		require.Empty(t, cardClaims(cs))
	case <-time.After(10 * time.Second):
		t.Fatal("Find has not returned after 10 s with a named pipe for README.md")
	}
}

func TestCardOverLimit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "plain")
	writeST(t, filepath.Join(dir, "model.safetensors"), "a")
	writeFile(t, filepath.Join(dir, "README.md"), "Parameters: 7B\n"+strings.Repeat("x", 1<<20))
	m, err := model.Load(dir)
	require.NoError(t, err)
	require.Empty(t, cardClaims(Find(m)))

	writeFile(t, filepath.Join(dir, "README.md"), "Parameters: 7B\n")
	require.NotEmpty(t, cardClaims(Find(m)))
}

func TestCardLinkOutside(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "plain")
	writeST(t, filepath.Join(dir, "model.safetensors"), "a")
	other := filepath.Join(t.TempDir(), "card.md")
	writeFile(t, other, "Parameters: 7B\n")
	require.NoError(t, os.Symlink(other, filepath.Join(dir, "README.md")))
	m, err := model.Load(dir)
	require.NoError(t, err)
	require.Empty(t, cardClaims(Find(m)))
}
