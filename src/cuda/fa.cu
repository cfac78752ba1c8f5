// fa.cu — the Clair3 full-alignment layers on the device (cuda_layers.h), each mirroring the CPU
// function of src/network: 3x3 convolution with stride 1 or 2 (conv3x3.c: im2col + GEMM, col2im
// as a gather), batch normalisation with the optional fused residual add and ReLU (batchnorm.c),
// spatial pyramid max pooling (spp.c) and the input transpose of model_clair3_fa.c.
//
// Batch-norm sums: per channel in double, as the CPU, but split into CU_BN_CHUNKS fixed row
// ranges (one thread per chunk and channel), whose partial sums one thread per channel then adds
// in chunk order: no atomics, deterministic, and within double rounding of the CPU's one sweep.
// The per-channel finishing arithmetic (mean, 1/sqrt(var + eps), running statistics, the
// backward coefficients) is the CPU's term for term; the elementwise passes are the CPU's float
// expressions.
#include "cuda/cu_internal.cuh"

enum { CU_BN_CHUNKS = 128 };

// ---------------------------------------------------------------- 3x3 convolution

static inline int c3_out(int n, int s) { return (n - 1) / s + 1; }

size_t cu_conv3_cols_floats(int N, int H, int W, int C_in, int stride) {
    const int nb = N < CU_CONV3_BLOCK ? N : CU_CONV3_BLOCK;
    return (size_t)nb * c3_out(H, stride) * c3_out(W, stride) * 9 * C_in;
}

// cols [nb * Ho * Wo, 9 * C_in] for samples n0 .. n0 + nb - 1 (conv3x3.c's im2col).
static void im2col3(CuCtx *c, float *cols, const float *x, int n0, int nb, int H, int Wd,
                    int C_in, int s) {
    const int Ho = c3_out(H, s), Wo = c3_out(Wd, s), K = 9 * C_in;
    launch((size_t)nb * Ho * Wo * K, c->stream, [=] CALLA_HD(size_t i) {
        const size_t r = i / K;
        const int col = (int)(i % K), tap = col / C_in, ci = col % C_in;
        const int ky = tap / 3, kx = tap % 3;
        const int xx = (int)(r % Wo), y = (int)(r / Wo % Ho);
        const size_t n = n0 + r / ((size_t)Wo * Ho);
        const int iy = s * y + ky - 1, ix = s * xx + kx - 1;
        cols[i] = iy < 0 || iy >= H || ix < 0 || ix >= Wd
                      ? 0.0f
                      : x[((n * H + iy) * Wd + ix) * C_in + ci];
    });
}

void cu_conv3_forward(CuCtx *c, float *out, float *cols, const float *x, const float *W,
                      const float *b, int N, int H, int Wd, int C_in, int C_out, int stride) {
    const int Ho = c3_out(H, stride), Wo = c3_out(Wd, stride), K = 9 * C_in;
    const size_t per = (size_t)Ho * Wo;
    launch((size_t)N * per * C_out, c->stream, [=] CALLA_HD(size_t i) { out[i] = b[i % C_out]; });
    for (int n0 = 0; n0 < N; n0 += CU_CONV3_BLOCK) {
        const int nb = N - n0 < CU_CONV3_BLOCK ? N - n0 : CU_CONV3_BLOCK;
        im2col3(c, cols, x, n0, nb, H, Wd, C_in, stride);
        cu_gemm(c, 0, 0, (int)(nb * per), C_out, K, 1.0f, cols, K, W, C_out, 1.0f,
                out + (size_t)n0 * per * C_out, C_out);
    }
}

void cu_conv3_backward(CuCtx *c, float *dx, float *dW, float *db, float *cols, const float *dout,
                       const float *x, const float *W, int N, int H, int Wd, int C_in, int C_out,
                       int stride) {
    const int s = stride, Ho = c3_out(H, s), Wo = c3_out(Wd, s), K = 9 * C_in;
    const size_t per = (size_t)Ho * Wo;
    cu_colsum_add(c, db, dout, (int)(N * per), C_out, C_out);
    for (int n0 = 0; n0 < N; n0 += CU_CONV3_BLOCK) {
        const int nb = N - n0 < CU_CONV3_BLOCK ? N - n0 : CU_CONV3_BLOCK;
        const float *d = dout + (size_t)n0 * per * C_out;
        im2col3(c, cols, x, n0, nb, H, Wd, C_in, s);
        cu_gemm(c, 1, 0, K, C_out, (int)(nb * per), 1.0f, cols, K, d, C_out, 1.0f, dW, C_out);
        if (!dx) continue;
        cu_gemm(c, 0, 1, (int)(nb * per), K, C_out, 1.0f, d, C_out, W, C_out, 0.0f, cols, K);
        float *dxb = dx + (size_t)n0 * H * Wd * C_in;
        const float *dc = cols;
        // col2im as a gather: input element (iy, ix, ci) sums the im2col entries that copied it,
        // in increasing output order (ky, kx descending), as the CPU's scatter adds them
        launch((size_t)nb * H * Wd * C_in, c->stream, [=] CALLA_HD(size_t i) {
            const int ci = (int)(i % C_in);
            const size_t pix = i / C_in;
            const int ix = (int)(pix % Wd), iy = (int)(pix / Wd % H);
            const size_t n = pix / ((size_t)Wd * H);
            float acc = 0.0f;
            for (int ky = 2; ky >= 0; ky--) {
                const int ys = iy + 1 - ky;
                if (ys < 0 || ys % s) continue;
                const int y = ys / s;
                if (y >= Ho) continue;
                for (int kx = 2; kx >= 0; kx--) {
                    const int xs = ix + 1 - kx;
                    if (xs < 0 || xs % s) continue;
                    const int xx = xs / s;
                    if (xx >= Wo) continue;
                    acc += dc[((n * Ho + y) * Wo + xx) * K + (ky * 3 + kx) * C_in + ci];
                }
            }
            dxb[i] = acc;
        });
    }
}

