package source

import (
	"fmt"
	"net/url"
	"os"
	"path"
	"regexp"
	"strings"
	"sync"
)

// A Kind says where a Spec points.
type Kind int

const (
	KindLocal  Kind = iota // a path on disk: the caller's business
	KindHub                // a Hugging Face Hub repository or one of its files
	KindURL                // a single http(s) URL
	KindOllama             // an Ollama model
)

func (k Kind) String() string {
	return [...]string{"local", "hub", "url", "ollama"}[k]
}

// A Spec is a parsed SOURCE argument.
type Spec struct {
	Kind Kind
	Arg  string // as given

	// Hub: Repo is "org/name" (or "name"), Revision "" for the default
	// branch, Path a file or folder inside the repository ("" for the
	// whole repository) and File true when Path names one file.
	Repo     string
	Revision string
	Path     string
	File     bool

	// URL: the address, unchanged.
	URL string

	// Ollama: Host "" for the default registry.
	Ollama OllamaRef
}

// An OllamaRef names an Ollama model: [host/][namespace/]name[:tag].
type OllamaRef struct {
	Host, Namespace, Name, Tag string
}

// DefaultOllamaHost is the registry host Ollama names models under.
const DefaultOllamaHost = "registry.ollama.ai"

func (r OllamaRef) String() string {
	return "ollama://" + r.Host + "/" + r.Namespace + "/" + r.Name + ":" + r.Tag
}

// IsRemote reports whether the spec reads over the network.
func (s Spec) IsRemote() bool { return s.Kind != KindLocal }

// String returns the canonical form: hf://org/name[@rev][/path], the URL,
// ollama://host/ns/name:tag, or the local path.
func (s Spec) String() string {
	switch s.Kind {
	case KindHub:
		out := "hf://" + s.Repo
		if s.Revision != "" {
			out += "@" + s.Revision
		}
		if s.Path != "" {
			out += "/" + s.Path
		}
		return out
	case KindURL:
		return s.URL
	case KindOllama:
		return s.Ollama.String()
	}
	return s.Arg
}

// Getenv reads the environment; tests may replace it.
var Getenv = os.Getenv

// DefaultEndpoint is the Hub's address when HF_ENDPOINT is not set.
const DefaultEndpoint = "https://huggingface.co"

// Endpoint returns HF_ENDPOINT without a trailing slash, or the default.
func Endpoint() string {
	if e := strings.TrimRight(Getenv("HF_ENDPOINT"), "/"); e != "" {
		return e
	}
	return DefaultEndpoint
}

