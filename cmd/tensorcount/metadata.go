package main

import (
	"context"

	"github.com/spf13/pflag"

	"github.com/tensorcount/tensorcount/model"
	"github.com/tensorcount/tensorcount/report"
)

var metadataCommand = &command{
	name:    "metadata",
	usage:   "[flags] PATH|SOURCE",
	summary: "GGUF key-value pairs, safetensors __metadata__, the config facts used",
	long: `
Lists what the files store beside their tensors — every GGUF metadata key
with its type and value (arrays summarised as element type and length,
strings cut to a preview), each safetensors file's __metadata__ — and the
architecture facts read from config.json, params.json or the GGUF keys.
--full prints whole strings and the contents of arrays.`,
	paths: 1,
	flags: func(fs *pflag.FlagSet, f *flagValues) {
		addJSON(fs, f)
		addRemote(fs, f)
		fs.BoolVar(&f.full, "full", false, "print whole strings and the contents of arrays")
		addDisplay(fs, f)
	},
	run: func(e *env, inv *invocation) int {
		m, err := loadModel(context.Background(), e, inv.args[0], &inv.f)
		if err != nil {
			return e.fail(err)
		}
		entries, err := model.ReadMetadata(m, inv.f.full)
		if err != nil {
			return e.fail(err)
		}
		md := &report.Metadata{Path: m.Path, Format: m.Format, Entries: entries, Arch: m.Arch, Full: inv.f.full}
		if inv.f.json {
			return written(report.WriteMetadataJSON(e.stdout, md))
		}
		return written(report.WriteMetadataText(e.stdout, md, inv.f.reportOptions(e)))
	},
}
