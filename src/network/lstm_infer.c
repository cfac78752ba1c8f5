// lstm_infer.c — the LSTM's inference-only forward passes (lstm.h, "Inference only"). Batches are
// cut into the same chunks of LSTM_INFER_CHUNK samples as lstm_forward, one thread per chunk for
// the whole sequence; each chunk's scratch lies in its own slice of the caller's c and gates, so
// nothing is allocated per call or per step.
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "network/fastmath.h"
#include "network/gemm.h"
#include "network/lstm.h"

#define LSTM_INFER_CHUNK 32  // = lstm.c's LSTM_CHUNK: the fp32 GEMM shapes, hence bits, match

// One step of one sample: z holds the pre-activations (i, f, g, o), cb the cell state (c_{t-1}
// on entry unless first, c_t on exit), h the output. The arithmetic is lstm.c's step_forward's.
CALLA_CLONES static void step_fused(const float *restrict z, float *restrict cb, int first,
                                    float *restrict h, int H) {
    const float *zi = z, *zf = z + H, *zg = z + 2 * H, *zo = z + 3 * H;
    if (first) {
#pragma omp simd
        for (int j = 0; j < H; j++) {
            float i = fm_sigmoid(zi[j]), g = fm_tanh(zg[j]), o = fm_sigmoid(zo[j]);
            float cc = i * g;
            cb[j] = cc;
            h[j] = o * fm_tanh(cc);
        }
    } else {
#pragma omp simd
        for (int j = 0; j < H; j++) {
            float i = fm_sigmoid(zi[j]), f = fm_sigmoid(zf[j]), g = fm_tanh(zg[j]),
                  o = fm_sigmoid(zo[j]);
            float cc = i * g + f * cb[j];
            cb[j] = cc;
            h[j] = o * fm_tanh(cc);
        }
    }
}

static void fp32_chunk(float *h, float *c, float *gates, const float *x, LstmParams p, int b0,
                       int nb, int T, int C_in, int H, int reverse, int ldh) {
    const int G = 4 * H;
    float *gs = gates + (size_t)b0 * T * G;  // [nb, T, 4H] pre-activations
    float *cs = c + (size_t)b0 * T * H;      // [nb, H] running cell states
    const float *hs = h + (size_t)b0 * T * ldh;
    for (size_t r = 0; r < (size_t)nb * T; r++) memcpy(gs + r * G, p.b, sizeof(float) * G);
    gemm(0, 0, nb * T, G, C_in, 1.0f, x + (size_t)b0 * T * C_in, C_in, p.Wk, G, 1.0f, gs, G);
    for (int s = 0; s < T; s++) {
        const int t = reverse ? T - 1 - s : s;
        const int tp = reverse ? t + 1 : t - 1;
        if (s > 0)
            gemm(0, 0, nb, G, H, 1.0f, hs + (size_t)tp * ldh, T * ldh, p.Wr, G, 1.0f,
                 gs + (size_t)t * G, T * G);
        for (int b = 0; b < nb; b++)
            step_fused(gs + ((size_t)b * T + t) * G, cs + (size_t)b * H, s == 0,
                       h + ((size_t)(b0 + b) * T + t) * ldh, H);
    }
}

static void fp32_dir(float *h, float *c, float *gates, const float *x, LstmParams p, int B, int T,
                     int C_in, int H, int reverse, int ldh) {
    const int nchunks = (B + LSTM_INFER_CHUNK - 1) / LSTM_INFER_CHUNK;
#pragma omp parallel for schedule(dynamic, 1) if (nchunks > 1 && net_parallel_ok())
    for (int k = 0; k < nchunks; k++) {
        const int b0 = k * LSTM_INFER_CHUNK;
        const int nb = B - b0 < LSTM_INFER_CHUNK ? B - b0 : LSTM_INFER_CHUNK;
        fp32_chunk(h, c, gates, x, p, b0, nb, T, C_in, H, reverse, ldh);
    }
}

void lstm_bi_forward_infer(float *out, float *c, float *gates, const float *x, LstmParams fwd,
                           LstmParams bwd, int B, int T, int C_in, int H) {
    const size_t n = (size_t)B * T * H;
    fp32_dir(out, c, gates, x, fwd, B, T, C_in, H, 0, 2 * H);
    fp32_dir(out + H, c + n, gates + 4 * n, x, bwd, B, T, C_in, H, 1, 2 * H);
}

