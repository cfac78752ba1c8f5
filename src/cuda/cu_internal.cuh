// cu_internal.cuh — shared by the src/cuda sources: the context struct, error-check macros and
// the random-number and math helpers that device bodies use.
#ifndef CALLA_CU_INTERNAL_CUH
#define CALLA_CU_INTERNAL_CUH
#include "cuda/launch.cuh"
#include "cuda/cuda_layers.h"

#ifdef CALLA_CUDA
#include <cublas_v2.h>
#endif

#ifdef CALLA_CUDA
typedef cudaEvent_t CuEvent;
#else
typedef void *CuEvent;
#endif

// Per-launch scalars (the dropout seed, the optimizer's step terms) live in device memory, so
// that a captured graph reads each launch's values: slots of CU_SCALAR_BYTES, uploaded from
// page-locked memory by cu_scalars.
enum { CU_SCALAR_SLOTS = 2, CU_SCALAR_BYTES = 256 };
enum { CU_SLOT_SEED = 0, CU_SLOT_OPTIM = 1 };

struct CuCtx {
    int dev;
    CuPrecision prec;
    CuStream stream;
#ifdef CALLA_CUDA
    cublasHandle_t blas;
    void *blas_ws;  // cuBLAS workspace (cublasSetWorkspace)
    size_t blas_ws_n;
#endif
    unsigned char *scal_dev, *scal_host;  // CU_SCALAR_SLOTS x CU_SCALAR_BYTES each
    CuEvent scal_ev[CU_SCALAR_SLOTS];     // the slot's last upload
    float *ones;  // device vector of 1s for column sums
    size_t ones_n;
    const float **ptrs;  // device array of operand pointers for batched GEMMs (cu_ensure_ptrs)
    size_t ptrs_n;
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

// Streams and events beyond the context's own stream (the input pipeline's copy stream). In the
// emulation build every copy completes when it is issued, so these are no-ops there.
CuStream cu_stream_new(void);
void cu_stream_free(CuStream s);
void cu_stream_sync(CuStream s);
CuEvent cu_event_new(void);
CuEvent cu_event_new_blocking(void);  // cu_event_sync on it sleeps instead of spinning
void cu_event_free(CuEvent e);
void cu_event_record(CuEvent e, CuStream s);
void cu_stream_wait_event(CuStream s, CuEvent e);  // later work on s waits for e (no host wait)
void cu_event_sync(CuEvent e);                     // the host waits for e
// Device -> host copy on the context's stream without waiting (h: page-locked memory that stays
// untouched until an event recorded after it has completed).
void cu_download_async(CuCtx *c, void *h, const void *d, size_t bytes);
// Host -> device copy on stream s (asynchronous; h must stay unchanged until it completes).
void cu_upload_on(CuStream s, void *d, const void *h, size_t bytes);

// Copies `bytes` (<= CU_SCALAR_BYTES) of per-launch scalars to device slot `slot` on the
// context's stream (through page-locked memory; waits only if the slot's previous upload has not
// yet read it) and returns the device address. Kernels read them there: a graph captured once
// then sees every launch's values. Not to be called while capturing. (The wait is on an event
// recorded after the slot's previous upload: it also waits for the work issued before that.)
const void *cu_scalars(CuCtx *c, int slot, const void *src, size_t bytes);
const void *cu_scalars_dev(CuCtx *c, int slot);  // the slot's device address

// CUDA graphs: the work issued on c->stream between begin and end is captured (not run) and
// instantiated; each launch replays it on c->stream. Emulated by recording (launch.cuh).
typedef struct CuGraph CuGraph;
void cu_capture_begin(CuCtx *c);
CuGraph *cu_capture_end(CuCtx *c);
void cu_graph_launch(CuCtx *c, CuGraph *g);
void cu_graph_free(CuGraph *g);

// Ensures c->ptrs holds at least n pointers (grown at first use; no allocation in later steps).
void cu_ensure_ptrs(CuCtx *c, size_t n);
// Batched row-major GEMM: C[i] = alpha op(A[i]) op(B[i]) + beta C[i] for i < count, the operand
// pointers read from DEVICE arrays A, B, C (count entries each; written by a kernel earlier on
// the stream), in the context's precision. One cuBLAS call (cublasGemmBatchedEx) for all.
void cu_gemm_batched(CuCtx *c, int ta, int tb, int M, int N, int K, float alpha,
                     const float *const *A, int lda, const float *const *B, int ldb, float beta,
                     float *const *C, int ldc, int count);

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
