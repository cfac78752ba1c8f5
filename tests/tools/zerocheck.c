// zerocheck — multi-rank check of the gradient reducer and the ZeRO-1 collectives (dist.h), run
// under `mpirun -np N` by tests/cli/test_mpi_zero.sh. Every value is exact in float (integers and
// halves below 2^24), so the expected sums are computed independently here, in closed form:
//   rank r's gradient g_r[i] = (r + 1) + 0.5 * (i % 1000)
//   =>  sum_r g_r[i] = W(W+1)/2 + W * 0.5 * (i % 1000)
// For the host MPI and host-staged (memcpy "device") backends, ZeRO 0 and 1, several bucket sizes
// (one bucket, buckets not a multiple of the shard alignment, one float), buckets made ready in
// backward order in uneven pieces: the all-reduced buffer (ZeRO 0) or this rank's shard (ZeRO 1)
// must equal the sum; then the parameter all-gather must rebuild a buffer of which each rank
// filled only its own shard; the optimizer state gathered to a root must equal the whole state.
// Prints "zerocheck: N ranks ok" on rank 0; exit 1 with the failing case otherwise.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "training/dist.h"
#include "training/optim.h"
#include "training/zero.h"
#ifdef CALLA_NCCL
#include <cuda_runtime.h>
#endif

static int fails = 0;

static void to_host(void *ctx, float *host, const float *dev, size_t n) {
    (void)ctx;
    memcpy(host, dev, n * sizeof(float));
}
static void to_device(void *ctx, float *dev, const float *host, size_t n) {
    (void)ctx;
    memcpy(dev, host, n * sizeof(float));
}

static float expect_sum(size_t i, int W) {
    return (float)(W * (W + 1) / 2) + W * 0.5f * (float)(i % 1000);
}

static void check_case(size_t n, DistBackend be, int zero, size_t bucket) {
    const int W = dist_world(), R = dist_rank();
    size_t lo, hi;
    zero_shard_range(n, W, R, ZERO_ALIGN, &lo, &hi);
    float *g = xmalloc(n * sizeof(float)), *sh = xmalloc((hi - lo + 1) * sizeof(float));
    for (size_t i = 0; i < n; i++) g[i] = (float)(R + 1) + 0.5f * (float)(i % 1000);
    for (size_t i = 0; i < hi - lo; i++) sh[i] = -1;
    DistReducerOpts o;
    memset(&o, 0, sizeof o);
    o.backend = be;
    o.zero = zero;
    o.bucket = bucket;
    o.copy = (DistDeviceCopy){to_host, to_device, NULL};
    DistReducer *r = dist_reducer_open(g, zero ? sh : NULL, n, &o);
    for (int step = 0; step < 2; step++) {  // twice: the reducer resets between steps
        if (step)
            for (size_t i = 0; i < n; i++) g[i] = (float)(R + 1) + 0.5f * (float)(i % 1000);
        // backward order: the end of the buffer first, in pieces of 37 floats
        for (size_t e = n; e > 0;) {
            size_t s = e > 37 ? e - 37 : 0;
            dist_reducer_ready(r, s, e);
            e = s;
        }
        dist_reducer_finish(r);
        size_t bad = 0, first = 0;
        if (!zero) {
            for (size_t i = 0; i < n; i++)
                if (g[i] != expect_sum(i, W) && !bad++) first = i;
        } else {
            for (size_t i = lo; i < hi; i++)
                if (sh[i - lo] != expect_sum(i, W) && !bad++) first = i;
        }
        if (bad) {
            fprintf(stderr, "rank %d: %s zero %d bucket %zu n %zu step %d: %zu wrong, first %zu\n",
                    R, dist_backend_name(be), zero, bucket, n, step, bad, first);
            fails++;
        }
    }
    if (zero) {  // each rank fills its shard of the parameters; the all-gather fills the rest
        for (size_t i = 0; i < n; i++) g[i] = i >= lo && i < hi ? 0.25f * (float)i + 7 : -1;
        dist_reducer_gather_params(r, g);
        size_t bad = 0;
        for (size_t i = 0; i < n; i++) bad += g[i] != 0.25f * (float)i + 7;
        if (bad) {
            fprintf(stderr, "rank %d: %s bucket %zu n %zu: all-gather left %zu wrong\n", R,
                    dist_backend_name(be), bucket, n, bad);
            fails++;
        }
    }
    dist_reducer_free(r);
    free(g);
    free(sh);
}

