// test_grad_double.c — every layer and loss of src/network against a double-precision reference.
//
// The references below are plain loops written from the headers' definitions (src/network/*.h,
// docs/network.md), never calling calla's float code. For each layer we pack every parameter and
// input into one double vector v (float-representable values, so calla sees exactly the same
// numbers), define the scalar L(v) = sum_i r_i y_i(v) with fixed random weights r, and compare
//   (a) calla's float forward y with the double reference y, and
//   (b) calla's float backward (called with dout = r) with central differences of L in DOUBLE,
//       (L(v + h e_k) - L(v - h e_k)) / 2h, h = 1e-6, for EVERY element k of v.
// Error budget. The double difference is exact to far below what we test: truncation
// h^2 |L'''| / 6 ~ 1e-13, rounding 1e-16 |L| / h ~ 1e-9 for |L| <= 10. The float side carries
// float32 rounding (2^-24 ~ 6e-8 relative per operation) accumulated over sums of at most ~50
// terms and, in the LSTM, fastmath.h's exp (relative error ~2e-7) propagated through a few time
// steps: a few 1e-6 relative to the sum of |terms|, i.e. <= ~2e-6 absolute for O(1) values
// (measured: at most 1.4e-6 on a forward, 8e-7 on a gradient entry).
// We allow |float - double| <= 2e-5 + 2e-4 |double|: ten times that margin, yet a wrong term in
// any backward (a dropped factor, a wrong gate, an off-by-one pad) changes entries by O(0.1),
// and a forget-gate pre-activation shifted by 1e-3 in the reference already fails.
// Inputs keep |x| >= 1e-2 away from the kinks of ReLU/SELU, and max-pool windows hold distinct
// continuous values, so no kink lies inside [v-h, v+h].
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/blas.h"
#include "common/rng.h"
#include "network/activations.h"
#include "network/batchnorm.h"
#include "network/conv3x3.h"
#include "network/resblock.h"
#include "network/spp.h"
#include "network/conv2d.h"
#include "network/dense.h"
#include "network/losses.h"
#include "network/model.h"
#include "network/lstm.h"
#include "network/pool.h"
#include "testlib.h"

#define FD_H 1e-6
#define ATOL 2e-5
#define RTOL 2e-4

static Rng R;

// ---------------------------------------------------------------------------------------------
// Double-precision references.

static double sigm(double x) { return 1.0 / (1.0 + exp(-x)); }
static double selu(double x) {
    return x >= 0 ? SELU_SCALE * x : SELU_SCALE * SELU_ALPHA * (exp(x) - 1.0);
}

// out [B, Co] = in [B, Ci] @ W [Ci, Co] + b
static void ref_dense(double *out, const double *in, const double *W, const double *b, int B,
                      int Ci, int Co) {
    for (int n = 0; n < B; n++) {
        double *o = out + (size_t)n * Co;
        for (int j = 0; j < Co; j++) o[j] = b ? b[j] : 0.0;
        for (int i = 0; i < Ci; i++)
            for (int j = 0; j < Co; j++) o[j] += in[(size_t)n * Ci + i] * W[(size_t)i * Co + j];
    }
}

// One LSTM direction, Keras: gates i, f, c, o in that order along 4H. h written at
// h[(n*T + t) * ldh], indexed by time also for reverse.
static void ref_lstm(double *h, const double *x, const double *Wk, const double *Wr,
                     const double *b, int B, int T, int Ci, int H, int reverse, int ldh) {
    double *hp = calloc((size_t)H, sizeof *hp), *cp = calloc((size_t)H, sizeof *cp);
    double *z = malloc(sizeof(double) * 4 * H), *hn = malloc(sizeof(double) * H);
    for (int n = 0; n < B; n++) {
        memset(hp, 0, sizeof(double) * H);
        memset(cp, 0, sizeof(double) * H);
        for (int s = 0; s < T; s++) {
            int t = reverse ? T - 1 - s : s;
            const double *xt = x + ((size_t)n * T + t) * Ci;
            for (int j = 0; j < 4 * H; j++) z[j] = b[j];
            for (int i = 0; i < Ci; i++)
                for (int j = 0; j < 4 * H; j++) z[j] += xt[i] * Wk[(size_t)i * 4 * H + j];
            for (int k = 0; k < H; k++)
                for (int j = 0; j < 4 * H; j++) z[j] += hp[k] * Wr[(size_t)k * 4 * H + j];
            for (int k = 0; k < H; k++) {
                double ig = sigm(z[k]), fg = sigm(z[H + k]), gg = tanh(z[2 * H + k]),
                       og = sigm(z[3 * H + k]);
                cp[k] = fg * cp[k] + ig * gg;
                hn[k] = og * tanh(cp[k]);
            }
            memcpy(hp, hn, sizeof(double) * H);
            for (int k = 0; k < H; k++) h[((size_t)n * T + t) * ldh + k] = hn[k];
        }
    }
    free(hp), free(cp), free(z), free(hn);
}

// Bidirectional concat: [B, T, 2H], forward half first.
static void ref_lstm_bi(double *out, const double *x, const double *const pf[3],
                        const double *const pb[3], int B, int T, int Ci, int H) {
    ref_lstm(out, x, pf[0], pf[1], pf[2], B, T, Ci, H, 0, 2 * H);
    ref_lstm(out + H, x, pb[0], pb[1], pb[2], B, T, Ci, H, 1, 2 * H);
}

// Conv2d stride 1, TF "same": per axis pad floor((k-1)/2) before, rest after. NHWC.
static void ref_conv(double *out, const double *x, const double *W, const double *b, int N,
                     int Hh, int Wd, int Ci, int Co, int kh, int kw) {
    int py = (kh - 1) / 2, px = (kw - 1) / 2;
    for (int n = 0; n < N; n++)
        for (int y = 0; y < Hh; y++)
            for (int xx = 0; xx < Wd; xx++)
                for (int o = 0; o < Co; o++) {
                    double s = b[o];
                    for (int ky = 0; ky < kh; ky++)
                        for (int kx = 0; kx < kw; kx++) {
                            int iy = y + ky - py, ix = xx + kx - px;
                            if (iy < 0 || iy >= Hh || ix < 0 || ix >= Wd) continue;
                            for (int c = 0; c < Ci; c++)
                                s += x[(((size_t)n * Hh + iy) * Wd + ix) * Ci + c] *
                                     W[((ky * kw + kx) * Ci + c) * Co + o];
                        }
                    out[(((size_t)n * Hh + y) * Wd + xx) * Co + o] = s;
                }
}

// Max-pool (ph, 1) windows, stride 1, valid, along H only. NHWC.
static void ref_pool(double *out, const double *x, int N, int Hh, int Wd, int C, int ph) {
    int Ho = Hh - ph + 1;
    for (int n = 0; n < N; n++)
        for (int y = 0; y < Ho; y++)
            for (int xx = 0; xx < Wd; xx++)
                for (int c = 0; c < C; c++) {
                    double m = -INFINITY;
                    for (int k = 0; k < ph; k++)
                        m = fmax(m, x[(((size_t)n * Hh + y + k) * Wd + xx) * C + c]);
                    out[(((size_t)n * Ho + y) * Wd + xx) * C + c] = m;
                }
}

static void ref_softmax(double *p, const double *z, int B, int C) {
    for (int n = 0; n < B; n++) {
        double m = z[n * C], s = 0.0;
        for (int c = 1; c < C; c++) m = fmax(m, z[n * C + c]);
        for (int c = 0; c < C; c++) s += (p[n * C + c] = exp(z[n * C + c] - m));
        for (int c = 0; c < C; c++) p[n * C + c] /= s;
    }
}

// Focal loss (gamma) on softmax(z), p clipped to [1e-9, 1-1e-9], summed over the batch.
static double ref_focal(const double *z, const double *y, int B, int C, double gamma) {
    double *p = malloc(sizeof(double) * B * C), L = 0.0;
    ref_softmax(p, z, B, C);
    for (int i = 0; i < B * C; i++) {
        double q = fmin(fmax(p[i], FOCAL_EPS), 1.0 - FOCAL_EPS);
        L += -y[i] * pow(1.0 - q, gamma) * log(q);
    }
    free(p);
    return L;
}

