package hf

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/tensorcount/tensorcount/source/rangeio"
)

// Kinds of Hub errors, matched with errors.Is.
var (
	ErrRepoNotFound     = errors.New("repository not found")
	ErrGated            = errors.New("gated repository")
	ErrUnauthorized     = errors.New("not authorized")
	ErrEntryNotFound    = errors.New("file not found in the repository")
	ErrRevisionNotFound = errors.New("revision not found")
	ErrOffline          = errors.New("offline and not cached")
)

// An Error is an answer of the Hub that ends an operation. It names the
// repository, revision and file, and says what to do.
type Error struct {
	Kind     error // one of the Err… values, or nil for another status
	Endpoint string
	Repo     string
	Revision string
	File     string
	Status   int
	// ServerMsg is the server's own words, escaped and cut.
	ServerMsg string
}

func (e *Error) Is(target error) bool { return e.Kind != nil && target == e.Kind }

func (e *Error) Error() string {
	where := "hf://" + e.Repo
	if e.Revision != "" {
		where += "@" + e.Revision
	}
	if e.File != "" {
		where += "/" + e.File
	}
	where = rangeio.Escape(where)
	var s string
	switch e.Kind {
	case ErrRepoNotFound:
		s = where + ": repository not found; check the name, or if it is private set HF_TOKEN to a token that can read it"
	case ErrGated:
		s = fmt.Sprintf("%s: the repository is gated: accept the terms at %s/%s, then set HF_TOKEN", where, e.Endpoint, e.Repo)
	case ErrUnauthorized:
		s = where + ": not authorized; set HF_TOKEN to a token that can read this repository"
	case ErrEntryNotFound:
		s = where + ": no such file at this revision; list the repository to see its files"
	case ErrRevisionNotFound:
		s = where + ": no such revision (branch, tag or commit)"
	case ErrOffline:
		s = where + ": offline (HF_HUB_OFFLINE=1) and not in the cache; run once online first"
	default:
		s = fmt.Sprintf("%s: the Hub answered %d %s", where, e.Status, http.StatusText(e.Status))
	}
	if e.ServerMsg != "" {
		s += " (server: " + e.ServerMsg + ")"
	}
	return s
}

// classify turns an error answer into an *Error from its X-Error-Code
// and status. The body is not read: X-Error-Message says as much.
func classify(resp *http.Response, e Error) error {
	e.Status = resp.StatusCode
	e.ServerMsg = rangeio.Escape(strings.TrimSpace(resp.Header.Get("X-Error-Message")))
	switch resp.Header.Get("X-Error-Code") {
	case "RepoNotFound":
		e.Kind = ErrRepoNotFound
	case "GatedRepo":
		e.Kind = ErrGated
	case "EntryNotFound":
		e.Kind = ErrEntryNotFound
	case "RevisionNotFound":
		e.Kind = ErrRevisionNotFound
	default:
		switch resp.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			e.Kind = ErrUnauthorized
		case http.StatusRequestedRangeNotSatisfiable:
			return fmt.Errorf("%s: %w: 416 Range Not Satisfiable", e.Repo+"/"+e.File, rangeio.ErrRange)
		}
	}
	return &e
}
