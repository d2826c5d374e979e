// quantize writes model-q4_0.gguf, a small llama-shaped GGUF whose
// matrices ggml itself quantized to Q4_0 (ggml_quantize_chunk, the
// reference quantize_row_q4_0) and wrote (gguf_write_to_file), and
// expected.json: for every tensor, the statistics of the values ggml's
// own Q4_0 dequantizer (the type's to_float) gives back. make.sh builds
// and runs it.
//
// The weights are normal with standard deviation 0.02, from a fixed
// generator, so the file is the same on every run; output.weight is a
// second copy of token_embd.weight, as a tied head stored twice is.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ggml.h"
#include "gguf.h"

static uint64_t state = 0x9E3779B97F4A7C15u;

static double uniform(void) {
    state = state * 6364136223846793005u + 1442695040888963407u;
    return ((state >> 11) + 0.5) / 9007199254740992.0;
}

static float normal(void) {
    return (float)(0.02 * sqrt(-2 * log(uniform())) * cos(6.283185307179586 * uniform()));
}

struct spec {
    const char *name;
    int64_t ne0, ne1; // GGUF order: ne0 is the row length
    int copy_of;      // index of the tensor this one repeats, or -1
};

static const struct spec specs[] = {
    {"token_embd.weight", 256, 256, -1},
    {"blk.0.attn_norm.weight", 256, 1, -1},
    {"blk.0.attn_q.weight", 256, 256, -1},
    {"blk.0.attn_k.weight", 256, 64, -1},
    {"blk.0.ffn_up.weight", 256, 352, -1},
    {"blk.0.ffn_down.weight", 352, 256, -1},
    {"output.weight", 256, 256, 0},
};
#define NSPECS (int)(sizeof specs / sizeof specs[0])

int main(void) {
    struct ggml_init_params mem = {.mem_size = NSPECS * ggml_tensor_overhead(), .no_alloc = true};
    struct ggml_context *ctx = ggml_init(mem);
    struct gguf_context *out = gguf_init_empty();
    gguf_set_val_str(out, "general.architecture", "llama");
    gguf_set_val_str(out, "general.name", "ggml Q4_0 fixture");
    gguf_set_val_u32(out, "general.file_type", 2); // MOSTLY_Q4_0, as llama-quantize sets it
    gguf_set_val_u32(out, "general.quantization_version", 2);
    gguf_set_val_u32(out, "llama.block_count", 1);
    gguf_set_val_u32(out, "llama.embedding_length", 256);

    const struct ggml_type_traits *q4 = ggml_get_type_traits(GGML_TYPE_Q4_0);
    float *weights[NSPECS];
    FILE *expected = fopen("expected.json", "w");
    fprintf(expected, "{\n  \"producer\": \"ggml %s\",\n  \"tensors\": {\n", GGML_COMMIT);
    for (int i = 0; i < NSPECS; i++) {
        const struct spec *s = &specs[i];
        int64_t n = s->ne0 * s->ne1;
        if (s->copy_of >= 0) {
            weights[i] = weights[s->copy_of];
        } else {
            weights[i] = malloc(n * sizeof(float));
            for (int64_t j = 0; j < n; j++) {
                weights[i][j] = s->ne1 == 1 ? 1 + normal() : normal();
            }
        }
        struct ggml_tensor *t;
        float *values = weights[i];
        if (s->ne1 == 1) { // a norm stays F32, as llama-quantize leaves it
            t = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, s->ne0);
            t->data = weights[i];
        } else {
            t = ggml_new_tensor_2d(ctx, GGML_TYPE_Q4_0, s->ne0, s->ne1);
            t->data = malloc(ggml_row_size(GGML_TYPE_Q4_0, s->ne0) * s->ne1);
            ggml_quantize_chunk(GGML_TYPE_Q4_0, weights[i], t->data, 0, s->ne1, s->ne0, NULL);
            values = malloc(n * sizeof(float));
            q4->to_float(t->data, values, n);
        }
        ggml_set_name(t, s->name);
        gguf_add_tensor(out, t);

        // The statistics of what ggml reads back, in long double.
        long double sum = 0, sq = 0;
        double lo = INFINITY, hi = -INFINITY;
        int64_t zeros = 0;
        for (int64_t j = 0; j < n; j++) {
            double v = values[j];
            sum += v;
            lo = fmin(lo, v);
            hi = fmax(hi, v);
            zeros += v == 0;
        }
        long double mean = sum / n;
        for (int64_t j = 0; j < n; j++) {
            long double d = values[j] - mean;
            sq += d * d;
        }
        fprintf(expected, "    \"%s\": {\"type\": \"%s\", \"values\": %lld, \"zeros\": %lld, \"min\": %.17g, \"max\": %.17g, \"mean\": %.17g, \"std\": %.17g}%s\n",
                s->name, ggml_type_name(t->type), (long long)n, (long long)zeros, lo, hi, (double)mean,
                (double)sqrtl(sq / n), i + 1 < NSPECS ? "," : "");
    }
    fprintf(expected, "  }\n}\n");
    fclose(expected);
    if (!gguf_write_to_file(out, "model-q4_0.gguf", false)) {
        fprintf(stderr, "cannot write model-q4_0.gguf\n");
        return 1;
    }
    return 0;
}
