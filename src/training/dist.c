// dist.c — see dist.h. With CALLA_MPI: Open MPI (or any MPI-3) over a duplicate of
// MPI_COMM_WORLD with MPI_ERRORS_RETURN; a watchdog thread bounds the time spent in any one
// collective. Without CALLA_MPI: rank 0 of 1, every collective is a no-op.
#include "training/dist.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "training/zero.h"
#ifdef CALLA_NCCL
#include "training/dist_nccl.h"
#endif

#ifdef CALLA_MPI
#include <mpi.h>
#include <pthread.h>
#include <time.h>
#endif

static int g_rank = 0, g_world = 1;
#ifdef CALLA_MPI
static int g_up = 0;
static char g_cmd[96];
#endif

int dist_rank(void) { return g_rank; }
int dist_world(void) { return g_world; }

static void vabort_msg(const char *fmt, va_list ap) {
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    calla_err("%s", msg);
}

#ifndef CALLA_MPI

int dist_have_mpi(void) { return 0; }
// Started by mpirun with several processes but built without MPI: each process would train or
// call alone and all would write the same files. Refuse.
void dist_init(int *argc, char ***argv, const char *cmd, double timeout_s) {
    (void)argc, (void)argv, (void)cmd, (void)timeout_s;
    static const char *vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && atoi(v) > 1) {
            calla_err("started as one of %s processes (%s) but calla was built without MPI; "
                      "rebuild with mpicc available (make WITH_MPI=1)", v, vars[i]);
            exit(CALLA_EXIT_RUNTIME);
        }
    }
}
void dist_finalize(void) {}
void dist_sum_f64(double *v, int n, const char *what) { (void)v, (void)n, (void)what; }
void dist_sum_i64(int64_t *v, int n, const char *what) { (void)v, (void)n, (void)what; }
void dist_max_int(int *v, const char *what) { (void)v, (void)what; }
void dist_bcast(void *buf, size_t bytes, int root, const char *what) {
    (void)buf, (void)bytes, (void)root, (void)what;
}
void dist_barrier(const char *what) { (void)what; }
void dist_allgather(const void *in, size_t bytes, void *out, const char *what) {
    (void)what;
    memcpy(out, in, bytes);
}
void dist_send(const void *buf, size_t n, int dst, int tag) {
    (void)buf, (void)n, (void)tag;
    calla_die("dist_send to rank %d in a one-process run", dst);
}
void dist_recv(void *buf, size_t n, int src, int tag) {
    (void)buf, (void)n, (void)tag;
    calla_die("dist_recv from rank %d in a one-process run", src);
}
noreturn void dist_abort(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vabort_msg(fmt, ap);
    va_end(ap);
    exit(CALLA_EXIT_RUNTIME);
}

int dist_local_rank(void) { return 0; }
int dist_local_world(void) { return 1; }
void dist_shard_allgather(float *buf, size_t n, const char *what) {
    (void)buf, (void)n, (void)what;
}
void dist_shard_gather(const float *mine, float *full, size_t n, int root, const char *what) {
    (void)root, (void)what;
    if (full != mine) memcpy(full, mine, n * sizeof(float));
}

typedef int CollReq;
#define COLL_REQ_NULL 0
static void coll_iallreduce(float *buf, size_t n, CollReq *req) { (void)buf, (void)n, (void)req; }
static void coll_ireduce_scatter(const float *send, float *recv, const int *counts, CollReq *req) {
    (void)send, (void)recv, (void)counts, (void)req;
}
static void coll_testall(int n, CollReq *req) { (void)n, (void)req; }
static void coll_waitall(int n, CollReq *req, const char *what) { (void)n, (void)req, (void)what; }

#else  // CALLA_MPI

int dist_have_mpi(void) { return 1; }

