// batchnorm.h — batch normalisation per channel over channels-last data (NHWC): x is [rows, C]
// with rows = N*H*W, and every statistic is per channel c over the rows (what Keras's
// BatchNormalization(axis=-1) and PyTorch's BatchNorm2d on the NCHW view compute).
//   y = gamma_c * (x - mu_c) * invstd_c + beta_c,   invstd_c = 1 / sqrt(var_c + eps)
// Training (train != 0): mu_c, var_c are the batch mean and biased variance (divisor rows);
// the running statistics, when given, move by
//   run_mean = momentum * run_mean + (1 - momentum) * mu_c
//   run_var  = momentum * run_var  + (1 - momentum) * var_c * rows / (rows - 1)
// (Keras's momentum convention, 0.99 in calla's models; the running variance takes the unbiased
// batch variance, as TensorFlow's fused kernel and PyTorch do). Evaluation (train == 0): mu, var
// are the running statistics and nothing is updated.
// mean/invstd [C] receive the mu_c and invstd_c used, for backward. Sums run in double, each
// channel's in a fixed row order, so results do not depend on the thread count.
#ifndef CALLA_BATCHNORM_H
#define CALLA_BATCHNORM_H
#include <stddef.h>

#define BN_EPS 1e-3f
#define BN_MOMENTUM 0.99f

// y may equal x.
void bn_forward(float *y, float *mean, float *invstd, const float *x, const float *gamma,
                const float *beta, float *run_mean, float *run_var, size_t rows, int C, int train,
                float eps, float momentum);
// The same followed by y = ReLU(y + add) (add may be NULL; relu 0 or 1), in the same pass: the
// conv-BN-ReLU and the residual block's BN + shortcut + ReLU without extra sweeps over memory.
void bn_forward_act(float *y, float *mean, float *invstd, const float *x, const float *gamma,
                    const float *beta, float *run_mean, float *run_var, size_t rows, int C,
                    int train, float eps, float momentum, const float *add, int relu);
// Gradients for the forward that produced mean/invstd from x (the BN input). dgamma, dbeta
// accumulate; dx is overwritten and may equal dy. train selects the batch-statistics gradient
// (mu and var depend on x) or the affine one of evaluation.
void bn_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x,
                 const float *mean, const float *invstd, const float *gamma, size_t rows, int C,
                 int train);

#endif
