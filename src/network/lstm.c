// lstm.c — see lstm.h. Per chunk of samples: the input projection of the chunk's rows is one
// GEMM; each step adds the recurrent term with one GEMM over the chunk (rows strided by T*4H, so
// no copies), then applies the gate nonlinearities. Weight gradients: one GEMM each over all rows.
#include "network/lstm.h"

#include <string.h>

#include "network/fastmath.h"
#include "network/gemm.h"

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

// The batch is processed in fixed chunks of LSTM_CHUNK samples, each by one thread for the whole
// sequence (the recurrence is independent across samples): no barrier per time step, and chunks
// are handed out dynamically, so a thread slowed by other jobs on a shared machine takes fewer.
// A chunk's arithmetic does not depend on which thread runs it or how many there are. 32 rows
// keep the per-step GEMMs efficient (OpenBLAS packs Wr once per call: ~3% of a 32-row GEMM).
#define LSTM_CHUNK 32

static void forward_chunk(float *h, float *c, float *gates, const float *x, LstmParams p, int b0,
                          int nb, int T, int C_in, int H, int reverse, int ldh) {
    const int G = 4 * H;
    float *gs = gates + (size_t)b0 * T * G;
    const float *hs = h + (size_t)b0 * T * ldh;
    float *cs = c + (size_t)b0 * T * H;
    for (size_t r = 0; r < (size_t)nb * T; r++) memcpy(gs + r * G, p.b, sizeof(float) * G);
    gemm(0, 0, nb * T, G, C_in, 1.0f, x + (size_t)b0 * T * C_in, C_in, p.Wk, G, 1.0f, gs, G);
    for (int s = 0; s < T; s++) {
        const int t = reverse ? T - 1 - s : s;
        const int tp = reverse ? t + 1 : t - 1;  // previous step in processing order
        if (s > 0)
            gemm(0, 0, nb, G, H, 1.0f, hs + (size_t)tp * ldh, T * ldh, p.Wr, G, 1.0f,
                 gs + (size_t)t * G, T * G);
        for (int b = 0; b < nb; b++)
            step_forward(gs + ((size_t)b * T + t) * G, cs + ((size_t)b * T + t) * H,
                         s > 0 ? cs + ((size_t)b * T + tp) * H : NULL,
                         h + ((size_t)(b0 + b) * T + t) * ldh, H);
    }
}

void lstm_forward(float *h, float *c, float *gates, const float *x, LstmParams p, int B, int T,
                  int C_in, int H, int reverse, int ldh) {
    const int nchunks = (B + LSTM_CHUNK - 1) / LSTM_CHUNK;
#pragma omp parallel for schedule(dynamic, 1) if (nchunks > 1 && net_parallel_ok())
    for (int k = 0; k < nchunks; k++) {
        const int b0 = k * LSTM_CHUNK, nb = B - b0 < LSTM_CHUNK ? B - b0 : LSTM_CHUNK;
        forward_chunk(h, c, gates, x, p, b0, nb, T, C_in, H, reverse, ldh);
    }
}

// Backward of one chunk's recurrence: fills its rows of dgates and, if dx, its rows of dx.
static void backward_chunk(float *dx, float *dgates, float *scratch, const float *dh,
                           const float *c, const float *gates, LstmParams p, int b0, int nb,
                           int B, int T, int C_in, int H, int reverse, int ldh, float dx_beta) {
    const int G = 4 * H;
    float *dh_rec = scratch + (size_t)b0 * H;         // [nb, H]: dL/dh_t through step t+1
    float *dc_next = scratch + (size_t)(B + b0) * H;  // [nb, H]: dL/dc_t through step t+1
    float *dgs = dgates + (size_t)b0 * T * G;
    memset(dh_rec, 0, sizeof(float) * nb * H);
    memset(dc_next, 0, sizeof(float) * nb * H);
    for (int s = T - 1; s >= 0; s--) {
        const int t = reverse ? T - 1 - s : s;
        const int tp = reverse ? t + 1 : t - 1;
        const int first = s == 0;
        for (int b = 0; b < nb; b++) {
            const size_t row = (size_t)(b0 + b) * T;
            step_backward(dgs + ((size_t)b * T + t) * G, dc_next + (size_t)b * H,
                          dh_rec + (size_t)b * H, gates + (row + t) * G, c + (row + t) * H,
                          c + (row + (first ? t : tp)) * H, first ? 0.0f : 1.0f,
                          dh + (row + t) * ldh, H);
        }
        if (!first)
            gemm(0, 1, nb, H, G, 1.0f, dgs + (size_t)t * G, T * G, p.Wr, G, 0.0f, dh_rec, H);
    }
    if (dx)
        gemm(0, 1, nb * T, C_in, G, 1.0f, dgs, G, p.Wk, G, dx_beta, dx + (size_t)b0 * T * C_in,
             C_in);
}

// The recurrence runs per chunk as in forward; the weight gradients are then single GEMMs over
// all B*T rows, split by output columns: dWk += x^T dZ, and dWr += Σ_t h_{t-1}^T dz_t as one
// GEMM pairing row r of dZ with the h row one step earlier in processing order (r-1 forward,
// r+1 reverse). The pairs that cross a sample boundary meet the first processed step of a
// sample, whose dz rows are zeroed (after dWk, db and dx used them), so they add exact zeros.
void lstm_backward(float *dx, LstmGrads g, float *dgates, float *scratch, const float *dh,
                   const float *h, const float *c, const float *gates, const float *x, LstmParams p,
                   int B, int T, int C_in, int H, int reverse, int ldh, float dx_beta) {
    const int G = 4 * H;
    const int rows = B * T;
    const int tfirst = reverse ? T - 1 : 0;
    const int nchunks = (B + LSTM_CHUNK - 1) / LSTM_CHUNK;
#pragma omp parallel if (net_parallel_ok())
    {
#pragma omp for schedule(dynamic, 1)
        for (int k = 0; k < nchunks; k++) {
            const int b0 = k * LSTM_CHUNK, nb = B - b0 < LSTM_CHUNK ? B - b0 : LSTM_CHUNK;
            backward_chunk(dx, dgates, scratch, dh, c, gates, p, b0, nb, B, T, C_in, H, reverse,
                           ldh, dx_beta);
        }  // implied barrier: dgates complete
        gemm_part(1, 0, C_in, G, rows, 1.0f, x, C_in, dgates, G, 1.0f, g.dWk, G);
        int j0, j1;
        split_range(G, 16, net_tid(), net_nth(), &j0, &j1);
        for (int r = 0; r < rows; r++) {  // row-wise over this thread's columns
            const float *d = dgates + (size_t)r * G;
            for (int j = j0; j < j1; j++) g.db[j] += d[j];
        }
#pragma omp barrier
#pragma omp for schedule(static)
        for (int b = 0; b < B; b++)
            memset(dgates + ((size_t)b * T + tfirst) * G, 0, sizeof(float) * G);
        if (rows > 1)
            gemm_part(1, 0, H, G, rows - 1, 1.0f, reverse ? h + ldh : h, ldh,
                      reverse ? dgates : dgates + G, G, 1.0f, g.dWr, G);
    }
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
