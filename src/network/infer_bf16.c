// infer_bf16.c — see infer_bf16.h.
#include "network/infer_bf16.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "common/util.h"
#include "network/fastmath.h"

#if defined(__x86_64__) && defined(__GNUC__) && (defined(__clang__) || __GNUC__ >= 10)
#define CALLA_BF16_KERNEL 1
#include <immintrin.h>
#endif

int bf16mat_pack(Bf16Mat *m, const float *B, int K, int N, int ldb) {
    memset(m, 0, sizeof *m);
    if (K <= 0 || N <= 0 || ldb < N) return -1;
    m->K = K, m->N = N, m->kp2 = (K + 1) / 2, m->npanels = (N + BF16_NP - 1) / BF16_NP;
    m->w = xcalloc((size_t)m->npanels * m->kp2 * BF16_NP, sizeof *m->w);
    for (int j = 0; j < m->npanels; j++)
        for (int p = 0; p < m->kp2; p++) {
            uint32_t *dst = m->w + ((size_t)j * m->kp2 + p) * BF16_NP;
            for (int c = 0; c < BF16_NP && j * BF16_NP + c < N; c++) {
                const int n = j * BF16_NP + c;
                float e = B[(size_t)(2 * p) * ldb + n];
                float o = 2 * p + 1 < K ? B[(size_t)(2 * p + 1) * ldb + n] : 0.0f;
                dst[c] = bf16_pair(e, o);
            }
        }
    return 0;
}

void bf16mat_free(Bf16Mat *m) {
    free(m->w);
    memset(m, 0, sizeof *m);
}

CALLA_CLONES void bf16_pack_rows(uint32_t *out, int ldo, const float *A, int M, int K, int lda) {
    for (int r = 0; r < M; r++) {
        const float *restrict a = A + (size_t)r * lda;
        uint32_t *restrict o = out + (size_t)r * ldo;
        const int full = K / 2;
#pragma omp simd
        for (int p = 0; p < full; p++) o[p] = bf16_pair(a[2 * p], a[2 * p + 1]);
        if (K % 2) o[full] = bf16_pair(a[K - 1], 0.0f);
    }
}

// vdpbf16ps's flushing: a subnormal input or result reads / becomes a zero of the same sign.
static inline float flush(float x) { return fabsf(x) < FLT_MIN ? copysignf(0.0f, x) : x; }

static void gemm_scalar(int M, const uint32_t *Ax, int ldx, int kx2, const uint32_t *Ah, int ldh,
                        const Bf16Mat *B, const float *bias, float *C, int ldc) {
    for (int m = 0; m < M; m++) {
        const uint32_t *ax = Ax + (size_t)m * ldx, *ah = Ah + (size_t)m * ldh - kx2;
        for (int j = 0; j < B->npanels; j++) {
            float acc[BF16_NP];
            const int n0 = j * BF16_NP, nn = B->N - n0 < BF16_NP ? B->N - n0 : BF16_NP;
            for (int c = 0; c < BF16_NP; c++) acc[c] = c < nn && bias ? flush(bias[n0 + c]) : 0.0f;
            const uint32_t *bp = B->w + (size_t)j * B->kp2 * BF16_NP;
            for (int p = 0; p < B->kp2; p++) {
                const uint32_t ap = p < kx2 ? ax[p] : ah[p];
                const float alo = flush(bf16_to_f32((uint16_t)ap)),
                            ahi = flush(bf16_to_f32((uint16_t)(ap >> 16)));
                const uint32_t *b = bp + (size_t)p * BF16_NP;
                for (int c = 0; c < BF16_NP; c++) {
                    const float blo = flush(bf16_to_f32((uint16_t)b[c])),
                                bhi = flush(bf16_to_f32((uint16_t)(b[c] >> 16)));
                    float s = flush(acc[c] + flush(ahi * bhi));  // products are exact in fp32
                    acc[c] = flush(s + flush(alo * blo));
                }
            }
            for (int c = 0; c < nn; c++) C[(size_t)m * ldc + n0 + c] = acc[c];
        }
    }
}

