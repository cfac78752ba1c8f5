// gemm.c — see gemm.h.
#include "network/gemm.h"

#include <cblas.h>

#include "common/blas.h"
#ifdef _OPENMP
#include <omp.h>
#endif

// Below this many multiply-adds a fork/join costs more than the second thread saves.
#define PAR_MIN_MACS (1 << 20)

void network_set_threads(int n) {
#ifdef _OPENMP
    if (n > 0) omp_set_num_threads(n);
#else
    (void)n;  // one thread without OpenMP
#endif
    blas_set_threads(1);
}

int network_threads(void) {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

int net_parallel_ok(void) {
#ifdef _OPENMP
    return omp_get_level() == 0 && omp_get_max_threads() > 1;
#else
    return 0;
#endif
}

int net_tid(void) {
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

int net_nth(void) {
#ifdef _OPENMP
    return omp_get_num_threads();
#else
    return 1;
#endif
}

void split_range(int n, int align, int tid, int nth, int *lo, int *hi) {
    if (align < 1) align = 1;
    int units = (n + align - 1) / align;  // aligned blocks
    int per = units / nth, extra = units % nth;
    int u0 = tid * per + (tid < extra ? tid : extra), u1 = u0 + per + (tid < extra);
    *lo = u0 * align < n ? u0 * align : n;
    *hi = u1 * align < n ? u1 * align : n;
}

static void sgemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
                  const float *B, int ldb, float beta, float *C, int ldc) {
    if (M <= 0 || N <= 0) return;
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M,
                N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void gemm_part(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
               const float *B, int ldb, float beta, float *C, int ldc) {
    const int tid = net_tid(), nth = net_nth();
    int lo, hi;
    if (nth == 1) {
        sgemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    } else if (M >= N) {  // rows of C: each thread packs all of op(B), the smaller operand
        split_range(M, 8, tid, nth, &lo, &hi);
        sgemm(ta, tb, hi - lo, N, K, alpha, ta ? A + lo : A + (size_t)lo * lda, lda, B, ldb, beta,
              C + (size_t)lo * ldc, ldc);
    } else {  // columns of C
        split_range(N, 16, tid, nth, &lo, &hi);
        sgemm(ta, tb, M, hi - lo, K, alpha, A, lda, tb ? B + (size_t)lo * ldb : B + lo, ldb, beta,
              C + lo, ldc);
    }
}

void gemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
          const float *B, int ldb, float beta, float *C, int ldc) {
#ifdef _OPENMP
    if (net_parallel_ok() && (double)M * N * K >= PAR_MIN_MACS) {
#pragma omp parallel
        gemm_part(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
#endif
    sgemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