static double ref_xent(const double *z, const double *y, int B, int C) {
    double *p = malloc(sizeof(double) * B * C), L = 0.0;
    ref_softmax(p, z, B, C);
    for (int i = 0; i < B * C; i++) L += -y[i] * log(p[i]);
    free(p);
    return L;
}

static double ref_sse(const double *z, const double *y, int n) {
    double L = 0.0;
    for (int i = 0; i < n; i++) L += (sigm(z[i]) - y[i]) * (sigm(z[i]) - y[i]);
    return L;
}

// ---------------------------------------------------------------------------------------------
// Harness: a layer is a function of the packed vector v giving nout outputs.

typedef struct Layer Layer;
struct Layer {
    void (*fwd)(const Layer *l, const double *v, double *out);
    int dims[8];  // meaning per layer
    int nout;
    const double *aux;  // targets for losses
};

static double Lr(const Layer *l, const double *v, const double *r, double *out) {
    l->fwd(l, v, out);
    double s = 0.0;
    for (int i = 0; i < l->nout; i++) s += r[i] * out[i];
    return s;
}

// Compares calla's float forward fout[nout] with the reference and calla's gradient an[nv]
// (ordered like v) with double central differences of L = sum r_i out_i.
static void check_layer(const char *name, const Layer *l, double *v, int nv, const double *r,
                        const float *fout, const float *an) {
    double *out = malloc(sizeof(double) * l->nout);
    l->fwd(l, v, out);
    int bad = 0;
    double worst = 0.0;
    for (int i = 0; fout && i < l->nout; i++) {
        double e = fabs(fout[i] - out[i]);
        if (!(e <= ATOL + RTOL * fabs(out[i]))) {
            if (bad++ < 5)
                fprintf(stderr, "%s: forward out[%d] = %.9g, reference %.9g\n", name, i, fout[i],
                        out[i]);
        }
        worst = fmax(worst, e);
    }
    double worstg = 0.0;
    for (int k = 0; k < nv; k++) {
        double v0 = v[k];
        v[k] = v0 + FD_H;
        double lp = Lr(l, v, r, out);
        v[k] = v0 - FD_H;
        double lm = Lr(l, v, r, out);
        v[k] = v0;
        double fd = (lp - lm) / (2 * FD_H), e = fabs(an[k] - fd);
        if (!(e <= ATOL + RTOL * fabs(fd))) {
            if (bad++ < 10)
                fprintf(stderr, "%s: grad[%d] = %.9g, double FD %.9g\n", name, k, an[k], fd);
        }
        worstg = fmax(worstg, e);
    }
    fprintf(stderr, "%-24s %4d grads, max |fwd err| %.2e, max |grad err| %.2e %s\n", name, nv,
            worst, worstg, bad ? "FAIL" : "ok");
    T_CHECK(bad == 0);
    free(out);
}

// Random float-representable values in [lo, hi) with |x| >= 1e-2 (away from kinks).
static void fillv(double *v, int n, double lo, double hi) {
    for (int i = 0; i < n; i++) {
        double x;
        do x = (float)(lo + (hi - lo) * rng_uniform(&R));
        while (fabs(x) < 1e-2);
        v[i] = x;
    }
}
static float *tof(const double *v, int n) {
    float *f = malloc(sizeof(float) * (n > 0 ? n : 1));
    for (int i = 0; i < n; i++) f[i] = (float)v[i];
    return f;
}
static float *zf(int n) { return calloc((size_t)(n > 0 ? n : 1), sizeof(float)); }

// ---- dense: v = [W (Ci*Co) | b (Co) | x (B*Ci)] ----
static void f_dense(const Layer *l, const double *v, double *out) {
    int B = l->dims[0], Ci = l->dims[1], Co = l->dims[2];
    ref_dense(out, v + Ci * Co + Co, v, v + Ci * Co, B, Ci, Co);
}
static void test_dense(void) {
    int B = 3, Ci = 5, Co = 4, nW = Ci * Co, nv = nW + Co + B * Ci;
    Layer l = {f_dense, {B, Ci, Co}, B * Co, NULL};
    double *v = malloc(sizeof(double) * nv), *r = malloc(sizeof(double) * l.nout);
    fillv(v, nv, -1, 1), fillv(r, l.nout, -1, 1);
    float *fv = tof(v, nv), *fr = tof(r, l.nout), *out = zf(l.nout), *g = zf(nv);
    dense_forward(out, fv + nW + Co, fv, fv + nW, B, Ci, Co);
    // parameter grads accumulate: start from 0.25 and subtract it after
    for (int i = 0; i < nW + Co; i++) g[i] = 0.25f;
    dense_backward(g + nW + Co, g, g + nW, fr, fv + nW + Co, fv, B, Ci, Co);
    for (int i = 0; i < nW + Co; i++) g[i] -= 0.25f;
    check_layer("dense", &l, v, nv, r, out, g);
    free(v), free(r), free(fv), free(fr), free(out), free(g);
}

// ---- LSTM one direction: v = [Wk (Ci*4H) | Wr (H*4H) | b (4H) | x (B*T*Ci)] ----
static void f_lstm(const Layer *l, const double *v, double *out) {
    int B = l->dims[0], T = l->dims[1], Ci = l->dims[2], H = l->dims[3], rev = l->dims[4];
    const double *Wk = v, *Wr = Wk + Ci * 4 * H, *b = Wr + H * 4 * H, *x = b + 4 * H;
    ref_lstm(out, x, Wk, Wr, b, B, T, Ci, H, rev, H);
}
static void test_lstm(int rev) {
    int B = 2, T = 4, Ci = 3, H = 3, np = Ci * 4 * H + H * 4 * H + 4 * H, nv = np + B * T * Ci;
    Layer l = {f_lstm, {B, T, Ci, H, rev}, B * T * H, NULL};
    double *v = malloc(sizeof(double) * nv), *r = malloc(sizeof(double) * l.nout);
    fillv(v, nv, -1, 1), fillv(r, l.nout, -1, 1);
    float *fv = tof(v, nv), *fr = tof(r, l.nout), *g = zf(nv);
    float *h = zf(B * T * H), *c = zf(B * T * H), *gates = zf(B * T * 4 * H);
    float *dgates = zf(B * T * 4 * H), *scr = zf(2 * B * H);
    LstmParams p = {fv, fv + Ci * 4 * H, fv + Ci * 4 * H + H * 4 * H};
    lstm_forward(h, c, gates, fv + np, p, B, T, Ci, H, rev, H);
    for (int i = 0; i < np; i++) g[i] = 0.25f;
    for (int i = np; i < nv; i++) g[i] = 7.0f;  // dx must be overwritten
    LstmGrads gr = {g, g + Ci * 4 * H, g + Ci * 4 * H + H * 4 * H};
    lstm_backward(g + np, gr, dgates, scr, fr, h, c, gates, fv + np, p, B, T, Ci, H, rev, H, 0.0f);
    for (int i = 0; i < np; i++) g[i] -= 0.25f;
    check_layer(rev ? "lstm reverse" : "lstm forward", &l, v, nv, r, h, g);
    free(v), free(r), free(fv), free(fr), free(g), free(h), free(c), free(gates), free(dgates),
        free(scr);
}

