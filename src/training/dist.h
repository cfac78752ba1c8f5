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

typedef struct DistReducer DistReducer;
DistReducer *dist_reducer_new(float *buf, size_t n, size_t bucket);
// Marks buf[lo, hi) final for this step; starts every bucket that is complete.
void dist_reducer_ready(DistReducer *r, size_t lo, size_t hi);
// Starts the buckets not yet started, waits for all, resets for the next step.
void dist_reducer_finish(DistReducer *r);
int dist_reducer_buckets(const DistReducer *r);
void dist_reducer_free(DistReducer *r);

#endif
