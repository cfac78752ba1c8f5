// test_layers.c — layers and losses of src/network: forwards computed by hand, backwards against
// central finite differences.
//
// Finite differences in float: for a scalar L = sum_i r_i out_i (r random, accumulated in
// double) we compare each analytic gradient entry with (L(w+e) - L(w-e)) / 2e, e = 1e-2.
// Truncation error is e^2/6 * L''' ~ 1e-5 for our O(1) smooth functions; rounding error is the
// float forward's relative error (~1e-7 per output, ~1e-6 over the sums) times |L| <= ~10,
// divided by 2e: ~5e-4. Hence |fd - an| <= 2e-3 + 2e-2 |fd|. Inputs avoid the kinks of ReLU,
// SELU and max-pool by more than e (a kink inside [w-e, w+e] would break the difference).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/rng.h"
#include "network/activations.h"
#include "network/conv2d.h"
#include "network/dense.h"
#include "network/dropout.h"
#include "network/fastmath.h"
#include "network/losses.h"
#include "network/lstm.h"
#include "network/pool.h"
#include "testlib.h"

#define FD_EPS 1e-2f
static Rng R;

static void fill(float *v, size_t n, double lo, double hi) {
    for (size_t i = 0; i < n; i++) v[i] = (float)(lo + (hi - lo) * rng_uniform(&R));
}
static float *mk(size_t n, double lo, double hi) {
    float *v = malloc(sizeof(float) * n);
    fill(v, n, lo, hi);
    return v;
}
static double dotr(const float *out, const float *r, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double)out[i] * r[i];
    return s;
}

// Compares analytic gradient g[] of variable w[] (n entries; every entry when n <= 64, else 64
// random ones) with central differences of loss().
static int check_fd(const char *what, float *w, const float *g, size_t n, double (*loss)(void)) {
    int bad = 0;
    size_t m = n <= 64 ? n : 64;
    for (size_t k = 0; k < m; k++) {
        size_t i = n <= 64 ? k : rng_below(&R, n);
        float w0 = w[i];
        w[i] = w0 + FD_EPS;
        double lp = loss();
        w[i] = w0 - FD_EPS;
        double lm = loss();
        w[i] = w0;
        double fd = (lp - lm) / (2.0 * FD_EPS);
        if (!(fabs(fd - g[i]) <= 2e-3 + 2e-2 * fabs(fd))) {
            if (bad < 5)
                fprintf(stderr, "%s[%zu]: analytic %.6g, numeric %.6g\n", what, i, g[i], fd);
            bad++;
        }
    }
    T_CHECK(bad == 0);
    return bad;
}