// ---- BiLSTM: v = [fwd Wk Wr b | bwd Wk Wr b | x] ----
static void f_lstm_bi(const Layer *l, const double *v, double *out) {
    int B = l->dims[0], T = l->dims[1], Ci = l->dims[2], H = l->dims[3];
    int np = Ci * 4 * H + H * 4 * H + 4 * H;
    const double *pf[3] = {v, v + Ci * 4 * H, v + Ci * 4 * H + H * 4 * H};
    const double *pb[3] = {pf[0] + np, pf[1] + np, pf[2] + np};
    ref_lstm_bi(out, v + 2 * np, pf, pb, B, T, Ci, H);
}
static void test_lstm_bi(void) {
    int B = 2, T = 4, Ci = 3, H = 2, np = Ci * 4 * H + H * 4 * H + 4 * H, nv = 2 * np + B * T * Ci;
    Layer l = {f_lstm_bi, {B, T, Ci, H}, B * T * 2 * H, NULL};
    double *v = malloc(sizeof(double) * nv), *r = malloc(sizeof(double) * l.nout);
    fillv(v, nv, -1, 1), fillv(r, l.nout, -1, 1);
    float *fv = tof(v, nv), *fr = tof(r, l.nout), *g = zf(nv);
    float *out = zf(l.nout), *c = zf(2 * B * T * H), *gates = zf(2 * B * T * 4 * H);
    float *dgates = zf(B * T * 4 * H), *scr = zf(2 * B * H);
    LstmParams pf = {fv, fv + Ci * 4 * H, fv + Ci * 4 * H + H * 4 * H};
    LstmParams pb = {pf.Wk + np, pf.Wr + np, pf.b + np};
    lstm_bi_forward(out, c, gates, fv + 2 * np, pf, pb, B, T, Ci, H);
    for (int i = 0; i < 2 * np; i++) g[i] = 0.25f;
    for (int i = 2 * np; i < nv; i++) g[i] = 7.0f;
    LstmGrads gf = {g, g + Ci * 4 * H, g + Ci * 4 * H + H * 4 * H};
    LstmGrads gb = {gf.dWk + np, gf.dWr + np, gf.db + np};
    lstm_bi_backward(g + 2 * np, gf, gb, dgates, scr, fr, out, c, gates, fv + 2 * np, pf, pb, B, T,
                     Ci, H);
    for (int i = 0; i < 2 * np; i++) g[i] -= 0.25f;
    check_layer("lstm bidirectional", &l, v, nv, r, out, g);
    free(v), free(r), free(fv), free(fr), free(g), free(out), free(c), free(gates), free(dgates),
        free(scr);
}

// ---- conv2d: v = [W (kh*kw*Ci*Co) | b (Co) | x (N*H*W*Ci)] ----
static void f_conv(const Layer *l, const double *v, double *out) {
    int N = l->dims[0], Hh = l->dims[1], Wd = l->dims[2], Ci = l->dims[3], Co = l->dims[4],
        kh = l->dims[5], kw = l->dims[6], nW = kh * kw * Ci * Co;
    ref_conv(out, v + nW + Co, v, v + nW, N, Hh, Wd, Ci, Co, kh, kw);
}
static void test_conv(const char *name, int N, int Hh, int Wd, int Ci, int Co, int kh, int kw,
                      int full_width) {
    int nW = kh * kw * Ci * Co, nx = N * Hh * Wd * Ci, nv = nW + Co + nx;
    Layer l = {f_conv, {N, Hh, Wd, Ci, Co, kh, kw}, N * Hh * Wd * Co, NULL};
    double *v = malloc(sizeof(double) * nv), *r = malloc(sizeof(double) * l.nout);
    fillv(v, nv, -1, 1), fillv(r, l.nout, -1, 1);
    float *fv = tof(v, nv), *fr = tof(r, l.nout), *g = zf(nv), *out = zf(l.nout);
    float *cols = zf(N * Hh * Wd * kh * kw * Ci), *dcols = zf(N * Hh * Wd * kh * kw * Ci);
    conv2d_use_full_width(full_width);
    conv2d_forward(out, cols, fv + nW + Co, fv, fv + nW, N, Hh, Wd, Ci, Co, kh, kw);
    for (int i = 0; i < nW + Co; i++) g[i] = 0.25f;
    for (int i = nW + Co; i < nv; i++) g[i] = 7.0f;
    conv2d_backward(g + nW + Co, g, g + nW, dcols, fr, cols, fv, N, Hh, Wd, Ci, Co, kh, kw);
    conv2d_use_full_width(1);
    for (int i = 0; i < nW + Co; i++) g[i] -= 0.25f;
    check_layer(name, &l, v, nv, r, out, g);
    free(v), free(r), free(fv), free(fr), free(g), free(out), free(cols), free(dcols);
}

// ---- max-pool (ph,1) stride 1: v = x ----
static void f_pool(const Layer *l, const double *v, double *out) {
    ref_pool(out, v, l->dims[0], l->dims[1], l->dims[2], l->dims[3], l->dims[4]);
}
static void test_pool(void) {
    int N = 2, Hh = 7, Wd = 2, C = 3, ph = 3, Ho = Hh - ph + 1, nv = N * Hh * Wd * C;
    Layer l = {f_pool, {N, Hh, Wd, C, ph}, N * Ho * Wd * C, NULL};
    double *v = malloc(sizeof(double) * nv), *r = malloc(sizeof(double) * l.nout);
    fillv(v, nv, -1, 1), fillv(r, l.nout, -1, 1);
    float *fv = tof(v, nv), *fr = tof(r, l.nout), *g = zf(nv), *out = zf(l.nout);
    int *am = calloc((size_t)l.nout, sizeof(int));
    maxpool_forward(out, am, fv, N, Hh, Wd, C, ph, 1, 1, 1);
    for (int i = 0; i < nv; i++) g[i] = 7.0f;
    maxpool_backward(g, fr, am, N, Hh, Wd, C, ph, 1, 1, 1);
    check_layer("maxpool (3,1)", &l, v, nv, r, out, g);
    free(v), free(r), free(fv), free(fr), free(g), free(out), free(am);
}

// ---- elementwise activations and softmax: v = x ----
enum { A_SELU, A_RELU, A_SIGMOID, A_TANH, A_SOFTMAX };
static void f_act(const Layer *l, const double *v, double *out) {
    int n = l->nout;
    switch (l->dims[0]) {
    case A_SELU:
        for (int i = 0; i < n; i++) out[i] = selu(v[i]);
        break;
    case A_RELU:
        for (int i = 0; i < n; i++) out[i] = v[i] > 0 ? v[i] : 0.0;
        break;
    case A_SIGMOID:
        for (int i = 0; i < n; i++) out[i] = sigm(v[i]);
        break;
    case A_TANH:
        for (int i = 0; i < n; i++) out[i] = tanh(v[i]);
        break;
    default:
        ref_softmax(out, v, l->dims[1], l->dims[2]);
    }
}
static void test_act(int kind, const char *name) {
    int B = 3, C = 5, n = B * C;
    Layer l = {f_act, {kind, B, C}, n, NULL};
    double v[15], r[15];
    fillv(v, n, -3, 3), fillv(r, n, -1, 1);
    float *fv = tof(v, n), *fr = tof(r, n), *out = zf(n), *g = zf(n);
    switch (kind) {
    case A_SELU:
        selu_forward(out, fv, n), selu_backward(g, fr, out, n);
        break;
    case A_RELU:
        relu_forward(out, fv, n), relu_backward(g, fr, out, n);
        break;
    case A_SIGMOID:
        sigmoid_forward(out, fv, n), sigmoid_backward(g, fr, out, n);
        break;
    case A_TANH:
        tanh_forward(out, fv, n), tanh_backward(g, fr, out, n);
        break;
    default:
        softmax_forward(out, fv, B, C), softmax_backward(g, fr, out, B, C);
    }
    check_layer(name, &l, v, n, r, out, g);
    free(fv), free(fr), free(out), free(g);
}

// ---- losses of logits z (v = z); out[0] = loss summed over the batch, r = {scale} ----
enum { L_FOCAL, L_XENT, L_SSE };
static void f_loss(const Layer *l, const double *v, double *out) {
    int B = l->dims[1], C = l->dims[2];
    switch (l->dims[0]) {
    case L_FOCAL:
        out[0] = ref_focal(v, l->aux, B, C, 2.0);
        break;
    case L_XENT:
        out[0] = ref_xent(v, l->aux, B, C);
        break;
    default:
        out[0] = ref_sse(v, l->aux, B * C);
    }
}
// soft != 0: soft targets (rows summing to 1 for softmax losses, any in [0,1] for SSE).
static void test_loss(int kind, const char *name, int soft, double zscale) {
    int B = 3, C = 4, n = B * C;
    double z[12], y[12], r = 0.7;  // r = the backward's scale
    fillv(z, n, -zscale, zscale);
    for (int b = 0; b < B; b++) {
        double s = 0.0;
        for (int c = 0; c < C; c++) s += (y[b * C + c] = soft ? rng_uniform(&R) : 0.0);
        if (!soft) y[b * C + (int)rng_below(&R, C)] = 1.0;
        if (soft && kind != L_SSE)
            for (int c = 0; c < C; c++) y[b * C + c] = (float)(y[b * C + c] / s);
        else
            for (int c = 0; c < C; c++) y[b * C + c] = (float)y[b * C + c];
    }
    Layer l = {f_loss, {kind, B, C}, 1, y};
    float *fz = tof(z, n), *fy = tof(y, n), *p = zf(n), *g = zf(n);
    float loss;
    if (kind == L_SSE) {
        sigmoid_forward(p, fz, n);
        loss = (float)sigmoid_sse_forward(p, fy, B, C);
        sigmoid_sse_backward(g, p, fy, B, C, r);
    } else {
        softmax_forward(p, fz, B, C);
        if (kind == L_FOCAL) {
            loss = (float)focal_loss_forward(p, fy, B, C, 2.0);
            focal_loss_backward(g, p, fy, B, C, 2.0, r);
        } else {
            loss = (float)softmax_xent_forward(fz, fy, B, C);
            softmax_xent_backward(g, p, fy, B, C, r);
        }
    }
    check_layer(name, &l, z, n, &r, &loss, g);
    free(fz), free(fy), free(p), free(g);
}