#ifdef CALLA_NCCL
// The NCCL backend on device buffers (one GPU per rank), same sums as check_case. Returns 0 when
// run, 1 when skipped (fewer GPUs than ranks on this node).
#define CU(call)                                                                           \
    do {                                                                                   \
        cudaError_t e_ = (call);                                                           \
        if (e_ != cudaSuccess) dist_abort("%s failed: %s", #call, cudaGetErrorString(e_)); \
    } while (0)
static int check_nccl(size_t n, int zero, size_t bucket) {
    const int W = dist_world(), R = dist_rank();
    int ndev = 0;
    if (cudaGetDeviceCount(&ndev) != cudaSuccess) ndev = 0;
    int lacking = ndev < dist_local_world();
    dist_max_int(&lacking, "GPU count");  // all ranks skip together if any cannot run
    if (lacking) return 1;
    CU(cudaSetDevice(dist_device_index(ndev)));
    size_t lo, hi, padded = zero_padded_len(n, W, ZERO_ALIGN);
    zero_shard_range(n, W, R, ZERO_ALIGN, &lo, &hi);
    float *h = xmalloc(padded * sizeof(float)), *dg, *dsh, *dp;
    for (size_t i = 0; i < n; i++) h[i] = (float)(R + 1) + 0.5f * (float)(i % 1000);
    CU(cudaMalloc((void **)&dg, padded * sizeof(float)));
    CU(cudaMalloc((void **)&dsh, (hi - lo + 1) * sizeof(float)));
    CU(cudaMalloc((void **)&dp, padded * sizeof(float)));
    CU(cudaMemcpy(dg, h, n * sizeof(float), cudaMemcpyHostToDevice));
    cudaStream_t st;
    CU(cudaStreamCreate(&st));
    DistReducerOpts o;
    memset(&o, 0, sizeof o);
    o.backend = DIST_NCCL;
    o.zero = zero;
    o.bucket = bucket;
    o.stream = st;
    DistReducer *r = dist_reducer_open(dg, zero ? dsh : NULL, n, &o);
    for (size_t e = n; e > 0;) {
        size_t s = e > 37 ? e - 37 : 0;
        dist_reducer_ready(r, s, e);
        e = s;
    }
    dist_reducer_finish(r);
    CU(cudaStreamSynchronize(st));
    size_t bad = 0;
    if (!zero) {
        CU(cudaMemcpy(h, dg, n * sizeof(float), cudaMemcpyDeviceToHost));
        for (size_t i = 0; i < n; i++) bad += h[i] != expect_sum(i, W);
    } else {
        CU(cudaMemcpy(h, dsh, (hi - lo) * sizeof(float), cudaMemcpyDeviceToHost));
        for (size_t i = lo; i < hi; i++) bad += h[i - lo] != expect_sum(i, W);
        for (size_t i = 0; i < padded; i++) h[i] = i >= lo && i < hi ? 0.25f * (float)i + 7 : -1;
        CU(cudaMemcpy(dp, h, padded * sizeof(float), cudaMemcpyHostToDevice));
        dist_reducer_gather_params(r, dp);
        CU(cudaStreamSynchronize(st));
        CU(cudaMemcpy(h, dp, n * sizeof(float), cudaMemcpyDeviceToHost));
        for (size_t i = 0; i < n; i++) bad += h[i] != 0.25f * (float)i + 7;
    }
    if (bad) {
        fprintf(stderr, "rank %d: nccl zero %d bucket %zu n %zu: %zu wrong\n", R, zero, bucket, n,
                bad);
        fails++;
    }
    dist_reducer_free(r);
    CU(cudaStreamDestroy(st));
    CU(cudaFree(dg));
    CU(cudaFree(dsh));
    CU(cudaFree(dp));
    free(h);
    return 0;
}
#endif

// Shards of a Lookahead state (m = i, v = 2i, slow = 3i on the shard's global indices) gathered
// to `root` must be the whole state there.
static void check_optim_gather(size_t n, int root) {
    const int W = dist_world(), R = dist_rank();
    size_t lo, hi;
    zero_shard_range(n, W, R, ZERO_ALIGN, &lo, &hi);
    Optimizer sh, full;
    optim_init(&sh, OPT_RADAM_LOOKAHEAD, hi - lo, 0, NULL);
    sh.t = 42;
    for (size_t i = lo; i < hi; i++) {
        sh.m[i - lo] = (float)i;
        sh.v[i - lo] = 2.0f * (float)i;
        sh.slow[i - lo] = 3.0f * (float)i;
    }
    zero_optim_gather(&sh, &full, n, root);
    if (R == root) {
        size_t bad = full.n != n || full.t != 42 || !full.slow;
        for (size_t i = 0; !bad && i < n; i++)
            bad += full.m[i] != (float)i || full.v[i] != 2.0f * (float)i ||
                   full.slow[i] != 3.0f * (float)i;
        if (bad) {
            fprintf(stderr, "rank %d: optimizer gather of %zu to root %d wrong\n", R, n, root);
            fails++;
        }
        optim_free(&full);
    } else if (full.m || full.n) {
        fprintf(stderr, "rank %d: non-root got an optimizer state\n", R);
        fails++;
    }
    optim_free(&sh);
}

int main(int argc, char **argv) {
    calla_set_cmd("zerocheck");
    dist_init(&argc, &argv, "zerocheck", 60);
    const int W = dist_world();
    const size_t ns[] = {1003, 5, 4099};
    const size_t buckets[] = {0, 100, 1, 17};
    for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++)
        for (int be = 0; be < 2; be++)
            for (int z = 0; z < 2; z++)
                for (size_t b = 0; b < sizeof buckets / sizeof buckets[0]; b++) {
                    if (buckets[b] == 1 && ns[a] > 1100) continue;  // 4099 one-float buckets: slow
                    check_case(ns[a], be ? DIST_STAGED : DIST_HOST, z, buckets[b]);
                }
#ifdef CALLA_NCCL
    int nccl_skipped = 0;
    for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++)
        for (int z = 0; z < 2; z++)
            for (size_t b = 0; b < sizeof buckets / sizeof buckets[0]; b++)
                if (buckets[b] != 1) nccl_skipped |= check_nccl(ns[a], z, buckets[b]);
    if (dist_rank() == 0)
        printf("zerocheck: nccl backend %s\n", nccl_skipped ? "skipped (fewer GPUs than ranks)"
                                                              : "checked");
#endif
    check_optim_gather(1003, 0);
    check_optim_gather(4099, W - 1);
    int f = fails;
    dist_max_int(&f, "result");
    if (dist_rank() == 0 && !f) printf("zerocheck: %d ranks ok\n", W);
    dist_finalize();
    return f ? 1 : 0;
}