// ---------------------------------------------------------------- batch normalisation

size_t cu_bn_ws_doubles(int C) { return (size_t)(2 * CU_BN_CHUNKS + 5) * (size_t)C; }

// part[k * C + c] = sum over chunk k's rows of f(r, c) (double, row order).
template <class F>
static void chunk_sums(CuCtx *c, double *part, size_t rows, int C, F f) {
    launch((size_t)CU_BN_CHUNKS * C, c->stream, [=] CALLA_HD(size_t i) {
        const size_t k = i / C, ch = i % C;
        const size_t lo = rows * k / CU_BN_CHUNKS, hi = rows * (k + 1) / CU_BN_CHUNKS;
        double s = 0.0;
        for (size_t r = lo; r < hi; r++) s += f(r, ch);
        part[i] = s;
    });
}

void cu_bn_forward_act(CuCtx *c, float *y, float *mean, float *invstd, const float *x,
                       const float *gamma, const float *beta, float *run_mean, float *run_var,
                       size_t rows, int C, int train, float eps, float momentum, const float *add,
                       int relu, double *ws) {
    double *p1 = ws, *p2 = ws + (size_t)CU_BN_CHUNKS * C, *mu = p2 + (size_t)CU_BN_CHUNKS * C;
    if (train) {
        chunk_sums(c, p1, rows, C, [=] CALLA_HD(size_t r, size_t ch) -> double {
            return x[r * C + ch];
        });
        launch((size_t)C, c->stream, [=] CALLA_HD(size_t ch) {
            double s = 0.0;
            for (int k = 0; k < CU_BN_CHUNKS; k++) s += p1[(size_t)k * C + ch];
            mu[ch] = s / (double)rows;
        });
        // second pass: sum of squared deviations (no cancellation)
        chunk_sums(c, p2, rows, C, [=] CALLA_HD(size_t r, size_t ch) -> double {
            const double d = x[r * C + ch] - mu[ch];
            return d * d;
        });
        const int upd = run_mean != NULL;
        launch((size_t)C, c->stream, [=] CALLA_HD(size_t ch) {
            double q = 0.0;
            for (int k = 0; k < CU_BN_CHUNKS; k++) q += p2[(size_t)k * C + ch];
            const double var = q / (double)rows, s = mu[ch];
            mean[ch] = (float)s;
            invstd[ch] = (float)(1.0 / sqrt(var + eps));
            if (upd) {
                const double unb = rows > 1 ? var * (double)rows / (double)(rows - 1) : var;
                run_mean[ch] = (float)(momentum * (double)run_mean[ch] + (1.0 - momentum) * s);
                run_var[ch] = (float)(momentum * (double)run_var[ch] + (1.0 - momentum) * unb);
            }
        });
    } else {
        launch((size_t)C, c->stream, [=] CALLA_HD(size_t ch) {
            mean[ch] = run_mean[ch];
            invstd[ch] = (float)(1.0 / sqrt((double)run_var[ch] + eps));
        });
    }
    launch(rows * (size_t)C, c->stream, [=] CALLA_HD(size_t i) {
        const size_t ch = i % C;
        const float sc = gamma[ch] * invstd[ch];
        float v = (x[i] - mean[ch]) * sc + beta[ch];
        if (add) v = v + add[i];
        y[i] = relu ? (v > 0.0f ? v : 0.0f) : v;
    });
}

