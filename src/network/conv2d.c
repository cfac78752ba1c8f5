// conv2d.c — see conv2d.h.
#include "network/conv2d.h"

#include <cblas.h>
#include <string.h>

#include "network/fastmath.h"

void conv2d_forward(float *out, float *cols, const float *x, const float *W, const float *b, int N,
                    int H, int Wd, int C_in, int C_out, int kh, int kw) {
    const int pt = (kh - 1) / 2, pl = (kw - 1) / 2, K = kh * kw * C_in;
    const size_t rows = (size_t)N * H * Wd;
#pragma omp parallel for schedule(static) if (N >= 32)
    for (int n = 0; n < N; n++)
        for (int y = 0; y < H; y++)
            for (int xx = 0; xx < Wd; xx++) {
                float *row = cols + (((size_t)n * H + y) * Wd + xx) * K;
                for (int ky = 0; ky < kh; ky++)
                    for (int kx = 0; kx < kw; kx++) {
                        float *dst = row + (ky * kw + kx) * C_in;
                        int iy = y + ky - pt, ix = xx + kx - pl;
                        if (iy < 0 || iy >= H || ix < 0 || ix >= Wd)
                            memset(dst, 0, sizeof(float) * C_in);
                        else
                            memcpy(dst, x + (((size_t)n * H + iy) * Wd + ix) * C_in,
                                   sizeof(float) * C_in);
                    }
            }
    for (size_t r = 0; r < rows; r++) memcpy(out + r * C_out, b, sizeof(float) * C_out);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, C_out, K, 1.0f, cols, K, W,
                C_out, 1.0f, out, C_out);
}

void conv2d_backward(float *dx, float *dW, float *db, float *dcols, const float *dout,
                     const float *cols, const float *W, int N, int H, int Wd, int C_in, int C_out,
                     int kh, int kw) {
    const int pt = (kh - 1) / 2, pl = (kw - 1) / 2, K = kh * kw * C_in;
    const size_t rows = (size_t)N * H * Wd;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, C_out, (int)rows, 1.0f, cols, K, dout,
                C_out, 1.0f, dW, C_out);
    for (size_t r = 0; r < rows; r++)
        for (int j = 0; j < C_out; j++) db[j] += dout[r * C_out + j];
    if (!dx) return;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, K, C_out, 1.0f, dout, C_out, W,
                C_out, 0.0f, dcols, K);
#pragma omp parallel for schedule(static) if (N >= 32)
    for (int n = 0; n < N; n++) {
        float *dxn = dx + (size_t)n * H * Wd * C_in;
        memset(dxn, 0, sizeof(float) * H * Wd * C_in);
        for (int y = 0; y < H; y++)
            for (int xx = 0; xx < Wd; xx++) {
                const float *row = dcols + (((size_t)n * H + y) * Wd + xx) * K;
                for (int ky = 0; ky < kh; ky++)
                    for (int kx = 0; kx < kw; kx++) {
                        int iy = y + ky - pt, ix = xx + kx - pl;
                        if (iy < 0 || iy >= H || ix < 0 || ix >= Wd) continue;
                        float *d = dxn + ((size_t)iy * Wd + ix) * C_in;
                        const float *s = row + (ky * kw + kx) * C_in;
                        for (int ci = 0; ci < C_in; ci++) d[ci] += s[ci];
                    }
            }
    }
}
