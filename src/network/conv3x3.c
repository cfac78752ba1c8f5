// conv3x3.c — see conv3x3.h.
#include "network/conv3x3.h"

#include <string.h>

#include "network/gemm.h"

size_t conv3_cols_floats(int N, int H, int W, int C_in, int stride) {
    int nb = N < CONV3_BLOCK ? N : CONV3_BLOCK;
    return (size_t)nb * conv3_out(H, stride) * conv3_out(W, stride) * 9 * C_in;
}

// cols [nb * Ho * Wo, 9 * C_in] for samples n0 .. n0 + nb - 1; with out, also preloads those
// samples' output rows [Ho * Wo, C_out] with the bias b (in the same parallel loop).
static void im2col(float *cols, const float *x, int n0, int nb, int H, int Wd, int C_in,
                   int stride, float *out, const float *b, int C_out) {
    const int Ho = conv3_out(H, stride), Wo = conv3_out(Wd, stride), K = 9 * C_in;
#pragma omp parallel for schedule(static) if (net_parallel_ok() && nb >= 4)
    for (int n = 0; n < nb; n++) {
        if (out)
            for (size_t r = 0; r < (size_t)Ho * Wo; r++)
                memcpy(out + ((size_t)(n0 + n) * Ho * Wo + r) * C_out, b, sizeof(float) * C_out);
        for (int y = 0; y < Ho; y++)
            for (int xx = 0; xx < Wo; xx++) {
                float *row = cols + (((size_t)n * Ho + y) * Wo + xx) * K;
                for (int ky = 0; ky < 3; ky++)
                    for (int kx = 0; kx < 3; kx++) {
                        float *dst = row + (ky * 3 + kx) * C_in;
                        int iy = stride * y + ky - 1, ix = stride * xx + kx - 1;
                        if (iy < 0 || iy >= H || ix < 0 || ix >= Wd)
                            memset(dst, 0, sizeof(float) * C_in);
                        else
                            memcpy(dst, x + (((size_t)(n0 + n) * H + iy) * Wd + ix) * C_in,
                                   sizeof(float) * C_in);
                    }
            }
    }
}

void conv3_forward(float *out, float *cols, const float *x, const float *W, const float *b, int N,
                   int H, int Wd, int C_in, int C_out, int stride) {
    const int Ho = conv3_out(H, stride), Wo = conv3_out(Wd, stride), K = 9 * C_in;
    const size_t per = (size_t)Ho * Wo;
    for (int n0 = 0; n0 < N; n0 += CONV3_BLOCK) {
        int nb = N - n0 < CONV3_BLOCK ? N - n0 : CONV3_BLOCK;
        im2col(cols, x, n0, nb, H, Wd, C_in, stride, out, b, C_out);
        float *o = out + (size_t)n0 * per * C_out;
        gemm(0, 0, (int)(nb * per), C_out, K, 1.0f, cols, K, W, C_out, 1.0f, o, C_out);
    }
}

void conv3_backward(float *dx, float *dW, float *db, float *cols, const float *dout,
                    const float *x, const float *W, int N, int H, int Wd, int C_in, int C_out,
                    int stride) {
    const int Ho = conv3_out(H, stride), Wo = conv3_out(Wd, stride), K = 9 * C_in;
    const size_t per = (size_t)Ho * Wo;
    // db: output channels split over the team, each summed in row order by one thread
#pragma omp parallel if (net_parallel_ok() && (size_t)N * per * C_out >= (1 << 16))
    {
        int lo, hi;
        split_range(C_out, 16, net_tid(), net_nth(), &lo, &hi);
        for (size_t r = 0; r < (size_t)N * per && lo < hi; r++)
            for (int j = lo; j < hi; j++) db[j] += dout[r * C_out + j];
    }
    for (int n0 = 0; n0 < N; n0 += CONV3_BLOCK) {
        int nb = N - n0 < CONV3_BLOCK ? N - n0 : CONV3_BLOCK;
        const float *d = dout + (size_t)n0 * per * C_out;
        im2col(cols, x, n0, nb, H, Wd, C_in, stride, NULL, NULL, 0);
        gemm(1, 0, K, C_out, (int)(nb * per), 1.0f, cols, K, d, C_out, 1.0f, dW, C_out);
        if (!dx) continue;
        gemm(0, 1, (int)(nb * per), K, C_out, 1.0f, d, C_out, W, C_out, 0.0f, cols, K);
#pragma omp parallel for schedule(static) if (net_parallel_ok() && nb >= 4)
        for (int n = 0; n < nb; n++) {
            float *dxn = dx + (size_t)(n0 + n) * H * Wd * C_in;
            memset(dxn, 0, sizeof(float) * H * Wd * C_in);
            for (int y = 0; y < Ho; y++)
                for (int xx = 0; xx < Wo; xx++) {
                    const float *row = cols + (((size_t)n * Ho + y) * Wo + xx) * K;
                    for (int ky = 0; ky < 3; ky++)
                        for (int kx = 0; kx < 3; kx++) {
                            int iy = stride * y + ky - 1, ix = stride * xx + kx - 1;
                            if (iy < 0 || iy >= H || ix < 0 || ix >= Wd) continue;
                            float *dd = dxn + ((size_t)iy * Wd + ix) * C_in;
                            const float *s = row + (ky * 3 + kx) * C_in;
                            for (int ci = 0; ci < C_in; ci++) dd[ci] += s[ci];
                        }
                }
        }
    }
}