// ---- dense ----
enum { DB = 3, DI = 5, DO = 4 };
static float *dx, *dW, *db_, *dout, *dr;
static double dense_loss(void) {
    dense_forward(dout, dx, dW, db_, DB, DI, DO);
    return dotr(dout, dr, DB * DO);
}
static void test_dense(void) {
    // By hand: x = [1, 2], W = [[1, 2], [3, 4]] ([C_in, C_out]), b = [0.5, -1]
    //   out0 = 1*1 + 2*3 + 0.5 = 7.5; out1 = 1*2 + 2*4 - 1 = 9.
    float x[2] = {1, 2}, W[4] = {1, 2, 3, 4}, b[2] = {0.5f, -1}, o[2];
    dense_forward(o, x, W, b, 1, 2, 2);
    T_NEAR(o[0], 7.5, 1e-6, 0);
    T_NEAR(o[1], 9.0, 1e-6, 0);
    // Backward by hand with dout = [1, -1]: dW[i][j] = x_i dout_j = [[1,-1],[2,-2]];
    // db = [1,-1]; dx_i = sum_j W[i][j] dout_j = [1-2, 3-4] = [-1, -1]. dW accumulates.
    float d[2] = {1, -1}, gW[4] = {10, 10, 10, 10}, gb[2] = {0, 0}, gx[2] = {99, 99};
    dense_backward(gx, gW, gb, d, x, W, 1, 2, 2);
    T_NEAR(gW[0], 11, 1e-6, 0);
    T_NEAR(gW[1], 9, 1e-6, 0);
    T_NEAR(gW[2], 12, 1e-6, 0);
    T_NEAR(gW[3], 8, 1e-6, 0);
    T_NEAR(gb[0], 1, 1e-6, 0);
    T_NEAR(gb[1], -1, 1e-6, 0);
    T_NEAR(gx[0], -1, 1e-6, 0);
    T_NEAR(gx[1], -1, 1e-6, 0);

    dx = mk(DB * DI, -1, 1), dW = mk(DI * DO, -1, 1), db_ = mk(DO, -1, 1), dout = mk(DB * DO, 0, 0);
    dr = mk(DB * DO, -1, 1);
    float *gx2 = calloc(DB * DI, 4), *gW2 = calloc(DI * DO, 4), *gb2 = calloc(DO, 4);
    dense_forward(dout, dx, dW, db_, DB, DI, DO);
    dense_backward(gx2, gW2, gb2, dr, dx, dW, DB, DI, DO);
    check_fd("dense.x", dx, gx2, DB * DI, dense_loss);
    check_fd("dense.W", dW, gW2, DI * DO, dense_loss);
    check_fd("dense.b", db_, gb2, DO, dense_loss);
    free(dx), free(dW), free(db_), free(dout), free(dr), free(gx2), free(gW2), free(gb2);
}

// ---- LSTM ----
static void test_lstm_hand(void) {
    // H = 1, C_in = 1, T = 2, gate order i, f, g, o:
    //   Wk = [0.5, -0.5, 1.0, 0.25], Wr = [0.1, 0.2, 0.3, 0.4], b = [0, 1, 0, 0], x = [1, -1].
    // Forward direction:
    //  t=0: z = Wk*1 + b = [0.5, 0.5, 1.0, 0.25]; i = f = σ(0.5) = 0.6224593, g = tanh(1) =
    //       0.7615942, o = σ(0.25) = 0.5621765; c0 = i*g = 0.4740614;
    //       h0 = o * tanh(c0) = 0.5621765 * 0.4414703 = 0.2481869.
    //  t=1: z = -Wk + h0*Wr + b = [-0.4751813, 1.5496374, -0.9255439, -0.1507253];
    //       i = 0.3833906, f = 0.8248614, g = -0.7285096, o = 0.4623899;
    //       c1 = f*c0 + i*g = 0.3910374 - 0.2793062 = 0.1117312; h1 = o*tanh(c1) = 0.0514494.
    // Reverse direction (t=1 first, then t=0):
    //  t=1: z = -Wk + b = [-0.5, 1.5, -1, -0.25]; i = 0.3775407, g = -0.7615942, o = 0.4378235;
    //       c = -0.2875328; h1 = -0.1225303.
    //  t=0: z = Wk + h1*Wr + b = [0.487747, 0.4754939, 0.9632409, 0.2009879]; i = 0.6195755,
    //       f = 0.6166833, g = 0.7457190, o = 0.5500785; c = 0.6166833*(-0.2875328) +
    //       0.6195755*0.7457190 = 0.2847126; h0 = 0.1525153.
    float Wk[4] = {0.5f, -0.5f, 1.0f, 0.25f}, Wr[4] = {0.1f, 0.2f, 0.3f, 0.4f}, b[4] = {0, 1, 0, 0};
    float x[2] = {1, -1}, h[2], c[2], g[8], out[4], cc[4], gg[16];
    LstmParams p = {Wk, Wr, b};
    lstm_forward(h, c, g, x, p, 1, 2, 1, 1, 0, 1);
    T_NEAR(h[0], 0.2481869, 1e-6, 0);
    T_NEAR(h[1], 0.0514494, 1e-6, 0);
    T_NEAR(c[0], 0.4740614, 1e-6, 0);
    T_NEAR(c[1], 0.1117312, 1e-6, 0);
    lstm_forward(h, c, g, x, p, 1, 2, 1, 1, 1, 1);
    T_NEAR(h[1], -0.1225303, 1e-6, 0);
    T_NEAR(h[0], 0.1525153, 1e-6, 0);
    // Bidirectional output [T, 2H] = [[h_fwd0, h_bwd0], [h_fwd1, h_bwd1]].
    lstm_bi_forward(out, cc, gg, x, p, p, 1, 2, 1, 1);
    T_NEAR(out[0], 0.2481869, 1e-6, 0);
    T_NEAR(out[1], 0.1525153, 1e-6, 0);
    T_NEAR(out[2], 0.0514494, 1e-6, 0);
    T_NEAR(out[3], -0.1225303, 1e-6, 0);
}

