// test_infer_bf16.c — the bf16 inference kernels (network/infer_bf16.h): rounding to bf16 against
// hand-computed bit patterns, the scalar emulation against a double-precision product of the
// same bf16-rounded operands, and the AVX-512-BF16 kernel against the same bound (the two run the
// same sequence of fp32 operations, so they agree bit for bit where the hardware follows Intel's
// order: the test prints the largest difference in ulps; it is 0 on an AMD Zen 4); bf16_gemm2
// (rows split in two buffers) against bf16_gemm, bit for bit; and a bf16 BiLSTM with odd sizes
// against the fp32 layer. The SIMD parts are skipped with a message on CPUs without the
// instruction.
#include <stdint.h>
#include <string.h>

#include "common/rng.h"
#include "common/util.h"
#include "network/infer_bf16.h"
#include "network/lstm.h"
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
    // the same product with each row's pairs split in two buffers (bf16_gemm2): the same bits
    const int kx2 = bm.kp2 / 3;
    uint32_t *Ah = xcalloc((size_t)M * (bm.kp2 - kx2 + 1), 4);
    for (int m = 0; m < M; m++)
        memcpy(Ah + (size_t)m * (bm.kp2 - kx2 + 1), A2 + (size_t)m * ld2 + kx2,
               4 * (bm.kp2 - kx2));
    for (int sm = 0; sm <= simd; sm++) {
        float *Cs = xmalloc(sizeof(float) * M * N);
        bf16_gemm2(M, A2, ld2, kx2, Ah, bm.kp2 - kx2 + 1, &bm, use_bias ? bias : NULL, Cs, N, sm);
        T_CHECK(memcmp(Cs, sm ? C2 : C, sizeof(float) * M * N) == 0);
        free(Cs);
    }
    free(Ah);
    bf16mat_free(&bm);
    free(A), free(B), free(bias), free(C), free(C2), free(A2);
}

// A bidirectional LSTM with odd C_in and H (padding pairs) and a partial chunk: bf16 against the
// fp32 layer (tolerance of bf16 rounding through 9 steps), SIMD against the emulation (bits).
static void lstm_odd(Rng *r, int simd) {
    enum { B = 37, T = 9, C = 5, H = 7, G = 4 * H };
    float *p[2][3], *x = xmalloc(sizeof(float) * B * T * C);
    for (int d = 0; d < 2; d++) {
        p[d][0] = xmalloc(sizeof(float) * C * G), p[d][1] = xmalloc(sizeof(float) * H * G);
        p[d][2] = xmalloc(sizeof(float) * G);
        for (int i = 0; i < C * G; i++) p[d][0][i] = urand(r) * 0.5f;
        for (int i = 0; i < H * G; i++) p[d][1][i] = urand(r) * 0.5f;
        for (int i = 0; i < G; i++) p[d][2][i] = urand(r) * 0.2f;
    }
    for (int i = 0; i < B * T * C; i++) x[i] = urand(r) * 2;
    LstmParams f = {p[0][0], p[0][1], p[0][2]}, b = {p[1][0], p[1][1], p[1][2]};
    float *ref = xmalloc(sizeof(float) * B * T * 2 * H), *out = xmalloc(sizeof(float) * B * T * 2 * H);
    float *c = xmalloc(sizeof(float) * 2 * B * T * H), *g = xmalloc(sizeof(float) * 8 * B * T * H);
    lstm_bi_forward(ref, c, g, x, f, b, B, T, C, H);
    LstmBf16 qf, qb;
    T_EQ_INT(lstm_bf16_pack(&qf, f, C, H), 0);
    T_EQ_INT(lstm_bf16_pack(&qb, b, C, H), 0);
    lstm_bi_forward_bf16(out, c, g, x, &qf, &qb, B, T, 0);
    double w = 0;
    for (int i = 0; i < B * T * 2 * H; i++) w = fmax(w, fabs(out[i] - ref[i]));
    printf("odd LSTM (C_in %d, H %d): bf16 vs fp32 max |dh| %.2e\n", C, H, w);
    T_CHECK(w < 0.03);
    if (simd) {
        float *o2 = xmalloc(sizeof(float) * B * T * 2 * H);
        lstm_bi_forward_bf16(o2, c, g, x, &qf, &qb, B, T, 1);
        T_CHECK(memcmp(o2, out, sizeof(float) * B * T * 2 * H) == 0);
        free(o2);
    }
    lstm_bf16_free(&qf), lstm_bf16_free(&qb);
    for (int d = 0; d < 2; d++) free(p[d][0]), free(p[d][1]), free(p[d][2]);
    free(x), free(ref), free(out), free(c), free(g);
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
    lstm_odd(&r, simd);
    T_DONE();
}
