// dropout.c — see dropout.h.
#include "network/dropout.h"

#include <math.h>
#include <string.h>

// One 64-bit draw gives two 32-bit uniforms in [0, 1): dropout needs millions per step.
static inline float u32_uniform(uint32_t v) { return (float)(v >> 8) * (1.0f / 16777216.0f); }

void dropout_forward(float *out, float *mask, const float *in, size_t n, float rate, Rng *rng) {
    if (rate <= 0.0f) {
        if (out != in) memcpy(out, in, sizeof(float) * n);
        for (size_t i = 0; i < n; i++) mask[i] = 1.0f;
        return;
    }
    const float keep = 1.0f / (1.0f - rate);
    for (size_t i = 0; i < n; i += 2) {
        uint64_t r = rng_u64(rng);
        mask[i] = u32_uniform((uint32_t)r) < rate ? 0.0f : keep;
        if (i + 1 < n) mask[i + 1] = u32_uniform((uint32_t)(r >> 32)) < rate ? 0.0f : keep;
    }
    for (size_t i = 0; i < n; i++) out[i] = in[i] * mask[i];
}

void dropout_backward(float *din, const float *dout, const float *mask, size_t n) {
    for (size_t i = 0; i < n; i++) din[i] = dout[i] * mask[i];
}

void alpha_dropout_forward(float *out, float *mask, const float *in, size_t n, float rate,
                           Rng *rng) {
    if (rate <= 0.0f) {
        if (out != in) memcpy(out, in, sizeof(float) * n);
        for (size_t i = 0; i < n; i++) mask[i] = 1.0f;
        return;
    }
    const double q = 1.0 - rate, al = SELU_DROPOUT_ALPHA;
    const double a = 1.0 / sqrt(q * (1.0 + (1.0 - q) * al * al)), b = -a * (1.0 - q) * al;
    const float fa = (float)a, fb = (float)b, fdrop = (float)(a * al + b);
    for (size_t i = 0; i < n; i += 2) {
        uint64_t r = rng_u64(rng);
        mask[i] = u32_uniform((uint32_t)r) < rate ? 0.0f : fa;
        if (i + 1 < n) mask[i + 1] = u32_uniform((uint32_t)(r >> 32)) < rate ? 0.0f : fa;
    }
    for (size_t i = 0; i < n; i++) out[i] = mask[i] != 0.0f ? mask[i] * in[i] + fb : fdrop;
}
