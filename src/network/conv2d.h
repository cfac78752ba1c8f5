// conv2d.h — 2-D convolution, stride 1, TensorFlow "same" padding, NHWC (CPU, im2col + GEMM).
// x [N, H, W, C_in], kernel [kh, kw, C_in, C_out] (Keras layout), b [C_out], out [N, H, W, C_out].
// "same": along an axis with kernel k the total padding is k-1, floor((k-1)/2) before and the
// rest after (TF; for even k the extra zero goes after), zeros in the padding.
// cols [N*H*W, kh*kw*C_in] is the im2col matrix kept from forward for backward; row (n,y,x),
// column (ky*kw + kx)*C_in + ci, matching the kernel's row-major flattening.
// Gradient convention as in dense.h: dW, db accumulate; dx overwritten (may be NULL).
// When the kernel spans the whole width (kw == W, Clairvoyante), a faster path is used (see
// conv2d.c) whose cols is [N*H, kh*W*C_in], a prefix of the same buffer; callers size cols as
// above either way. Both paths give the same result up to float rounding.
#ifndef CALLA_CONV2D_H
#define CALLA_CONV2D_H

void conv2d_forward(float *out, float *cols, const float *x, const float *W, const float *b, int N,
                    int H, int Wd, int C_in, int C_out, int kh, int kw);
// dcols: scratch of the size of cols; it may be cols itself (cols is then consumed).
void conv2d_backward(float *dx, float *dW, float *db, float *dcols, const float *dout,
                     const float *cols, const float *W, int N, int H, int Wd, int C_in, int C_out,
                     int kh, int kw);

// For tests: 0 forces the general im2col path for full-width kernels too (default 1).
void conv2d_use_full_width(int on);

#endif
