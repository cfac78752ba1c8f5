// pool.h — 2-D max pooling, "valid" padding, NHWC. x [N, H, W, C] -> out [N, Ho, Wo, C] with
// Ho = (H - ph) / sh + 1, Wo = (W - pw) / sw + 1. Clairvoyante uses (p,1) windows with stride 1,
// so only the position axis shrinks. argmax [N*Ho*Wo*C] keeps the flat index into x of each
// maximum (the first one on ties) for backward, which overwrites dx (routing dout to argmax).
#ifndef CALLA_POOL_H
#define CALLA_POOL_H

void maxpool_forward(float *out, int *argmax, const float *x, int N, int H, int W, int C, int ph,
                     int pw, int sh, int sw);
void maxpool_backward(float *dx, const float *dout, const int *argmax, int N, int H, int W, int C,
                      int ph, int pw, int sh, int sw);

#endif
