// activations.h — elementwise activations and softmax over flat float32 arrays.
// Backward functions take the forward OUTPUT y (not the input), so every activation can run in
// place (out == in) and its backward too (din == dout); din is overwritten.
#ifndef CALLA_ACTIVATIONS_H
#define CALLA_ACTIVATIONS_H
#include <stddef.h>

#define SELU_ALPHA 1.6732632423543772
#define SELU_SCALE 1.0507009873554805

// SELU: scale * (x if x >= 0 else alpha * (exp(x) - 1)); dy/dx = scale (y >= 0) or y + scale*alpha.
void selu_forward(float *out, const float *in, size_t n);
void selu_backward(float *din, const float *dout, const float *out, size_t n);
void relu_forward(float *out, const float *in, size_t n);
void relu_backward(float *din, const float *dout, const float *out, size_t n);
void sigmoid_forward(float *out, const float *in, size_t n);
void sigmoid_backward(float *din, const float *dout, const float *out, size_t n);
void tanh_forward(float *out, const float *in, size_t n);
void tanh_backward(float *din, const float *dout, const float *out, size_t n);

// Row-wise softmax of [B, C] (max-subtracted). out may equal in.
void softmax_forward(float *out, const float *in, int B, int C);
// din = p * (dout - sum_c dout_c p_c), row-wise; din may equal dout.
void softmax_backward(float *din, const float *dout, const float *p, int B, int C);

// Flatten is a no-op on our layouts: [B, T, C] (Clair3) and NHWC [B, H, W, C] (Clairvoyante)
// are already the row-major order that Keras's Flatten/reshape produces, so the same buffer is
// used as [B, T*C] / [B, H*W*C].

#endif
