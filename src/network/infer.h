// infer.h — the arithmetic of inference (model_forward without labels and without dropout): fp32
// (the reference), or bf16 products with fp32 accumulation (network/infer_bf16.h), picked per
// model at run time from the CPU's features (calla call --precision; docs/network.md).
#ifndef CALLA_INFER_H
#define CALLA_INFER_H
#include "network/model.h"

typedef enum { INFER_AUTO = -1, INFER_FP32 = 0, INFER_BF16 = 1 } InferPrecision;

// "fp32", "bf16", "auto" -> *p; 0, or -1 when unknown.
int infer_precision_parse(const char *s, InferPrecision *p);
const char *infer_precision_name(InferPrecision p);
// auto: bf16 where the CPU has AVX-512-BF16 (the fastest mode it runs natively), else fp32.
InferPrecision infer_precision_resolve(InferPrecision p);

// How model_forward computes inference from now on (training and forwards with labels stay
// fp32). bf16 packs the weights as they are now: call it after the parameters are final, again
// after they change. simd: 1 the AVX-512-BF16 kernel (needs bf16_simd_available()), 0 the scalar
// emulation of the same arithmetic (slow; for tests and CPUs without the instruction).
// Returns 0, or -1 when the architecture has no such path (bf16: clair3-pileup only).
int model_set_infer_precision(Model *m, InferPrecision p, int simd);

// model_clair3.c's half of it.
int clair3_set_infer_precision(Model *m, InferPrecision p, int simd);

#endif
