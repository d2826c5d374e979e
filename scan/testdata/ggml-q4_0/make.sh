#!/bin/sh
# Writes model-q4_0.gguf and expected.json with ggml, llama.cpp's tensor
# library: quantize.c makes the weights, quantizes them with ggml's own
# Q4_0 quantizer, writes the file with ggml's GGUF writer and records
# what ggml's dequantizer reads back. Run from this directory with a
# checkout of github.com/ggml-org/ggml (written from commit d99724f2):
#
#	sh make.sh /path/to/ggml
#
# The tests read only the committed files; they never build or run this.
set -e
ggml=${1:?usage: sh make.sh /path/to/ggml}
commit=$(git -C "$ggml" rev-parse --short=8 HEAD 2>/dev/null || echo d99724f2)
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
flags="-O2 -DNDEBUG -D_GNU_SOURCE -DGGML_VERSION=\"$commit\" -DGGML_COMMIT=\"$commit\" -I$ggml/include -I$ggml/src"
for c in ggml.c ggml-alloc.c ggml-quants.c; do
	gcc -std=c11 $flags -c "$ggml/src/$c" -o "$build/${c%.c}.c.o"
done
for cpp in ggml.cpp ggml-backend.cpp ggml-backend-meta.cpp ggml-opt.cpp ggml-threading.cpp gguf.cpp; do
	[ -f "$ggml/src/$cpp" ] || continue
	g++ -std=c++17 $flags -c "$ggml/src/$cpp" -o "$build/${cpp%.cpp}.cpp.o"
done
gcc -std=c11 $flags -c quantize.c -o "$build/quantize.o"
g++ -o "$build/quantize" "$build"/*.o -lm -lpthread
"$build/quantize"
