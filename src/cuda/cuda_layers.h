// cuda_layers.h — the GPU engine's building blocks, callable from C: a context (device, stream,
// cuBLAS handle, GEMM precision), device memory, and one function per CPU layer function of
// src/network (same argument order and the same layouts, pointers are DEVICE pointers).
// All calls are asynchronous on the context's stream except cu_download and cu_sync.
//
// Available in CUDA builds (-DCALLA_CUDA, objects from nvcc) and in the emulation build
// (-DCALLA_CUDA_EMU: the same sources compiled for the host, where "device" memory is host
// memory; linked only into tests/unit/test_cudaemu_*). Builds without either do not have these
// functions (only cuda_backend.h has stubs).
//
// Gradient convention as in src/network: parameter gradients accumulate, input gradients are
// overwritten (NULL = not needed).
#ifndef CALLA_CUDA_LAYERS_H
#define CALLA_CUDA_LAYERS_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
// The C headers below declare C functions: give them C linkage (their system headers are
// included first, outside the block, so that C++'s <math.h> is not wrapped).
#include <math.h>
#include <string.h>
extern "C" {
#endif
#include "network/lstm.h"
#include "training/optim.h"

// GEMM precision: FP32 (CUBLAS_COMPUTE_32F, the default), TF32 tensor cores
// (CUBLAS_COMPUTE_32F_FAST_TF32: inputs rounded to 10 mantissa bits, fp32 accumulate), BF16
// tensor cores (CUBLAS_COMPUTE_32F_FAST_16BF: inputs rounded to bf16, fp32 accumulate; storage,
// master weights, optimizer state and all elementwise work stay fp32). The emulation build
// rounds the GEMM inputs the same way before the CPU GEMM, so its errors are representative.
typedef enum { CU_PREC_FP32 = 0, CU_PREC_TF32 = 1, CU_PREC_BF16 = 2 } CuPrecision;
const char *cu_precision_name(CuPrecision p);           // "fp32", "tf32", "bf16"
int cu_precision_parse(const char *s, CuPrecision *p);  // 0 ok, -1 unknown

typedef struct CuCtx CuCtx;
// Selects device `dev` (cudaSetDevice), creates a stream and a cuBLAS handle. Dies with one
// line naming the failing call on error (cuda_device_check in cuda_backend.h checks first).
CuCtx *cu_ctx_new(int dev, CuPrecision prec);
void cu_ctx_free(CuCtx *c);
// Makes c's device the calling host thread's current device (CUDA's current device is per
// thread); every cuda_backend.h entry point calls it first.
void cu_ctx_bind(CuCtx *c);
void cu_ctx_set_precision(CuCtx *c, CuPrecision prec);
CuPrecision cu_ctx_precision(const CuCtx *c);

// Device memory (zeroed on allocation). Every CUDA/cuBLAS return code is checked: a failure
// prints "[calla <cmd>] CUDA error at src/cuda/<file>:<line>: <call>: <error string>" and exits 1.
void *cu_malloc(size_t bytes);
void cu_free(void *d);
void cu_upload(CuCtx *c, void *d, const void *h, size_t bytes);    // async (h must stay valid
                                                                    // until the next cu_sync)
void cu_download(CuCtx *c, void *h, const void *d, size_t bytes);  // waits for the copy
void cu_copy(CuCtx *c, void *dst, const void *src, size_t bytes);  // device to device
void cu_zero(CuCtx *c, void *d, size_t bytes);
void cu_sync(CuCtx *c);
// Page-locked host memory (plain malloc in the emulation build); for staging buffers.
void *cu_host_alloc(size_t bytes);
void cu_host_free(void *h);

// C[M,N] = alpha op(A) op(B) + beta C, row-major, as gemm() in network/gemm.h.
void cu_gemm(CuCtx *c, int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
             const float *B, int ldb, float beta, float *C, int ldc);
// db[j] += sum_r dout[r*ld + j] over `rows` rows (a GEMM with a ones vector; always fp32).
void cu_colsum_add(CuCtx *c, float *db, const float *dout, int rows, int cols, int ld);

void cu_dense_forward(CuCtx *c, float *out, const float *in, const float *W, const float *b, int B,
                      int C_in, int C_out);
void cu_dense_backward(CuCtx *c, float *din, float *dW, float *db, const float *dout,
                       const float *in, const float *W, int B, int C_in, int C_out);

void cu_selu_forward(CuCtx *c, float *out, const float *in, size_t n);
void cu_selu_backward(CuCtx *c, float *din, const float *dout, const float *out, size_t n);
void cu_relu_forward(CuCtx *c, float *out, const float *in, size_t n);
void cu_relu_backward(CuCtx *c, float *din, const float *dout, const float *out, size_t n);
void cu_sigmoid_forward(CuCtx *c, float *out, const float *in, size_t n);
void cu_sigmoid_backward(CuCtx *c, float *din, const float *dout, const float *out, size_t n);
void cu_tanh_forward(CuCtx *c, float *out, const float *in, size_t n);
void cu_tanh_backward(CuCtx *c, float *din, const float *dout, const float *out, size_t n);
void cu_softmax_forward(CuCtx *c, float *out, const float *in, int B, int C);
void cu_softmax_backward(CuCtx *c, float *din, const float *dout, const float *p, int B, int C);
// d[i] += s[i]
void cu_add(CuCtx *c, float *d, const float *s, size_t n);

// Dropout with the CPU's masks, bit for bit (one xoshiro256** stream per row, dropout.h). The
// step seed is read from device memory (so that a captured graph sees each step's seed):
// cu_seed() uploads one to the context's seed slot and returns its address.
const uint64_t *cu_seed(CuCtx *c, uint64_t seed);
void cu_dropout_forward(CuCtx *c, float *out, float *mask, const float *in, size_t rows,
                        size_t cols, float rate, const uint64_t *seed, uint64_t layer,
                        int64_t row0);
void cu_alpha_dropout_forward(CuCtx *c, float *out, float *mask, const float *in, size_t rows,
                              size_t cols, float rate, const uint64_t *seed, uint64_t layer,
                              int64_t row0);
void cu_dropout_backward(CuCtx *c, float *din, const float *dout, const float *mask, size_t n);

// Losses: the per-row loss (double, summed over the row's classes) into rows[B]; the batch
// total is then cu_sum_rows. Backward functions as in losses.h (dlogits overwritten).
void cu_focal_loss_rows(CuCtx *c, double *rows, const float *p, const float *y, int B, int C,
                        double gamma);
void cu_focal_loss_backward(CuCtx *c, float *dlogits, const float *p, const float *y, int B,
                            int C, double gamma, double scale);
void cu_softmax_xent_rows(CuCtx *c, double *rows, const float *z, const float *y, int B, int C);
void cu_softmax_xent_backward(CuCtx *c, float *dlogits, const float *p, const float *y, int B,
                              int C, double scale);
void cu_sigmoid_sse_rows(CuCtx *c, double *rows, const float *s, const float *y, int B, int C);
void cu_sigmoid_sse_backward(CuCtx *c, float *dlogits, const float *s, const float *y, int B,
                             int C, double scale);
// *out = scale * sum of rows[0..n) (one thread, in index order: deterministic).
void cu_sum_rows(CuCtx *c, double *out, const double *rows, int n, double scale);

// LSTM / BiLSTM, arguments and layouts as lstm.h (LstmParams/LstmGrads hold device pointers).
void cu_lstm_forward(CuCtx *c, float *h, float *cs, float *gates, const float *x, LstmParams p,
                     int B, int T, int C_in, int H, int reverse, int ldh);
void cu_lstm_backward(CuCtx *c, float *dx, LstmGrads g, float *dgates, float *scratch,
                      const float *dh, const float *h, const float *cs, const float *gates,
                      const float *x, LstmParams p, int B, int T, int C_in, int H, int reverse,
                      int ldh, float dx_beta);
void cu_lstm_bi_forward(CuCtx *c, float *out, float *cs, float *gates, const float *x,
                        LstmParams fwd, LstmParams bwd, int B, int T, int C_in, int H);
// The BiLSTM runs both directions together (one batched GEMM and one pointwise launch per step),
// so its backward needs room for both: dgates [2, B, T, 4H] (twice lstm_bi_backward's) and
// scratch [4, B, H] (twice).
void cu_lstm_bi_backward(CuCtx *c, float *dx, LstmGrads gf, LstmGrads gb, float *dgates,
                         float *scratch, const float *dout, const float *out, const float *cs,
                         const float *gates, const float *x, LstmParams fwd, LstmParams bwd, int B,
                         int T, int C_in, int H);

// Convolution (im2col + GEMM; cols sized [N*H*W, kh*kw*C_in] as conv2d.h) and max pooling.
void cu_conv2d_forward(CuCtx *c, float *out, float *cols, const float *x, const float *W,
                       const float *b, int N, int H, int Wd, int C_in, int C_out, int kh, int kw);
void cu_conv2d_backward(CuCtx *c, float *dx, float *dW, float *db, float *dcols, const float *dout,
                        const float *cols, const float *W, int N, int H, int Wd, int C_in,
                        int C_out, int kh, int kw);
void cu_maxpool_forward(CuCtx *c, float *out, int *argmax, const float *x, int N, int H, int W,
                        int C, int ph, int pw, int sh, int sw);
void cu_maxpool_backward(CuCtx *c, float *dx, const float *dout, const int *argmax, int N, int H,
                         int W, int C, int ph, int pw, int sh, int sw);

// Clair3 full alignment (fa.cu), as network/conv3x3.h, batchnorm.h, spp.h (channels-last).
// 3x3 convolution, stride 1 or 2, padding 1: samples in blocks of CU_CONV3_BLOCK, cols scratch
// of cu_conv3_cols_floats() floats (backward rebuilds the im2col rows from x and reuses cols for
// the input gradient's columns); dW, db accumulate, dx overwritten (NULL: not needed).
#define CU_CONV3_BLOCK 64
size_t cu_conv3_cols_floats(int N, int H, int W, int C_in, int stride);
void cu_conv3_forward(CuCtx *c, float *out, float *cols, const float *x, const float *W,
                      const float *b, int N, int H, int Wd, int C_in, int C_out, int stride);
void cu_conv3_backward(CuCtx *c, float *dx, float *dW, float *db, float *cols, const float *dout,
                       const float *x, const float *W, int N, int H, int Wd, int C_in, int C_out,
                       int stride);
// Batch normalisation over [rows, C] (bn_forward_act / bn_backward: train = batch statistics and
// running-statistics update when run_mean is not NULL; add may be NULL; y may equal x, dx dy).
// ws: device scratch of cu_bn_ws_doubles(C) doubles (partial sums, backward coefficients).
size_t cu_bn_ws_doubles(int C);
void cu_bn_forward_act(CuCtx *c, float *y, float *mean, float *invstd, const float *x,
                       const float *gamma, const float *beta, float *run_mean, float *run_var,
                       size_t rows, int C, int train, float eps, float momentum, const float *add,
                       int relu, double *ws);
void cu_bn_backward(CuCtx *c, float *dx, float *dgamma, float *dbeta, const float *dy,
                    const float *x, const float *mean, const float *invstd, const float *gamma,
                    size_t rows, int C, int train, double *ws);
// Spatial pyramid max pooling 3x3 + 2x2 + 1x1 bins, out and argmax [N, CU_SPP_CELLS * C].
#define CU_SPP_CELLS 14
void cu_spp_forward(CuCtx *c, float *out, int *argmax, const float *x, int N, int H, int W, int C);
void cu_spp_backward(CuCtx *c, float *dx, const float *dout, const int *argmax, int N, int H,
                     int W, int C);
// x [B, npos, rows, nch] (the model input, position-major) -> out [B, rows, npos, nch].
void cu_fa_transpose(CuCtx *c, float *out, const float *x, int B, int rows, int npos, int nch);

// One optimizer update, exactly optim_step (optim.h) on device buffers: o supplies the
// hyper-parameters and its step count (incremented here); m, v, slow are device buffers of o->n
// floats (slow only for radam-lookahead), mask a device byte mask or NULL.
void cu_optim_step(CuCtx *c, Optimizer *o, float *params, const float *grads, float *m, float *v,
                   float *slow, const uint8_t *mask, double lr, double wd_scale);
// cu_optim_step in two halves, so that the update can be captured in a CUDA graph: prepare
// (host: o->t++, this step's scalar terms uploaded to the context's scalar slot) and apply (the
// elementwise kernel, reading those terms from device memory).
void cu_optim_prepare(CuCtx *c, Optimizer *o, double lr, double wd_scale);
void cu_optim_apply(CuCtx *c, const Optimizer *o, float *params, const float *grads, float *m,
                    float *v, float *slow, const uint8_t *mask);

#ifdef __cplusplus
}
#endif
#endif
