// cu_internal.cuh — shared by the src/cuda sources: the context struct, error-check macros and
// the random-number and math helpers that device bodies use.
#ifndef CALLA_CU_INTERNAL_CUH
#define CALLA_CU_INTERNAL_CUH
#include "cuda/launch.cuh"
#include "cuda/cuda_layers.h"

#ifdef CALLA_CUDA
#include <cublas_v2.h>
#endif

struct CuCtx {
    int dev;
    CuPrecision prec;
    CuStream stream;
#ifdef CALLA_CUDA
    cublasHandle_t blas;
#endif
    float *ones;  // device vector of 1s for column sums
    size_t ones_n;
};

#ifdef CALLA_CUDA
// Every CUDA runtime / cuBLAS return code goes through these: one line naming file:line, the
// call and the library's error string, exit 1.
void cu_fail(const char *file, int line, const char *call, const char *why);
#define CU_CHECK(call)                                                 \
    do {                                                               \
        cudaError_t e_ = (call);                                       \
        if (e_ != cudaSuccess) cu_fail(__FILE__, __LINE__, #call, cudaGetErrorString(e_)); \
    } while (0)
#define CUBLAS_CHECK(call)                                                 \
    do {                                                                   \
        cublasStatus_t s_ = (call);                                        \
        if (s_ != CUBLAS_STATUS_SUCCESS)                                   \
            cu_fail(__FILE__, __LINE__, #call, cublasGetStatusString(s_)); \
    } while (0)
#endif

// Ensures c->ones holds at least n ones (grows at most a few times per run).
void cu_ensure_ones(CuCtx *c, size_t n);

// xoshiro256** and splitmix64 exactly as src/common/rng.h, callable from device bodies.
struct DevRng {
    uint64_t s[4];
};
CALLA_HD static inline uint64_t dev_splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
CALLA_HD static inline uint64_t dev_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
CALLA_HD static inline uint64_t dev_rng_u64(DevRng *r) {
    uint64_t *s = r->s;
    uint64_t result = dev_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = dev_rotl(s[3], 45);
    return result;
}
CALLA_HD static inline void dev_rng_seed_stream(DevRng *r, uint64_t seed, uint64_t stream) {
    uint64_t x = seed ^ (0xd1b54a32d192ed03ULL * (stream + 1));
    uint64_t s0 = dev_splitmix64(&x);
    for (int i = 0; i < 4; i++) r->s[i] = dev_splitmix64(&s0);
}

CALLA_HD static inline float dev_sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

#endif