#ifdef CALLA_BF16_KERNEL
#define BF16_TARGET __attribute__((target("avx512f,avx512bf16")))

// One panel (up to 64 columns, 4 vectors) of 4 rows over the K pairs [p0, p1): 16 accumulators
// kept in registers (named variables: GCC spills an array of vectors indexed in a loop), started
// from the bias (first K block) or from C (later blocks: C holds the exact fp32 partial sums, so
// blocking K does not change a bit). Pairs below kx2 come from Ax, the rest from Ah.
#define DP(acc, a, b) acc = _mm512_dpbf16_ps(acc, (__m512bh)(a), (__m512bh)(b))
#define ST(r, v, acc) _mm512_mask_storeu_ps(C + (size_t)(r) * ldc + 16 * (v), mk[v], acc)
#define LD(r, v) (first ? bv[v] : _mm512_maskz_loadu_ps(mk[v], C + (size_t)(r) * ldc + 16 * (v)))
BF16_TARGET static inline void panel_4rows(int p0, int p1, int first, const uint32_t *Ax, int ldx,
                                           int kx2, const uint32_t *Ah, int ldh,
                                           const uint32_t *bp, const __m512 bv[4],
                                           const __mmask16 mk[4], float *C, int ldc) {
    __m512 c00 = LD(0, 0), c01 = LD(0, 1), c02 = LD(0, 2), c03 = LD(0, 3);
    __m512 c10 = LD(1, 0), c11 = LD(1, 1), c12 = LD(1, 2), c13 = LD(1, 3);
    __m512 c20 = LD(2, 0), c21 = LD(2, 1), c22 = LD(2, 2), c23 = LD(2, 3);
    __m512 c30 = LD(3, 0), c31 = LD(3, 1), c32 = LD(3, 2), c33 = LD(3, 3);
    for (int p = p0; p < p1;) {
        const int inx = p < kx2, pe = inx && kx2 < p1 ? kx2 : p1;
        const uint32_t *a0 = inx ? Ax : Ah - kx2;
        const size_t ld = inx ? (size_t)ldx : (size_t)ldh;
        const uint32_t *a1 = a0 + ld, *a2 = a0 + 2 * ld, *a3 = a0 + 3 * ld;
        for (; p < pe; p++) {
            const uint32_t *b = bp + (size_t)p * BF16_NP;
            const __m512i b0 = _mm512_loadu_si512(b), b1 = _mm512_loadu_si512(b + 16),
                          b2 = _mm512_loadu_si512(b + 32), b3 = _mm512_loadu_si512(b + 48);
            __m512i x = _mm512_set1_epi32((int)a0[p]);
            DP(c00, x, b0), DP(c01, x, b1), DP(c02, x, b2), DP(c03, x, b3);
            x = _mm512_set1_epi32((int)a1[p]);
            DP(c10, x, b0), DP(c11, x, b1), DP(c12, x, b2), DP(c13, x, b3);
            x = _mm512_set1_epi32((int)a2[p]);
            DP(c20, x, b0), DP(c21, x, b1), DP(c22, x, b2), DP(c23, x, b3);
            x = _mm512_set1_epi32((int)a3[p]);
            DP(c30, x, b0), DP(c31, x, b1), DP(c32, x, b2), DP(c33, x, b3);
        }
    }
    ST(0, 0, c00), ST(0, 1, c01), ST(0, 2, c02), ST(0, 3, c03);
    ST(1, 0, c10), ST(1, 1, c11), ST(1, 2, c12), ST(1, 3, c13);
    ST(2, 0, c20), ST(2, 1, c21), ST(2, 2, c22), ST(2, 3, c23);
    ST(3, 0, c30), ST(3, 1, c31), ST(3, 2, c32), ST(3, 3, c33);
}