static MPI_Comm g_comm = MPI_COMM_NULL;
static void find_local_rank(void);
static double g_timeout = 600;
// The collective in progress: its name and start time (0 = none), read by the watchdog.
static _Atomic(const char *) g_what = NULL;
static _Atomic double g_t0 = 0;
static atomic_int g_stop_watchdog = 0;
static pthread_t g_watchdog;
static int g_have_watchdog = 0;

static double mono(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

noreturn static void abort_job(void) {
    fflush(stderr);
    if (g_up) MPI_Abort(g_comm != MPI_COMM_NULL ? g_comm : MPI_COMM_WORLD, CALLA_EXIT_RUNTIME);
    _exit(CALLA_EXIT_RUNTIME);
}

noreturn void dist_abort(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vabort_msg(fmt, ap);
    va_end(ap);
    if (g_world > 1) {
        fprintf(stderr, "[calla %s] aborting all %d ranks\n", g_cmd, g_world);
        abort_job();
    }
    exit(CALLA_EXIT_RUNTIME);
}

static void *watchdog(void *arg) {
    (void)arg;
    while (!atomic_load(&g_stop_watchdog)) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
        double t0 = atomic_load(&g_t0);
        if (t0 > 0 && mono() - t0 > g_timeout) {
            const char *w = atomic_load(&g_what);
            fprintf(stderr,
                    "[calla %s] %s: no answer from the other ranks after %.0f s (a rank died, hung "
                    "or is far behind); aborting all %d ranks\n",
                    g_cmd, w ? w : "collective", g_timeout, g_world);
            abort_job();
        }
    }
    return NULL;
}

static void enter(const char *what) {
    atomic_store(&g_what, what);
    atomic_store(&g_t0, mono());
}
static void leave(void) { atomic_store(&g_t0, 0.0); }

static void check(int rc, const char *call, const char *what) {
    if (rc == MPI_SUCCESS) return;
    char s[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(rc, s, &len) != MPI_SUCCESS) snprintf(s, sizeof s, "error %d", rc);
    dist_abort("%s (%s) failed: %s", call, what, s);
}

// mpirun, srun and other launchers set one of these; a plain run stays a one-process run
// without touching MPI (singleton MPI_Init is slow and noisy in containers).
static int launched_by_mpi(void) {
    static const char *vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK",
                                 "MPI_LOCALNRANKS", "CALLA_FORCE_MPI"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (getenv(vars[i])) return 1;
    return 0;
}

static void at_exit(void) {
    if (!g_up) return;
    if (g_world > 1) {
        fprintf(stderr, "[calla %s] exited before the end of the run; aborting all %d ranks\n",
                g_cmd, g_world);
        abort_job();
    }
}

