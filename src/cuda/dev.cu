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

#ifdef CALLA_CUDA_EMU
// What CUDA refuses on a capturing stream (a host wait), refused here too.
static void emu_not_capturing(CuCtx *c, const char *what) {
    if (c->stream->capture) calla_die("internal error: %s while capturing a graph", what);
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
    // A workspace of our own, so that no cuBLAS call allocates while a graph is being captured
    // (cuBLAS's advice for stream capture; 32 MiB covers Hopper's largest kernels). After
    // cublasSetStream, which resets the workspace to the default pool (never called again).
    c->blas_ws_n = (size_t)32 << 20;
    c->blas_ws = cu_malloc(c->blas_ws_n);
    CUBLAS_CHECK(cublasSetWorkspace(c->blas, c->blas_ws, c->blas_ws_n));
#else
    c->stream = (CuStream)xcalloc(1, sizeof *c->stream);
#endif
    c->scal_dev = (unsigned char *)cu_malloc(CU_SCALAR_SLOTS * CU_SCALAR_BYTES);
    c->scal_host = (unsigned char *)cu_host_alloc(CU_SCALAR_SLOTS * CU_SCALAR_BYTES);
    for (int i = 0; i < CU_SCALAR_SLOTS; i++) c->scal_ev[i] = cu_event_new();
    return c;
}

void cu_ctx_free(CuCtx *c) {
    if (!c) return;
    cu_ctx_bind(c);
    cu_sync(c);
    cu_free(c->ones);
    cu_free((void *)c->ptrs);
    cu_free(c->scal_dev);
    cu_host_free(c->scal_host);
    for (int i = 0; i < CU_SCALAR_SLOTS; i++) cu_event_free(c->scal_ev[i]);
#ifdef CALLA_CUDA
    CUBLAS_CHECK(cublasDestroy(c->blas));
    cu_free(c->blas_ws);
    CU_CHECK(cudaStreamDestroy(c->stream));
#else
    delete c->stream->capture;
    free(c->stream);
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
    emu_issue(c->stream, [=]() { memcpy(d, h, bytes); });
#endif
}

void cu_download(CuCtx *c, void *h, const void *d, size_t bytes) {
    if (!bytes) return;
#ifdef CALLA_CUDA_EMU
    emu_not_capturing(c, "cu_download");  // (a host wait: refused while capturing, as by CUDA)
#endif
    cu_download_async(c, h, d, bytes);
    cu_sync(c);
}

void cu_download_async(CuCtx *c, void *h, const void *d, size_t bytes) {
    if (!bytes) return;
#ifdef CALLA_CUDA
    CU_CHECK(cudaMemcpyAsync(h, d, bytes, cudaMemcpyDeviceToHost, c->stream));
#else
    emu_issue(c->stream, [=]() { memcpy(h, d, bytes); });
#endif
}

void cu_copy(CuCtx *c, void *dst, const void *src, size_t bytes) {
    if (!bytes || dst == src) return;
#ifdef CALLA_CUDA
    CU_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, c->stream));
#else
    emu_issue(c->stream, [=]() { memmove(dst, src, bytes); });
#endif
}

void cu_zero(CuCtx *c, void *d, size_t bytes) {
    if (!bytes) return;
#ifdef CALLA_CUDA
    CU_CHECK(cudaMemsetAsync(d, 0, bytes, c->stream));
#else
    emu_issue(c->stream, [=]() { memset(d, 0, bytes); });
#endif
}

void cu_sync(CuCtx *c) {
#ifdef CALLA_CUDA
    CU_CHECK(cudaStreamSynchronize(c->stream));
#else
    emu_not_capturing(c, "cu_sync");
#endif
}

CuStream cu_stream_new(void) {
#ifdef CALLA_CUDA
    cudaStream_t s;
    CU_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    return s;
#else
    return NULL;
#endif
}

void cu_stream_free(CuStream s) {
#ifdef CALLA_CUDA
    if (s) CU_CHECK(cudaStreamDestroy(s));
#else
    (void)s;
#endif
}

void cu_stream_sync(CuStream s) {
#ifdef CALLA_CUDA
    CU_CHECK(cudaStreamSynchronize(s));
#else
    (void)s;
#endif
}

static CuEvent event_new(int blocking) {
#ifdef CALLA_CUDA
    cudaEvent_t e;
    CU_CHECK(cudaEventCreateWithFlags(
        &e, cudaEventDisableTiming | (blocking ? cudaEventBlockingSync : 0u)));
    return e;
#else
    (void)blocking;
    return NULL;
#endif
}