enum { LB = 3, LT = 4, LC = 3, LH = 5 };
static float *lx, *lp[6], *lo, *lc, *lg, *lr;
static double lstm_bi_loss(void) {
    LstmParams f = {lp[0], lp[1], lp[2]}, b = {lp[3], lp[4], lp[5]};
    lstm_bi_forward(lo, lc, lg, lx, f, b, LB, LT, LC, LH);
    return dotr(lo, lr, LB * LT * 2 * LH);
}
static void test_lstm_fd(void) {
    size_t sz[3] = {LC * 4 * LH, LH * 4 * LH, 4 * LH};
    lx = mk(LB * LT * LC, -1.5, 1.5);
    float *gp[6];
    for (int k = 0; k < 6; k++) lp[k] = mk(sz[k % 3], -0.6, 0.6), gp[k] = calloc(sz[k % 3], 4);
    lo = mk(LB * LT * 2 * LH, 0, 0), lc = mk(2 * LB * LT * LH, 0, 0),
    lg = mk(8 * LB * LT * LH, 0, 0);
    lr = mk(LB * LT * 2 * LH, -1, 1);
    float *gx = calloc(LB * LT * LC, 4), *dg = calloc(LB * LT * 4 * LH, 4),
          *scr = calloc(2 * LB * LH, 4);
    lstm_bi_loss();
    LstmParams f = {lp[0], lp[1], lp[2]}, b = {lp[3], lp[4], lp[5]};
    LstmGrads gf = {gp[0], gp[1], gp[2]}, gb = {gp[3], gp[4], gp[5]};
    lstm_bi_backward(gx, gf, gb, dg, scr, lr, lo, lc, lg, lx, f, b, LB, LT, LC, LH);
    check_fd("lstm.x", lx, gx, LB * LT * LC, lstm_bi_loss);
    const char *names[6] = {"fwd.Wk", "fwd.Wr", "fwd.b", "bwd.Wk", "bwd.Wr", "bwd.b"};
    for (int k = 0; k < 6; k++) check_fd(names[k], lp[k], gp[k], sz[k % 3], lstm_bi_loss);
    free(lx), free(lo), free(lc), free(lg), free(lr), free(gx), free(dg), free(scr);
    for (int k = 0; k < 6; k++) free(lp[k]), free(gp[k]);
}

// A batch of 64 (the OpenMP path: B*H >= 8192) equals the samples run one at a time (B = 1,
// serial): the strided per-step GEMMs and the batch-parallel loops keep samples apart.
static void test_lstm_batch(void) {
    enum { B = 64, T = 7, C = 6, H = 160 };
    const size_t G = 4 * H;
    float *x = mk((size_t)B * T * C, -2, 2), *Wk = mk(C * G, -0.3, 0.3), *Wr = mk(H * G, -0.1, 0.1),
          *b = mk(G, -0.5, 0.5);
    float *out = malloc(sizeof(float) * B * T * 2 * H), *c = malloc(sizeof(float) * 2 * B * T * H),
          *g = malloc(sizeof(float) * 8 * B * T * H), *o1 = malloc(sizeof(float) * T * 2 * H);
    float *b2 = mk(G, -0.5, 0.5);
    LstmParams p = {Wk, Wr, b}, q = {Wk, Wr, b2};  // the backward direction: its own bias
    lstm_bi_forward(out, c, g, x, p, q, B, T, C, H);
    double worst = 0.0;
    for (int s = 0; s < B; s += 9) {
        lstm_bi_forward(o1, c, g, x + (size_t)s * T * C, p, q, 1, T, C, H);
        for (int i = 0; i < T * 2 * H; i++)
            worst = fmax(worst, fabs(o1[i] - out[(size_t)s * T * 2 * H + i]));
    }
    T_CHECK(worst < 1e-5);  // only GEMM summation order may differ
    free(x), free(Wk), free(Wr), free(b), free(b2), free(out), free(c), free(g), free(o1);
}

