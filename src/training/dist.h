// dist.h — the process group of a data-parallel run (MPI when built with -DCALLA_MPI, else a
// one-process stub with the same API). Every collective checks its MPI return code (the
// communicator uses MPI_ERRORS_RETURN); a failure, a collective that waits longer than the
// watchdog timeout, or an exit() while the group is up ends the whole job with MPI_Abort and a
// one-line message naming the rank. Nothing here returns an error: failures do not return.
//
// Gradient reduction (llmc.md §3.2): the contiguous gradient buffer is cut into fixed buckets of
// `bucket` floats; dist_reducer_ready() marks a range of the buffer final (a tensor whose gradient
// the backward pass has finished), and every bucket that is then complete starts a non-blocking
// MPI_Iallreduce at once; dist_reducer_finish() starts the rest and waits for all.
#ifndef CALLA_DIST_H
#define CALLA_DIST_H
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>

// Starts the group if the process was launched by mpirun/srun with MPI support built in (world 1
// otherwise); `cmd` is the command name for messages, which become "[calla CMD rank R/N]" when
// N > 1. timeout_s: watchdog limit for one collective (<= 0: CALLA_MPI_TIMEOUT or 600 s).
void dist_init(int *argc, char ***argv, const char *cmd, double timeout_s);
void dist_finalize(void);
int dist_rank(void);
int dist_world(void);
int dist_have_mpi(void);  // 1 when built with MPI

// In-place sums over all ranks (blocking).
void dist_sum_f64(double *v, int n, const char *what);
void dist_sum_i64(int64_t *v, int n, const char *what);
void dist_max_int(int *v, const char *what);
void dist_bcast(void *buf, size_t bytes, int root, const char *what);
void dist_barrier(const char *what);
// Gathers `bytes` from every rank into out (world * bytes) on every rank.
void dist_allgather(const void *in, size_t bytes, void *out, const char *what);
// Rank `root` receives `n` bytes from rank `src` (point to point; used by `calla call`).
void dist_send(const void *buf, size_t n, int dst, int tag);
void dist_recv(void *buf, size_t n, int src, int tag);

// Ends every rank of the job: prints "[calla CMD rank R/N] message" and calls MPI_Abort (exit(1)
// without MPI).
noreturn void dist_abort(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

// This process's index among the ranks on its node, and their number (MPI_Comm_split_type
// SHARED; 0 and 1 without MPI). One GPU per rank: the device is dist_device_index(count).
int dist_local_rank(void);
int dist_local_world(void);
int dist_device_index(int n_devices);  // local rank mod n_devices (0 when n_devices < 1)

// ZeRO-1 shards of a flat float buffer of n elements (boundaries: training/zero.h, ZERO_ALIGN).
// Collective: every rank's own shard of buf (already in place) is copied into every rank's buf
// (MPI_Allgatherv in place).
void dist_shard_allgather(float *buf, size_t n, const char *what);
// Collective: rank `root` receives every rank's shard into full[0, n); `mine` holds this rank's
// shard (hi - lo floats); `full` is not touched on other ranks (may be NULL there).
void dist_shard_gather(const float *mine, float *full, size_t n, int root, const char *what);

// Communication backends behind one reducer (issue #8):
//   DIST_HOST    host buffers, MPI (MPI_Iallreduce / MPI_Ireduce_scatter per bucket)
//   DIST_STAGED  device buffers without NCCL: each bucket copied to a host staging buffer
//                (DistDeviceCopy.to_host), the DIST_HOST path, and copied back (to_device)
//   DIST_NCCL    device buffers, NCCL on a communication stream ordered after the compute stream
//                with events (src/training/dist_nccl.c; only in builds with CALLA_NCCL)
typedef enum { DIST_HOST = 0, DIST_STAGED = 1, DIST_NCCL = 2 } DistBackend;
const char *dist_backend_name(DistBackend b);  // "mpi", "mpi-staged", "nccl"
int dist_have_nccl(void);                      // 1 when built with CALLA_NCCL

// Device <-> host copies of n floats, provided by the GPU backend (blocking, or ordered on the
// compute stream and synchronised before returning). Tests use memcpy.
typedef struct {
    void (*to_host)(void *ctx, float *host, const float *dev, size_t n);
    void (*to_device)(void *ctx, float *dev, const float *host, size_t n);
    void *ctx;
} DistDeviceCopy;

typedef struct {
    DistBackend backend;
    int zero;             // 0: all-reduce (every rank gets the whole sum); 1: ZeRO-1 (see below)
    size_t bucket;        // floats per bucket (0: 1 Mi floats = 4 MiB)
    DistDeviceCopy copy;  // DIST_STAGED
    void *stream;         // DIST_NCCL: the cudaStream_t on which backward produces the gradients
} DistReducerOpts;

typedef struct DistReducer DistReducer;
// Reduces grads[0, n) (sum over ranks; the caller scales, e.g. by the rank's share of the
// batch). zero 0: in place, every rank gets the sum. zero 1: this rank's shard [lo, hi) of the
// sum is written to grad_shard[0, hi - lo) and grads is left partly reduced (scratch); then the
// optimizer updates params[lo, hi) and dist_reducer_gather_params() rebuilds params everywhere.
// DIST_NCCL with zero 1 needs params to hold zero_padded_len(n, world, ZERO_ALIGN) floats.
DistReducer *dist_reducer_open(float *grads, float *grad_shard, size_t n,
                               const DistReducerOpts *o);
void dist_reducer_gather_params(DistReducer *r, float *params);
// = dist_reducer_open(buf, NULL, n, {DIST_HOST, zero 0, bucket}).
DistReducer *dist_reducer_new(float *buf, size_t n, size_t bucket);
// Marks buf[lo, hi) final for this step; starts every bucket that is complete.
void dist_reducer_ready(DistReducer *r, size_t lo, size_t hi);
// Starts the buckets not yet started, waits for all, resets for the next step.
void dist_reducer_finish(DistReducer *r);
int dist_reducer_buckets(const DistReducer *r);
void dist_reducer_free(DistReducer *r);

#endif
