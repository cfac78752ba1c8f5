// spp.c — see spp.h.
#include "network/spp.h"

#include <string.h>

#include "network/gemm.h"

static const int LEVELS[3] = {3, 2, 1};

void spp_forward(float *out, int *argmax, const float *x, int N, int H, int W, int C) {
#pragma omp parallel for schedule(static) if (net_parallel_ok() && N >= 32)
    for (int n = 0; n < N; n++) {
        float *o = out + (size_t)n * SPP_CELLS * C;
        int *a = argmax + (size_t)n * SPP_CELLS * C;
        for (int l = 0; l < 3; l++) {
            const int nb = LEVELS[l], kh = (H + nb - 1) / nb, kw = (W + nb - 1) / nb;
            const int top = (nb * kh - H) / 2, left = (nb * kw - W) / 2;
            for (int by = 0; by < nb; by++)
                for (int bx = 0; bx < nb; bx++, o += C, a += C) {
                    for (int c = 0; c < C; c++) o[c] = 0.0f, a[c] = -1;
                    for (int y = by * kh - top; y < (by + 1) * kh - top; y++)
                        for (int xx = bx * kw - left; xx < (bx + 1) * kw - left; xx++) {
                            if (y < 0 || y >= H || xx < 0 || xx >= W) continue;
                            const int base = (int)((((size_t)n * H + y) * W + xx) * C);
                            const float *v = x + base;
                            for (int c = 0; c < C; c++)
                                if (a[c] < 0 || v[c] > o[c]) o[c] = v[c], a[c] = base + c;
                        }
                }
        }
    }
}

void spp_backward(float *dx, const float *dout, const int *argmax, int N, int H, int W, int C) {
    memset(dx, 0, sizeof(float) * (size_t)N * H * W * C);
    // Serial: bins of different levels share cells, and the order of the sums stays fixed.
    for (size_t i = 0; i < (size_t)N * SPP_CELLS * C; i++)
        if (argmax[i] >= 0) dx[argmax[i]] += dout[i];
}