// ---------------------------------------------------------------------------------------------
// Full-alignment layers (conv3x3.h, batchnorm.h, spp.h, resblock.h), double references.

// 3x3 conv, stride s, zero padding 1 on every side. NHWC, kernel [3,3,Ci,Co].
static void ref_conv3(double *out, const double *x, const double *W, const double *b, int N,
                      int Hh, int Wd, int Ci, int Co, int s) {
    int Ho = (Hh - 1) / s + 1, Wo = (Wd - 1) / s + 1;
    for (int n = 0; n < N; n++)
        for (int y = 0; y < Ho; y++)
            for (int xx = 0; xx < Wo; xx++)
                for (int o = 0; o < Co; o++) {
                    double acc = b[o];
                    for (int ky = 0; ky < 3; ky++)
                        for (int kx = 0; kx < 3; kx++) {
                            int iy = s * y + ky - 1, ix = s * xx + kx - 1;
                            if (iy < 0 || iy >= Hh || ix < 0 || ix >= Wd) continue;
                            for (int c = 0; c < Ci; c++)
                                acc += x[(((size_t)n * Hh + iy) * Wd + ix) * Ci + c] *
                                       W[((ky * 3 + kx) * Ci + c) * Co + o];
                        }
                    out[(((size_t)n * Ho + y) * Wo + xx) * Co + o] = acc;
                }
}

// Batch norm over [rows, C]: train uses the batch mean / biased variance, else (rm, rv).
static void ref_bn(double *y, const double *x, const double *g, const double *b,
                   const double *rm, const double *rv, size_t rows, int C, int train) {
    for (int c = 0; c < C; c++) {
        double mu = 0.0, var = 0.0;
        if (train) {
            for (size_t r = 0; r < rows; r++) mu += x[r * C + c];
            mu /= rows;
            for (size_t r = 0; r < rows; r++) var += (x[r * C + c] - mu) * (x[r * C + c] - mu);
            var /= rows;
        } else {
            mu = rm[c], var = rv[c];
        }
        for (size_t r = 0; r < rows; r++)
            y[r * C + c] = g[c] * (x[r * C + c] - mu) / sqrt(var + 1e-3) + b[c];
    }
}

static void relu_v(double *v, size_t n) {
    for (size_t i = 0; i < n; i++) v[i] = v[i] > 0 ? v[i] : 0.0;
}

// Spatial pyramid max pooling, levels 3, 2, 1; bins of ceil(H/n) x ceil(W/n) cells, the grid
// centred as TF "SAME" (floor(pad/2) before); cells outside ignored, empty bins 0.
static void ref_spp(double *out, const double *x, int N, int Hh, int Wd, int C) {
    const int lv[3] = {3, 2, 1};
    size_t o = 0;
    for (int n = 0; n < N; n++)
        for (int l = 0; l < 3; l++) {
            int nb = lv[l], kh = (Hh + nb - 1) / nb, kw = (Wd + nb - 1) / nb;
            int top = (nb * kh - Hh) / 2, left = (nb * kw - Wd) / 2;
            for (int by = 0; by < nb; by++)
                for (int bx = 0; bx < nb; bx++)
                    for (int c = 0; c < C; c++) {
                        double m = -INFINITY;
                        for (int y = by * kh - top; y < (by + 1) * kh - top; y++)
                            for (int xx = bx * kw - left; xx < (bx + 1) * kw - left; xx++)
                                if (y >= 0 && y < Hh && xx >= 0 && xx < Wd)
                                    m = fmax(m, x[(((size_t)n * Hh + y) * Wd + xx) * C + c]);
                        out[o++] = m == -INFINITY ? 0.0 : m;
                    }
        }
}

// BasicBlock: p = [W1 b1 g1 be1 W2 b2 g2 be2], running stats rs = [rm1 rv1 rm2 rv2].
static void ref_resblock(double *y, const double *x, const double *const p[8],
                         const double *const rs[4], int N, int Hh, int Wd, int C, int train) {
    size_t n = (size_t)N * Hh * Wd * C, rows = (size_t)N * Hh * Wd;
    double *t = malloc(sizeof(double) * n), *u = malloc(sizeof(double) * n);
    ref_conv3(t, x, p[0], p[1], N, Hh, Wd, C, C, 1);
    ref_bn(u, t, p[2], p[3], rs[0], rs[1], rows, C, train);
    relu_v(u, n);
    ref_conv3(t, u, p[4], p[5], N, Hh, Wd, C, C, 1);
    ref_bn(y, t, p[6], p[7], rs[2], rs[3], rows, C, train);
    for (size_t i = 0; i < n; i++) y[i] += x[i];
    relu_v(y, n);
    free(t), free(u);
}

// ---- conv3x3 stride s: v = [W (9*Ci*Co) | b (Co) | x (N*H*W*Ci)] ----
static void f_conv3(const Layer *l, const double *v, double *out) {
    int N = l->dims[0], Hh = l->dims[1], Wd = l->dims[2], Ci = l->dims[3], Co = l->dims[4],
        s = l->dims[5], nW = 9 * Ci * Co;
    ref_conv3(out, v + nW + Co, v, v + nW, N, Hh, Wd, Ci, Co, s);
}
static void test_conv3(const char *name, int N, int Hh, int Wd, int Ci, int Co, int s) {
    int nW = 9 * Ci * Co, nx = N * Hh * Wd * Ci, nv = nW + Co + nx;
    int Ho = conv3_out(Hh, s), Wo = conv3_out(Wd, s);
    Layer l = {f_conv3, {N, Hh, Wd, Ci, Co, s}, N * Ho * Wo * Co, NULL};
    double *v = malloc(sizeof(double) * nv), *r = malloc(sizeof(double) * l.nout);
    fillv(v, nv, -1, 1), fillv(r, l.nout, -1, 1);
    float *fv = tof(v, nv), *fr = tof(r, l.nout), *g = zf(nv), *out = zf(l.nout);
    float *cols = zf((int)conv3_cols_floats(N, Hh, Wd, Ci, s));
    conv3_forward(out, cols, fv + nW + Co, fv, fv + nW, N, Hh, Wd, Ci, Co, s);
    for (int i = 0; i < nW + Co; i++) g[i] = 0.25f;
    for (int i = nW + Co; i < nv; i++) g[i] = 7.0f;
    conv3_backward(g + nW + Co, g, g + nW, cols, fr, fv + nW + Co, fv, N, Hh, Wd, Ci, Co, s);
    for (int i = 0; i < nW + Co; i++) g[i] -= 0.25f;
    check_layer(name, &l, v, nv, r, out, g);
    free(v), free(r), free(fv), free(fr), free(g), free(out), free(cols);
}

