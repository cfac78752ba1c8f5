// resblock.h — ResNet BasicBlock with identity shortcut (clair3.md §5.2), channels-last:
//   a1 = conv3x3(x) ; r1 = ReLU(BN1(a1)) ; a2 = conv3x3(r1) ; y = ReLU(BN2(a2) + x)
// over [N, H, W, C], stride 1, C channels in and out (conv3x3.h, batchnorm.h).
#ifndef CALLA_RESBLOCK_H
#define CALLA_RESBLOCK_H

typedef struct {
    const float *W1, *b1, *g1, *be1;  // conv1 kernel [3,3,C,C], bias [C]; BN1 gamma, beta [C]
    const float *W2, *b2, *g2, *be2;
    float *rm1, *rv1, *rm2, *rv2;  // BN running mean / variance [C] (updated when training)
} ResParams;

typedef struct {
    float *W1, *b1, *g1, *be1, *W2, *b2, *g2, *be2;  // accumulate
} ResGrads;

typedef struct {
    float *a1, *r1, *a2, *y;                  // [N, H, W, C] each, kept for backward
    float *mean1, *invstd1, *mean2, *invstd2;  // [C] each
} ResAct;

// train: batch statistics (and running-statistics update with BN_MOMENTUM) or running ones.
// cols: scratch of conv3_cols_floats(N, H, W, C, 1) floats.
void resblock_forward(ResAct *a, const float *x, const ResParams *p, float *cols, int N, int H,
                      int W, int C, int train);
// dy [N,H,W,C] is consumed (overwritten); u, v: scratch of the same size; dx overwritten (not
// aliasing dy, u or v).
void resblock_backward(float *dx, const ResGrads *g, float *dy, float *u, float *v, float *cols,
                       const ResAct *a, const float *x, const ResParams *p, int N, int H, int W,
                       int C, int train);

#endif
