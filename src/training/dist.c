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

struct DistReducer {
    int n_buckets;
};
DistReducer *dist_reducer_new(float *buf, size_t n, size_t bucket) {
    (void)buf;
    DistReducer *r = xcalloc(1, sizeof *r);
    r->n_buckets = bucket ? (int)((n + bucket - 1) / bucket) : 1;
    return r;
}
void dist_reducer_ready(DistReducer *r, size_t lo, size_t hi) { (void)r, (void)lo, (void)hi; }
void dist_reducer_finish(DistReducer *r) { (void)r; }
int dist_reducer_buckets(const DistReducer *r) { return r->n_buckets; }
void dist_reducer_free(DistReducer *r) { free(r); }

#else  // CALLA_MPI

int dist_have_mpi(void) { return 1; }

static MPI_Comm g_comm = MPI_COMM_NULL;
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

struct DistReducer {
    float *buf;
    size_t n, bucket;
    int n_buckets;
    size_t *ready;  // floats of each bucket marked ready this step
    MPI_Request *req;
    char *started;
};

DistReducer *dist_reducer_new(float *buf, size_t n, size_t bucket) {
    DistReducer *r = xcalloc(1, sizeof *r);
    r->buf = buf;
    r->n = n;
    r->bucket = bucket ? bucket : n ? n : 1;
    if (r->bucket > (1u << 30)) r->bucket = 1u << 30;
    r->n_buckets = (int)((n + r->bucket - 1) / r->bucket);
    r->ready = xcalloc(r->n_buckets + 1, sizeof *r->ready);
    r->req = xcalloc(r->n_buckets + 1, sizeof *r->req);
    r->started = xcalloc(r->n_buckets + 1, 1);
    for (int i = 0; i < r->n_buckets; i++) r->req[i] = MPI_REQUEST_NULL;
    return r;
}

static size_t bucket_len(const DistReducer *r, int b) {
    size_t lo = (size_t)b * r->bucket, hi = lo + r->bucket;
    return (hi > r->n ? r->n : hi) - lo;
}

static void start_bucket(DistReducer *r, int b) {
    if (r->started[b] || g_world == 1) return;
    r->started[b] = 1;
    check(MPI_Iallreduce(MPI_IN_PLACE, r->buf + (size_t)b * r->bucket, (int)bucket_len(r, b),
                         MPI_FLOAT, MPI_SUM, g_comm, &r->req[b]),
          "MPI_Iallreduce", "gradient bucket");
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
    // Open MPI moves non-blocking collectives forward only inside MPI calls: poke them.
    int flag;
    if (g_world > 1)
        check(MPI_Testall(r->n_buckets, r->req, &flag, MPI_STATUSES_IGNORE), "MPI_Testall",
              "gradient bucket");
}

void dist_reducer_finish(DistReducer *r) {
    if (g_world > 1) {
        for (int b = r->n_buckets - 1; b >= 0; b--) start_bucket(r, b);  // last layers first
        enter("gradient all-reduce");
        check(MPI_Waitall(r->n_buckets, r->req, MPI_STATUSES_IGNORE), "MPI_Waitall",
              "gradient all-reduce");
        leave();
    }
    memset(r->ready, 0, r->n_buckets * sizeof *r->ready);
    memset(r->started, 0, r->n_buckets);
}

int dist_reducer_buckets(const DistReducer *r) { return r->n_buckets; }

void dist_reducer_free(DistReducer *r) {
    if (!r) return;
    free(r->ready);
    free(r->req);
    free(r->started);
    free(r);
}

#endif
