// lstm.c — see lstm.h. The input projection of all B*T rows is one GEMM; each step adds the
// recurrent term with one GEMM over the batch (rows strided by T*4H, so no copies), then applies
// the gate nonlinearities in parallel over the batch.
#include "network/lstm.h"

#include <cblas.h>
#include <string.h>

#include "network/fastmath.h"

// The per-step elementwise work, one sample, vectorised (see fastmath.h).
CALLA_CLONES static void step_forward(float *restrict z, float *restrict cb,
                                      const float *restrict cp, float *restrict hb, int H) {
    float *zi = z, *zf = z + H, *zg = z + 2 * H, *zo = z + 3 * H;
    if (cp) {
#pragma omp simd
        for (int j = 0; j < H; j++) {
            float i = fm_sigmoid(zi[j]), f = fm_sigmoid(zf[j]), g = fm_tanh(zg[j]),
                  o = fm_sigmoid(zo[j]);
            float cc = i * g + f * cp[j];
            zi[j] = i, zf[j] = f, zg[j] = g, zo[j] = o;
            cb[j] = cc;
            hb[j] = o * fm_tanh(cc);
        }
    } else {
#pragma omp simd
        for (int j = 0; j < H; j++) {
            float i = fm_sigmoid(zi[j]), f = fm_sigmoid(zf[j]), g = fm_tanh(zg[j]),
                  o = fm_sigmoid(zo[j]);
            float cc = i * g;
            zi[j] = i, zf[j] = f, zg[j] = g, zo[j] = o;
            cb[j] = cc;
            hb[j] = o * fm_tanh(cc);
        }
    }
}

// dh_in: dL/dh_t from the output; dhr/dcn: the recurrent dL/dh_t and dL/dc_t from step t+1
// (zero before the last step); cscale * cp: c_{t-1} (cscale = 0 at the first step, so that no
// branch sits in the loop). Writes dz and the new dcn = dL/dc_{t-1}.
CALLA_CLONES static void step_backward(float *restrict dz, float *restrict dcn,
                                       const float *restrict dhr, const float *restrict z,
                                       const float *restrict cb, const float *cp, float cscale,
                                       const float *restrict dh_in, int H) {
    const float *zi = z, *zf = z + H, *zg = z + 2 * H, *zo = z + 3 * H;
#pragma omp simd
    for (int j = 0; j < H; j++) {
        float i = zi[j], f = zf[j], gg = zg[j], o = zo[j];
        float tc = fm_tanh(cb[j]);
        float dhj = dh_in[j] + dhr[j];
        float dc = dhj * o * (1.0f - tc * tc) + dcn[j];
        float cprev = cscale * cp[j];
        dz[j] = dc * gg * i * (1.0f - i);
        dz[H + j] = dc * cprev * f * (1.0f - f);
        dz[2 * H + j] = dc * i * (1.0f - gg * gg);
        dz[3 * H + j] = dhj * tc * o * (1.0f - o);
        dcn[j] = dc * f;
    }
}

void lstm_forward(float *h, float *c, float *gates, const float *x, LstmParams p, int B, int T,
                  int C_in, int H, int reverse, int ldh) {
    const int G = 4 * H;
    const size_t rows = (size_t)B * T;
    for (size_t r = 0; r < rows; r++) memcpy(gates + r * G, p.b, sizeof(float) * G);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, G, C_in, 1.0f, x, C_in, p.Wk,
                G, 1.0f, gates, G);
    for (int s = 0; s < T; s++) {
        const int t = reverse ? T - 1 - s : s;
        const int tp = reverse ? t + 1 : t - 1;  // previous step in processing order
        if (s > 0)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, G, H, 1.0f,
                        h + (size_t)tp * ldh, T * ldh, p.Wr, G, 1.0f, gates + (size_t)t * G, T * G);
#pragma omp parallel for schedule(static) if ((size_t)B * H >= 8192)
        for (int b = 0; b < B; b++)
            step_forward(gates + ((size_t)b * T + t) * G, c + ((size_t)b * T + t) * H,
                         s > 0 ? c + ((size_t)b * T + tp) * H : NULL, h + ((size_t)b * T + t) * ldh,
                         H);
    }
}

void lstm_backward(float *dx, LstmGrads g, float *dgates, float *scratch, const float *dh,
                   const float *h, const float *c, const float *gates, const float *x, LstmParams p,
                   int B, int T, int C_in, int H, int reverse, int ldh, float dx_beta) {
    const int G = 4 * H;
    const size_t rows = (size_t)B * T;
    float *dh_rec = scratch;                   // [B, H]: dL/dh_{t} through step t+1's recurrence
    float *dc_next = scratch + (size_t)B * H;  // [B, H]: dL/dc_{t} through step t+1
    memset(scratch, 0, sizeof(float) * 2 * (size_t)B * H);
    for (int s = T - 1; s >= 0; s--) {
        const int t = reverse ? T - 1 - s : s;
        const int tp = reverse ? t + 1 : t - 1;
        const int first = s == 0;
#pragma omp parallel for schedule(static) if ((size_t)B * H >= 8192)
        for (int b = 0; b < B; b++)
            step_backward(dgates + ((size_t)b * T + t) * G, dc_next + (size_t)b * H,
                          dh_rec + (size_t)b * H, gates + ((size_t)b * T + t) * G,
                          c + ((size_t)b * T + t) * H, c + ((size_t)b * T + (first ? t : tp)) * H,
                          first ? 0.0f : 1.0f, dh + ((size_t)b * T + t) * ldh, H);
        if (!first) {
            const float *dzt = dgates + (size_t)t * G;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, H, G, 1.0f, dzt, T * G, p.Wr, G,
                        0.0f, dh_rec, H);
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, H, G, B, 1.0f,
                        h + (size_t)tp * ldh, T * ldh, dzt, T * G, 1.0f, g.dWr, G);
        }
    }
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, C_in, G, (int)rows, 1.0f, x, C_in, dgates,
                G, 1.0f, g.dWk, G);
    for (size_t r = 0; r < rows; r++) {  // row-wise: contiguous and vectorisable
        const float *d = dgates + r * G;
        for (int j = 0; j < G; j++) g.db[j] += d[j];
    }
    if (dx)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, C_in, G, 1.0f, dgates, G,
                    p.Wk, G, dx_beta, dx, C_in);
}

void lstm_bi_forward(float *out, float *c, float *gates, const float *x, LstmParams fwd,
                     LstmParams bwd, int B, int T, int C_in, int H) {
    const size_t n = (size_t)B * T * H;
    lstm_forward(out, c, gates, x, fwd, B, T, C_in, H, 0, 2 * H);
    lstm_forward(out + H, c + n, gates + 4 * n, x, bwd, B, T, C_in, H, 1, 2 * H);
}

void lstm_bi_backward(float *dx, LstmGrads gf, LstmGrads gb, float *dgates, float *scratch,
                      const float *dout, const float *out, const float *c, const float *gates,
                      const float *x, LstmParams fwd, LstmParams bwd, int B, int T, int C_in,
                      int H) {
    const size_t n = (size_t)B * T * H;
    lstm_backward(dx, gf, dgates, scratch, dout, out, c, gates, x, fwd, B, T, C_in, H, 0, 2 * H,
                  0.0f);
    lstm_backward(dx, gb, dgates, scratch, dout + H, out + H, c + n, gates + 4 * n, x, bwd, B, T,
                  C_in, H, 1, 2 * H, 1.0f);
}
