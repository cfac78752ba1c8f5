// dist_nccl.c — see dist_nccl.h. NCCL bootstrapped through MPI (llmc.md §3.1): rank 0 creates
// the unique id, MPI_Bcast hands it to every rank, ncclCommInitRank. Gradient buckets are reduced
// on a dedicated stream: an event recorded on the compute stream orders each collective after the
// backward kernels that produced its bucket, and an event recorded on the communication stream
// orders the optimizer after the last collective; likewise the parameter all-gather waits for
// the optimizer kernel (the ordering llmc.md §3.3 found missing in llm.c). Every NCCL and CUDA
// return code is checked; errors end the job through dist_abort, whose message names the rank.
#ifdef CALLA_NCCL
#include "training/dist_nccl.h"

#include <cuda_runtime.h>
#include <nccl.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "training/dist.h"
#include "training/zero.h"

static ncclComm_t g_nccl = NULL;
static cudaStream_t g_comm_stream = NULL;
static cudaEvent_t g_ev_compute = NULL, g_ev_comm = NULL;
static int g_device = -1;

#define NCCL_CHECK(call, what)                                                               \
    do {                                                                                     \
        ncclResult_t r_ = (call);                                                            \
        if (r_ != ncclSuccess)                                                               \
            dist_abort("%s (%s, device %d) failed: %s", #call, what, g_device,               \
                       ncclGetErrorString(r_));                                              \
    } while (0)
#define CUDA_CHECK(call, what)                                                               \
    do {                                                                                     \
        cudaError_t e_ = (call);                                                             \
        if (e_ != cudaSuccess)                                                               \
            dist_abort("%s (%s, device %d) failed: %s", #call, what, g_device,               \
                       cudaGetErrorString(e_));                                              \
    } while (0)

void dist_nccl_init(void) {
    if (g_nccl) return;
    int ndev = 0;
    CUDA_CHECK(cudaGetDeviceCount(&ndev), "NCCL init");
    if (ndev < 1) dist_abort("NCCL backend: no CUDA device visible to this rank");
    g_device = dist_device_index(ndev);
    if (dist_local_world() > ndev)
        calla_warn("%d ranks on this node share %d GPU(s): NCCL needs one GPU per rank",
                   dist_local_world(), ndev);
    CUDA_CHECK(cudaSetDevice(g_device), "NCCL init");
    ncclUniqueId id;
    memset(&id, 0, sizeof id);
    if (dist_rank() == 0) NCCL_CHECK(ncclGetUniqueId(&id), "NCCL init");
    dist_bcast(&id, sizeof id, 0, "NCCL unique id broadcast");
    NCCL_CHECK(ncclCommInitRank(&g_nccl, dist_world(), id, dist_rank()), "NCCL init");
    CUDA_CHECK(cudaStreamCreateWithFlags(&g_comm_stream, cudaStreamNonBlocking), "NCCL init");
    CUDA_CHECK(cudaEventCreateWithFlags(&g_ev_compute, cudaEventDisableTiming), "NCCL init");
    CUDA_CHECK(cudaEventCreateWithFlags(&g_ev_comm, cudaEventDisableTiming), "NCCL init");
}

// The communication stream waits for everything queued so far on the compute stream.
static void after_compute(void *stream, const char *what) {
    CUDA_CHECK(cudaEventRecord(g_ev_compute, (cudaStream_t)stream), what);
    CUDA_CHECK(cudaStreamWaitEvent(g_comm_stream, g_ev_compute, 0), what);
}
// ... and the compute stream for everything queued on the communication stream.
static void before_compute(void *stream, const char *what) {
    CUDA_CHECK(cudaEventRecord(g_ev_comm, g_comm_stream), what);
    CUDA_CHECK(cudaStreamWaitEvent((cudaStream_t)stream, g_ev_comm, 0), what);
}

void dist_nccl_reduce_bucket(float *grads, float *shard, size_t n, size_t blo, size_t bhi,
                             void *stream) {
    const char *what = "gradient bucket";
    after_compute(stream, what);
    if (!shard) {
        NCCL_CHECK(ncclAllReduce(grads + blo, grads + blo, bhi - blo, ncclFloat, ncclSum, g_nccl,
                                 g_comm_stream),
                   what);
        return;
    }
    const int W = dist_world(), R = dist_rank();
    size_t *counts = xmalloc((size_t)W * sizeof *counts), at = blo, mylo, myhi;
    zero_shard_range(n, W, R, ZERO_ALIGN, &mylo, &myhi);
    zero_bucket_counts(n, W, ZERO_ALIGN, blo, bhi, counts);
    NCCL_CHECK(ncclGroupStart(), what);
    for (int r = 0; r < W; r++) {
        if (!counts[r]) continue;
        // Non-root ranks' recvbuff is unused: pass the send buffer.
        float *recv = r == R ? shard + (at - mylo) : grads + at;
        NCCL_CHECK(ncclReduce(grads + at, recv, counts[r], ncclFloat, ncclSum, r, g_nccl,
                              g_comm_stream),
                   what);
        at += counts[r];
    }
    NCCL_CHECK(ncclGroupEnd(), what);
    free(counts);
}

void dist_nccl_finish(void *stream) {
    before_compute(stream, "gradient reduction");
    ncclResult_t async = ncclSuccess;
    NCCL_CHECK(ncclCommGetAsyncError(g_nccl, &async), "gradient reduction");
    if (async != ncclSuccess)
        dist_abort("NCCL asynchronous error on device %d: %s", g_device,
                   ncclGetErrorString(async));
}

void dist_nccl_allgather(float *params, size_t n, void *stream) {
    const char *what = "parameter all-gather";
    const int W = dist_world(), R = dist_rank();
    size_t s = zero_shard_size(n, W, ZERO_ALIGN);
    after_compute(stream, what);  // the optimizer kernel wrote this rank's shard
    // In place: this rank's send buffer is its slot of the receive buffer (R * s), so params
    // must hold W * s floats (zero_padded_len).
    NCCL_CHECK(ncclAllGather(params + (size_t)R * s, params, s, ncclFloat, g_nccl, g_comm_stream),
               what);
    before_compute(stream, what);
}

void dist_nccl_copy(float *dst, const float *src, size_t n, void *stream) {
    CUDA_CHECK(cudaMemcpyAsync(dst, src, n * sizeof(float), cudaMemcpyDeviceToDevice,
                               (cudaStream_t)stream),
               "gradient shard copy");
}

void dist_nccl_finalize(void) {
    if (!g_nccl) return;
    CUDA_CHECK(cudaStreamSynchronize(g_comm_stream), "NCCL finalize");
    NCCL_CHECK(ncclCommDestroy(g_nccl), "NCCL finalize");
    CUDA_CHECK(cudaEventDestroy(g_ev_compute), "NCCL finalize");
    CUDA_CHECK(cudaEventDestroy(g_ev_comm), "NCCL finalize");
    CUDA_CHECK(cudaStreamDestroy(g_comm_stream), "NCCL finalize");
    g_nccl = NULL;
}

#else
typedef int dist_nccl_empty_unit;  // ISO C forbids an empty translation unit
#endif