// ---- batch norm: v = [gamma (C) | beta (C) | x (rows*C)]; aux = running mean, var ----
static void f_bn(const Layer *l, const double *v, double *out) {
    int rows = l->dims[0], C = l->dims[1], train = l->dims[2];
    ref_bn(out, v + 2 * C, v, v + C, l->aux, l->aux + C, (size_t)rows, C, train);
}
static void test_bn(int train) {
    int rows = 7, C = 3, nv = 2 * C + rows * C;
    double aux[6] = {0.3, -0.2, 0.1, 0.8, 1.5, 0.6};
    Layer l = {f_bn, {rows, C, train}, rows * C, aux};
    double *v = malloc(sizeof(double) * nv), *r = malloc(sizeof(double) * l.nout);
    fillv(v, nv, -1, 1), fillv(r, l.nout, -1, 1);
    for (int i = 2 * C; i < nv; i++) v[i] = (float)(3.0 * v[i] + 0.5);  // mean 0.5, sd ~1.7
    float *fv = tof(v, nv), *fr = tof(r, l.nout), *g = zf(nv), *out = zf(l.nout);
    float rm[3], rv[3], mean[3], inv[3];
    for (int c = 0; c < C; c++) rm[c] = (float)aux[c], rv[c] = (float)aux[C + c];
    bn_forward(out, mean, inv, fv + 2 * C, fv, fv + C, rm, rv, rows, C, train, 1e-3f, 0.99f);
    for (int i = 0; i < 2 * C; i++) g[i] = 0.25f;
    for (int i = 2 * C; i < nv; i++) g[i] = 7.0f;
    bn_backward(g + 2 * C, g, g + C, fr, fv + 2 * C, mean, inv, fv, rows, C, train);
    for (int i = 0; i < 2 * C; i++) g[i] -= 0.25f;
    check_layer(train ? "batchnorm train" : "batchnorm eval", &l, v, nv, r, out, g);
    // running statistics: unchanged in evaluation; 0.99 r + 0.01 batch (unbiased var) in training
    for (int c = 0; c < C; c++) {
        double mu = 0.0, q = 0.0;
        for (int i = 0; i < rows; i++) mu += (float)v[2 * C + i * C + c];
        mu /= rows;
        for (int i = 0; i < rows; i++) {
            double d = (float)v[2 * C + i * C + c] - mu;
            q += d * d;
        }
        double em = train ? 0.99 * (float)aux[c] + 0.01 * mu : (float)aux[c];
        double ev = train ? 0.99 * (float)aux[C + c] + 0.01 * q / (rows - 1) : (float)aux[C + c];
        T_NEAR(rm[c], em, 1e-7, 1e-6);
        T_NEAR(rv[c], ev, 1e-7, 1e-6);
    }
    free(v), free(r), free(fv), free(fr), free(g), free(out);
}

// ---- SPP: v = x [N,H,W,C] (distinct values: no ties) ----
static void f_spp(const Layer *l, const double *v, double *out) {
    ref_spp(out, v, l->dims[0], l->dims[1], l->dims[2], l->dims[3]);
}
static void test_spp(const char *name, int N, int Hh, int Wd, int C) {
    int nv = N * Hh * Wd * C;
    Layer l = {f_spp, {N, Hh, Wd, C}, N * SPP_CELLS * C, NULL};
    double *v = malloc(sizeof(double) * nv), *r = malloc(sizeof(double) * l.nout);
    fillv(v, nv, 0, 1), fillv(r, l.nout, -1, 1);  // non-negative, as after ReLU
    float *fv = tof(v, nv), *fr = tof(r, l.nout), *g = zf(nv), *out = zf(l.nout);
    int *am = calloc((size_t)l.nout, sizeof(int));
    spp_forward(out, am, fv, N, Hh, Wd, C);
    for (int i = 0; i < nv; i++) g[i] = 7.0f;
    spp_backward(g, fr, am, N, Hh, Wd, C);
    check_layer(name, &l, v, nv, r, out, g);
    free(v), free(r), free(fv), free(fr), free(g), free(out), free(am);
}

// ---- residual block: v = [W1 b1 g1 be1 W2 b2 g2 be2 | x]; aux = rm1 rv1 rm2 rv2 ----
static void f_res(const Layer *l, const double *v, double *out) {
    int N = l->dims[0], Hh = l->dims[1], Wd = l->dims[2], C = l->dims[3], train = l->dims[4];
    int sz[8] = {9 * C * C, C, C, C, 9 * C * C, C, C, C};
    const double *p[8], *rs[4] = {l->aux, l->aux + C, l->aux + 2 * C, l->aux + 3 * C};
    for (int k = 0, o = 0; k < 8; o += sz[k++]) p[k] = v + o;
    ref_resblock(out, v + 2 * (9 * C * C + 3 * C), p, rs, N, Hh, Wd, C, train);
}
static void test_res(int train) {
    int N = 2, Hh = 3, Wd = 4, C = 3, np = 2 * (9 * C * C + 3 * C), nx = N * Hh * Wd * C;
    int nv = np + nx;
    double aux[12];
    for (int c = 0; c < 3; c++)
        aux[c] = 0.1 * c, aux[3 + c] = 0.7 + 0.2 * c, aux[6 + c] = -0.1 * c, aux[9 + c] = 1.2;
    Layer l = {f_res, {N, Hh, Wd, C, train}, nx, aux};
    double *v = malloc(sizeof(double) * nv), *r = malloc(sizeof(double) * l.nout);
    fillv(v, nv, -1, 1), fillv(r, l.nout, -1, 1);
    float *fv = tof(v, nv), *fr = tof(r, l.nout), *g = zf(nv);
    float st[12], *cols = zf((int)conv3_cols_floats(N, Hh, Wd, C, 1));
    for (int i = 0; i < 12; i++) st[i] = (float)aux[i];
    int sz[8] = {9 * C * C, C, C, C, 9 * C * C, C, C, C};
    float *pp[8], *gg[8];
    for (int k = 0, o = 0; k < 8; o += sz[k++]) pp[k] = fv + o, gg[k] = g + o;
    ResParams p = {pp[0], pp[1], pp[2], pp[3], pp[4], pp[5], pp[6], pp[7],
                   st,    st + 3, st + 6, st + 9};
    ResGrads gr = {gg[0], gg[1], gg[2], gg[3], gg[4], gg[5], gg[6], gg[7]};
    ResAct a;
    float *bufs[4];
    for (int k = 0; k < 4; k++) bufs[k] = zf(nx);
    a.a1 = bufs[0], a.r1 = bufs[1], a.a2 = bufs[2], a.y = bufs[3];
    float stats[12];
    a.mean1 = stats, a.invstd1 = stats + 3, a.mean2 = stats + 6, a.invstd2 = stats + 9;
    resblock_forward(&a, fv + np, &p, cols, N, Hh, Wd, C, train);
    float *dy = zf(nx), *u = zf(nx), *w = zf(nx);
    memcpy(dy, fr, sizeof(float) * nx);
    for (int i = 0; i < np; i++) g[i] = 0.25f;
    for (int i = np; i < nv; i++) g[i] = 7.0f;
    resblock_backward(g + np, &gr, dy, u, w, cols, &a, fv + np, &p, N, Hh, Wd, C, train);
    for (int i = 0; i < np; i++) g[i] -= 0.25f;
    check_layer(train ? "resblock train" : "resblock eval", &l, v, nv, r, a.y, g);
    for (int k = 0; k < 4; k++) free(bufs[k]);
    free(v), free(r), free(fv), free(fr), free(g), free(cols), free(dy), free(u), free(w);
}

// ---------------------------------------------------------------------------------------------
// Full models end to end. The double compositions below follow src/network/model_clair3.c and
// model_clairvoyante.c layer by layer, built from the references above; they read the model's
// own parameter buffer (converted to double). Dropout is off (model_forward with train = 0,
// which still takes labels, so model_backward runs on that forward; dropout is the identity).
// Checks: (a) the double loss equals model_forward's float loss to 1e-5 relative (float
// forward, losses accumulated in double: measured ~4e-7 relative); (b) for 6 random entries of
// EVERY tensor (3 for Clair3's LSTM tensors, see main), central differences of the double loss (h = 1e-6; for a loss of O(1) the
// rounding term is ~1e-10) agree with model_backward's gradient within
//   |an - fd| <= 1e-4 |fd| + 1e-4 gmax_t + 1e-7   (measured: err <= 8e-7 gmax_t),
// gmax_t = the largest |gradient| in tensor t: the float backward's error on an entry is a
// float rounding of the sums feeding that tensor, so it scales with the tensor's gradient size,
// not the entry's (a tiny entry of a large-gradient tensor carries the same absolute error).
// A wrong term (a missing dropout/SELU factor, a swapped gate) changes entries by O(gmax_t).

typedef struct {
    Model *m;
    const double *P;  // params as double
    const double *x, *lab;
    int B;
    double *buf[4];  // cached stages
} Ref;