int lstm_bf16_pack(LstmBf16 *q, LstmParams p, int C_in, int H) {
    memset(q, 0, sizeof *q);
    if (C_in <= 0 || H <= 0) return -1;
    const int G = 4 * H, Cp = (C_in + 1) & ~1;
    float *stk = xcalloc((size_t)(Cp + H) * G, sizeof(float));
    memcpy(stk, p.Wk, sizeof(float) * C_in * G);
    memcpy(stk + (size_t)Cp * G, p.Wr, sizeof(float) * H * G);
    int rc = bf16mat_pack(&q->w, stk, Cp + H, G, G);
    free(stk);
    q->b = p.b, q->C_in = C_in, q->H = H;
    return rc;
}

void lstm_bf16_free(LstmBf16 *q) {
    bf16mat_free(&q->w);
    memset(q, 0, sizeof *q);
}

// The h half of the next step's bf16 row: pairs of h_t (odd H: the last pair's high half 0).
CALLA_CLONES static void h_to_pairs(uint32_t *restrict dst, const float *restrict h, int H) {
    const int full = H / 2;
#pragma omp simd
    for (int j = 0; j < full; j++) dst[j] = bf16_pair(h[2 * j], h[2 * j + 1]);
    if (H % 2) dst[full] = bf16_pair(h[H - 1], 0.0f);
}

// x [B, T, C_in] as bf16 pairs [B * T][xp2]: chunk rows b0..b0+nb-1 (the forward direction's
// chunks pack them, the backward direction reads them).
static void pack_x(uint32_t *xq, const float *x, int b0, int nb, int T, int C_in) {
    const int xp2 = (C_in + 1) / 2;
    bf16_pack_rows(xq + (size_t)b0 * T * xp2, xp2, x + (size_t)b0 * T * C_in, nb * T, C_in, C_in);
}

static void bf16_chunk(float *h, float *scr, const uint32_t *xq, const LstmBf16 *q, int b0, int nb,
                       int T, int reverse, int ldh, int simd) {
    const int H = q->H, G = 4 * H, xp2 = (q->C_in + 1) / 2, hp2 = (H + 1) / 2;
    float *z = scr;                                    // [nb, 4H] this step's pre-activations
    float *cs = z + (size_t)nb * G;                    // [nb, H] cell states
    uint32_t *hq = (uint32_t *)(cs + (size_t)nb * H);  // [nb, hp2]: h_{t-1} as bf16 pairs
    memset(hq, 0, sizeof(uint32_t) * nb * hp2);        // h_{-1} = 0
    for (int s = 0; s < T; s++) {
        const int t = reverse ? T - 1 - s : s;
        bf16_gemm2(nb, xq + ((size_t)b0 * T + t) * xp2, T * xp2, xp2, hq, hp2, &q->w, q->b, z, G,
                   simd);
        for (int b = 0; b < nb; b++) {
            float *hb = h + ((size_t)(b0 + b) * T + t) * ldh;
            step_fused(z + (size_t)b * G, cs + (size_t)b * H, s == 0, hb, H);
            h_to_pairs(hq + (size_t)b * hp2, hb, H);
        }
    }
}

static void bf16_dir(float *h, float *gates, uint32_t *xq, const float *x, const LstmBf16 *q,
                     int B, int T, int reverse, int ldh, int simd) {
    const int nchunks = (B + LSTM_INFER_CHUNK - 1) / LSTM_INFER_CHUNK;
#pragma omp parallel for schedule(dynamic, 1) if (nchunks > 1 && net_parallel_ok())
    for (int k = 0; k < nchunks; k++) {
        const int b0 = k * LSTM_INFER_CHUNK;
        const int nb = B - b0 < LSTM_INFER_CHUNK ? B - b0 : LSTM_INFER_CHUNK;
        if (x) pack_x(xq, x, b0, nb, T, q->C_in);
        // chunk k's slice of gates [B, T, 4H]: 4H T nb floats, more than the nb (5H + hp2) used
        bf16_chunk(h, gates + (size_t)b0 * T * 4 * q->H, xq, q, b0, nb, T, reverse, ldh, simd);
    }
}

void lstm_bi_forward_bf16(float *out, float *xbuf, float *gates, const float *x,
                          const LstmBf16 *fwd, const LstmBf16 *bwd, int B, int T, int simd) {
    const int H = fwd->H;
    if ((H + 1) / 2 + 5 * H > 4 * H * T) calla_die("lstm_bi_forward_bf16: sequence too short");
    uint32_t *xq = (uint32_t *)xbuf;
    bf16_dir(out, gates, xq, x, fwd, B, T, 0, 2 * H, simd);
    bf16_dir(out + H, gates, xq, NULL, bwd, B, T, 1, 2 * H, simd);
}
