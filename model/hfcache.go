package model

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// hfSnapshot resolves a Hugging Face cache entry (models--org--name, with
// blobs/, refs/ and snapshots/) to the snapshot directory refs/main points
// at. It returns "" for any other directory.
func hfSnapshot(dir string) (snapshot, note string, err error) {
	snaps := filepath.Join(dir, "snapshots")
	if fi, err := os.Stat(snaps); err != nil || !fi.IsDir() {
		return "", "", nil
	}
	if _, err := os.Stat(filepath.Join(dir, "refs")); err != nil {
		return "", "", nil
	}
	ref, err := os.ReadFile(filepath.Join(dir, "refs", "main"))
	if err == nil {
		rev := strings.TrimSpace(string(ref))
		// refs/main is a commit hash; anything else (a path, say) is not
		// followed.
		if rev == "" || strings.ContainsAny(rev, `/\`) || rev == "." || rev == ".." || len(rev) > 128 {
			return "", "", fmt.Errorf("%s: refs/main holds %q, not a revision", dir, cut(rev))
		}
		s := filepath.Join(snaps, rev)
		if _, err := os.Stat(s); err != nil {
			return "", "", fmt.Errorf("%s: refs/main names snapshot %s, which is not in snapshots/", dir, rev)
		}
		return s, fmt.Sprintf("Hugging Face cache entry: snapshot %s (refs/main)", short(rev)), nil
	}
	entries, err := os.ReadDir(snaps)
	if err != nil {
		return "", "", err
	}
	var revs []string
	for _, e := range entries {
		if isDirEntry(snaps, e) {
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

func short(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}
