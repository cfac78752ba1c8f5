// fastmath.h — exp, sigmoid and tanh for the LSTM's elementwise loops, written so the compiler
// can vectorise them (no libm calls, no branches): libm's expf/tanhf cost more than the LSTM's
// GEMMs (measured: 0.11 s of a 0.17 s LSTM2 forward at batch 256).
// exp: x = n ln2 + r with |r| <= ln2/2 (n from the 1.5*2^23 rounding trick), e^r by a degree-7
// Taylor-like polynomial (max relative error ~2e-7 on the reduced range), 2^n built in the
// exponent bits. Inputs are clamped to [-87, 88] (no overflow, no denormals; +-inf clamp, NaN
// gives NaN, never undefined behaviour).
#ifndef CALLA_FASTMATH_H
#define CALLA_FASTMATH_H
#include <stdint.h>
#include <string.h>

// Hot elementwise loops are compiled for AVX2 and for baseline x86-64, picked at load time
// (GCC target_clones, as minimap2 picks its SIMD kernels), so one binary runs everywhere.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__)
#define CALLA_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CALLA_CLONES
#endif

// Branch-free select of a or b (bitwise, exact): GCC vectorises this where a ?: on floats
// would stop it.
static inline float fm_select(int cond, float a, float b) {
    int32_t ia, ib, m = -(int32_t)(cond != 0), r;
    memcpy(&ia, &a, 4);
    memcpy(&ib, &b, 4);
    r = (ia & m) | (ib & ~m);
    float f;
    memcpy(&f, &r, 4);
    return f;
}

static inline float fm_exp(float x) {
    // Clamp without a ?: (which stops GCC from vectorising without -ffinite-math-only): a bitwise
    // select, exact inside the range; +-inf clamp to the ends, NaN passes through (and comes out
    // NaN: the exponent arithmetic below is unsigned, so no input is undefined behaviour).
    x = fm_select(x < -87.0f, -87.0f, x);
    x = fm_select(x > 88.0f, 88.0f, x);
    const float shifter = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
    float t = x * 1.44269504088896341f + shifter;
    float n = t - shifter;
    float r = x - n * 0.693145751953125f;  // ln2 split in two for an exact product
    r = r - n * 1.428606765330187e-06f;
    float p = 1.9841270e-4f;  // 1/5040
    p = p * r + 1.3888889e-3f;
    p = p * r + 8.3333333e-3f;
    p = p * r + 4.1666667e-2f;
    p = p * r + 1.6666667e-1f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    uint32_t ti, ni;
    memcpy(&ti, &t, 4);
    ni = (ti - 0x4b400000u + 127u) << 23;  // n + bias: t's low mantissa bits hold n
    float scale;
    memcpy(&scale, &ni, 4);
    return p * scale;
}

static inline float fm_sigmoid(float x) { return 1.0f / (1.0f + fm_exp(-x)); }
// tanh(x) = 2 sigmoid(2x) - 1: absolute error ~1e-7 (relative error grows only near 0, where
// the value itself is tiny).
static inline float fm_tanh(float x) { return 2.0f / (1.0f + fm_exp(-2.0f * x)) - 1.0f; }

#endif
