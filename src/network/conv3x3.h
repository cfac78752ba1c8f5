// conv3x3.h — 3x3 convolution with stride 1 or 2 and symmetric zero padding of 1 on every side
// (PyTorch Conv2d(kernel_size=3, stride=s, padding=1)), channels-last, im2col + GEMM (gemm.h).
// x [N, H, W, C_in], kernel [3, 3, C_in, C_out] (Keras layout, as conv2d.h), b [C_out],
// out [N, Ho, Wo, C_out] with Ho = (H - 1) / s + 1 = ceil(H / s), Wo likewise: output (y, x)
// reads input rows s*y - 1 .. s*y + 1 and columns s*x - 1 .. s*x + 1. For stride 1 this is
// TensorFlow "same"; for stride 2 TensorFlow "same" pads 0 before / 1 after on even sizes
// instead (docs/network.md). Samples are processed in blocks of CONV3_BLOCK (fixed, so results
// do not depend on the thread count beyond gemm.h's note); cols is scratch of
// conv3_cols_floats() floats, not kept between calls: backward rebuilds the im2col rows from x.
// Gradient convention as in dense.h: dW, db accumulate; dx overwritten (may be NULL).
#ifndef CALLA_CONV3X3_H
#define CALLA_CONV3X3_H
#include <stddef.h>

#define CONV3_BLOCK 16

static inline int conv3_out(int n, int stride) { return (n - 1) / stride + 1; }
size_t conv3_cols_floats(int N, int H, int W, int C_in, int stride);

void conv3_forward(float *out, float *cols, const float *x, const float *W, const float *b, int N,
                   int H, int Wd, int C_in, int C_out, int stride);
void conv3_backward(float *dx, float *dW, float *db, float *cols, const float *dout,
                    const float *x, const float *W, int N, int H, int Wd, int C_in, int C_out,
                    int stride);

#endif