// ---- conv2d + max-pool ----
static void test_conv_hand(void) {
    // 1x2 input (H=1, W=2, C=1), kernel (1,2): TF "same" pads 0 before and 1 after along W:
    //   out[0] = x0*w0 + x1*w1 + b = 2*10 + 3*100 + 1 = 321; out[1] = x1*w0 + 0*w1 + 1 = 31.
    float x[2] = {2, 3}, w[2] = {10, 100}, b[1] = {1}, out[2], cols[4];
    conv2d_forward(out, cols, x, w, b, 1, 1, 2, 1, 1, 1, 2);
    T_NEAR(out[0], 321, 1e-4, 0);
    T_NEAR(out[1], 31, 1e-4, 0);
    // 3 rows (H=3, W=1), kernel (3,1): pads 1 before, 1 after: out[1] = x0*w0 + x1*w1 + x2*w2.
    float x3[3] = {1, 2, 3}, w3[3] = {1, 10, 100}, b3[1] = {0}, o3[3], c3[9];
    conv2d_forward(o3, c3, x3, w3, b3, 1, 3, 1, 1, 1, 3, 1);
    T_NEAR(o3[0], 0 * 1 + 1 * 10 + 2 * 100, 1e-4, 0);
    T_NEAR(o3[1], 1 * 1 + 2 * 10 + 3 * 100, 1e-4, 0);
    T_NEAR(o3[2], 2 * 1 + 3 * 10 + 0 * 100, 1e-4, 0);
    // max-pool (2,1) stride 1 over 3 rows [1, 5, 2] -> [5, 5]; backward routes both to row 1.
    float px[3] = {1, 5, 2}, po[2], pd[3], pg[2] = {1, 2};
    int arg[2];
    maxpool_forward(po, arg, px, 1, 3, 1, 1, 2, 1, 1, 1);
    T_NEAR(po[0], 5, 0, 0);
    T_NEAR(po[1], 5, 0, 0);
    maxpool_backward(pd, pg, arg, 1, 3, 1, 1, 2, 1, 1, 1);
    T_NEAR(pd[0], 0, 0, 0);
    T_NEAR(pd[1], 3, 0, 0);
    T_NEAR(pd[2], 0, 0, 0);
}

