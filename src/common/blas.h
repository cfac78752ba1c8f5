// blas.h — OpenBLAS set-up: kernel choice on CPUs the library does not recognise, thread count.
#ifndef CALLA_BLAS_H
#define CALLA_BLAS_H

// Called first thing in main(). When OPENBLAS_CORETYPE is unset, OpenBLAS reports a generic core
// (e.g. "Prescott") and the CPU supports AVX-512 or AVX2, re-executes the program with
// OPENBLAS_CORETYPE set to SkylakeX or Haswell. A core type set by the user is never changed.
// CALLA_NO_CORETYPE=1 disables this. Under a finite address-space limit (ulimit -v) with
// OPENBLAS_NUM_THREADS unset it also re-executes with OPENBLAS_NUM_THREADS=1: OpenBLAS's worker
// threads otherwise retry a failed buffer allocation forever and the process never exits.
void blas_select_coretype(int argc, char **argv);

// Under a finite address-space limit, exits with a one-line error (calla_die) when the work buffers
// of `callers` threads calling OpenBLAS at once (128 MiB each, allocated at a thread's first GEMM
// and retried forever when that fails) cannot fit. Call it after the big allocations.
void blas_check_buffer(int callers);

// "OpenBLAS 0.3.21 ... (core: Haswell)"
const char *blas_describe(char *buf, int n);

// Sets OpenBLAS's own thread pool size.
void blas_set_threads(int n);

#endif
