// dropout.h — training-time dropout over [rows, cols] float32 arrays; masks are kept for backward.
// Masks are drawn per row: row i uses its own stream, rng_seed_stream(seed, layer << 40 | (row0+i)),
// so a sample's mask depends only on (seed, layer, its global row index), not on how a batch is
// split across threads or data-parallel ranks (row0 = the global index of the first row here).
#ifndef CALLA_DROPOUT_H
#define CALLA_DROPOUT_H
#include <stddef.h>

#include "common/rng.h"

// Inverted dropout: each element is zeroed with probability `rate` and survivors are scaled by
// 1/(1-rate), so evaluation is the identity. mask[i] = 0 or 1/(1-rate); out = in * mask.
// rate == 0: out = in, mask = 1, no random numbers drawn. out may equal in.
void dropout_forward(float *out, float *mask, const float *in, size_t rows, size_t cols, float rate,
                     uint64_t seed, uint64_t layer, int64_t row0);
// din = dout * mask (din may equal dout).
void dropout_backward(float *din, const float *dout, const float *mask, size_t n);

// SELU alpha-dropout (clairvoyante.md §3.2, selu.py dropout_selu with fixed point mean 0,
// variance 1): with keep probability q = 1 - rate, dropped units are set to
// alpha' = -1.7580993408473766, then out = a * v + b with
//   a = (q * (1 + (1 - q) * alpha'^2))^(-1/2),  b = -a * (1 - q) * alpha',
// which keeps mean 0 and variance 1 for standardised inputs. mask[i] = a if kept, else 0, so
// backward is din = dout * mask. rate == 0 is the identity (a = 1, b = 0, nothing drawn).
#define SELU_DROPOUT_ALPHA (-1.7580993408473766)
void alpha_dropout_forward(float *out, float *mask, const float *in, size_t rows, size_t cols,
                           float rate, uint64_t seed, uint64_t layer, int64_t row0);
#define alpha_dropout_backward dropout_backward

#endif