static const double *tp(const Ref *r, const char *name) {
    int t = model_find_tensor(r->m, name);
    if (t < 0) {
        fprintf(stderr, "no tensor %s\n", name);
        exit(1);
    }
    return r->P + r->m->tensors[t].offset;
}

static void selu_v(double *v, size_t n) {
    for (size_t i = 0; i < n; i++) v[i] = selu(v[i]);
}

// Clair3 pileup: stage 0 recomputes from the input, 1 from LSTM1's output, 2 from LSTM2's.
static double clair3_ref(Ref *r, int stage) {
    enum { T = 33, C0 = 18, H1 = 128, H2 = 160, F3 = T * 2 * H2, F4 = 128 };
    const int B = r->B, nh[2] = {21, 3};
    double *o1 = r->buf[0], *o2 = r->buf[1];
    if (stage <= 0) {
        const double *pf[3] = {tp(r, "lstm1.fwd.kernel"), tp(r, "lstm1.fwd.recurrent_kernel"),
                               tp(r, "lstm1.fwd.bias")};
        const double *pb[3] = {tp(r, "lstm1.bwd.kernel"), tp(r, "lstm1.bwd.recurrent_kernel"),
                               tp(r, "lstm1.bwd.bias")};
        ref_lstm_bi(o1, r->x, pf, pb, B, T, C0, H1);
    }
    if (stage <= 1) {
        const double *pf[3] = {tp(r, "lstm2.fwd.kernel"), tp(r, "lstm2.fwd.recurrent_kernel"),
                               tp(r, "lstm2.fwd.bias")};
        const double *pb[3] = {tp(r, "lstm2.bwd.kernel"), tp(r, "lstm2.bwd.recurrent_kernel"),
                               tp(r, "lstm2.bwd.bias")};
        ref_lstm_bi(o2, o1, pf, pb, B, T, 2 * H1, H2);
    }
    double h4[2 * F4], h5[2 * F4], s[2 * 21], y[2 * 21], L = 0.0;
    ref_dense(h4, o2, tp(r, "l4.kernel"), tp(r, "l4.bias"), B, F3, F4);
    selu_v(h4, (size_t)B * F4);
    const char *hid[2] = {"l5_1", "l5_2"}, *head[2] = {"gt21", "zygosity"};
    char k1[64], k2[64];
    for (int k = 0; k < 2; k++) {
        snprintf(k1, sizeof k1, "%s.kernel", hid[k]), snprintf(k2, sizeof k2, "%s.bias", hid[k]);
        ref_dense(h5, h4, tp(r, k1), tp(r, k2), B, F4, F4);
        selu_v(h5, (size_t)B * F4);
        snprintf(k1, sizeof k1, "%s.kernel", head[k]), snprintf(k2, sizeof k2, "%s.bias", head[k]);
        ref_dense(s, h5, tp(r, k1), tp(r, k2), B, F4, nh[k]);
        selu_v(s, (size_t)B * nh[k]);
        for (int b = 0; b < B; b++)
            for (int c = 0; c < nh[k]; c++)
                y[b * nh[k] + c] = c == (int)r->lab[b * 4 + k];  // labels [B, 4]: class ids
        L += ref_focal(s, y, B, nh[k], 2.0) / B;  // mean over the batch, heads summed
    }
    return L;
}

// Clairvoyante: stage 0 from the input, 1 from the flattened conv output.
static double clv_ref(Ref *r, int stage) {
    enum { NP = 33, NB = 4, F4 = 336, F5 = 168, NFLAT = 24 * 4 * 48 };
    static const int KH[3] = {1, 2, 3}, CO[3] = {16, 32, 48}, PH[3] = {5, 4, 3},
                     HIN[3] = {33, 29, 26}, CIN[3] = {4, 16, 32};
    static const int HS[4] = {4, 2, 4, 6}, HO[4] = {0, 4, 6, 10};
    const int B = r->B;
    double *act = r->buf[0], *pool = r->buf[1], *flat = r->buf[2];
    if (stage <= 0) {
        const double *in = r->x;
        char k1[64], k2[64];
        for (int l = 0; l < 3; l++) {
            snprintf(k1, sizeof k1, "conv%d.kernel", l + 1);
            snprintf(k2, sizeof k2, "conv%d.bias", l + 1);
            ref_conv(act, in, tp(r, k1), tp(r, k2), B, HIN[l], NB, CIN[l], CO[l], KH[l], NB);
            selu_v(act, (size_t)B * HIN[l] * NB * CO[l]);
            double *o = l == 2 ? flat : pool + (l & 1) * (size_t)B * 29 * NB * 48;
            ref_pool(o, act, B, HIN[l], NB, CO[l], PH[l]);
            in = o;
        }
    }
    double h4[2 * F4], h5[2 * F5], s[2 * 6], L = 0.0;
    ref_dense(h4, flat, tp(r, "fc4.kernel"), tp(r, "fc4.bias"), B, NFLAT, F4);
    selu_v(h4, (size_t)B * F4);
    ref_dense(h5, h4, tp(r, "fc5.kernel"), tp(r, "fc5.bias"), B, F4, F5);
    selu_v(h5, (size_t)B * F5);
    const char *hn[4] = {"base_change", "zygosity", "variant_type", "indel_length"};
    for (int h = 0; h < 4; h++) {
        char k1[64], k2[64];
        double y[2 * 6];
        snprintf(k1, sizeof k1, "%s.kernel", hn[h]), snprintf(k2, sizeof k2, "%s.bias", hn[h]);
        ref_dense(s, h == 0 ? h4 : h5, tp(r, k1), tp(r, k2), B, h == 0 ? F4 : F5, HS[h]);
        for (int b = 0; b < B; b++)
            for (int c = 0; c < HS[h]; c++) y[b * HS[h] + c] = r->lab[b * 16 + HO[h] + c];
        if (h == 0) {
            L += ref_sse(s, y, B * HS[h]);  // sigmoid + squared errors, summed
        } else {
            selu_v(s, (size_t)B * HS[h]);
            for (int i = 0; i < B * HS[h]; i++) s[i] += 1e-10;  // the spec's +1e-10 (no effect)
            L += ref_xent(s, y, B, HS[h]);
        }
    }
    return L;
}

// Stage to recompute from when tensor `name` changes.
static int clair3_stage(const char *name) {
    return strncmp(name, "lstm1", 5) == 0 ? 0 : strncmp(name, "lstm2", 5) == 0 ? 1 : 2;
}
static int clv_stage(const char *name) { return strncmp(name, "conv", 4) == 0 ? 0 : 1; }

// Clair3 full-alignment (model_clair3_fa.c): stages 0-5 are the trunk (conv1, res1, conv3,
// res2, conv5, res3), each recomputed from its cached input; stage 6 is the head part only.
// Batch norm in training mode (batch statistics) or evaluation mode (the model's running
// statistics, read from m->state); dropout is off in both (m->no_dropout in training).
typedef struct {
    Model *m;
    const double *P, *S;  // params, state as double
    const double *x, *lab;
    int B, train;
    int H[7], W[7];
    double *xin, *out[6];
} FaRef;

static const double *fa_tp(const FaRef *r, const char *name) {
    int t = model_find_tensor(r->m, name);
    if (t < 0) {
        fprintf(stderr, "no tensor %s\n", name);
        exit(1);
    }
    return r->P + r->m->tensors[t].offset;
}
static const double *fa_sp(const FaRef *r, const char *name) {
    int t = model_find_state_tensor(r->m, name);
    if (t < 0) {
        fprintf(stderr, "no state tensor %s\n", name);
        exit(1);
    }
    return r->S + r->m->state_tensors[t].offset;
}