void dist_init(int *argc, char ***argv, const char *cmd, double timeout_s) {
    snprintf(g_cmd, sizeof g_cmd, "%s", cmd);
    if (g_up || !launched_by_mpi()) return;
    int provided = 0, rc = MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    if (rc != MPI_SUCCESS) {
        calla_err("MPI_Init_thread failed (error %d)", rc);
        exit(CALLA_EXIT_RUNTIME);
    }
    g_up = 1;
    check(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler",
          "init");
    check(MPI_Comm_dup(MPI_COMM_WORLD, &g_comm), "MPI_Comm_dup", "init");
    check(MPI_Comm_set_errhandler(g_comm, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler", "init");
    check(MPI_Comm_rank(g_comm, &g_rank), "MPI_Comm_rank", "init");
    check(MPI_Comm_size(g_comm, &g_world), "MPI_Comm_size", "init");
    const char *env = getenv("CALLA_MPI_TIMEOUT");
    g_timeout = timeout_s > 0 ? timeout_s : env && atof(env) > 0 ? atof(env) : 600;
    find_local_rank();
    if (g_world > 1) {
        snprintf(g_cmd, sizeof g_cmd, "%s rank %d/%d", cmd, g_rank, g_world);
        calla_set_cmd(g_cmd);
        if (pthread_create(&g_watchdog, NULL, watchdog, NULL) != 0)
            dist_abort("cannot start the watchdog thread");
        g_have_watchdog = 1;
    }
    atexit(at_exit);
}

void dist_finalize(void) {
    if (!g_up) return;
#ifdef CALLA_NCCL
    dist_nccl_finalize();
#endif
    if (g_have_watchdog) {
        atomic_store(&g_stop_watchdog, 1);
        pthread_join(g_watchdog, NULL);
        g_have_watchdog = 0;
    }
    check(MPI_Comm_free(&g_comm), "MPI_Comm_free", "finalize");
    g_comm = MPI_COMM_NULL;
    int rc = MPI_Finalize();
    g_up = 0;
    if (rc != MPI_SUCCESS) calla_warn("MPI_Finalize failed (error %d)", rc);
}

void dist_sum_f64(double *v, int n, const char *what) {
    if (g_world == 1) return;
    enter(what);
    check(MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_SUM, g_comm), "MPI_Allreduce", what);
    leave();
}
void dist_sum_i64(int64_t *v, int n, const char *what) {
    if (g_world == 1) return;
    enter(what);
    check(MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_INT64_T, MPI_SUM, g_comm), "MPI_Allreduce", what);
    leave();
}
void dist_max_int(int *v, const char *what) {
    if (g_world == 1) return;
    enter(what);
    check(MPI_Allreduce(MPI_IN_PLACE, v, 1, MPI_INT, MPI_MAX, g_comm), "MPI_Allreduce", what);
    leave();
}
void dist_bcast(void *buf, size_t bytes, int root, const char *what) {
    if (g_world == 1) return;
    enter(what);
    for (size_t at = 0; at < bytes; at += 1 << 30) {
        int n = (int)(bytes - at < (1u << 30) ? bytes - at : 1u << 30);
        check(MPI_Bcast((char *)buf + at, n, MPI_BYTE, root, g_comm), "MPI_Bcast", what);
    }
    leave();
}
void dist_barrier(const char *what) {
    if (g_world == 1) return;
    enter(what);
    check(MPI_Barrier(g_comm), "MPI_Barrier", what);
    leave();
}
void dist_allgather(const void *in, size_t bytes, void *out, const char *what) {
    if (g_world == 1) {
        memcpy(out, in, bytes);
        return;
    }
    if (bytes > (1u << 30)) dist_abort("%s: allgather of %zu bytes is too large", what, bytes);
    enter(what);
    check(MPI_Allgather(in, (int)bytes, MPI_BYTE, out, (int)bytes, MPI_BYTE, g_comm),
          "MPI_Allgather", what);
    leave();
}
void dist_send(const void *buf, size_t n, int dst, int tag) {
    enter("send");
    for (size_t at = 0; at < n || at == 0; at += 1 << 30) {
        int k = (int)(n - at < (1u << 30) ? n - at : 1u << 30);
        check(MPI_Send((const char *)buf + at, k, MPI_BYTE, dst, tag, g_comm), "MPI_Send", "send");
        if (n == 0) break;
    }
    leave();
}
void dist_recv(void *buf, size_t n, int src, int tag) {
    enter("receive");
    for (size_t at = 0; at < n || at == 0; at += 1 << 30) {
        int k = (int)(n - at < (1u << 30) ? n - at : 1u << 30);
        check(MPI_Recv((char *)buf + at, k, MPI_BYTE, src, tag, g_comm, MPI_STATUS_IGNORE),
              "MPI_Recv", "receive");
        if (n == 0) break;
    }
    leave();
}

static int g_local_rank = 0, g_local_world = 1;
int dist_local_rank(void) { return g_local_rank; }
int dist_local_world(void) { return g_local_world; }

// Ranks on this node (shared memory), for one GPU per rank.
static void find_local_rank(void) {
    MPI_Comm node;
    check(MPI_Comm_split_type(g_comm, MPI_COMM_TYPE_SHARED, g_rank, MPI_INFO_NULL, &node),
          "MPI_Comm_split_type", "local rank");
    check(MPI_Comm_rank(node, &g_local_rank), "MPI_Comm_rank", "local rank");
    check(MPI_Comm_size(node, &g_local_world), "MPI_Comm_size", "local rank");
    check(MPI_Comm_free(&node), "MPI_Comm_free", "local rank");
}

