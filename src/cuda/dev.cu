// dev.cu — contexts, device memory, copies and error reporting (see cuda_layers.h).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda/cu_host.h"
#include "cuda/cu_internal.cuh"

static const char *PREC_NAMES[] = {"fp32", "tf32", "bf16"};

const char *cu_precision_name(CuPrecision p) { return (unsigned)p < 3 ? PREC_NAMES[p] : "?"; }

int cu_precision_parse(const char *s, CuPrecision *p) {
    for (int i = 0; i < 3; i++)
        if (strcmp(s, PREC_NAMES[i]) == 0) {
            *p = (CuPrecision)i;
            return 0;
        }
    return -1;
}

#ifdef CALLA_CUDA
void cu_fail(const char *file, int line, const char *call, const char *why) {
    calla_die("CUDA error at %s:%d: %s: %s", file, line, call, why);
}

void cu_check_launch(const char *file, int line) {
    cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess) cu_fail(file, line, "kernel launch", cudaGetErrorString(e));
}
#endif

CuCtx *cu_ctx_new(int dev, CuPrecision prec) {
    CuCtx *c = (CuCtx *)xcalloc(1, sizeof *c);
    c->dev = dev;
    c->prec = prec;
#ifdef CALLA_CUDA
    CU_CHECK(cudaSetDevice(dev));
    CU_CHECK(cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking));
    CUBLAS_CHECK(cublasCreate(&c->blas));
    CUBLAS_CHECK(cublasSetStream(c->blas, c->stream));
    // cuBLAS may pick tensor-core algorithms only where the compute type allows (cu_gemm sets it
    // per call); pointer mode host: alpha/beta are host floats.
    CUBLAS_CHECK(cublasSetPointerMode(c->blas, CUBLAS_POINTER_MODE_HOST));
#endif
    return c;
}

void cu_ctx_free(CuCtx *c) {
    if (!c) return;
    cu_ctx_bind(c);
    cu_sync(c);
    cu_free(c->ones);
#ifdef CALLA_CUDA
    CUBLAS_CHECK(cublasDestroy(c->blas));
    CU_CHECK(cudaStreamDestroy(c->stream));
#endif
    free(c);
}

void cu_ctx_bind(CuCtx *c) {
#ifdef CALLA_CUDA
    CU_CHECK(cudaSetDevice(c->dev));  // per host thread: calla call's workers are other threads
#else
    (void)c;
#endif
}

void cu_ctx_set_precision(CuCtx *c, CuPrecision prec) { c->prec = prec; }
CuPrecision cu_ctx_precision(const CuCtx *c) { return c->prec; }

void *cu_malloc(size_t bytes) {
    if (bytes == 0) bytes = 1;
#ifdef CALLA_CUDA
    void *d = NULL;
    CU_CHECK(cudaMalloc(&d, bytes));
    CU_CHECK(cudaMemset(d, 0, bytes));
    // cudaMemset may return before it is done, on the legacy default stream, which our
    // non-blocking streams do not wait for: finish it here (allocation happens at set-up only).
    CU_CHECK(cudaDeviceSynchronize());
    return d;
#else
    return xcalloc(1, bytes);
#endif
}

void cu_free(void *d) {
    if (!d) return;
#ifdef CALLA_CUDA
    CU_CHECK(cudaFree(d));
#else
    free(d);
#endif
}

void cu_upload(CuCtx *c, void *d, const void *h, size_t bytes) {
    if (!bytes) return;
#ifdef CALLA_CUDA
    CU_CHECK(cudaMemcpyAsync(d, h, bytes, cudaMemcpyHostToDevice, c->stream));
#else
    (void)c;
    memcpy(d, h, bytes);
#endif
}

void cu_download(CuCtx *c, void *h, const void *d, size_t bytes) {
    if (!bytes) return;
#ifdef CALLA_CUDA
    CU_CHECK(cudaMemcpyAsync(h, d, bytes, cudaMemcpyDeviceToHost, c->stream));
    CU_CHECK(cudaStreamSynchronize(c->stream));
#else
    (void)c;
    memcpy(h, d, bytes);
#endif
}

void cu_copy(CuCtx *c, void *dst, const void *src, size_t bytes) {
    if (!bytes || dst == src) return;
#ifdef CALLA_CUDA
    CU_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, c->stream));
#else
    (void)c;
    memmove(dst, src, bytes);
#endif
}

void cu_zero(CuCtx *c, void *d, size_t bytes) {
    if (!bytes) return;
#ifdef CALLA_CUDA
    CU_CHECK(cudaMemsetAsync(d, 0, bytes, c->stream));
#else
    (void)c;
    memset(d, 0, bytes);
#endif
}

void cu_sync(CuCtx *c) {
#ifdef CALLA_CUDA
    CU_CHECK(cudaStreamSynchronize(c->stream));
#else
    (void)c;
#endif
}

void *cu_host_alloc(size_t bytes) {
    if (bytes == 0) bytes = 1;
#ifdef CALLA_CUDA
    void *h = NULL;
    CU_CHECK(cudaMallocHost(&h, bytes));
    return h;
#else
    return xmalloc(bytes);
#endif
}

void cu_host_free(void *h) {
    if (!h) return;
#ifdef CALLA_CUDA
    CU_CHECK(cudaFreeHost(h));
#else
    free(h);
#endif
}

void cu_ensure_ones(CuCtx *c, size_t n) {
    if (n <= c->ones_n) return;
    size_t want = n < 4096 ? 4096 : n;
    if (c->ones) {
        cu_sync(c);  // a kernel may still read the old vector
        cu_free(c->ones);
    }
    float *d = (float *)cu_malloc(want * sizeof(float));
    launch(want, c->stream, [=] CALLA_HD(size_t i) { d[i] = 1.0f; });
    c->ones = d;
    c->ones_n = want;
}

// --- cuda_backend.h: device queries ---
#include "cuda/cuda_backend.h"

int cuda_backend_kind(void) {
#ifdef CALLA_CUDA
    return 1;
#else
    return 2;
#endif
}

int cuda_device_count(char *why, size_t n) {
#ifdef CALLA_CUDA
    int k = 0;
    cudaError_t e = cudaGetDeviceCount(&k);
    if (e != cudaSuccess) {
        if (why && n) snprintf(why, n, "%s", cudaGetErrorString(e));
        return 0;
    }
    if (k == 0 && why && n) snprintf(why, n, "no CUDA device");
    return k;
#else
    if (why && n) snprintf(why, n, "emulated device");
    return 1;
#endif
}

int cuda_device_check(int dev) {
    char why[256] = "";
    int k = cuda_device_count(why, sizeof why);
    if (k == 0) {
        calla_err("no usable CUDA device: %s", why);
        return -1;
    }
    if (dev < 0 || dev >= k) {
        calla_err("CUDA device %d requested but %d device%s found (use cuda:0..cuda:%d)", dev, k,
                  k == 1 ? "" : "s", k - 1);
        return -1;
    }
    return 0;
}