static double fa_ref(FaRef *r, int stage) {
    static const int CO[6] = {64, 64, 128, 128, 256, 256};
    static const char *NM[6] = {"conv1", "res1", "conv3", "res2", "conv5", "res3"};
    const int B = r->B;
    char k[8][64];
    for (int s = stage; s < 6; s++) {
        const double *in = s == 0 ? r->xin : r->out[s - 1];
        const int C = CO[s], Ci = s == 0 ? 8 : CO[s - 1];
        const size_t rows = (size_t)B * r->H[s + 1] * r->W[s + 1];
        if (s & 1) {
            const char *suf[8] = {"conv1.kernel", "conv1.bias", "bn1.gamma", "bn1.beta",
                                  "conv2.kernel", "conv2.bias", "bn2.gamma", "bn2.beta"};
            const char *ssuf[4] = {"bn1.moving_mean", "bn1.moving_variance", "bn2.moving_mean",
                                   "bn2.moving_variance"};
            const double *p[8], *rs[4];
            for (int j = 0; j < 8; j++) {
                snprintf(k[j], 64, "%s.%s", NM[s], suf[j]);
                p[j] = fa_tp(r, k[j]);
            }
            for (int j = 0; j < 4; j++) {
                snprintf(k[j], 64, "%s.%s", NM[s], ssuf[j]);
                rs[j] = fa_sp(r, k[j]);
            }
            ref_resblock(r->out[s], in, p, rs, B, r->H[s], r->W[s], C, r->train);
        } else {
            double *t = malloc(sizeof(double) * rows * C);
            snprintf(k[0], 64, "%s.kernel", NM[s]), snprintf(k[1], 64, "%s.bias", NM[s]);
            snprintf(k[2], 64, "%s.bn.gamma", NM[s]), snprintf(k[3], 64, "%s.bn.beta", NM[s]);
            snprintf(k[4], 64, "%s.bn.moving_mean", NM[s]);
            snprintf(k[5], 64, "%s.bn.moving_variance", NM[s]);
            ref_conv3(t, in, fa_tp(r, k[0]), fa_tp(r, k[1]), B, r->H[s], r->W[s], Ci, C, 2);
            ref_bn(r->out[s], t, fa_tp(r, k[2]), fa_tp(r, k[3]), fa_sp(r, k[4]), fa_sp(r, k[5]),
                   rows, C, r->train);
            relu_v(r->out[s], rows * C);
            free(t);
        }
    }
    enum { F3 = 14 * 256, F4 = 256, F5 = 128 };
    double *spp = malloc(sizeof(double) * B * F3), *h4 = malloc(sizeof(double) * B * F4);
    double *h5 = malloc(sizeof(double) * B * F5), s[3 * 33], y[3 * 33], L = 0.0;
    ref_spp(spp, r->out[5], B, r->H[6], r->W[6], 256);
    ref_dense(h4, spp, fa_tp(r, "l4.kernel"), fa_tp(r, "l4.bias"), B, F3, F4);
    selu_v(h4, (size_t)B * F4);
    const char *head[4] = {"gt21", "zygosity", "indel_length1", "indel_length2"};
    const int nh[4] = {21, 3, 33, 33};
    for (int h = 0; h < 4; h++) {
        snprintf(k[0], 64, "l5_%d.kernel", h + 1), snprintf(k[1], 64, "l5_%d.bias", h + 1);
        ref_dense(h5, h4, fa_tp(r, k[0]), fa_tp(r, k[1]), B, F4, F5);
        selu_v(h5, (size_t)B * F5);
        snprintf(k[0], 64, "%s.kernel", head[h]), snprintf(k[1], 64, "%s.bias", head[h]);
        ref_dense(s, h5, fa_tp(r, k[0]), fa_tp(r, k[1]), B, F5, nh[h]);
        selu_v(s, (size_t)B * nh[h]);
        for (int b = 0; b < B; b++)
            for (int c = 0; c < nh[h]; c++) y[b * nh[h] + c] = c == (int)r->lab[b * 4 + h];
        L += ref_focal(s, y, B, nh[h], 2.0) / B;
    }
    free(spp), free(h4), free(h5);
    return L;
}

static int fa_stage(const char *name) {
    static const char *NM[6] = {"conv1", "res1", "conv3", "res2", "conv5", "res3"};
    for (int s = 0; s < 6; s++)
        if (strncmp(name, NM[s], strlen(NM[s])) == 0 && name[strlen(NM[s])] == '.') return s;
    return 6;
}

// rows 7 (33 x 7 -> 17 x 4 -> 9 x 2 -> 5 x 1, so the 3x3 pyramid level has empty bins) and
// 9 (-> 5 -> 3 -> 2), B = 2; `few` entries of every trunk tensor, 6 of the others.
static void check_fa(int rows, int B, int train, int few, uint64_t seed) {
    Model m;
    T_EQ_INT(model_create_rows(&m, ARCH_CLAIR3_FA, rows, B), 0);
    model_init_params(&m, seed);
    for (int t = 0; t < m.n_tensors; t++)
        if (!m.tensors[t].decay)
            for (size_t i = 0; i < m.tensors[t].numel; i++)
                m.params[m.tensors[t].offset + i] += (float)(0.2 * (rng_uniform(&R) - 0.5));
    for (size_t i = 0; i < m.n_state; i++)  // running statistics away from (0, 1)
        m.state[i] = m.state[i] == 0.0f ? (float)(0.2 * (rng_uniform(&R) - 0.5))
                                        : (float)(0.5 + rng_uniform(&R));
    m.no_dropout = 1;
    const int nx = m.n_pos * m.n_chan;
    float *x = malloc(sizeof(float) * B * nx), *lab = calloc((size_t)B * 4, sizeof(float));
    for (int i = 0; i < B * nx; i++) x[i] = (float)(2.0 * rng_uniform(&R) - 1.0);
    for (int b = 0; b < B; b++) {
        lab[b * 4] = (float)rng_below(&R, 21), lab[b * 4 + 1] = (float)rng_below(&R, 3);
        lab[b * 4 + 2] = (float)rng_below(&R, 33), lab[b * 4 + 3] = (float)rng_below(&R, 33);
    }
    double *S = malloc(sizeof(double) * m.n_state);
    for (size_t i = 0; i < m.n_state; i++) S[i] = m.state[i];  // before training updates it
    double Lf = model_forward(&m, x, lab, B, train);
    model_backward(&m);
    double *P = malloc(sizeof(double) * m.n_params), *xd = malloc(sizeof(double) * B * nx);
    double *ld = malloc(sizeof(double) * B * 4);
    for (size_t i = 0; i < m.n_params; i++) P[i] = m.params[i];
    for (int i = 0; i < B * 4; i++) ld[i] = lab[i];
    FaRef r = {&m, P, S, xd, ld, B, train, {0}, {0}, NULL, {NULL}};
    r.H[0] = rows, r.W[0] = 33;
    for (int s = 0; s < 6; s++) {
        int st = s & 1 ? 1 : 2;
        r.H[s + 1] = (r.H[s] - 1) / st + 1, r.W[s + 1] = (r.W[s] - 1) / st + 1;
        r.out[s] = malloc(sizeof(double) * B * r.H[s + 1] * r.W[s + 1] * 256);
    }
    // the input, position-major [B][33][rows][8], transposed to [B][rows][33][8]
    r.xin = malloc(sizeof(double) * B * nx);
    for (int b = 0; b < B; b++)
        for (int p = 0; p < 33; p++)
            for (int q = 0; q < rows; q++)
                for (int c = 0; c < 8; c++)
                    r.xin[(((size_t)b * rows + q) * 33 + p) * 8 + c] =
                        x[(((size_t)b * 33 + p) * rows + q) * 8 + c];
    double L0 = fa_ref(&r, 0);
    char what[64];
    snprintf(what, sizeof what, "clair3-fa rows %d %s", rows, train ? "train" : "eval");
    fprintf(stderr, "%s: loss float %.9g, double %.9g\n", what, Lf, L0);
    T_NEAR(Lf, L0, 1e-6, 1e-5);
    int bad = 0;
    for (int t = 0; t < m.n_tensors; t++) {
        const ParamTensor *pt = &m.tensors[t];
        const float *g = m.grads + pt->offset;
        double gmax = 0.0, worst = 0.0;
        for (size_t i = 0; i < pt->numel; i++) gmax = fmax(gmax, fabs(g[i]));
        int st = fa_stage(pt->name), tb = 0, ne = st < 6 ? few : 6;
        for (int j = 0; j < ne && j < (int)pt->numel; j++) {
            size_t i = pt->numel <= (size_t)ne ? (size_t)j : rng_below(&R, pt->numel);
            double *w = P + pt->offset + i, w0 = *w;
            *w = w0 + FD_H;
            double lp = fa_ref(&r, st);
            *w = w0 - FD_H;
            double lm = fa_ref(&r, st);
            *w = w0;
            double fd = (lp - lm) / (2 * FD_H), e = fabs(g[i] - fd);
            worst = fmax(worst, e / (gmax + 1e-30));
            // 1e-5 absolute: a conv bias feeding a training-mode BN has gradient exactly 0, which
            // float sums of ~1e3 terms of O(1e-2) reach only to ~1e-6.
            if (!(e <= 1e-4 * fabs(fd) + 1e-4 * gmax + 1e-5)) {
                fprintf(stderr, "%s %s[%zu]: grad %.9g, double FD %.9g\n", what, pt->name, i,
                        g[i], fd);
                tb++;
            }
        }
        fa_ref(&r, st);  // restore the cached stages
        fprintf(stderr, "%s %-22s gmax %.3e, max err/gmax %.2e %s\n", what, pt->name, gmax,
                worst, tb ? "FAIL" : "ok");
        bad += tb;
    }
    T_CHECK(bad == 0);
    for (int s = 0; s < 6; s++) free(r.out[s]);
    free(r.xin), free(P), free(S), free(xd), free(ld), free(x), free(lab);
    model_free(&m);
}