// Per-rank counts and displacements of the shards of n floats (int: n < 2^31 checked).
static void shard_counts(size_t n, int *counts, int *displs, const char *what) {
    if (n > (size_t)INT32_MAX) dist_abort("%s: %zu floats is too many for one MPI call", what, n);
    for (int r = 0; r < g_world; r++) {
        size_t lo, hi;
        zero_shard_range(n, g_world, r, ZERO_ALIGN, &lo, &hi);
        counts[r] = (int)(hi - lo);
        displs[r] = (int)lo;
    }
}

void dist_shard_allgather(float *buf, size_t n, const char *what) {
    if (g_world == 1) return;
    int *counts = xmalloc(2 * (size_t)g_world * sizeof *counts), *displs = counts + g_world;
    shard_counts(n, counts, displs, what);
    enter(what);
    check(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, counts, displs, MPI_FLOAT,
                         g_comm),
          "MPI_Allgatherv", what);
    leave();
    free(counts);
}

void dist_shard_gather(const float *mine, float *full, size_t n, int root, const char *what) {
    if (g_world == 1) {
        if (full != mine) memcpy(full, mine, n * sizeof(float));
        return;
    }
    int *counts = xmalloc(2 * (size_t)g_world * sizeof *counts), *displs = counts + g_world;
    shard_counts(n, counts, displs, what);
    enter(what);
    check(MPI_Gatherv(mine, counts[g_rank], MPI_FLOAT, full, counts, displs, MPI_FLOAT, root,
                      g_comm),
          "MPI_Gatherv", what);
    leave();
    free(counts);
}

typedef MPI_Request CollReq;
#define COLL_REQ_NULL MPI_REQUEST_NULL
static void coll_iallreduce(float *buf, size_t n, CollReq *req) {
    check(MPI_Iallreduce(MPI_IN_PLACE, buf, (int)n, MPI_FLOAT, MPI_SUM, g_comm, req),
          "MPI_Iallreduce", "gradient bucket");
}
// send: the bucket; recv: this rank's piece of it; counts: every rank's piece (rank order).
static void coll_ireduce_scatter(const float *send, float *recv, const int *counts, CollReq *req) {
    check(MPI_Ireduce_scatter(send, recv, counts, MPI_FLOAT, MPI_SUM, g_comm, req),
          "MPI_Ireduce_scatter", "gradient bucket");
}
// Open MPI moves non-blocking collectives forward only inside MPI calls: poke them.
static void coll_testall(int n, CollReq *req) {
    int flag;
    check(MPI_Testall(n, req, &flag, MPI_STATUSES_IGNORE), "MPI_Testall", "gradient bucket");
}
static void coll_waitall(int n, CollReq *req, const char *what) {
    enter(what);
    check(MPI_Waitall(n, req, MPI_STATUSES_IGNORE), "MPI_Waitall", what);
    leave();
}

#endif  // CALLA_MPI

// ---- the gradient reducer (all backends) ----------------------------------------------------

int dist_device_index(int n_devices) { return n_devices < 1 ? 0 : dist_local_rank() % n_devices; }

const char *dist_backend_name(DistBackend b) {
    return b == DIST_HOST ? "mpi" : b == DIST_STAGED ? "mpi-staged" : b == DIST_NCCL ? "nccl" : "?";
}

int dist_have_nccl(void) {
#ifdef CALLA_NCCL
    return 1;
#else
    return 0;
#endif
}