enum { CN = 2, CH = 5, CW = 4, CI = 3, CO = 4, KH = 2, KW = 4 };
static float *cx, *cw, *cb, *co, *ccols, *cr;
static double conv_loss(void) {
    conv2d_forward(co, ccols, cx, cw, cb, CN, CH, CW, CI, CO, KH, KW);
    return dotr(co, cr, CN * CH * CW * CO);
}
enum { PN = 2, PH = 6, PW = 3, PC = 2 };  // pool (3,2) stride (1,1) -> 4x2
static float *px_, *po_, *pr_;
static int *parg;
static double pool_loss(void) {
    maxpool_forward(po_, parg, px_, PN, PH, PW, PC, 3, 2, 1, 1);
    return dotr(po_, pr_, PN * 4 * 2 * PC);
}
static void test_conv_pool_fd(void) {
    size_t nx = CN * CH * CW * CI, nw = KH * KW * CI * CO, no = CN * CH * CW * CO;
    cx = mk(nx, -1, 1), cw = mk(nw, -1, 1), cb = mk(CO, -1, 1), co = mk(no, 0, 0);
    ccols = mk((size_t)CN * CH * CW * KH * KW * CI, 0, 0), cr = mk(no, -1, 1);
    float *gx = calloc(nx, 4), *gw = calloc(nw, 4), *gb = calloc(CO, 4),
          *dcols = calloc((size_t)CN * CH * CW * KH * KW * CI, 4);
    conv_loss();
    conv2d_backward(gx, gw, gb, dcols, cr, ccols, cw, CN, CH, CW, CI, CO, KH, KW);
    check_fd("conv.x", cx, gx, nx, conv_loss);
    check_fd("conv.W", cw, gw, nw, conv_loss);
    check_fd("conv.b", cb, gb, CO, conv_loss);
    free(cx), free(cw), free(cb), free(co), free(ccols), free(cr), free(gx), free(gw), free(gb);
    free(dcols);

    // Distinct values spaced 0.05 > 2*FD_EPS apart so no perturbation changes an argmax.
    size_t np = PN * PH * PW * PC, npo = PN * 4 * 2 * PC;
    px_ = malloc(np * 4), po_ = malloc(npo * 4), pr_ = mk(npo, -1, 1),
    parg = malloc(npo * sizeof(int));
    for (size_t i = 0; i < np; i++) px_[i] = 0.05f * (float)((i * 37) % np);
    float *gp = malloc(np * 4);
    pool_loss();
    maxpool_backward(gp, pr_, parg, PN, PH, PW, PC, 3, 2, 1, 1);
    check_fd("pool.x", px_, gp, np, pool_loss);
    free(px_), free(po_), free(pr_), free(parg), free(gp);
}

// ---- activations, softmax ----
static int act_kind;
static float *ax, *ao, *ar;
enum { AN = 40 };
static double act_loss(void) {
    switch (act_kind) {
        case 0: selu_forward(ao, ax, AN); break;
        case 1: relu_forward(ao, ax, AN); break;
        case 2: sigmoid_forward(ao, ax, AN); break;
        case 3: tanh_forward(ao, ax, AN); break;
        default: softmax_forward(ao, ax, 5, AN / 5); break;
    }
    return dotr(ao, ar, AN);
}
static void test_activations(void) {
    // SELU by hand: selu(1) = 1.0507010; selu(-1) = 1.0507010 * 1.6732632 * (e^-1 - 1) =
    // 1.7580993 * -0.6321206 = -1.1113307.
    float v[2] = {1, -1}, o[2];
    selu_forward(o, v, 2);
    T_NEAR(o[0], 1.0507010, 1e-6, 0);
    T_NEAR(o[1], -1.1113307, 1e-6, 0);
    ax = malloc(AN * 4), ao = malloc(AN * 4), ar = mk(AN, -1, 1);
    float *g = malloc(AN * 4);
    const char *names[5] = {"selu", "relu", "sigmoid", "tanh", "softmax"};
    for (act_kind = 0; act_kind < 5; act_kind++) {
        for (int i = 0; i < AN; i++) {  // |x| in [0.1, 2]: away from the kinks at 0
            double u = 0.1 + 1.9 * rng_uniform(&R);
            ax[i] = (float)(rng_uniform(&R) < 0.5 ? -u : u);
        }
        act_loss();
        switch (act_kind) {
            case 0: selu_backward(g, ar, ao, AN); break;
            case 1: relu_backward(g, ar, ao, AN); break;
            case 2: sigmoid_backward(g, ar, ao, AN); break;
            case 3: tanh_backward(g, ar, ao, AN); break;
            default: softmax_backward(g, ar, ao, 5, AN / 5); break;
        }
        check_fd(names[act_kind], ax, g, AN, act_loss);
    }
    // in-place selu backward gives the same as out-of-place
    float g2[AN];
    memcpy(g2, ar, sizeof g2);
    act_kind = 0;
    act_loss();
    selu_backward(g, ar, ao, AN);
    selu_backward(g2, g2, ao, AN);
    T_CHECK(memcmp(g, g2, sizeof g2) == 0);
    // softmax rows sum to 1
    softmax_forward(ao, ax, 5, AN / 5);
    for (int b = 0; b < 5; b++) {
        double s = 0;
        for (int c = 0; c < AN / 5; c++) s += ao[b * (AN / 5) + c];
        T_NEAR(s, 1.0, 1e-6, 0);
    }
    free(ax), free(ao), free(ar), free(g);
}

