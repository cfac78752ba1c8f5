// resblock.c — see resblock.h.
#include "network/resblock.h"

#include <stddef.h>

#include "network/activations.h"
#include "network/batchnorm.h"
#include "network/conv3x3.h"

void resblock_forward(ResAct *a, const float *x, const ResParams *p, float *cols, int N, int H,
                      int W, int C, int train) {
    const size_t rows = (size_t)N * H * W;
    conv3_forward(a->a1, cols, x, p->W1, p->b1, N, H, W, C, C, 1);
    bn_forward_act(a->r1, a->mean1, a->invstd1, a->a1, p->g1, p->be1, p->rm1, p->rv1, rows, C,
                   train, BN_EPS, BN_MOMENTUM, NULL, 1);
    conv3_forward(a->a2, cols, a->r1, p->W2, p->b2, N, H, W, C, C, 1);
    bn_forward_act(a->y, a->mean2, a->invstd2, a->a2, p->g2, p->be2, p->rm2, p->rv2, rows, C,
                   train, BN_EPS, BN_MOMENTUM, x, 1);
}

void resblock_backward(float *dx, const ResGrads *g, float *dy, float *u, float *v, float *cols,
                       const ResAct *a, const float *x, const ResParams *p, int N, int H, int W,
                       int C, int train) {
    const size_t rows = (size_t)N * H * W, n = rows * C;
    relu_backward(dy, dy, a->y, n);  // dy is now the gradient of BN2's output + x
    bn_backward(u, g->g2, g->be2, dy, a->a2, a->mean2, a->invstd2, p->g2, rows, C, train);
    conv3_backward(v, g->W2, g->b2, cols, u, a->r1, p->W2, N, H, W, C, C, 1);
    relu_backward(v, v, a->r1, n);
    bn_backward(u, g->g1, g->be1, v, a->a1, a->mean1, a->invstd1, p->g1, rows, C, train);
    conv3_backward(dx, g->W1, g->b1, cols, u, x, p->W1, N, H, W, C, C, 1);
    for (size_t i = 0; i < n; i++) dx[i] += dy[i];
}