struct DistReducer {
    DistBackend backend;
    int zero;
    float *buf;    // gradients: host (DIST_HOST) or device
    float *shard;  // zero: this rank's reduced shard (same memory kind as buf)
    size_t n, bucket, lo, hi;  // lo, hi: this rank's shard
    int n_buckets;
    size_t *ready;  // floats of each bucket marked ready this step
    char *started;
    CollReq *req;
    int *counts;  // zero: n_buckets x world pieces of each bucket per rank (kept until completion)
    DistDeviceCopy copy;
    float *host, *host_shard;  // DIST_STAGED: staging buffers (n and hi - lo floats)
    void *stream;              // DIST_NCCL
};

DistReducer *dist_reducer_open(float *grads, float *grad_shard, size_t n,
                               const DistReducerOpts *o) {
    const int W = dist_world();
    DistReducer *r = xcalloc(1, sizeof *r);
    r->backend = o->backend;
    r->zero = o->zero ? 1 : 0;
    r->buf = grads;
    r->shard = grad_shard;
    r->n = n;
    r->bucket = o->bucket ? o->bucket : (size_t)1 << 20;
    if (r->bucket > (1u << 30)) r->bucket = 1u << 30;
    r->n_buckets = (int)((n + r->bucket - 1) / r->bucket);
    r->ready = xcalloc(r->n_buckets + 1, sizeof *r->ready);
    r->started = xcalloc(r->n_buckets + 1, 1);
    r->req = xcalloc(r->n_buckets + 1, sizeof *r->req);
    for (int i = 0; i <= r->n_buckets; i++) r->req[i] = COLL_REQ_NULL;
    zero_shard_range(n, W, dist_rank(), ZERO_ALIGN, &r->lo, &r->hi);
    if (r->zero && !grad_shard) dist_abort("ZeRO-1 reducer without a gradient shard buffer");
    if (r->zero && n > (size_t)INT32_MAX) dist_abort("ZeRO-1 over %zu floats: too many", n);
    if (r->zero) {
        r->counts = xcalloc((size_t)(r->n_buckets + 1) * W, sizeof *r->counts);
        size_t *c = xmalloc((size_t)W * sizeof *c);
        for (int b = 0; b < r->n_buckets; b++) {
            size_t blo = (size_t)b * r->bucket, bhi = blo + r->bucket;
            zero_bucket_counts(n, W, ZERO_ALIGN, blo, bhi > n ? n : bhi, c);
            for (int k = 0; k < W; k++) r->counts[(size_t)b * W + k] = (int)c[k];
        }
        free(c);
    }
    switch (r->backend) {
    case DIST_HOST:
        break;
    case DIST_STAGED:
        if (!o->copy.to_host || !o->copy.to_device)
            dist_abort("host-staged reducer without device copy functions");
        r->copy = o->copy;
        r->host = xmalloc((n ? n : 1) * sizeof(float));
        r->host_shard = xmalloc((r->hi - r->lo + 1) * sizeof(float));
        break;
    case DIST_NCCL:
#ifdef CALLA_NCCL
        r->stream = o->stream;
        dist_nccl_init();
#else
        dist_abort("the NCCL backend was asked for but calla was built without NCCL "
                   "(needs MPI, CUDA and libnccl; see docs/distributed.md)");
#endif
        break;
    default:
        dist_abort("unknown communication backend %d", (int)r->backend);
    }
    return r;
}

DistReducer *dist_reducer_new(float *buf, size_t n, size_t bucket) {
    DistReducerOpts o;
    memset(&o, 0, sizeof o);
    o.bucket = bucket;
    return dist_reducer_open(buf, NULL, n, &o);
}

static size_t bucket_len(const DistReducer *r, int b) {
    size_t lo = (size_t)b * r->bucket, hi = lo + r->bucket;
    return (hi > r->n ? r->n : hi) - lo;
}