// ---- dropout ----
static void test_dropout(void) {
    const size_t n = 200000;
    float *x = malloc(n * 4), *o = malloc(n * 4), *mask = malloc(n * 4), *g = malloc(n * 4);
    for (size_t i = 0; i < n; i++) x[i] = 1.0f;
    Rng r;
    rng_seed(&r, 7);
    dropout_forward(o, mask, x, n / 100, 100, 0.2f, 99, 0, 0);
    size_t zeros = 0;
    double sum = 0;
    for (size_t i = 0; i < n; i++) zeros += o[i] == 0.0f, sum += o[i];
    // Binomial(2e5, 0.2): sd of the zero fraction = sqrt(.2*.8/2e5) = 9e-4; allow ~5 sd.
    T_NEAR((double)zeros / n, 0.2, 5e-3, 0);
    T_NEAR(sum / n, 1.0, 7e-3, 0);  // inverted dropout keeps the mean (sd 1.1e-3)
    for (size_t i = 0; i < n; i++) T_CHECK(o[i] == 0.0f || fabsf(o[i] - 1.25f) < 1e-6f);
    dropout_backward(g, x, mask, n);  // dout = 1 -> din = mask
    T_CHECK(memcmp(g, mask, n * 4) == 0);
    // rate 0: identity
    dropout_forward(o, mask, x, 2, 5, 0.0f, 99, 0, 0);
    for (int i = 0; i < 10; i++) T_CHECK(o[i] == x[i] && mask[i] == 1.0f);
    // A row's mask depends on (seed, layer, global row) only: rows 0..999 in one call equal rows
    // 0..399 and 400..999 drawn separately with row0 = 400 (a batch split over two ranks), and
    // another layer id or seed gives other masks.
    {
        float *m2 = malloc(n * 4), *o2 = malloc(n * 4);
        dropout_forward(o2, m2, x, 400, 100, 0.2f, 99, 3, 0);
        dropout_forward(o2 + 40000, m2 + 40000, x + 40000, 600, 100, 0.2f, 99, 3, 400);
        dropout_forward(o, mask, x, 1000, 100, 0.2f, 99, 3, 0);
        T_CHECK(memcmp(mask, m2, 100000 * 4) == 0);
        dropout_forward(o2, m2, x, 1000, 100, 0.2f, 99, 4, 0);
        T_CHECK(memcmp(mask, m2, 100000 * 4) != 0);
        dropout_forward(o2, m2, x, 1000, 100, 0.2f, 98, 3, 0);
        T_CHECK(memcmp(mask, m2, 100000 * 4) != 0);
        free(m2), free(o2);
    }

    // Alpha dropout on N(0,1) input keeps mean 0 and variance 1 (sd of the estimates ~3e-3).
    for (size_t i = 0; i < n; i++) x[i] = (float)rng_normal(&r);
    alpha_dropout_forward(o, mask, x, n / 100, 100, 0.5f, 5, 0, 0);
    double m1 = 0, m2 = 0;
    for (size_t i = 0; i < n; i++) m1 += o[i], m2 += (double)o[i] * o[i];
    m1 /= n, m2 = m2 / n - m1 * m1;
    T_NEAR(m1, 0.0, 0.02, 0);
    T_NEAR(m2, 1.0, 0.03, 0);
    // Dropped units take a*alpha' + b: q = 0.5, a = (0.5 (1 + 0.5 * 1.7580993^2))^-1/2 =
    // (0.5 * 2.5454566)^-1/2 = 0.8864053, b = -a * 0.5 * alpha' = 0.7791938;
    // dropped value = 0.8864053 * -1.7580993 + 0.7791938 = -0.7791938. Kept: a x + b.
    for (size_t i = 0; i < 1000; i++) {
        if (mask[i] == 0.0f)
            T_NEAR(o[i], -0.7791938, 1e-5, 0);
        else
            T_NEAR(o[i], 0.8864053 * x[i] + 0.7791938, 1e-5, 1e-5);
    }
    free(x), free(o), free(mask), free(g);
}

