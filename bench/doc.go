// Package bench measures tensorcount against its peers, side by side in
// one go test -bench run: gguf-parser-go on the same GGUF headers, and a
// plain encoding/json reader on the same sparse safetensors sets. It is a
// separate module so that the peers never become dependencies of
// tensorcount itself.
//
//	cd bench && go test -run '^$' -bench . -benchmem
//
// The fixtures are generated at the start of the run (sparse files: a
// 700 GB checkpoint's headers cost a few hundred megabytes of disk at
// most) in a temporary directory.
//
// The README's speed table is written by one command, which times every
// workload as a child process and writes SPEED.md (see README.md):
//
//	cd bench && go run ./cmd/speedtable
package bench