void cu_bn_backward(CuCtx *c, float *dx, float *dgamma, float *dbeta, const float *dy,
                    const float *x, const float *mean, const float *invstd, const float *gamma,
                    size_t rows, int C, int train, double *ws) {
    double *p1 = ws, *p2 = ws + (size_t)CU_BN_CHUNKS * C;
    float *co = (float *)(p2 + (size_t)CU_BN_CHUNKS * C);  // a [C], k [C], b [C]
    chunk_sums(c, p1, rows, C, [=] CALLA_HD(size_t r, size_t ch) -> double {
        return dy[r * C + ch];
    });
    chunk_sums(c, p2, rows, C, [=] CALLA_HD(size_t r, size_t ch) -> double {
        return (double)dy[r * C + ch] * x[r * C + ch];
    });
    launch((size_t)C, c->stream, [=] CALLA_HD(size_t ch) {
        double sd = 0.0, sdx = 0.0;
        for (int k = 0; k < CU_BN_CHUNKS; k++)
            sd += p1[(size_t)k * C + ch], sdx += p2[(size_t)k * C + ch];
        const double dg = invstd[ch] * (sdx - mean[ch] * sd);  // sum dy * xhat
        dgamma[ch] += (float)dg;
        dbeta[ch] += (float)sd;
        const double g = (double)gamma[ch] * invstd[ch];
        if (train) {
            const double kk = -g * invstd[ch] * dg / (double)rows;
            co[ch] = (float)g;
            co[C + ch] = (float)kk;
            co[2 * C + ch] = (float)(-g * sd / (double)rows);
        } else {
            co[ch] = (float)g, co[C + ch] = 0.0f, co[2 * C + ch] = 0.0f;
        }
    });
    launch(rows * (size_t)C, c->stream, [=] CALLA_HD(size_t i) {
        const size_t ch = i % C;
        dx[i] = co[ch] * dy[i] + co[C + ch] * (x[i] - mean[ch]) + co[2 * C + ch];
    });
}

// ---------------------------------------------------------------- spatial pyramid pooling

// Level l (bins nb = 3, 2, 1) of an H x W input: bin size and leading padding (spp.c).
struct SppLevel {
    int nb, kh, kw, top, left, cell0;
};
CALLA_HD static inline SppLevel spp_level(int l, int H, int W) {
    SppLevel v;
    v.nb = 3 - l;
    v.kh = (H + v.nb - 1) / v.nb, v.kw = (W + v.nb - 1) / v.nb;
    v.top = (v.nb * v.kh - H) / 2, v.left = (v.nb * v.kw - W) / 2;
    v.cell0 = l == 0 ? 0 : l == 1 ? 9 : 13;
    return v;
}

void cu_spp_forward(CuCtx *c, float *out, int *argmax, const float *x, int N, int H, int W,
                    int C) {
    launch((size_t)N * CU_SPP_CELLS * C, c->stream, [=] CALLA_HD(size_t i) {
        const int ch = (int)(i % C), cell = (int)(i / C % CU_SPP_CELLS);
        const size_t n = i / ((size_t)C * CU_SPP_CELLS);
        const SppLevel v = spp_level(cell < 9 ? 0 : cell < 13 ? 1 : 2, H, W);
        const int bin = cell - v.cell0, by = bin / v.nb, bx = bin % v.nb;
        float best = 0.0f;
        int arg = -1;
        for (int y = by * v.kh - v.top; y < (by + 1) * v.kh - v.top; y++)
            for (int xx = bx * v.kw - v.left; xx < (bx + 1) * v.kw - v.left; xx++) {
                if (y < 0 || y >= H || xx < 0 || xx >= W) continue;
                const int idx = (int)(((n * H + y) * W + xx) * C) + ch;
                if (arg < 0 || x[idx] > best) best = x[idx], arg = idx;
            }
        out[i] = best;
        argmax[i] = arg;
    });
}

void cu_spp_backward(CuCtx *c, float *dx, const float *dout, const int *argmax, int N, int H,
                     int W, int C) {
    launch((size_t)N * H * W * C, c->stream, [=] CALLA_HD(size_t i) {
        const int ch = (int)(i % C), xx = (int)(i / C % W), y = (int)(i / C / W % H);
        const size_t n = i / ((size_t)C * W * H);
        float acc = 0.0f;
        for (int l = 0; l < 3; l++) {  // the one bin per level that holds (y, xx), in output order
            const SppLevel v = spp_level(l, H, W);
            const int by = (y + v.top) / v.kh, bx = (xx + v.left) / v.kw;
            const size_t o = (n * CU_SPP_CELLS + v.cell0 + by * v.nb + bx) * C + ch;
            if (argmax[o] == (int)i) acc += dout[o];
        }
        dx[i] = acc;
    });
}

// ---------------------------------------------------------------- input

void cu_fa_transpose(CuCtx *c, float *out, const float *x, int B, int rows, int npos, int nch) {
    launch((size_t)B * rows * npos * nch, c->stream, [=] CALLA_HD(size_t i) {
        const int ch = (int)(i % nch), p = (int)(i / nch % npos), r = (int)(i / nch / npos % rows);
        const size_t b = i / ((size_t)nch * npos * rows);
        out[i] = x[((b * npos + p) * rows + r) * nch + ch];
    });
}
