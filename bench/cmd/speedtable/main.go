// Command speedtable measures tensorcount against its peers and writes
// the Markdown speed table the README quotes (bench/SPEED.md):
//
//	cd bench && go run ./cmd/speedtable            # writes SPEED.md
//	cd bench && go run ./cmd/speedtable -dir /tmp/tcspeed -o /tmp/SPEED.md
//
// Every figure comes from a child process timed on its own: wall time
// around it, CPU time (user + system) and peak resident memory from the
// rusage wait4 returns for that child alone. The launcher itself stays
// small (the fixtures are written by a child too), because on Linux a
// child started by vfork reports at least the launcher's peak RSS as its
// own ru_maxrss; the table states that floor.
//
// The fixtures (a 256k-vocabulary GGUF header, GGUF and safetensors
// directories of 100,000 and 1,000,000 tensors, DeepSeek-V3's 163 shards,
// and files of real random data per scanned dtype) go to a temporary
// directory unless -dir keeps them. The whole run takes 2–4 minutes on a
// 2-core machine.
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	ggufparser "github.com/gpustack/gguf-parser-go"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/format/gguf"
	"github.com/tensorcount/tensorcount/format/safetensors"
	"github.com/tensorcount/tensorcount/scan"
)

func main() {
	if len(os.Args) > 2 && os.Args[1] == "-child" {
		if err := child(os.Args[2], os.Args[3:]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	out := flag.String("o", "SPEED.md", "the Markdown file to write")
	dir := flag.String("dir", "", "fixture directory, kept and reused (default: a temporary one, removed)")
	runs := flag.Int("runs", 5, "runs per measurement (the median is reported)")
	scanMiB := flag.Int("scan-mib", 512, "size of each scan file in MiB")
	readme := flag.String("readme", "../README.md", "the README whose speed section to rewrite (\"\" for none)")
	flag.Parse()
	if err := run(*out, *readme, *dir, *runs, *scanMiB); err != nil {
		fmt.Fprintln(os.Stderr, "speedtable:", err)
		os.Exit(1)
	}
}

// child runs one workload in this process, for the launcher to time.
func child(what string, args []string) error {
	var n int
	switch what {
	case "gen":
		mib, _ := strconv.Atoi(args[1])
		return generate(args[0], mib)
	case "gguf":
		f, err := gguf.Open(args[0])
		if err != nil {
			return err
		}
		n = len(f.FormatTensors(args[0]))
		f.Close()
	case "gguf-parser-go":
		f, err := ggufparser.ParseGGUFFile(args[0])
		if err != nil {
			return err
		}
		n = len(f.TensorInfos)
	case "gguf-parser-go-mmap-skip":
		f, err := ggufparser.ParseGGUFFile(args[0], ggufparser.UseMMap(), ggufparser.SkipLargeMetadata())
		if err != nil {
			return err
		}
		n = len(f.TensorInfos)
	case "safetensors":
		f, err := safetensors.Open(args[0])
		if err != nil {
			return err
		}
		n = len(f.Tensors)
		f.Close()
	case "safetensors-set":
		s, err := safetensors.OpenSet(filepath.Join(args[0], "model.safetensors.index.json"))
		if err != nil {
			return err
		}
		var params uint64
		for _, t := range s.Tensors() {
			params += t.Elements()
		}
		n = len(s.Tensors())
		s.Close()
		fmt.Println(params)
	case "scan":
		tensors, closeFile, err := openTensors(args[0])
		if err != nil {
			return err
		}
		defer closeFile()
		res, err := scan.Scan(context.Background(), tensors, scan.Options{})
		if err != nil {
			return err
		}
		n = res.Scanned
	default:
		return fmt.Errorf("unknown workload %q", what)
	}
	fmt.Println(n)
	return nil
}

func openTensors(path string) ([]format.Tensor, func(), error) {
	if strings.HasSuffix(path, ".gguf") {
		f, err := gguf.Open(path)
		if err != nil {
			return nil, nil, err
		}
		return f.FormatTensors(path), func() { f.Close() }, nil
	}
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, nil, err
	}
	return f.Tensors, func() { f.Close() }, nil
}

// A sample is one timed child process.
type sample struct {
	wall, cpu time.Duration
	rssKiB    int64
}

// measure runs argv as a child process, stdout to /dev/null unless
// capture, and returns its own rusage: the peak RSS (ru_maxrss, KiB) and
// user + system time of that child alone.
func measure(argv []string) (sample, error) {
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return sample{}, err
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return sample{}, err
	}
	defer null.Close()
	errf, err := os.CreateTemp("", "speedtable-stderr-")
	if err != nil {
		return sample{}, err
	}
	defer os.Remove(errf.Name())
	defer errf.Close()
	start := time.Now()
	pid, err := syscall.ForkExec(path, argv, &syscall.ProcAttr{Env: os.Environ(), Files: []uintptr{null.Fd(), null.Fd(), errf.Fd()}})
	if err != nil {
		return sample{}, err
	}
	var ws syscall.WaitStatus
	var ru syscall.Rusage
	for {
		_, err = syscall.Wait4(pid, &ws, 0, &ru)
		if err != syscall.EINTR {
			break
		}
	}
	wall := time.Since(start)
	if err != nil {
		return sample{}, err
	}
	if !ws.Exited() || ws.ExitStatus() != 0 {
		msg, _ := os.ReadFile(errf.Name())
		return sample{}, fmt.Errorf("%s: %v: %s", strings.Join(argv, " "), ws, msg)
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return sample{wall: wall, cpu: cpu, rssKiB: ru.Maxrss}, nil
}

// A result is the median of several samples (and the range of walls).
type result struct {
	wall, cpu, wallMin, wallMax time.Duration
	rssKiB                      int64
}

func repeat(runs int, argv ...string) (result, error) {
	rs, err := interleave(runs, argv)
	if err != nil {
		return result{}, err
	}
	return rs[0], nil
}

// interleave runs the commands in turn, one run of each a round, for runs
// rounds, and returns each one's medians: what a shared machine's load
// does to one run it does to its neighbours, so the ratios between the
// commands hold where each one's figures drift.
func interleave(runs int, argvs ...[]string) ([]result, error) {
	ss := make([][]sample, len(argvs))
	for range runs {
		for i, argv := range argvs {
			s, err := measure(argv)
			if err != nil {
				return nil, err
			}
			ss[i] = append(ss[i], s)
		}
	}
	rs := make([]result, len(argvs))
	for i := range ss {
		rs[i] = summarize(ss[i])
	}
	return rs, nil
}

// summarize gives the medians of some runs of one command.
func summarize(ss []sample) result {
	med := func(f func(sample) int64) int64 {
		v := make([]int64, len(ss))
		for i, s := range ss {
			v[i] = f(s)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	walls := make([]time.Duration, len(ss))
	for i, s := range ss {
		walls[i] = s.wall
	}
	return result{
		wall:    time.Duration(med(func(s sample) int64 { return int64(s.wall) })),
		cpu:     time.Duration(med(func(s sample) int64 { return int64(s.cpu) })),
		rssKiB:  med(func(s sample) int64 { return s.rssKiB }),
		wallMin: slices.Min(walls), wallMax: slices.Max(walls),
	}
}

func run(out, readme, dir string, runs, scanMiB int) error {
	began := time.Now()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if dir == "" {
		if dir, err = os.MkdirTemp("", "tensorcount-speed-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	logf("writing fixtures to %s", dir)
	if _, err := measure([]string{self, "-child", "gen", dir, strconv.Itoa(scanMiB)}); err != nil {
		return err
	}
	cli, err := buildCLI(dir)
	if err != nil {
		return err
	}
	python, err := pythonBinary()
	if err != nil {
		return err
	}
	reader, err := filepath.Abs(filepath.Join("python", "count_safetensors.py"))
	if err != nil {
		return err
	}
	loadBefore := loadAvg()
	p := func(name string) string { return filepath.Join(dir, name) }
	// Warm the page cache: every fixture is read once before timing.
	for _, name := range []string{vocab256, gguf100k, gguf1M, st100k, st1M} {
		if _, err := measure([]string{"cat", p(name)}); err != nil {
			return err
		}
	}
	if _, err := measure([]string{python, reader, p(deepseek)}); err != nil {
		return err
	}

	var t table
	floor := selfHWM()

	// GGUF headers.
	for _, c := range []struct{ label, file string }{
		{"GGUF, 256k vocabulary + merges, 724 tensors (10.6 MB header)", vocab256},
		{"GGUF, 100,000 tensors", gguf100k},
		{"GGUF, 1,000,000 tensors", gguf1M},
	} {
		logf("%s", c.label)
		rs, err := interleave(runs, []string{self, "-child", "gguf", p(c.file)},
			[]string{self, "-child", "gguf-parser-go", p(c.file)},
			[]string{self, "-child", "gguf-parser-go-mmap-skip", p(c.file)})
		if err != nil {
			return err
		}
		tc, peer, fast := rs[0], rs[1], rs[2]
		t.row(c.label+": parse", tc, "gguf-parser-go v0.28.2, defaults", peer)
		t.row(c.label+": parse", tc, "gguf-parser-go, mmap + skip large metadata", fast)
		t.keep(c.file, tc)
	}
	t.growth("GGUF parse, 100k → 1M tensors", t.kept[gguf100k], t.kept[gguf1M])

	// Safetensors headers.
	for _, c := range []struct{ label, file string }{
		{"safetensors, 100,000 tensors (one file)", st100k},
		{"safetensors, 1,000,000 tensors (one file)", st1M},
	} {
		logf("%s", c.label)
		tc, err := repeat(runs, self, "-child", "safetensors", p(c.file))
		if err != nil {
			return err
		}
		t.single(c.label+": parse", tc)
		t.keep(c.file, tc)
	}
	t.growth("safetensors parse, 100k → 1M tensors", t.kept[st100k], t.kept[st1M])

	// DeepSeek-V3's 163 shards.
	logf("163 shards")
	rs, err := interleave(runs, []string{python, reader, p(deepseek)},
		[]string{self, "-child", "safetensors-set", p(deepseek)}, []string{cli, p(deepseek)})
	if err != nil {
		return err
	}
	py, set, summary := rs[0], rs[1], rs[2]
	pyLabel := "Python " + pythonVersion(python) + " stdlib reader (bench/python), no validation"
	t.row("DeepSeek-V3, 163 shards, 91,991 tensors: index + every header, validated", set, pyLabel, py)
	t.row("the same: CLI summary, process start to exit", summary, pyLabel, py)

	growth, growthBrief, err := cliGrowth(runs, cli, p)
	if err != nil {
		return err
	}

	// Scans, against cat on the same file.
	var scanRows []scanRow
	for _, dt := range scanDTypes {
		logf("scan %s", dt)
		file := p(scanFile(dt))
		fi, err := os.Stat(file)
		if err != nil {
			return err
		}
		if _, err := measure([]string{"cat", file}); err != nil {
			return err
		}
		rs, err := interleave(runs, []string{"cat", file}, []string{self, "-child", "scan", file})
		if err != nil {
			return err
		}
		catR, sc := rs[0], rs[1]
		cs, err := repeat(max(runs/2, 1), cli, "scan", file)
		if err != nil {
			return err
		}
		scanRows = append(scanRows, scanRow{dt, fi.Size(), sc, cs, catR})
	}
	loadAfter := loadAvg()

	var b strings.Builder
	fmt.Fprintf(&b, "# Speed\n\n")
	fmt.Fprintf(&b, "Generated by `cd bench && go run ./cmd/speedtable` on %s in %.0f s.\n\n", began.UTC().Format("2006-01-02 15:04 UTC"), time.Since(began).Seconds())
	fmt.Fprintf(&b, "Machine: %s, %d CPUs, %s, %s, Linux %s. Load average %s before the runs, %s after (other work shared the machine).\n\n",
		cpuModel(), runtime.NumCPU(), memTotal(), runtime.Version(), kernel(), loadBefore, loadAfter)
	fmt.Fprintf(&b, "Each figure is the median of %d child processes (%d for the CLI scans), page cache warm; "+
		"the commands a row compares run in turn, one run of each a round, so that the machine's load falls on all of them alike. "+
		"Wall is process start to exit; CPU is the child's user + system time; RSS is the child's peak resident memory "+
		"from its own rusage (on Linux at least the launcher's %.1f MiB, which vfork shares until exec). "+
		"Wall ranges are min–max. The tensorcount figures for parsing are the format packages alone "+
		"(format/gguf, format/safetensors) in a process of their own; the CLI rows add model and report.\n\n",
		runs, max(runs/2, 1), float64(floor)/1024)
	b.WriteString(t.String())
	b.WriteString(growth)
	b.WriteString("\n### Scan, against `cat FILE > /dev/null` on the same file\n\n")
	b.WriteString("Files of real random data (2048×2048 tensors that share their shape, as a model's layers do, so every one is a duplicate candidate). Throughput is file bytes over wall time.\n\n")
	b.WriteString("| dtype | file | cat: wall rate (CPU) | tensorcount scan (scan package): wall rate (CPU, RSS) | ratio to cat, wall | CPU estimate on 2 idle cores: 2 × cat CPU / scan CPU | CLI `tensorcount scan`: wall rate | ratio to cat, wall |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range scanRows {
		gbps := func(d time.Duration) float64 { return float64(r.size) / d.Seconds() / 1e9 }
		fmt.Fprintf(&b, "| %s | %.0f MiB | %.1f GB/s (%s) | %.1f GB/s (%s, %s) | **%.2f** | %.2f | %.1f GB/s | %.2f |\n",
			r.dtype, float64(r.size)/(1<<20), gbps(r.cat.wall), ms(r.cat.cpu), gbps(r.scan.wall), ms(r.scan.cpu), mib(r.scan.rssKiB),
			gbps(r.scan.wall)/gbps(r.cat.wall), 2*r.cat.cpu.Seconds()/r.scan.cpu.Seconds(), gbps(r.cli.wall), gbps(r.cli.wall)/gbps(r.cat.wall))
	}
	b.WriteString("\nThe CPU estimate is what the two figures would give on an otherwise idle machine, where `cat` (one thread) runs at its CPU rate and the scan (two workers) at twice its: on a loaded machine the wall ratio measures the load as much as the programs.\n")
	if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
		return err
	}
	if readme != "" {
		var brief strings.Builder
		brief.WriteString(t.brief.String() + growthBrief)
		for _, r := range scanRows {
			fmt.Fprintf(&brief, "| scan %s against `cat` on the same %.0f MiB file: wall; CPU estimate on 2 idle cores | %.2f; %.2f |\n",
				r.dtype, float64(r.size)/(1<<20), r.cat.wall.Seconds()/r.scan.wall.Seconds(), 2*r.cat.cpu.Seconds()/r.scan.cpu.Seconds())
		}
		intro := fmt.Sprintf("From the run of %s (%s, %d CPUs; load average %s before, %s after), tensorcount against the peer measured in the same run:",
			began.UTC().Format("2006-01-02 15:04 UTC"), cpuModel(), runtime.NumCPU(), loadBefore, loadAfter)
		if err := writeReadme(readme, intro, brief.String()); err != nil {
			return err
		}
		logf("rewrote the speed section of %s", readme)
	}
	logf("wrote %s in %.0f s", out, time.Since(began).Seconds())
	return nil
}

type scanRow struct {
	dtype          string
	size           int64
	scan, cli, cat result
}

// table collects the rows of the main table.
type table struct {
	b    strings.Builder
	kept map[string]result
	// brief holds the ratios of each row, for the README.
	brief strings.Builder
}

func (t *table) header() {
	if t.b.Len() == 0 {
		t.b.WriteString("| what | tensorcount: wall (range), CPU, peak RSS | peer | peer: wall (range), CPU, peak RSS | tensorcount / peer: wall, CPU, RSS |\n|---|---:|---|---:|---:|\n")
	}
}

func (t *table) keep(name string, r result) {
	if t.kept == nil {
		t.kept = map[string]result{}
	}
	t.kept[name] = r
}

func figures(r result) string {
	return fmt.Sprintf("%s (%s–%s), %s, %s", ms(r.wall), ms(r.wallMin), ms(r.wallMax), ms(r.cpu), mib(r.rssKiB))
}

func (t *table) row(what string, tc result, peer string, p result) {
	t.header()
	fmt.Fprintf(&t.b, "| %s | %s | %s | %s | **%.2f×**, %.2f×, %.2f× |\n", what, figures(tc), peer, figures(p),
		tc.wall.Seconds()/p.wall.Seconds(), tc.cpu.Seconds()/p.cpu.Seconds(), float64(tc.rssKiB)/float64(p.rssKiB))
	fmt.Fprintf(&t.brief, "| %s, against %s: wall, CPU, peak RSS | %.2f×, %.2f×, %.2f× (%s vs %s) |\n", what, peer,
		tc.wall.Seconds()/p.wall.Seconds(), tc.cpu.Seconds()/p.cpu.Seconds(), float64(tc.rssKiB)/float64(p.rssKiB), mib(tc.rssKiB), mib(p.rssKiB))
}

func (t *table) single(what string, tc result) {
	t.header()
	fmt.Fprintf(&t.b, "| %s | %s | | | |\n", what, figures(tc))
}

func (t *table) growth(what string, a, b result) {
	t.header()
	fmt.Fprintf(&t.b, "| %s | wall ×%.1f, CPU ×%.1f, RSS ×%.1f (linear: ×10) | | | |\n", what,
		b.wall.Seconds()/a.wall.Seconds(), b.cpu.Seconds()/a.cpu.Seconds(), float64(b.rssKiB)/float64(a.rssKiB))
	fmt.Fprintf(&t.brief, "| %s: wall, CPU (linear is ×10) | ×%.1f, ×%.1f; %s at 1M |\n", what,
		b.wall.Seconds()/a.wall.Seconds(), b.cpu.Seconds()/a.cpu.Seconds(), mib(b.rssKiB))
}

func (t *table) String() string { return t.b.String() }

func ms(d time.Duration) string {
	if d < 10*time.Millisecond {
		return fmt.Sprintf("%.1f ms", d.Seconds()*1e3)
	}
	return fmt.Sprintf("%.0f ms", d.Seconds()*1e3)
}

func mib(kib int64) string { return fmt.Sprintf("%.0f MiB", float64(kib)/1024) }

// buildCLI builds cmd/tensorcount from the main module, as a user would.
func buildCLI(dir string) (string, error) {
	bin := filepath.Join(dir, "tensorcount")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/tensorcount")
	cmd.Dir = ".."
	cmd.Stderr = os.Stderr
	return bin, cmd.Run()
}

// pythonBinary finds the interpreter itself, not a version manager's
// shim script, so that its start-up is the interpreter's alone.
func pythonBinary() (string, error) {
	out, err := exec.Command("python3", "-c", "import sys; print(sys.executable)").Output()
	if err != nil {
		return "", fmt.Errorf("python3: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

func pythonVersion(python string) string {
	out, _ := exec.Command(python, "-c", "import platform; print(platform.python_version())").Output()
	return strings.TrimSpace(string(out))
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "speedtable: "+format+"\n", args...)
}

func readFile(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

func loadAvg() string {
	f := strings.Fields(readFile("/proc/loadavg"))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func cpuModel() string {
	for _, line := range strings.Split(readFile("/proc/cpuinfo"), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func memTotal() string {
	for _, line := range strings.Split(readFile("/proc/meminfo"), "\n") {
		if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return fmt.Sprintf("%.0f GiB RAM", float64(kb)/(1<<20))
		}
	}
	return "unknown RAM"
}

func kernel() string {
	return cmp.Or(strings.TrimSpace(readFile("/proc/sys/kernel/osrelease")), "unknown")
}

// selfHWM is this process's own peak RSS in KiB (VmHWM).
func selfHWM() int64 {
	for _, line := range strings.Split(readFile("/proc/self/status"), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb
		}
	}
	return 0
}
