// test_infer_bf16.c — the bf16 inference kernels (network/infer_bf16.h): rounding to bf16 against
// hand-computed bit patterns, the scalar emulation against a double-precision product of the
// same bf16-rounded operands, and the AVX-512-BF16 kernel against the same bound (the two run the
// same sequence of fp32 operations, so they agree bit for bit where the hardware follows Intel's
// order: the test prints the largest difference in ulps; it is 0 on an AMD Zen 4). The SIMD part
// is skipped with a message on CPUs without the instruction.
#include <stdint.h>
#include <string.h>

#include "common/rng.h"
#include "common/util.h"
#include "network/infer_bf16.h"
#include "testlib.h"

static float urand(Rng *r) { return (float)(2 * rng_uniform(r) - 1); }

// ulps between two floats of the same sign region (0 when equal)
static int64_t ulps(float a, float b) {
    int32_t ia, ib;
    memcpy(&ia, &a, 4), memcpy(&ib, &b, 4);
    if (ia < 0) ia = INT32_MIN - ia;
    if (ib < 0) ib = INT32_MIN - ib;
    return ia > ib ? (int64_t)ia - ib : (int64_t)ib - ia;
}

static void shape(Rng *r, int M, int K, int N, int use_bias, int simd) {
    float *A = xmalloc(sizeof(float) * M * K), *B = xmalloc(sizeof(float) * K * N);
    float *bias = xmalloc(sizeof(float) * N), *C = xmalloc(sizeof(float) * M * N),
          *C2 = xmalloc(sizeof(float) * M * N);
    for (int i = 0; i < M * K; i++) A[i] = urand(r) * 4;
    for (int i = 0; i < K * N; i++) B[i] = urand(r) * 0.25f;
    for (int i = 0; i < N; i++) bias[i] = urand(r);
    Bf16Mat bm;
    T_EQ_INT(bf16mat_pack(&bm, B, K, N, N), 0);
    const int ld2 = bm.kp2 + 3;  // a row stride wider than the row
    uint32_t *A2 = xcalloc((size_t)M * ld2, 4);
    bf16_pack_rows(A2, ld2, A, M, K, K);
    bf16_gemm(M, A2, ld2, &bm, use_bias ? bias : NULL, C, N, 0);
    // emulation against the exact product of the rounded operands (double): the only difference
    // is fp32 rounding of 2*ceil(K/2) accumulations, bounded by K * 2^-24 * sum |a b|
    if (simd) bf16_gemm(M, A2, ld2, &bm, use_bias ? bias : NULL, C2, N, 1);
    double worst = 0, worst2 = 0;
    for (int m = 0; m < M; m++)
        for (int n = 0; n < N; n++) {
            double s = use_bias ? bias[n] : 0, sa = fabs(s);
            for (int k = 0; k < K; k++) {
                double p = (double)bf16_to_f32(bf16_from_f32(A[m * K + k])) *
                           bf16_to_f32(bf16_from_f32(B[k * N + n]));
                s += p, sa += fabs(p);
            }
            double bound = sa * (K + 1) * 0x1p-24;
            double err = fabs(C[m * N + n] - s) / bound, err2 = fabs(C2[m * N + n] - s) / bound;
            if (err > worst) worst = err;
            if (simd && err2 > worst2) worst2 = err2;
        }
    T_CHECK(worst <= 1.0);
    T_CHECK(worst2 <= 1.0);
    if (simd) {
        int64_t wu = 0;
        for (int i = 0; i < M * N; i++) {
            int64_t u = ulps(C2[i], C[i]);
            if (u > wu) wu = u;
        }
        printf("M %d K %d N %d bias %d: SIMD vs emulation, max %lld ulp\n", M, K, N, use_bias,
               (long long)wu);
    }
    bf16mat_free(&bm);
    free(A), free(B), free(bias), free(C), free(C2), free(A2);
}

int main(void) {
    // rounding: ties to even, carries into the exponent, NaN stays NaN, infinities kept
    T_EQ_INT(bf16_from_f32(1.0f), 0x3f80);
    T_EQ_INT(bf16_from_f32(1.0f + 0x1p-8f), 0x3f80);             // tie, even stays
    T_EQ_INT(bf16_from_f32(1.0f + 3 * 0x1p-8f), 0x3f82);         // tie, odd rounds up
    T_EQ_INT(bf16_from_f32(1.0f + 0x1p-8f + 0x1p-20f), 0x3f81);  // above the tie
    T_EQ_INT(bf16_from_f32(-2.0f), 0xc000);
    T_EQ_INT(bf16_from_f32(0x1.ffffffp0f), 0x4000);  // 1.99999988 rounds up into 2
    T_EQ_INT(bf16_from_f32(INFINITY), 0x7f80);
    T_CHECK((bf16_from_f32(NAN) & 0x7f80) == 0x7f80 && (bf16_from_f32(NAN) & 0x7f) != 0);
    T_CHECK(bf16_to_f32(0x3f81) == 1.0078125f);

    const int simd = bf16_simd_available();
    if (!simd) printf("not run: no AVX-512-BF16 CPU here (SIMD kernel compile-checked only)\n");
    Rng r;
    rng_seed(&r, 7);
    const int shapes[][3] = {{32, 146, 512}, {4, 416, 640}, {7, 18, 512}, {1, 5, 3},
                             {13, 257, 100}, {5, 10560, 128}, {3, 1, 17}};
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++)
        shape(&r, shapes[i][0], shapes[i][1], shapes[i][2], (int)(i % 2 == 0), simd);
    T_DONE();
}
