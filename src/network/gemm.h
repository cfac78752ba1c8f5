// gemm.h — row-major SGEMM over the OpenMP team, each thread calling single-threaded OpenBLAS on
// its own slice of C, and the thread-count setting of the network engine.
//
// Why: OpenBLAS's own thread pool (Debian links the pthread variant) and OpenMP's team would
// compete for the same cores, and per-GEMM fork/join inside the LSTM's 33-step loops cost more
// than they gain. So OpenBLAS always runs one thread (network_set_threads and model_create set
// it) and calla partitions the work itself: a GEMM is split into contiguous slices of the rows of
// C (when M >= N, so each thread packs the smaller operand) or of its columns, each slice computed
// by one thread with the full K. The partition is static and nothing is reduced across threads,
// so for a fixed thread count results are bit-identical run to run. They are not bit-identical
// across thread counts: OpenBLAS's value for an element depends on the shape of the call (rows
// 0-127 of a 256-row sgemm differ in the last bits from a 128-row sgemm of those rows).
// tests/unit/test_model_threads.c checks both properties.
#ifndef CALLA_GEMM_H
#define CALLA_GEMM_H

// C[M,N] = alpha op(A) op(B) + beta C; row-major; ta/tb != 0 transpose A [K,M] / B [N,K].
// Parallel over the OpenMP team when called outside any parallel region (active or not) and the
// GEMM is large enough; inside a parallel region it runs serially in the calling thread.
void gemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
          const float *B, int ldb, float beta, float *C, int ldc);
// The calling thread's share of that GEMM, for use inside a parallel region where every thread
// of the team calls it with the same arguments (no barrier is implied).
void gemm_part(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
               const float *B, int ldb, float beta, float *C, int ldc);
// Splits [0, n) into nth contiguous slices, multiples of `align` except the last: thread tid's
// slice is [*lo, *hi) (possibly empty).
void split_range(int n, int align, int tid, int nth, int *lo, int *hi);

// Threads used by the network engine (OpenMP team size); OpenBLAS is set to one thread.
// n <= 0 keeps OpenMP's default (OMP_NUM_THREADS or all cores).
void network_set_threads(int n);
int network_threads(void);
// Whether the engine may open a parallel region: outside any (even a one-thread) parallel region
// and more than one thread allowed. Callers that run models from their own threads (calla call's
// chunk workers) thus get serial models, and a one-chunk LSTM does not fork per time step.
int net_parallel_ok(void);
// This thread's index and the team size (0 and 1 outside a parallel region / without OpenMP).
int net_tid(void);
int net_nth(void);

#endif