CuEvent cu_event_new(void) { return event_new(0); }
CuEvent cu_event_new_blocking(void) { return event_new(1); }

void cu_event_free(CuEvent e) {
#ifdef CALLA_CUDA
    if (e) CU_CHECK(cudaEventDestroy(e));
#else
    (void)e;
#endif
}

void cu_event_record(CuEvent e, CuStream s) {
#ifdef CALLA_CUDA
    CU_CHECK(cudaEventRecord(e, s));
#else
    (void)e, (void)s;
#endif
}

void cu_stream_wait_event(CuStream s, CuEvent e) {
#ifdef CALLA_CUDA
    CU_CHECK(cudaStreamWaitEvent(s, e, 0));
#else
    (void)s, (void)e;
#endif
}

void cu_event_sync(CuEvent e) {
#ifdef CALLA_CUDA
    CU_CHECK(cudaEventSynchronize(e));
#else
    (void)e;
#endif
}

void cu_upload_on(CuStream s, void *d, const void *h, size_t bytes) {
    if (!bytes) return;
#ifdef CALLA_CUDA
    CU_CHECK(cudaMemcpyAsync(d, h, bytes, cudaMemcpyHostToDevice, s));
#else
    (void)s;
    memcpy(d, h, bytes);
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

const void *cu_scalars(CuCtx *c, int slot, const void *src, size_t bytes) {
    if (slot < 0 || slot >= CU_SCALAR_SLOTS || bytes > CU_SCALAR_BYTES)
        calla_die("internal error: scalar slot %d of %zu bytes", slot, bytes);
    unsigned char *h = c->scal_host + (size_t)slot * CU_SCALAR_BYTES;
    unsigned char *d = c->scal_dev + (size_t)slot * CU_SCALAR_BYTES;
    cu_event_sync(c->scal_ev[slot]);  // the previous upload from this slot has read it
    memcpy(h, src, bytes);
    cu_upload(c, d, h, bytes);
    cu_event_record(c->scal_ev[slot], c->stream);
    return d;
}

const void *cu_scalars_dev(CuCtx *c, int slot) {
    return c->scal_dev + (size_t)slot * CU_SCALAR_BYTES;
}

struct CuGraph {
#ifdef CALLA_CUDA
    cudaGraphExec_t exec;
#else
    std::vector<std::function<void()>> *ops;
#endif
};

void cu_capture_begin(CuCtx *c) {
#ifdef CALLA_CUDA
    // thread-local: calla call's other worker threads (other contexts) are not affected
    CU_CHECK(cudaStreamBeginCapture(c->stream, cudaStreamCaptureModeThreadLocal));
#else
    if (c->stream->capture) calla_die("internal error: nested graph capture");
    c->stream->capture = new std::vector<std::function<void()>>();
#endif
}

CuGraph *cu_capture_end(CuCtx *c) {
    CuGraph *g = (CuGraph *)xcalloc(1, sizeof *g);
#ifdef CALLA_CUDA
    cudaGraph_t graph;
    CU_CHECK(cudaStreamEndCapture(c->stream, &graph));
    CU_CHECK(cudaGraphInstantiate(&g->exec, graph, 0));
    CU_CHECK(cudaGraphDestroy(graph));
#else
    g->ops = c->stream->capture;
    c->stream->capture = NULL;
#endif
    return g;
}

void cu_graph_launch(CuCtx *c, CuGraph *g) {
#ifdef CALLA_CUDA
    CU_CHECK(cudaGraphLaunch(g->exec, c->stream));
#else
    emu_not_capturing(c, "cu_graph_launch");
    for (auto &op : *g->ops) op();
#endif
}

void cu_graph_free(CuGraph *g) {
    if (!g) return;
#ifdef CALLA_CUDA
    CU_CHECK(cudaGraphExecDestroy(g->exec));
#else
    delete g->ops;
#endif
    free(g);
}

void cu_ensure_ptrs(CuCtx *c, size_t n) {
    if (n <= c->ptrs_n) return;
    size_t want = n < 1024 ? 1024 : n;
    if (c->ptrs) {
        cu_sync(c);  // a GEMM may still read the old array
        cu_free((void *)c->ptrs);
    }
    c->ptrs = (const float **)cu_malloc(want * sizeof(float *));
    c->ptrs_n = want;
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
