// dropout.c — see dropout.h.
#include "network/dropout.h"

#include <math.h>
#include <string.h>

// One 64-bit draw gives two 32-bit uniforms in [0, 1): dropout needs millions per step.
static inline float u32_uniform(uint32_t v) { return (float)(v >> 8) * (1.0f / 16777216.0f); }

// Fills mask[rows*cols] with `kept` or 0 (probability `rate`), one stream per row (dropout.h).
static void draw_masks(float *mask, size_t rows, size_t cols, float rate, float kept, uint64_t seed,
                       uint64_t layer, int64_t row0) {
#pragma omp parallel for schedule(static) if (rows * cols > 65536)
    for (size_t i = 0; i < rows; i++) {
        Rng r;
        rng_seed_stream(&r, seed, (layer << 40) | (uint64_t)(row0 + (int64_t)i));
        float *mk = mask + i * cols;
        for (size_t j = 0; j < cols; j += 2) {
            uint64_t v = rng_u64(&r);
            mk[j] = u32_uniform((uint32_t)v) < rate ? 0.0f : kept;
            if (j + 1 < cols) mk[j + 1] = u32_uniform((uint32_t)(v >> 32)) < rate ? 0.0f : kept;
        }
    }
}

void dropout_forward(float *out, float *mask, const float *in, size_t rows, size_t cols, float rate,
                     uint64_t seed, uint64_t layer, int64_t row0) {
    const size_t n = rows * cols;
    if (rate <= 0.0f) {
        if (out != in) memcpy(out, in, sizeof(float) * n);
        for (size_t i = 0; i < n; i++) mask[i] = 1.0f;
        return;
    }
    draw_masks(mask, rows, cols, rate, 1.0f / (1.0f - rate), seed, layer, row0);
    for (size_t i = 0; i < n; i++) out[i] = in[i] * mask[i];
}

void dropout_backward(float *din, const float *dout, const float *mask, size_t n) {
    for (size_t i = 0; i < n; i++) din[i] = dout[i] * mask[i];
}

void alpha_dropout_forward(float *out, float *mask, const float *in, size_t rows, size_t cols,
                           float rate, uint64_t seed, uint64_t layer, int64_t row0) {
    const size_t n = rows * cols;
    if (rate <= 0.0f) {
        if (out != in) memcpy(out, in, sizeof(float) * n);
        for (size_t i = 0; i < n; i++) mask[i] = 1.0f;
        return;
    }
    const double q = 1.0 - rate, al = SELU_DROPOUT_ALPHA;
    const double a = 1.0 / sqrt(q * (1.0 + (1.0 - q) * al * al)), b = -a * (1.0 - q) * al;
    const float fa = (float)a, fb = (float)b, fdrop = (float)(a * al + b);
    draw_masks(mask, rows, cols, rate, fa, seed, layer, row0);
    for (size_t i = 0; i < n; i++) out[i] = mask[i] != 0.0f ? mask[i] * in[i] + fb : fdrop;
}
