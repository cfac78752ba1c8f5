// pool.c — see pool.h.
#include "network/pool.h"

#include <string.h>

#include "network/fastmath.h"

// o = max(o, v) and its argmax, over C channels; strict > keeps the first maximum.
CALLA_CLONES static void max_update(float *o, int *a, const float *v, int base, int C) {
#pragma omp simd
    for (int c = 0; c < C; c++) {
        int gt = v[c] > o[c];
        o[c] = fm_select(gt, v[c], o[c]);
        a[c] = gt ? base + c : a[c];
    }
}

void maxpool_forward(float *out, int *argmax, const float *x, int N, int H, int W, int C, int ph,
                     int pw, int sh, int sw) {
    const int Ho = (H - ph) / sh + 1, Wo = (W - pw) / sw + 1;
#pragma omp parallel for schedule(static) if (N >= 32)
    for (int n = 0; n < N; n++)
        for (int y = 0; y < Ho; y++)
            for (int xx = 0; xx < Wo; xx++) {
                float *o = out + (((size_t)n * Ho + y) * Wo + xx) * C;
                int *a = argmax + (((size_t)n * Ho + y) * Wo + xx) * C;
                for (int py = 0; py < ph; py++)  // window in row-major order: first max wins
                    for (int px = 0; px < pw; px++) {
                        int base = ((n * H + y * sh + py) * W + xx * sw + px) * C;
                        const float *v = x + base;
                        if (py == 0 && px == 0) {
                            for (int c = 0; c < C; c++) o[c] = v[c], a[c] = base + c;
                            continue;
                        }
                        max_update(o, a, v, base, C);
                    }
            }
}

void maxpool_backward(float *dx, const float *dout, const int *argmax, int N, int H, int W, int C,
                      int ph, int pw, int sh, int sw) {
    const int Ho = (H - ph) / sh + 1, Wo = (W - pw) / sw + 1;
    const size_t per_in = (size_t)H * W * C, per_out = (size_t)Ho * Wo * C;
#pragma omp parallel for schedule(static) if (N >= 32)
    for (int n = 0; n < N; n++) {
        memset(dx + n * per_in, 0, sizeof(float) * per_in);
        for (size_t o = n * per_out; o < (n + 1) * per_out; o++) dx[argmax[o]] += dout[o];
    }
}