// ---- losses ----
enum { QB = 4, QC = 5 };
static float *qz, *qp, *qy;
static int loss_kind;
static double loss_fn(void) {
    if (loss_kind == 0) {
        softmax_forward(qp, qz, QB, QC);
        return focal_loss_forward(qp, qy, QB, QC, 2.0);
    }
    if (loss_kind == 1) return softmax_xent_forward(qz, qy, QB, QC);
    sigmoid_forward(qp, qz, QB * QC);
    return sigmoid_sse_forward(qp, qy, QB, QC);
}
static void test_losses(void) {
    // Focal by hand: p = [0.25, 0.75], y = [0, 1]: -(1 - 0.75)^2 log 0.75 = 0.0625 * 0.2876821
    // = 0.0179801. Clipping: p = 0 with y = 1 gives -(1)^2 log 1e-9 = 20.7232658.
    float p[2] = {0.25f, 0.75f}, y[2] = {0, 1}, p0[2] = {1, 0};
    T_NEAR(focal_loss_forward(p, y, 1, 2, 2.0), 0.0179801, 1e-7, 0);
    T_NEAR(focal_loss_forward(p0, y, 1, 2, 2.0), 20.7232658, 1e-6, 0);
    // CE by hand: z = [0, ln 3] -> p = [0.25, 0.75]; y = [0, 1]: -ln 0.75 = 0.2876821.
    float z[2] = {0, (float)log(3.0)};
    T_NEAR(softmax_xent_forward(z, y, 1, 2), 0.2876821, 1e-6, 0);
    // SSE by hand: s = [0.25, 0.75], y = [0, 1]: 0.0625 + 0.0625 = 0.125.
    T_NEAR(sigmoid_sse_forward(p, y, 1, 2), 0.125, 1e-7, 0);

    qz = mk(QB * QC, -2, 2), qp = malloc(QB * QC * 4), qy = calloc(QB * QC, 4);
    float *g = malloc(QB * QC * 4);
    const char *names[3] = {"focal", "xent", "sigmoid_sse"};
    for (loss_kind = 0; loss_kind < 3; loss_kind++) {
        memset(qy, 0, QB * QC * 4);
        for (int b = 0; b < QB; b++) {
            if (loss_kind == 2)  // soft multi-label targets
                for (int c = 0; c < QC; c++) qy[b * QC + c] = (float)rng_uniform(&R);
            else if (b == 0)  // soft target row (0.5 / 0.5), as Clairvoyante's base change
                qy[0] = qy[1] = 0.5f;
            else
                qy[b * QC + rng_below(&R, QC)] = 1.0f;
        }
        loss_fn();
        if (loss_kind == 0)
            focal_loss_backward(g, qp, qy, QB, QC, 2.0, 1.0);
        else if (loss_kind == 1) {
            softmax_forward(qp, qz, QB, QC);
            softmax_xent_backward(g, qp, qy, QB, QC, 1.0);
        } else
            sigmoid_sse_backward(g, qp, qy, QB, QC, 1.0);
        check_fd(names[loss_kind], qz, g, QB * QC, loss_fn);
    }
    // scale multiplies the gradient (mean over the batch = scale 1/B)
    loss_kind = 0;
    loss_fn();
    float g2[QB * QC];
    focal_loss_backward(g, qp, qy, QB, QC, 2.0, 1.0);
    focal_loss_backward(g2, qp, qy, QB, QC, 2.0, 0.25);
    for (int i = 0; i < QB * QC; i++) T_NEAR(g2[i], 0.25 * g[i], 1e-7, 1e-6);
    free(qz), free(qp), free(qy), free(g);
}

