// test_layers_fa.c — the full-alignment model's layers against values worked out by hand:
// 3x3 convolution with stride 1 and 2 and symmetric padding 1, batch normalisation (training,
// running-statistics update with momentum 0.99 and the unbiased variance, evaluation), spatial
// pyramid pooling bin placement (TF-SAME centred grid), and the residual block with zero
// convolutions. Gradients are checked against double-precision differences in
// test_grad_double.c.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "network/batchnorm.h"
#include "network/conv3x3.h"
#include "network/resblock.h"
#include "network/spp.h"
#include "testlib.h"

static void test_conv(void) {
    // 4x4 input 1..16 (row-major), one channel, kernel of ones, bias 0.5, stride 2 -> 2x2.
    // Output (y, x) sums input rows 2y-1..2y+1 and columns 2x-1..2x+1 that exist:
    //   (0,0): rows 0-1, cols 0-1: 1+2+5+6 = 14          (TF "same" would take rows/cols 0-2: 54)
    //   (0,1): rows 0-1, cols 1-3: 2+3+4+6+7+8 = 30
    //   (1,0): rows 1-3, cols 0-1: 5+6+9+10+13+14 = 57
    //   (1,1): rows 1-3, cols 1-3: 6+7+8+10+11+12+14+15+16 = 99
    float x[16], W[9], b[1] = {0.5f}, out[4], cols[64];
    for (int i = 0; i < 16; i++) x[i] = (float)(i + 1);
    for (int i = 0; i < 9; i++) W[i] = 1.0f;
    T_EQ_INT(conv3_out(4, 2), 2);
    T_EQ_INT(conv3_out(55, 2), 28);
    T_EQ_INT(conv3_out(28, 2), 14);
    T_EQ_INT(conv3_out(89, 2), 45);
    T_EQ_INT(conv3_out(33, 2), 17);
    T_CHECK(conv3_cols_floats(1, 4, 4, 1, 2) <= 64);
    conv3_forward(out, cols, x, W, b, 1, 4, 4, 1, 1, 2);
    T_NEAR(out[0], 14.5, 0, 0);
    T_NEAR(out[1], 30.5, 0, 0);
    T_NEAR(out[2], 57.5, 0, 0);
    T_NEAR(out[3], 99.5, 0, 0);
    // Backward with dout = 1 everywhere: dx counts the outputs that read each input (rows 0-1
    // feed output row 0, rows 1-3 row 1: row 1 is read by both), db = 4, dW[ky][kx] = sum of
    // the inputs under tap (ky, kx) over the 4 outputs; tap (1,1) (the centre) reads x at
    // (0,0), (0,2), (2,0), (2,2): 1 + 3 + 9 + 11 = 24.
    float dout[4] = {1, 1, 1, 1}, dx[16], dW[9] = {0}, db[1] = {0};
    conv3_backward(dx, dW, db, cols, dout, x, W, 1, 4, 4, 1, 1, 2);
    T_NEAR(db[0], 4, 0, 0);
    T_NEAR(dW[4], 24, 0, 0);
    T_NEAR(dW[0], 6, 0, 0);  // tap (0,0): x at (-1,-1) pad, (-1,1) pad, (1,-1) pad, (1,1) = 6
    const float want_dx[16] = {1, 2, 1, 1, 2, 4, 2, 2, 1, 2, 1, 1, 1, 2, 1, 1};
    for (int i = 0; i < 16; i++) T_NEAR(dx[i], want_dx[i], 0, 0);
    // stride 1 on 3x3 (1..9): corner (0,0) = 1+2+4+5 = 12, centre = 45; plus the bias 0.5
    float o9[9], c9[81];
    conv3_forward(o9, c9, x, W, b, 1, 3, 3, 1, 1, 1);  // x[0..8] = 1..9 read as 3x3
    T_NEAR(o9[0], 12.5, 0, 0);
    T_NEAR(o9[4], 45.5, 0, 0);
    T_NEAR(o9[8], 5 + 6 + 8 + 9 + 0.5, 0, 0);
}

static void test_bn(void) {
    // One channel, rows 1, 2, 3, 4: mean 2.5, biased variance 1.25; gamma 2, beta 1:
    // y = 2 (x - 2.5) / sqrt(1.25 + 1e-3) + 1 = -1.682209, 0.105930, 1.894070, 3.682209.
    // Running statistics from (0, 1): mean 0.01 * 2.5 = 0.025; variance
    // 0.99 + 0.01 * (5 / 3) = 1.0066667 (unbiased batch variance 5/3).
    float x[4] = {1, 2, 3, 4}, y[4], g = 2, be = 1, rm = 0, rv = 1, mean, inv;
    bn_forward(y, &mean, &inv, x, &g, &be, &rm, &rv, 4, 1, 1, BN_EPS, BN_MOMENTUM);
    const double want[4] = {-1.6822089, 0.1059304, 1.8940696, 3.6822089};
    for (int i = 0; i < 4; i++) T_NEAR(y[i], want[i], 1e-6, 0);
    T_NEAR(rm, 0.025, 1e-7, 0);
    T_NEAR(rv, 1.0066667, 1e-7, 0);
    // Evaluation uses them: y = 2 (x - 0.025) / sqrt(1.0066667 + 1e-3) + 1.
    bn_forward(y, &mean, &inv, x, &g, &be, &rm, &rv, 4, 1, 0, BN_EPS, BN_MOMENTUM);
    const double ev[4] = {2.9425677, 4.9349448, 6.9273220, 8.9196991};
    for (int i = 0; i < 4; i++) T_NEAR(y[i], ev[i], 2e-6, 0);
    T_NEAR(rm, 0.025, 1e-7, 0);  // unchanged
    // Training backward, dy = (1, 0, 0, 0): dbeta = 1, dgamma = xhat_0 = -1.5 / 1.1184811;
    // the batch statistics make dx sum to 0 over the rows.
    float dy[4] = {1, 0, 0, 0}, dx[4], dg = 0, db = 0;
    bn_forward(y, &mean, &inv, x, &g, &be, &rm, &rv, 4, 1, 1, BN_EPS, BN_MOMENTUM);
    bn_backward(dx, &dg, &db, dy, x, &mean, &inv, &g, 4, 1, 1);
    T_NEAR(db, 1, 0, 0);
    T_NEAR(dg, -1.5 / sqrt(1.251), 1e-6, 0);
    T_NEAR(dx[0] + dx[1] + dx[2] + dx[3], 0, 1e-6, 0);
    // evaluation backward is the affine map: dx = gamma / sqrt(var + eps) * dy
    bn_backward(dx, &dg, &db, dy, x, &rm, &(float){(float)(1.0 / sqrt(1.5 + 1e-3))}, &g, 4, 1, 0);
    T_NEAR(dx[0], 2.0 / sqrt(1.501), 1e-6, 0);
    T_NEAR(dx[1], 0, 0, 0);
}

