package model

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/internal/fsroot"
)

// hfSnapshot resolves a Hugging Face cache entry (models--org--name, with
// blobs/, refs/ and snapshots/) to the snapshot directory refs/main points
// at. It returns "" for any other directory. The entry is read through a
// Root on it, so that refs/main is read bounded (format.MaxRefBytes) and
// neither it nor a snapshot may be a link out of the entry.
func hfSnapshot(dir string, opt Options) (snapshot, note string, err error) {
	snaps := filepath.Join(dir, "snapshots")
	if fi, err := os.Stat(snaps); err != nil || !fi.IsDir() {
		return "", "", nil
	}
	if _, err := os.Stat(filepath.Join(dir, "refs")); err != nil {
		return "", "", nil
	}
	root, err := fsroot.Open(dir, fsroot.Options{FollowLinks: opt.FollowLinks})
	if err != nil {
		return "", "", err
	}
	defer root.Close()
	ref, err := root.ReadSmall(filepath.Join("refs", "main"), format.SmallRef)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", "", err
	}
	if err == nil {
		rev := strings.TrimSpace(string(ref))
		// refs/main is a commit hash; anything else (a path, say) is not
		// followed, and its bytes are not shown.
		if !isRevision(rev) {
			return "", "", pathErrorf(ErrNoWeights, dir, "refs/main does not hold a revision")
		}
		if err := snapshotDir(root, rev); err != nil {
			return "", "", err
		}
		return filepath.Join(snaps, rev), fmt.Sprintf("Hugging Face cache entry: snapshot %s (refs/main)", short(rev)), nil
	}
	entries, err := root.ReadDir("snapshots")
	if err != nil {
		return "", "", err
	}
	var revs []string
	for _, e := range entries {
		if fi, err := root.Stat(filepath.Join("snapshots", e.Name())); err == nil && fi.IsDir() {
			revs = append(revs, e.Name())
		}
	}
	switch len(revs) {
	case 0:
		return "", "", pathErrorf(ErrNoWeights, dir, "Hugging Face cache entry with no snapshots")
	case 1:
		return filepath.Join(snaps, revs[0]), fmt.Sprintf("Hugging Face cache entry: snapshot %s (the only one; no refs/main)", short(revs[0])), nil
	}
	return "", "", pathErrorf(ErrSeveralModels, dir, "no refs/main and %d snapshots (%s); pass the snapshot directory", len(revs), fewNames(revs))
}

// isRevision reports whether rev may name a snapshot: a short run of
// letters, digits, '-', '_' and '.', not "." or "..".
func isRevision(rev string) bool {
	if rev == "" || rev == "." || rev == ".." || len(rev) > 128 {
		return false
	}
	for _, c := range rev {
		ok := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_' || c == '.'
		if !ok {
			return false
		}
	}
	return true
}

// snapshotDir checks that snapshots/rev is a directory the link rule
// allows.
func snapshotDir(root *fsroot.Root, rev string) error {
	rel := filepath.Join("snapshots", rev)
	fi, err := root.Stat(rel)
	if errors.Is(err, fs.ErrNotExist) {
		return pathErrorf(ErrNoWeights, root.Dir(), "refs/main names snapshot %s, which is not in snapshots/", rev)
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return pathErrorf(ErrNoWeights, root.Dir(), "refs/main names snapshot %s, which is not a directory", rev)
	}
	return nil
}

func short(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}