// The vectorisable exp/sigmoid/tanh of the LSTM against libm in double.
static void test_fastmath(void) {
    double worst_exp = 0, worst_sig = 0, worst_tanh = 0;
    for (int k = 0; k <= 200000; k++) {
        float x = (float)(-87.0 + 175.0 * k / 200000.0);
        worst_exp = fmax(worst_exp, fabs(fm_exp(x) / exp((double)x) - 1.0));
        float y = (float)(-20.0 + 40.0 * k / 200000.0);
        worst_sig = fmax(worst_sig, fabs(fm_sigmoid(y) - 1.0 / (1.0 + exp(-(double)y))));
        worst_tanh = fmax(worst_tanh, fabs(fm_tanh(y) - tanh((double)y)));
    }
    T_CHECK(worst_exp < 1e-6);   // relative; float itself resolves 6e-8
    T_CHECK(worst_sig < 3e-7);   // absolute
    T_CHECK(worst_tanh < 5e-7);  // absolute
    fprintf(stderr, "fastmath: exp rel %.2g, sigmoid abs %.2g, tanh abs %.2g\n", worst_exp,
            worst_sig, worst_tanh);
}

// conv2d's full-width path (kw == W: banded kernel over whole rows) against the general im2col
// path, forward and backward, for kh = 1..3 and an odd and an even kernel width; the general path
// is itself checked by hand and by finite differences (main runs those tests on both paths).
static void test_conv_paths(void) {
    for (int kh = 1; kh <= 3; kh++)
        for (int w = 3; w <= 4; w++) {
            const int N = 3, H = 7, CIn = 3, COut = 5;
            size_t nx = (size_t)N * H * w * CIn, nw = (size_t)kh * w * CIn * COut,
                   no = (size_t)N * H * w * COut, nc = (size_t)N * H * w * kh * w * CIn;
            float *x = mk(nx, -1, 1), *W = mk(nw, -1, 1), *b = mk(COut, -1, 1), *r = mk(no, -1, 1);
            float *o[2], *gx[2], *gw[2], *gb[2], *cols = mk(nc, 0, 0), *dcols = mk(nc, 0, 0);
            for (int path = 0; path < 2; path++) {
                conv2d_use_full_width(path);
                o[path] = mk(no, 0, 0), gx[path] = mk(nx, 0, 0), gw[path] = mk(nw, 0, 0);
                gb[path] = mk(COut, 0, 0);
                conv2d_forward(o[path], cols, x, W, b, N, H, w, CIn, COut, kh, w);
                conv2d_backward(gx[path], gw[path], gb[path], dcols, r, cols, W, N, H, w, CIn, COut,
                                kh, w);
            }
            for (size_t i = 0; i < no; i++) T_NEAR(o[1][i], o[0][i], 1e-5, 1e-5);
            for (size_t i = 0; i < nx; i++) T_NEAR(gx[1][i], gx[0][i], 1e-5, 1e-5);
            for (size_t i = 0; i < nw; i++) T_NEAR(gw[1][i], gw[0][i], 1e-5, 1e-5);
            for (int i = 0; i < COut; i++) T_NEAR(gb[1][i], gb[0][i], 1e-5, 1e-5);
            for (int p = 0; p < 2; p++) free(o[p]), free(gx[p]), free(gw[p]), free(gb[p]);
            free(x), free(W), free(b), free(r), free(cols), free(dcols);
        }
}

int main(void) {
    test_fastmath();
    rng_seed(&R, 12345);
    test_dense();
    test_lstm_hand();
    test_lstm_fd();
    test_lstm_batch();
    test_conv_hand();  // full-width path where kw == W (both hand cases, the FD case)
    test_conv_pool_fd();
    conv2d_use_full_width(0);
    test_conv_hand();  // the general im2col path on the same cases
    test_conv_pool_fd();
    test_conv_paths();
    conv2d_use_full_width(1);
    test_activations();
    test_dropout();
    test_losses();
    T_DONE();
}
