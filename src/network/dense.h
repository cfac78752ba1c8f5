// dense.h — fully connected layer over flat float32 arrays (CPU, OpenBLAS).
// Layout: in [B, C_in], W [C_in, C_out] (Keras kernel layout), b [C_out], out [B, C_out].
// Gradient convention of every layer in src/network: parameter gradients (dW, db) ACCUMULATE
// (+=) so the caller zeroes them once per step; input gradients (din) are OVERWRITTEN (and may
// be NULL when not needed, e.g. for the first layer).
#ifndef CALLA_DENSE_H
#define CALLA_DENSE_H

// out = in @ W + b (b may be NULL).
void dense_forward(float *out, const float *in, const float *W, const float *b, int B, int C_in,
                   int C_out);
// dW += in^T @ dout; db += column sums of dout; din = dout @ W^T.
void dense_backward(float *din, float *dW, float *db, const float *dout, const float *in,
                    const float *W, int B, int C_in, int C_out);

#endif