static void check_model(ModelArch arch, const char *what, double (*ref)(Ref *, int),
                        int (*stage_of)(const char *), int last_stage, int few, int B,
                        uint64_t seed) {
    Model m;
    T_EQ_INT(model_create(&m, arch, B), 0);
    model_init_params(&m, seed);
    // Biases start at zero (or 1 for forget gates): give them small values too.
    for (int t = 0; t < m.n_tensors; t++)
        if (!m.tensors[t].decay)
            for (size_t i = 0; i < m.tensors[t].numel; i++)
                m.params[m.tensors[t].offset + i] += (float)(0.2 * (rng_uniform(&R) - 0.5));
    int nx = m.n_pos * m.n_chan;
    float *x = malloc(sizeof(float) * B * nx), *lab = calloc((size_t)B * m.n_labels, sizeof(float));
    for (int i = 0; i < B * nx; i++) x[i] = (float)(2.0 * rng_uniform(&R) - 1.0);
    for (int b = 0; b < B; b++) {
        float *l = lab + (size_t)b * m.n_labels;
        if (arch == ARCH_CLAIR3_PILEUP) {
            l[0] = (float)rng_below(&R, 21), l[1] = (float)rng_below(&R, 3);
        } else {  // soft base-change targets, one-hot softmax heads
            l[(int)rng_below(&R, 4)] += 0.5f, l[(int)rng_below(&R, 4)] += 0.5f;
            l[4 + rng_below(&R, 2)] = 1, l[6 + rng_below(&R, 4)] = 1, l[10 + rng_below(&R, 6)] = 1;
        }
    }
    double Lf = model_forward(&m, x, lab, B, 0);
    model_backward(&m);
    double *P = malloc(sizeof(double) * m.n_params), *xd = malloc(sizeof(double) * B * nx);
    double *ld = malloc(sizeof(double) * B * m.n_labels);
    for (size_t i = 0; i < m.n_params; i++) P[i] = m.params[i];
    for (int i = 0; i < B * nx; i++) xd[i] = x[i];
    for (int i = 0; i < B * m.n_labels; i++) ld[i] = lab[i];
    Ref r = {&m, P, xd, ld, B, {NULL}};
    // stage buffers: the largest is Clair3's LSTM2 output, B * 33 * 320 <= B * 33 * 4 * 48 * 2
    for (int k = 0; k < 4; k++) r.buf[k] = malloc(sizeof(double) * B * 33 * 4 * 48 * 2);
    double L0 = ref(&r, 0);
    fprintf(stderr, "%s: loss float %.9g, double %.9g\n", what, Lf, L0);
    T_NEAR(Lf, L0, 1e-6, 1e-5);
    int bad = 0;
    for (int t = 0; t < m.n_tensors; t++) {
        const ParamTensor *pt = &m.tensors[t];
        const float *g = m.grads + pt->offset;
        double gmax = 0.0, worst = 0.0;
        for (size_t i = 0; i < pt->numel; i++) gmax = fmax(gmax, fabs(g[i]));
        int st = stage_of(pt->name), tb = 0, ne = st < last_stage ? few : 6;
        for (int j = 0; j < ne && j < (int)pt->numel; j++) {
            size_t i = pt->numel <= (size_t)ne ? (size_t)j : rng_below(&R, pt->numel);
            double *w = P + pt->offset + i, w0 = *w;
            *w = w0 + FD_H;
            double lp = ref(&r, st);
            *w = w0 - FD_H;
            double lm = ref(&r, st);
            *w = w0;
            double fd = (lp - lm) / (2 * FD_H), e = fabs(g[i] - fd);
            worst = fmax(worst, e / (gmax + 1e-30));
            if (!(e <= 1e-4 * fabs(fd) + 1e-4 * gmax + 1e-7)) {
                fprintf(stderr, "%s %s[%zu]: grad %.9g, double FD %.9g\n", what, pt->name, i,
                        g[i], fd);
                tb++;
            }
        }
        ref(&r, st);  // restore the cached stages
        fprintf(stderr, "%s %-28s gmax %.3e, max err/gmax %.2e %s\n", what, pt->name, gmax, worst,
                tb ? "FAIL" : "ok");
        bad += tb;
    }
    T_CHECK(bad == 0);
    for (int k = 0; k < 4; k++) free(r.buf[k]);
    free(P), free(xd), free(ld), free(x), free(lab);
    model_free(&m);
}

int main(void) {
    rng_seed(&R, 20261128);
    test_dense();
    test_lstm(0);
    test_lstm(1);
    test_lstm_bi();
    // even kernel sizes put the extra pad after; kw == W exercises the full-width fast path
    test_conv("conv (2,3) general", 2, 5, 4, 2, 3, 2, 3, 1);
    test_conv("conv (3,4) general", 1, 5, 4, 2, 2, 3, 4, 0);
    test_conv("conv (3,4) full-width", 1, 5, 4, 2, 2, 3, 4, 1);
    test_conv("conv (1,4) full-width", 2, 4, 4, 3, 2, 1, 4, 1);
    test_pool();
    // full-alignment layers: odd and even sizes for both strides (even: no bottom padding)
    test_conv3("conv3x3 s1", 2, 4, 5, 3, 2, 1);
    test_conv3("conv3x3 s2 odd", 2, 5, 7, 2, 3, 2);
    test_conv3("conv3x3 s2 even", 1, 6, 4, 3, 2, 2);
    test_bn(1);
    test_bn(0);
    test_spp("spp 7x5 (55 rows)", 2, 7, 5, 3);
    test_spp("spp 12x5 (89 rows)", 1, 12, 5, 2);
    test_spp("spp 1x5 (empty bins)", 1, 1, 5, 2);
    test_res(1);
    test_res(0);
    test_act(A_SELU, "selu");
    test_act(A_RELU, "relu");
    test_act(A_SIGMOID, "sigmoid");
    test_act(A_TANH, "tanh");
    test_act(A_SOFTMAX, "softmax");
    test_loss(L_FOCAL, "focal loss one-hot", 0, 3);
    test_loss(L_FOCAL, "focal loss soft", 1, 3);
    test_loss(L_FOCAL, "focal loss clipped", 0, 40);  // logit gaps > 21: the 1e-9 clip acts
    test_loss(L_XENT, "softmax xent one-hot", 0, 3);
    test_loss(L_XENT, "softmax xent soft", 1, 3);
    test_loss(L_SSE, "sigmoid sse", 1, 3);
    blas_set_threads(1);
#ifdef _OPENMP
    extern void omp_set_num_threads(int);
    omp_set_num_threads(1);
#endif
    // Clair3: one sample, 3 entries per LSTM tensor (each difference reruns the double LSTMs,
    // ~24M multiply-adds; 6 entries at B = 2 took 47 s under ASan). Clairvoyante: two samples
    // (its losses are summed over the batch), 6 entries everywhere.
    check_model(ARCH_CLAIR3_PILEUP, "clair3", clair3_ref, clair3_stage, 2, 3, 1, 5);
    check_model(ARCH_CLAIRVOYANTE, "clairvoyante", clv_ref, clv_stage, 1, 6, 2, 6);
    // Clair3 full-alignment: training batch norm (the path training takes) and evaluation.
    check_fa(7, 2, 1, 3, 7);
    check_fa(9, 2, 0, 2, 8);
    T_DONE();
}
