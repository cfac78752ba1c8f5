// batchnorm.c — see batchnorm.h.
#include "network/batchnorm.h"

#include <math.h>
#include <stdlib.h>

#include "common/util.h"
#include "network/gemm.h"

// Work below this many elements stays in the calling thread.
#define BN_PAR_MIN (1 << 16)

// s1[c] = sum_r a[r,c]; s2[c] = sum_r a[r,c] * b[r,c] when b (else untouched); channels split
// over the team, every channel summed by one thread in row order (thread-count independent).
static void channel_sums(double *s1, double *s2, const float *a, const float *b, size_t rows,
                         int C) {
#pragma omp parallel if (net_parallel_ok() && rows * (size_t)C >= BN_PAR_MIN)
    {
        int lo, hi;
        split_range(C, 16, net_tid(), net_nth(), &lo, &hi);
        for (int c = lo; c < hi; c++) s1[c] = 0.0;
        if (b)
            for (int c = lo; c < hi; c++) s2[c] = 0.0;
        for (size_t r = 0; r < rows && lo < hi; r++) {
            const float *ar = a + r * C;
            for (int c = lo; c < hi; c++) s1[c] += ar[c];
            if (b) {
                const float *br = b + r * C;
                for (int c = lo; c < hi; c++) s2[c] += (double)ar[c] * br[c];
            }
        }
    }
}

void bn_forward(float *y, float *mean, float *invstd, const float *x, const float *gamma,
                const float *beta, float *run_mean, float *run_var, size_t rows, int C, int train,
                float eps, float momentum) {
    bn_forward_act(y, mean, invstd, x, gamma, beta, run_mean, run_var, rows, C, train, eps,
                   momentum, NULL, 0);
}

void bn_forward_act(float *y, float *mean, float *invstd, const float *x, const float *gamma,
                    const float *beta, float *run_mean, float *run_var, size_t rows, int C,
                    int train, float eps, float momentum, const float *add, int relu) {
    if (train) {
        double *s = xmalloc(sizeof(double) * 2 * (size_t)C), *q = s + C;
        channel_sums(s, NULL, x, NULL, rows, C);
        for (int c = 0; c < C; c++) s[c] /= (double)rows;
        // second pass: sum of squared deviations (no cancellation)
#pragma omp parallel if (net_parallel_ok() && rows * (size_t)C >= BN_PAR_MIN)
        {
            int lo, hi;
            split_range(C, 16, net_tid(), net_nth(), &lo, &hi);
            for (int c = lo; c < hi; c++) q[c] = 0.0;
            for (size_t r = 0; r < rows && lo < hi; r++)
                for (int c = lo; c < hi; c++) {
                    double d = x[r * C + c] - s[c];
                    q[c] += d * d;
                }
        }
        for (int c = 0; c < C; c++) {
            double var = q[c] / (double)rows;
            mean[c] = (float)s[c];
            invstd[c] = (float)(1.0 / sqrt(var + eps));
            if (run_mean) {
                double unb = rows > 1 ? var * (double)rows / (double)(rows - 1) : var;
                run_mean[c] = (float)(momentum * (double)run_mean[c] + (1.0 - momentum) * s[c]);
                run_var[c] = (float)(momentum * (double)run_var[c] + (1.0 - momentum) * unb);
            }
        }
        free(s);
    } else {
        for (int c = 0; c < C; c++) {
            mean[c] = run_mean[c];
            invstd[c] = (float)(1.0 / sqrt((double)run_var[c] + eps));
        }
    }
    float *sc = xmalloc(sizeof(float) * (size_t)C);
    for (int c = 0; c < C; c++) sc[c] = gamma[c] * invstd[c];
#pragma omp parallel for schedule(static) if (net_parallel_ok() && rows * (size_t)C >= BN_PAR_MIN)
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * C, *ar = add ? add + r * C : NULL;
        float *yr = y + r * C;
        if (ar && relu) {
#pragma omp simd
            for (int c = 0; c < C; c++) {
                float v = (xr[c] - mean[c]) * sc[c] + beta[c] + ar[c];
                yr[c] = v > 0.0f ? v : 0.0f;
            }
        } else if (relu) {
#pragma omp simd
            for (int c = 0; c < C; c++) {
                float v = (xr[c] - mean[c]) * sc[c] + beta[c];
                yr[c] = v > 0.0f ? v : 0.0f;
            }
        } else {
#pragma omp simd
            for (int c = 0; c < C; c++)
                yr[c] = (xr[c] - mean[c]) * sc[c] + beta[c] + (ar ? ar[c] : 0.0f);
        }
    }
    free(sc);
}

void bn_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x,
                 const float *mean, const float *invstd, const float *gamma, size_t rows, int C,
                 int train) {
    // sum_r dy and sum_r dy * x; then sum dy * xhat = invstd * (sum dy x - mu sum dy)
    double *sd = xmalloc(sizeof(double) * 2 * (size_t)C), *sdx = sd + C;
    channel_sums(sd, sdx, dy, x, rows, C);
    float *a = xmalloc(sizeof(float) * 3 * (size_t)C), *b = a + C, *k = b + C;
    for (int c = 0; c < C; c++) {
        double dg = invstd[c] * (sdx[c] - mean[c] * sd[c]);  // sum dy * xhat
        dgamma[c] += (float)dg;
        dbeta[c] += (float)sd[c];
        // train: dx = gamma invstd (dy - sum dy / n - xhat * sum(dy xhat) / n)
        //           = a dy + k (x - mu) + b   with k = -gamma invstd^2 dg / n
        double g = (double)gamma[c] * invstd[c];
        if (train) {
            double kk = -g * invstd[c] * dg / (double)rows;
            a[c] = (float)g;
            k[c] = (float)kk;
            b[c] = (float)(-g * sd[c] / (double)rows);
        } else {
            a[c] = (float)g, k[c] = 0.0f, b[c] = 0.0f;
        }
    }
#pragma omp parallel for schedule(static) if (net_parallel_ok() && rows * (size_t)C >= BN_PAR_MIN)
    for (size_t r = 0; r < rows; r++)
        for (int c = 0; c < C; c++)
            dx[r * C + c] = a[c] * dy[r * C + c] + k[c] * (x[r * C + c] - mean[c]) + b[c];
    free(sd);
    free(a);
}
