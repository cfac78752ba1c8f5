// infer.c — see infer.h.
#include "network/infer.h"

#include <string.h>

#include "network/infer_bf16.h"

int infer_precision_parse(const char *s, InferPrecision *p) {
    if (strcmp(s, "fp32") == 0) *p = INFER_FP32;
    else if (strcmp(s, "bf16") == 0) *p = INFER_BF16;
    else if (strcmp(s, "auto") == 0) *p = INFER_AUTO;
    else return -1;
    return 0;
}

const char *infer_precision_name(InferPrecision p) {
    return p == INFER_BF16 ? "bf16" : p == INFER_FP32 ? "fp32" : "auto";
}

InferPrecision infer_precision_resolve(InferPrecision p) {
    if (p != INFER_AUTO) return p;
    return bf16_simd_available() ? INFER_BF16 : INFER_FP32;
}

int model_set_infer_precision(Model *m, InferPrecision p, int simd) {
    if (p == INFER_AUTO) return -1;
    if (m->arch == ARCH_CLAIR3_PILEUP) return clair3_set_infer_precision(m, p, simd);
    return p == INFER_FP32 ? 0 : -1;
}
