// cublas_lazy.c — the eight cuBLAS entry points the GPU backend uses, loaded with dlopen at the
// first call instead of linked. Linking libcublas (and with it libcublasLt) costs every calla
// process ~210 MB of resident memory and ~0.9 GB of address space at start-up, GPU or not
// (measured: `calla --version` 225 MB peak RSS linked, docs/calling.md); CPU-only commands now
// never load it. Built in CUDA builds only (the Makefile drops -lcublas -lcublasLt).
#ifdef CALLA_CUDA
#include <cublas_v2.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include "cuda/cuda_backend.h"

#ifndef CALLA_CUBLAS_SONAME
#define CALLA_CUBLAS_SONAME "libcublas.so"
#endif
#ifndef CALLA_CUDA_LIBDIR
#define CALLA_CUDA_LIBDIR "/usr/local/cuda/lib64"
#endif

typedef cublasStatus_t (*create_fn)(cublasHandle_t *);
typedef cublasStatus_t (*destroy_fn)(cublasHandle_t);
typedef cublasStatus_t (*workspace_fn)(cublasHandle_t, void *, size_t);
typedef cublasStatus_t (*stream_fn)(cublasHandle_t, cudaStream_t);
typedef cublasStatus_t (*ptrmode_fn)(cublasHandle_t, cublasPointerMode_t);
typedef const char *(*status_fn)(cublasStatus_t);
typedef cublasStatus_t (*gemm_fn)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int,
                                  int, const void *, const void *, cudaDataType, int, const void *,
                                  cudaDataType, int, const void *, void *, cudaDataType, int,
                                  cublasComputeType_t, cublasGemmAlgo_t);
typedef cublasStatus_t (*gemm_batched_fn)(cublasHandle_t, cublasOperation_t, cublasOperation_t,
                                          int, int, int, const void *, const void *const[],
                                          cudaDataType, int, const void *const[], cudaDataType,
                                          int, const void *, void *const[], cudaDataType, int,
                                          int, cublasComputeType_t, cublasGemmAlgo_t);

// Filled once (pthread_once) and read-only afterwards.
static struct {
    create_fn create;
    destroy_fn destroy;
    workspace_fn workspace;
    stream_fn stream;
    ptrmode_fn ptrmode;
    status_fn status;
    gemm_fn gemm;
    gemm_batched_fn gemm_batched;
    char error[512];  // why loading failed ("" when it worked)
} lib;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) {
    // The soname first (LD_LIBRARY_PATH, the binary's RUNPATH, ld.so.cache), then the toolkit
    // directory the binary was built against.
    void *h = dlopen(CALLA_CUBLAS_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) h = dlopen(CALLA_CUDA_LIBDIR "/" CALLA_CUBLAS_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(lib.error, sizeof lib.error, "cannot load cuBLAS (%s): %s", CALLA_CUBLAS_SONAME,
                 e ? e : "unknown error");
        return;
    }
    static const char *names[] = {"cublasCreate_v2",       "cublasDestroy_v2",
                                  "cublasSetWorkspace_v2", "cublasSetStream_v2",
                                  "cublasSetPointerMode_v2", "cublasGetStatusString",
                                  "cublasGemmEx",          "cublasGemmBatchedEx"};
    void *sym[8];
    for (int i = 0; i < 8; i++) {
        sym[i] = dlsym(h, names[i]);
        if (!sym[i]) {
            snprintf(lib.error, sizeof lib.error, "cuBLAS (%s) lacks %s", CALLA_CUBLAS_SONAME,
                     names[i]);
            return;
        }
    }
    // (function pointers from dlsym's void *: POSIX guarantees the conversion works)
    *(void **)&lib.create = sym[0];
    *(void **)&lib.destroy = sym[1];
    *(void **)&lib.workspace = sym[2];
    *(void **)&lib.stream = sym[3];
    *(void **)&lib.ptrmode = sym[4];
    *(void **)&lib.status = sym[5];
    *(void **)&lib.gemm = sym[6];
    *(void **)&lib.gemm_batched = sym[7];
}

// 1 when cuBLAS is loaded; else 0 with the reason in lib.error.
static int ready(void) {
    pthread_once(&once, load);
    return lib.gemm_batched != NULL;
}

const char *calla_cublas_load_error(void) { return ready() ? NULL : lib.error; }

cublasStatus_t cublasCreate_v2(cublasHandle_t *handle) {
    if (!ready()) {
        fprintf(stderr, "[calla] %s\n", lib.error);
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    return lib.create(handle);
}

cublasStatus_t cublasDestroy_v2(cublasHandle_t handle) {
    return ready() ? lib.destroy(handle) : CUBLAS_STATUS_NOT_INITIALIZED;
}

cublasStatus_t cublasSetWorkspace_v2(cublasHandle_t handle, void *ws, size_t n) {
    return ready() ? lib.workspace(handle, ws, n) : CUBLAS_STATUS_NOT_INITIALIZED;
}

cublasStatus_t cublasSetStream_v2(cublasHandle_t handle, cudaStream_t s) {
    return ready() ? lib.stream(handle, s) : CUBLAS_STATUS_NOT_INITIALIZED;
}

cublasStatus_t cublasSetPointerMode_v2(cublasHandle_t handle, cublasPointerMode_t mode) {
    return ready() ? lib.ptrmode(handle, mode) : CUBLAS_STATUS_NOT_INITIALIZED;
}

const char *cublasGetStatusString(cublasStatus_t status) {
    return ready() ? lib.status(status) : lib.error;
}

cublasStatus_t cublasGemmEx(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m,
                            int n, int k, const void *alpha, const void *a, cudaDataType at,
                            int lda, const void *b, cudaDataType bt, int ldb, const void *beta,
                            void *c, cudaDataType ct, int ldc, cublasComputeType_t comp,
                            cublasGemmAlgo_t algo) {
    if (!ready()) return CUBLAS_STATUS_NOT_INITIALIZED;
    return lib.gemm(h, ta, tb, m, n, k, alpha, a, at, lda, b, bt, ldb, beta, c, ct, ldc, comp,
                    algo);
}

cublasStatus_t cublasGemmBatchedEx(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb,
                                   int m, int n, int k, const void *alpha,
                                   const void *const a[], cudaDataType at, int lda,
                                   const void *const b[], cudaDataType bt, int ldb,
                                   const void *beta, void *const c[], cudaDataType ct, int ldc,
                                   int count, cublasComputeType_t comp, cublasGemmAlgo_t algo) {
    if (!ready()) return CUBLAS_STATUS_NOT_INITIALIZED;
    return lib.gemm_batched(h, ta, tb, m, n, k, alpha, a, at, lda, b, bt, ldb, beta, c, ct, ldc,
                            count, comp, algo);
}
#else
typedef int calla_cublas_lazy_unused;  // (no CUDA: nothing to load)
#endif