BF16_TARGET static inline void panel_1row(int p0, int p1, int first, const uint32_t *Ax, int kx2,
                                          const uint32_t *Ah, const uint32_t *bp,
                                          const __m512 bv[4], const __mmask16 mk[4], float *C,
                                          int ldc) {
    __m512 c00 = LD(0, 0), c01 = LD(0, 1), c02 = LD(0, 2), c03 = LD(0, 3);
    for (int p = p0; p < p1; p++) {
        const uint32_t *b = bp + (size_t)p * BF16_NP;
        const __m512i x = _mm512_set1_epi32((int)(p < kx2 ? Ax[p] : Ah[p - kx2]));
        DP(c00, x, _mm512_loadu_si512(b)), DP(c01, x, _mm512_loadu_si512(b + 16));
        DP(c02, x, _mm512_loadu_si512(b + 32)), DP(c03, x, _mm512_loadu_si512(b + 48));
    }
    ST(0, 0, c00), ST(0, 1, c01), ST(0, 2, c02), ST(0, 3, c03);
}
#undef ST
#undef LD

// K blocks of BF16_KB pairs: one block of a panel (BF16_KB x 256 bytes) stays in L1 while all
// row blocks pass over it.
#define BF16_KB 48

BF16_TARGET static void gemm_avx512(int M, const uint32_t *Ax, int ldx, int kx2,
                                    const uint32_t *Ah, int ldh, const Bf16Mat *B,
                                    const float *bias, float *C, int ldc) {
    for (int j = 0; j < B->npanels; j++) {
        const int n0 = j * BF16_NP, nn = B->N - n0 < BF16_NP ? B->N - n0 : BF16_NP;
        __mmask16 mk[4];
        __m512 bv[4];
        for (int v = 0; v < 4; v++) {
            int rem = nn - 16 * v;
            mk[v] = rem >= 16 ? (__mmask16)0xffff : rem <= 0 ? 0 : (__mmask16)((1u << rem) - 1);
            bv[v] = bias ? _mm512_maskz_loadu_ps(mk[v], bias + n0 + 16 * v) : _mm512_setzero_ps();
        }
        const uint32_t *bp = B->w + (size_t)j * B->kp2 * BF16_NP;
        for (int p0 = 0; p0 < B->kp2; p0 += BF16_KB) {
            const int p1 = B->kp2 - p0 < BF16_KB ? B->kp2 : p0 + BF16_KB, first = p0 == 0;
            int m = 0;
            for (; m + 4 <= M; m += 4)
                panel_4rows(p0, p1, first, Ax + (size_t)m * ldx, ldx, kx2, Ah + (size_t)m * ldh,
                            ldh, bp, bv, mk, C + (size_t)m * ldc + n0, ldc);
            for (; m < M; m++)
                panel_1row(p0, p1, first, Ax + (size_t)m * ldx, kx2, Ah + (size_t)m * ldh, bp, bv,
                           mk, C + (size_t)m * ldc + n0, ldc);
        }
    }
}
#undef DP
#endif

int bf16_simd_available(void) {
#ifdef CALLA_BF16_KERNEL
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512bf16") != 0;
#else
    return 0;
#endif
}

void bf16_gemm2(int M, const uint32_t *Ax, int ldx, int kx2, const uint32_t *Ah, int ldh,
                const Bf16Mat *B, const float *bias, float *C, int ldc, int simd) {
    if (M <= 0) return;
    if (kx2 > B->kp2) kx2 = B->kp2;
    if (kx2 == B->kp2) Ah = Ax, ldh = ldx;  // never read
#ifdef CALLA_BF16_KERNEL
    if (simd) {
        gemm_avx512(M, Ax, ldx, kx2, Ah, ldh, B, bias, C, ldc);
        return;
    }
#else
    (void)simd;
#endif
    gemm_scalar(M, Ax, ldx, kx2, Ah, ldh, B, bias, C, ldc);
}

void bf16_gemm(int M, const uint32_t *A2, int lda2, const Bf16Mat *B, const float *bias, float *C,
               int ldc, int simd) {
    bf16_gemm2(M, A2, lda2, B->kp2, A2, lda2, B, bias, C, ldc, simd);
}