static void test_spp(void) {
    // 7 x 5 x 1. Level 3: window 3 x 2; the 3x3 grid spans 9 rows (pad 2: 1 before) and 6
    // columns (pad 1: 0 before): row bins {0,1} {2,3,4} {5,6}, column bins {0,1} {2,3} {4}.
    // Level 2: window 4 x 3, 8 rows (pad 1: 0 before), 6 columns: rows {0..3} {4..6},
    // columns {0,1,2} {3,4}. Level 1: everything.
    // Values 100 - (10 r + c) peak at each bin's first row and column:
    float x[35], out[14];
    int am[14];
    for (int r = 0; r < 7; r++)
        for (int c = 0; c < 5; c++) x[r * 5 + c] = (float)(100 - (10 * r + c));
    spp_forward(out, am, x, 1, 7, 5, 1);
    const float first[14] = {100, 98, 96, 80, 78, 76, 50, 48, 46, 100, 97, 60, 57, 100};
    for (int i = 0; i < 14; i++) T_NEAR(out[i], first[i], 0, 0);
    T_EQ_INT(am[3], 2 * 5 + 0);  // bin (1,0) of level 3: row 2, column 0
    // ... and 10 r + c at each bin's last row and column
    for (int r = 0; r < 7; r++)
        for (int c = 0; c < 5; c++) x[r * 5 + c] = (float)(10 * r + c);
    spp_forward(out, am, x, 1, 7, 5, 1);
    const float last[14] = {11, 13, 14, 41, 43, 44, 61, 63, 64, 32, 34, 62, 64, 64};
    for (int i = 0; i < 14; i++) T_NEAR(out[i], last[i], 0, 0);
    // backward routes each bin's gradient to its maximum; cell (6,4) is the max of three bins
    float dout[14], dx[35];
    for (int i = 0; i < 14; i++) dout[i] = (float)(i + 1);
    spp_backward(dx, dout, am, 1, 7, 5, 1);
    T_NEAR(dx[6 * 5 + 4], 9 + 13 + 14, 0, 0);
    T_NEAR(dx[1 * 5 + 1], 1, 0, 0);
    T_NEAR(dx[0], 0, 0, 0);
    // one row: the 3x3 level's outer rows of bins are padding only -> 0 (argmax -1)
    float x1[5] = {0.5f, 0.25f, 0.75f, 1.0f, 0.125f}, o1[14];
    int a1[14];
    spp_forward(o1, a1, x1, 1, 1, 5, 1);
    T_NEAR(o1[0], 0, 0, 0);
    T_EQ_INT(a1[0], -1);
    T_NEAR(o1[3], 0.5, 0, 0);    // middle bin row, columns {0,1}
    T_NEAR(o1[4], 1.0, 0, 0);    // columns {2,3}
    T_NEAR(o1[5], 0.125, 0, 0);  // column {4}
    T_NEAR(o1[13], 1.0, 0, 0);
}

static void test_res(void) {
    // Zero convolutions: a1 = 0, so training BN1 sees a constant (variance 0) and gives beta1;
    // a2 = 0 likewise gives beta2; y = ReLU(x + beta2).
    enum { N = 1, H = 2, W = 2, C = 2, n = N * H * W * C };
    float Wz[9 * C * C] = {0}, bz[C] = {0}, g[C] = {1, 1}, be1[C] = {0.3f, -0.2f},
          be2[C] = {0.5f, -1.0f}, rm[4 * C] = {0}, rv[4 * C] = {1, 1, 1, 1, 1, 1, 1, 1};
    float x[n] = {1, 2, -3, 0.25f, 0.4f, 0.1f, -0.2f, 3}, cols[9 * C * n];
    float a1[n], r1[n], a2[n], y[n], st[4 * C];
    ResParams p = {Wz, bz, g, be1, Wz, bz, g, be2, rm, rv, rm + C, rv + C};
    ResAct a = {a1, r1, a2, y, st, st + C, st + 2 * C, st + 3 * C};
    resblock_forward(&a, x, &p, cols, N, H, W, C, 1);
    for (int i = 0; i < n; i++) {
        float want = x[i] + be2[i % C];
        T_NEAR(y[i], want > 0 ? want : 0, 1e-6, 0);
        T_NEAR(r1[i], be1[i % C] > 0 ? be1[i % C] : 0, 1e-6, 0);
    }
}

int main(void) {
    test_conv();
    test_bn();
    test_spp();
    test_res();
    T_DONE();
}