static void start_bucket(DistReducer *r, int b) {
    if (r->started[b] || dist_world() == 1) return;
    r->started[b] = 1;
    size_t blo = (size_t)b * r->bucket, len = bucket_len(r, b);
#ifdef CALLA_NCCL
    if (r->backend == DIST_NCCL) {
        dist_nccl_reduce_bucket(r->buf, r->zero ? r->shard : NULL, r->n, blo, blo + len,
                                r->stream);
        return;
    }
#endif
    float *base = r->buf, *shard = r->shard;
    if (r->backend == DIST_STAGED) {
        r->copy.to_host(r->copy.ctx, r->host + blo, r->buf + blo, len);
        base = r->host;
        shard = r->host_shard;
    }
    if (!r->zero) {
        coll_iallreduce(base + blo, len, &r->req[b]);
    } else {
        // This rank's piece of the bucket lands at its place in the shard (pieces are in rank
        // order and concatenate to the bucket: zero_bucket_counts).
        size_t at = blo > r->lo ? blo : r->lo;
        float *recv = at < r->hi ? shard + (at - r->lo) : shard;
        coll_ireduce_scatter(base + blo, recv, r->counts + (size_t)b * dist_world(), &r->req[b]);
    }
}

void dist_reducer_ready(DistReducer *r, size_t lo, size_t hi) {
    if (hi > r->n) hi = r->n;
    while (lo < hi) {
        int b = (int)(lo / r->bucket);
        size_t bend = (size_t)(b + 1) * r->bucket;
        size_t e = hi < bend ? hi : bend;
        r->ready[b] += e - lo;
        if (r->ready[b] >= bucket_len(r, b)) start_bucket(r, b);
        lo = e;
    }
    if (dist_world() > 1 && r->backend != DIST_NCCL) coll_testall(r->n_buckets, r->req);
}

void dist_reducer_finish(DistReducer *r) {
    const size_t k = r->hi - r->lo;
    if (dist_world() > 1) {
        for (int b = r->n_buckets - 1; b >= 0; b--) start_bucket(r, b);  // last layers first
#ifdef CALLA_NCCL
        if (r->backend == DIST_NCCL) dist_nccl_finish(r->stream);
#endif
        if (r->backend != DIST_NCCL) coll_waitall(r->n_buckets, r->req, "gradient reduction");
        if (r->backend == DIST_STAGED) {
            if (r->zero)
                r->copy.to_device(r->copy.ctx, r->shard, r->host_shard, k);
            else
                r->copy.to_device(r->copy.ctx, r->buf, r->host, r->n);
        }
    } else if (r->zero && r->shard != r->buf) {  // one rank: the shard is the whole buffer
        if (r->backend == DIST_HOST) {
            memcpy(r->shard, r->buf, k * sizeof(float));
        } else if (r->backend == DIST_STAGED) {
            r->copy.to_host(r->copy.ctx, r->host, r->buf, k);
            r->copy.to_device(r->copy.ctx, r->shard, r->host, k);
        }
#ifdef CALLA_NCCL
        else
            dist_nccl_copy(r->shard, r->buf, k, r->stream);
#endif
    }
    memset(r->ready, 0, r->n_buckets * sizeof *r->ready);
    memset(r->started, 0, r->n_buckets);
}

void dist_reducer_gather_params(DistReducer *r, float *params) {
    if (!r->zero || dist_world() == 1) return;
#ifdef CALLA_NCCL
    if (r->backend == DIST_NCCL) {
        dist_nccl_allgather(params, r->n, r->stream);
        return;
    }
#endif
    if (r->backend == DIST_STAGED) {
        r->copy.to_host(r->copy.ctx, r->host + r->lo, params + r->lo, r->hi - r->lo);
        dist_shard_allgather(r->host, r->n, "parameter all-gather");
        r->copy.to_device(r->copy.ctx, params, r->host, r->n);
    } else {
        dist_shard_allgather(params, r->n, "parameter all-gather");
    }
}

int dist_reducer_buckets(const DistReducer *r) { return r->n_buckets; }

void dist_reducer_free(DistReducer *r) {
    if (!r) return;
    free(r->ready);
    free(r->req);
    free(r->started);
    free(r->counts);
    free(r->host);
    free(r->host_shard);
    free(r);
}