var (
	repoPart = lazyRegexp(`^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$`)
	tagPart  = lazyRegexp(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$`)
)

// weightOrIndex reports whether a path in a repository names a file the
// loader reads on its own, rather than a folder.
func weightOrIndex(p string) bool {
	base := path.Base(p)
	for _, ext := range []string{".safetensors", ".gguf", ".json", ".bin", ".pt", ".pth"} {
		if strings.HasSuffix(base, ext) {
			return true
		}
	}
	return false
}

// Parse recognises a SOURCE argument:
//
//	hf://org/name[@rev][/path/in/repo]
//	https://huggingface.co/org/name[/tree/REV[/sub] | /blob/REV/F | /resolve/REV/F]
//	  (also hf.co and HF_ENDPOINT's host)
//	http(s)://… any other URL, to a .safetensors, .gguf or index file
//	ollama://[host/][ns/]name[:tag]
//
// Anything else is KindLocal. A revision holding slashes (refs/pr/1) is
// written URL-escaped in Hub URLs and as is after @, where refs/pr/N is
// recognised.
func Parse(arg string) (Spec, error) {
	switch {
	case strings.HasPrefix(arg, "hf://"):
		return parseHF(arg)
	case strings.HasPrefix(arg, "ollama://"):
		return parseOllama(arg)
	case strings.HasPrefix(arg, "https://"), strings.HasPrefix(arg, "http://"):
		return parseURL(arg)
	}
	return Spec{Kind: KindLocal, Arg: arg}, nil
}

func bad(arg, why string) error {
	return fmt.Errorf("%s: %s", quoteArg(arg), why)
}

// quoteArg quotes an argument for a message only when it holds
// characters a terminal would act on.
func quoteArg(s string) string {
	if len(s) > 200 {
		return fmt.Sprintf("%q…", s[:200])
	}
	for _, c := range s {
		if c < ' ' || c == 0x7f {
			return fmt.Sprintf("%q", s)
		}
	}
	return s
}

func checkRepo(arg, repo string) error {
	parts := strings.Split(repo, "/")
	if len(parts) > 2 {
		return bad(arg, "a repository is org/name")
	}
	for _, p := range parts {
		if !repoPart().MatchString(p) || strings.Contains(p, "..") || strings.HasSuffix(p, ".") {
			return bad(arg, "not a valid repository name")
		}
	}
	return nil
}

func checkPath(arg, p string) error {
	if p == "" {
		return nil
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." || strings.ContainsAny(seg, "\\\x00") {
			return bad(arg, "not a valid path inside a repository")
		}
	}
	return nil
}

func checkRev(arg, rev string) error {
	if rev == "" || len(rev) > 256 || strings.Contains(rev, "..") || strings.ContainsAny(rev, " \\\x00\t\n~^:?*[") {
		return bad(arg, "not a valid revision")
	}
	return nil
}

func parseHF(arg string) (Spec, error) {
	rest := strings.TrimPrefix(arg, "hf://")
	rest = strings.TrimSuffix(rest, "/")
	s := Spec{Kind: KindHub, Arg: arg}
	// org/name is the first two segments; "@rev" may end the second.
	segs := strings.SplitN(rest, "/", 3)
	if len(segs) == 1 && segs[0] != "" && !strings.HasPrefix(segs[0], "@") {
		// A legacy name without an organisation (hf://gpt2); the Hub
		// redirects it.
		name, rev, hasRev := strings.Cut(segs[0], "@")
		s.Repo, s.Revision = name, rev
		if hasRev {
			if err := checkRev(arg, rev); err != nil {
				return s, err
			}
		}
		return s, checkRepo(arg, name)
	}
	if len(segs) < 2 || segs[0] == "" {
		return s, bad(arg, "expected hf://org/name[@rev][/path]")
	}
	org, name := segs[0], segs[1]
	var tail string
	if len(segs) == 3 {
		tail = segs[2]
	}
	if i := strings.IndexByte(org, '@'); i >= 0 {
		return s, bad(arg, "expected hf://org/name[@rev][/path]")
	}
	if i := strings.IndexByte(name, '@'); i >= 0 {
		s.Revision = name[i+1:]
		name = name[:i]
		// refs/pr/N and refs/convert/… carry slashes.
		if strings.HasPrefix(s.Revision, "refs") && tail != "" {
			more := strings.SplitN(tail, "/", 3)
			if len(more) >= 2 {
				s.Revision += "/" + more[0] + "/" + more[1]
				tail = ""
				if len(more) == 3 {
					tail = more[2]
				}
			}
		}
		if err := checkRev(arg, s.Revision); err != nil {
			return s, err
		}
	}
	s.Repo = org + "/" + name
	if err := checkRepo(arg, s.Repo); err != nil {
		return s, err
	}
	if err := checkPath(arg, tail); err != nil {
		return s, err
	}
	s.Path, s.File = tail, tail != "" && weightOrIndex(tail)
	return s, nil
}

// hubHosts returns the hosts whose URLs are Hub URLs.
func hubHosts() []string {
	hosts := []string{"huggingface.co", "hf.co"}
	if u, err := url.Parse(Endpoint()); err == nil && u.Host != "" {
		hosts = append(hosts, u.Host)
	}
	return hosts
}

func parseURL(arg string) (Spec, error) {
	u, err := url.Parse(arg)
	if err != nil || u.Host == "" {
		return Spec{}, bad(arg, "not a valid URL")
	}
	if u.User != nil {
		return Spec{}, bad(arg, "URLs with credentials are refused; set HF_TOKEN instead")
	}
	for _, h := range hubHosts() {
		if strings.EqualFold(u.Host, h) {
			if s, ok, err := parseHubURL(arg, u); ok || err != nil {
				return s, err
			}
		}
	}
	return Spec{Kind: KindURL, Arg: arg, URL: arg}, nil
}

// parseHubURL reads /org/name[/tree|blob|resolve/REV[/path]]. ok is false
// for Hub URLs that are not model pages (/api/…, /datasets/…), which are
// then fetched as plain URLs.
func parseHubURL(arg string, u *url.URL) (Spec, bool, error) {
	p := strings.Trim(u.EscapedPath(), "/")
	segs := strings.Split(p, "/")
	if len(segs) < 2 {
		return Spec{}, false, nil
	}
	switch segs[0] {
	case "api", "datasets", "spaces", "docs", "models":
		return Spec{}, false, nil
	}
	s := Spec{Kind: KindHub, Arg: arg, Repo: segs[0] + "/" + segs[1]}
	if err := checkRepo(arg, s.Repo); err != nil {
		return s, true, err
	}
	if len(segs) == 2 {
		return s, true, nil
	}
	if len(segs) < 4 {
		return s, true, bad(arg, "expected /org/name/tree/REV, /blob/REV/FILE or /resolve/REV/FILE")
	}
	mode := segs[2]
	rev, err := url.PathUnescape(segs[3])
	if err != nil {
		return s, true, bad(arg, "not a valid revision")
	}
	if err := checkRev(arg, rev); err != nil {
		return s, true, err
	}
	s.Revision = rev
	var rest []string
	for _, seg := range segs[4:] {
		v, err := url.PathUnescape(seg)
		if err != nil {
			return s, true, bad(arg, "not a valid path inside a repository")
		}
		rest = append(rest, v)
	}
	s.Path = strings.Join(rest, "/")
	if err := checkPath(arg, s.Path); err != nil {
		return s, true, err
	}
	switch mode {
	case "tree":
		s.File = false
	case "blob", "resolve":
		if s.Path == "" {
			return s, true, bad(arg, "names no file")
		}
		s.File = true
	default:
		return s, true, bad(arg, "expected /org/name/tree/REV, /blob/REV/FILE or /resolve/REV/FILE")
	}
	return s, true, nil
}

func parseOllama(arg string) (Spec, error) {
	rest := strings.TrimPrefix(arg, "ollama://")
	s := Spec{Kind: KindOllama, Arg: arg}
	ref := OllamaRef{Host: DefaultOllamaHost, Namespace: "library", Tag: "latest"}
	segs := strings.Split(rest, "/")
	last := segs[len(segs)-1]
	if i := strings.LastIndexByte(last, ':'); i >= 0 {
		ref.Tag = last[i+1:]
		last = last[:i]
	}
	segs[len(segs)-1] = last
	switch len(segs) {
	case 1:
		ref.Name = segs[0]
	case 2:
		if strings.ContainsAny(segs[0], ".:") || segs[0] == "localhost" {
			ref.Host, ref.Name = segs[0], segs[1]
		} else {
			ref.Namespace, ref.Name = segs[0], segs[1]
		}
	case 3:
		ref.Host, ref.Namespace, ref.Name = segs[0], segs[1], segs[2]
	default:
		return s, bad(arg, "expected ollama://[host/][namespace/]name[:tag]")
	}
	if !hostPart().MatchString(ref.Host) || !repoPart().MatchString(ref.Namespace) ||
		!repoPart().MatchString(ref.Name) || !tagPart().MatchString(ref.Tag) {
		return s, bad(arg, "expected ollama://[host/][namespace/]name[:tag]")
	}
	s.Ollama = ref
	return s, nil
}

var hostPart = lazyRegexp(`^[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?$`)

// lazyRegexp compiles expr on first use. The counted repetitions above
// compile to hundreds of instructions each: compiled at start, they were
// a quarter of the start-up of every run, remote or not.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
