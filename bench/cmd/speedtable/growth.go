package main

import (
	"fmt"
	"strings"
)

// cliGrowth times the CLI's commands on the 100k- and 1M-tensor files of
// both formats and gives the growth from one to the other, which is
// linear at ×10, and the peak RSS at a million tensors; brief is the same
// in two rows, the largest growth and the largest RSS, for the README.
func cliGrowth(runs int, cli string, p func(string) string) (table, brief string, err error) {
	var worst struct {
		growth          float64
		growthOf, rssOf string
		rss             int64
	}
	var b strings.Builder
	b.WriteString("\n### The CLI from 100,000 to 1,000,000 tensors\n\n")
	fmt.Fprintf(&b, "Each command on the files of the table above (median of %d runs; `diff` compares the file with itself). Linear growth is ×10.\n\n", runs)
	b.WriteString("| command | format | 100k: wall, CPU, RSS | 1M: wall, CPU, RSS | growth: wall, CPU |\n|---|---|---:|---:|---:|\n")
	for _, c := range []struct {
		label string
		args  []string
	}{
		{"summary", nil}, {"`tensors`", []string{"tensors"}}, {"`layers`", []string{"layers"}},
		{"`--json`", []string{"--json"}}, {"`diff`", []string{"diff", ""}},
	} {
		for _, f := range []struct{ format, small, big string }{{"GGUF", gguf100k, gguf1M}, {"safetensors", st100k, st1M}} {
			logf("CLI %s %s", c.label, f.format)
			var argvs [][]string
			for _, file := range []string{f.small, f.big} {
				argv := append([]string{cli}, c.args...)
				if len(c.args) == 2 { // diff: the file against itself
					argv[len(argv)-1] = p(file)
				}
				argvs = append(argvs, append(argv, p(file)))
			}
			rs, err := interleave(runs, argvs...)
			if err != nil {
				return "", "", err
			}
			what := c.label + " " + f.format
			if g := rs[1].wall.Seconds() / rs[0].wall.Seconds(); g > worst.growth {
				worst.growth, worst.growthOf = g, what
			}
			if rs[1].rssKiB > worst.rss {
				worst.rss, worst.rssOf = rs[1].rssKiB, what
			}
			fmt.Fprintf(&b, "| %s | %s | %s, %s, %s | %s, %s, %s | **×%.1f**, ×%.1f |\n", c.label, f.format,
				ms(rs[0].wall), ms(rs[0].cpu), mib(rs[0].rssKiB), ms(rs[1].wall), ms(rs[1].cpu), mib(rs[1].rssKiB),
				rs[1].wall.Seconds()/rs[0].wall.Seconds(), rs[1].cpu.Seconds()/rs[0].cpu.Seconds())
		}
	}
	brief = fmt.Sprintf("| CLI summary, `tensors`, `layers`, `--json`, `diff` in both formats, 100k → 1M tensors: the largest growth of wall time (linear is ×10) | ×%.1f (%s) |\n", worst.growth, worst.growthOf) +
		fmt.Sprintf("| the same at 1M tensors: the largest peak RSS (`diff` holds a checkpoint of one model while it loads the other) | %s (%s) |\n", mib(worst.rss), worst.rssOf)
	return b.String(), brief, nil
}
