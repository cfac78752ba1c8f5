// gemm.cu — row-major SGEMM on the device: cuBLAS (CUDA build) or the CPU GEMM of
// network/gemm.h (emulation build), in the context's precision (cuda_layers.h).
#include <stdlib.h>
#include <string.h>

#include "cuda/cu_host.h"
#include "cuda/cu_internal.cuh"

#ifdef CALLA_CUDA_EMU
extern "C" {
#include "network/gemm.h"
}

// Rounds a float to `keep` mantissa bits (round to nearest, ties to even), as the tensor cores
// see their inputs: keep 10 for TF32, 7 for BF16.
static float round_mantissa(float x, int keep) {
    uint32_t u;
    memcpy(&u, &x, 4);
    if ((u & 0x7f800000u) == 0x7f800000u) return x;  // inf / nan
    const int drop = 23 - keep;
    uint32_t half = 1u << (drop - 1), lsb = (u >> drop) & 1u;
    u = (u + half - 1 + lsb) & ~((1u << drop) - 1);
    memcpy(&x, &u, 4);
    return x;
}

// A copy of the rows x cols (leading dimension ld) matrix with its inputs rounded.
static float *rounded_copy(const float *A, int rows, int cols, int ld, int keep) {
    size_t span = rows > 0 ? (size_t)(rows - 1) * ld + cols : 0;
    float *r = (float *)xmalloc((span ? span : 1) * sizeof(float));
    for (size_t i = 0; i < span; i++) r[i] = round_mantissa(A[i], keep);
    return r;
}

// The emulated cuBLAS call: the CPU GEMM on inputs rounded to the precision's mantissa.
static void emu_gemm(CuPrecision prec, int ta, int tb, int M, int N, int K, float alpha,
                     const float *A, int lda, const float *B, int ldb, float beta, float *C,
                     int ldc) {
    if (K <= 0) {
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) C[(size_t)i * ldc + j] *= beta;
        return;
    }
    if (prec == CU_PREC_FP32) {
        gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    const int keep = prec == CU_PREC_TF32 ? 10 : 7;
    float *Ar = rounded_copy(A, ta ? K : M, ta ? M : K, lda, keep);
    float *Br = rounded_copy(B, tb ? N : K, tb ? K : N, ldb, keep);
    gemm(ta, tb, M, N, K, alpha, Ar, lda, Br, ldb, beta, C, ldc);
    free(Ar);
    free(Br);
}
#endif

static void gemm_prec(CuCtx *c, CuPrecision prec, int ta, int tb, int M, int N, int K,
                      float alpha, const float *A, int lda, const float *B, int ldb, float beta,
                      float *C, int ldc) {
    if (M <= 0 || N <= 0) return;
#ifdef CALLA_CUDA
    cublasComputeType_t ct = prec == CU_PREC_TF32   ? CUBLAS_COMPUTE_32F_FAST_TF32
                             : prec == CU_PREC_BF16 ? CUBLAS_COMPUTE_32F_FAST_16BF
                                                    : CUBLAS_COMPUTE_32F;
    if (K <= 0) {  // cuBLAS rejects k = 0 with some layouts; C = beta C, as the emulation
        launch((size_t)M * N, c->stream, [=] CALLA_HD(size_t i) {
            const size_t r = i / N, col = i % N;
            C[r * ldc + col] *= beta;
        });
        return;
    }
    // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: swap the operands.
    CUBLAS_CHECK(cublasGemmEx(c->blas, tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N,
                              N, M, K, &alpha, B, CUDA_R_32F, ldb, A, CUDA_R_32F, lda, &beta, C,
                              CUDA_R_32F, ldc, ct, CUBLAS_GEMM_DEFAULT));
#else
    emu_issue(c->stream, [=]() { emu_gemm(prec, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc); });
#endif
}

void cu_gemm(CuCtx *c, int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
             const float *B, int ldb, float beta, float *C, int ldc) {
    gemm_prec(c, c->prec, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void cu_colsum_add(CuCtx *c, float *db, const float *dout, int rows, int cols, int ld) {
    if (rows <= 0 || cols <= 0) return;
    cu_ensure_ones(c, (size_t)rows);
    // db[1, cols] += ones[1, rows] @ dout[rows, cols]; fp32 even in tf32/bf16 mode (bias
    // gradients sum many rows and are cheap).
    gemm_prec(c, CU_PREC_FP32, 0, 0, 1, cols, rows, 1.0f, c->ones, rows, dout, ld, 1.0f, db, cols);
}

void cu_gemm_batched(CuCtx *c, int ta, int tb, int M, int N, int K, float alpha,
                     const float *const *A, int lda, const float *const *B, int ldb, float beta,
                     float *const *C, int ldc, int count) {
    if (M <= 0 || N <= 0 || K <= 0 || count <= 0)
        calla_die("internal error: batched GEMM %dx%dx%d x %d", M, N, K, count);
#ifdef CALLA_CUDA
    const CuPrecision prec = c->prec;
    cublasComputeType_t ct = prec == CU_PREC_TF32   ? CUBLAS_COMPUTE_32F_FAST_TF32
                             : prec == CU_PREC_BF16 ? CUBLAS_COMPUTE_32F_FAST_16BF
                                                    : CUBLAS_COMPUTE_32F;
    // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: swap the operands.
    CUBLAS_CHECK(cublasGemmBatchedEx(c->blas, tb ? CUBLAS_OP_T : CUBLAS_OP_N,
                                     ta ? CUBLAS_OP_T : CUBLAS_OP_N, N, M, K, &alpha,
                                     (const void *const *)B, CUDA_R_32F, ldb,
                                     (const void *const *)A, CUDA_R_32F, lda, &beta,
                                     (void *const *)C, CUDA_R_32F, ldc, count, ct,
                                     CUBLAS_GEMM_DEFAULT));
#else
    // emulation: the pointer arrays are host memory, read when the operation runs (as cuBLAS
    // reads them on the device); one GEMM per entry
    const CuPrecision prec = c->prec;
    emu_issue(c->stream, [=]() {
        for (int i = 0; i < count; i++)
            emu_gemm(prec, ta, tb, M, N, K, alpha, A[i], lda, B[i], ldb, beta, C[i], ldc);
    });
#endif
}
