// activations.c — see activations.h.
#include "network/activations.h"

#include <math.h>

#include "network/fastmath.h"

// SELU's exponential uses fm_exp (relative error ~2e-7; e^x - 1 then has an absolute error
// of ~1e-7, immaterial next to float rounding of the activations).
CALLA_CLONES static void selu_fwd_chunk(float *out, const float *in, size_t n) {
    const float a = (float)(SELU_ALPHA * SELU_SCALE), s = (float)SELU_SCALE;
#pragma omp simd
    for (size_t i = 0; i < n; i++) {
        float x = in[i];
        float neg = a * (fm_exp(fm_select(x < 0.0f, x, 0.0f)) - 1.0f);
        out[i] = fm_select(x >= 0.0f, s * x, neg);
    }
}

CALLA_CLONES static void selu_bwd_chunk(float *din, const float *dout, const float *out, size_t n) {
    const float sa = (float)(SELU_ALPHA * SELU_SCALE), s = (float)SELU_SCALE;
#pragma omp simd
    for (size_t i = 0; i < n; i++) din[i] = dout[i] * fm_select(out[i] >= 0.0f, s, out[i] + sa);
}

#define CHUNK 4096
void selu_forward(float *out, const float *in, size_t n) {
#pragma omp parallel for schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; i += CHUNK)
        selu_fwd_chunk(out + i, in + i, n - i < CHUNK ? n - i : CHUNK);
}

void selu_backward(float *din, const float *dout, const float *out, size_t n) {
#pragma omp parallel for schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; i += CHUNK)
        selu_bwd_chunk(din + i, dout + i, out + i, n - i < CHUNK ? n - i : CHUNK);
}

// omp simd: without it GCC keeps a compare-and-branch per element (in place, out == in, the
// aliasing check defeats its vectoriser), which mispredicts on random signs.
static void relu_fwd_chunk(float *out, const float *in, size_t n) {
#pragma omp simd
    for (size_t i = 0; i < n; i++) out[i] = in[i] > 0.0f ? in[i] : 0.0f;
}

static void relu_bwd_chunk(float *din, const float *dout, const float *out, size_t n) {
#pragma omp simd
    for (size_t i = 0; i < n; i++) {
        const float d = dout[i];  // loaded unconditionally: a select, not a branch
        din[i] = out[i] > 0.0f ? d : 0.0f;
    }
}

void relu_forward(float *out, const float *in, size_t n) {
#pragma omp parallel for schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; i += CHUNK)
        relu_fwd_chunk(out + i, in + i, n - i < CHUNK ? n - i : CHUNK);
}

void relu_backward(float *din, const float *dout, const float *out, size_t n) {
#pragma omp parallel for schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; i += CHUNK)
        relu_bwd_chunk(din + i, dout + i, out + i, n - i < CHUNK ? n - i : CHUNK);
}

void sigmoid_forward(float *out, const float *in, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = 1.0f / (1.0f + expf(-in[i]));
}

void sigmoid_backward(float *din, const float *dout, const float *out, size_t n) {
    for (size_t i = 0; i < n; i++) din[i] = dout[i] * out[i] * (1.0f - out[i]);
}

void tanh_forward(float *out, const float *in, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = tanhf(in[i]);
}

void tanh_backward(float *din, const float *dout, const float *out, size_t n) {
    for (size_t i = 0; i < n; i++) din[i] = dout[i] * (1.0f - out[i] * out[i]);
}

void softmax_forward(float *out, const float *in, int B, int C) {
    for (int b = 0; b < B; b++) {
        const float *x = in + (size_t)b * C;
        float *y = out + (size_t)b * C;
        float mx = x[0];
        for (int c = 1; c < C; c++) mx = x[c] > mx ? x[c] : mx;
        double sum = 0.0;
        for (int c = 0; c < C; c++) sum += (y[c] = expf(x[c] - mx));
        float inv = (float)(1.0 / sum);
        for (int c = 0; c < C; c++) y[c] *= inv;
    }
}

void softmax_backward(float *din, const float *dout, const float *p, int B, int C) {
    for (int b = 0; b < B; b++) {
        const float *d = dout + (size_t)b * C, *pb = p + (size_t)b * C;
        float *o = din + (size_t)b * C;
        double dot = 0.0;
        for (int c = 0; c < C; c++) dot += (double)d[c] * pb[c];
        for (int c = 0; c < C; c++) o[c] = pb[c] * (float)(d[c] - dot);
    }
}
