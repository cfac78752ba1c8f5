// dense.c — see dense.h.
#include "network/dense.h"

#include <string.h>

#include "network/gemm.h"

void dense_forward(float *out, const float *in, const float *W, const float *b, int B, int C_in,
                   int C_out) {
    float beta = 0.0f;
    if (b) {
        for (int i = 0; i < B; i++) memcpy(out + (size_t)i * C_out, b, sizeof(float) * C_out);
        beta = 1.0f;
    }
    gemm(0, 0, B, C_out, C_in, 1.0f, in, C_in, W, C_out, beta, out, C_out);
}

void dense_backward(float *din, float *dW, float *db, const float *dout, const float *in,
                    const float *W, int B, int C_in, int C_out) {
    if (dW)
        gemm(1, 0, C_in, C_out, B, 1.0f, in, C_in, dout, C_out, 1.0f, dW, C_out);
    if (db)
        for (int i = 0; i < B; i++) {
            const float *d = dout + (size_t)i * C_out;
            for (int j = 0; j < C_out; j++) db[j] += d[j];
        }
    if (din)
        gemm(0, 1, B, C_in, C_out, 1.0f, dout, C_out, W, C_out, 0.0f, din, C_in);
}
