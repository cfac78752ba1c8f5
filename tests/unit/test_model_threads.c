// test_model_threads.c — the engine's results for a fixed thread count are reproducible, and
// agree closely across thread counts.
// gemm.h partitions every GEMM statically (contiguous slices of C, one single-threaded sgemm
// each), the LSTM gives each thread whole samples, and no sum is reduced across threads, so two
// runs with the same thread count must be bit-identical (exact resume relies on it). Across
// thread counts they are NOT bit-identical: OpenBLAS's result for an element depends on the
// shape of the call that computes it (rows 0-127 of a 256-row sgemm differ in the last bits from
// a 128-row sgemm of the same rows, measured with OpenBLAS 0.3.21 on Zen), so the check there is
// a tolerance: per tensor, max |g_k - g_1| <= 1e-3 max |g_1| (float rounding through ~10 layers
// at K up to 10560, ~1e-5 expected; a wrong slice or a missing sum gives O(1)).
// Checked for the three models with dropout on (same masks: m->rng restored), at a batch large
// enough that every parallel path runs (the GEMM threshold in gemm.c is 2^20 multiply-adds),
// for 1, 2 and 3 threads (3: uneven slices). Also checks gemm() and gemm_part() with every
// transpose combination against a triple loop in double.
#include <stdlib.h>
#include <string.h>

#include "network/gemm.h"
#include "network/model.h"
#include "testlib.h"

static void run(Model *m, const float *x, const float *lab, int B, Rng rng, int threads,
                double *loss, float *out, float *grads) {
    network_set_threads(threads);
    m->rng = rng;
    *loss = model_forward(m, x, lab, B, 1);
    model_backward(m);
    memcpy(out, m->out, sizeof(float) * B * m->n_out);
    memcpy(grads, m->grads, sizeof(float) * m->n_params);
}

static void check_arch(ModelArch arch) {
    const int B = 40;
    Model m;
    // clair3-fa with 15 read rows (15x33 -> 8x17 -> 4x9 -> 2x5): every layer, a quarter of the
    // 55-row cost
    T_CHECK(model_create_rows(&m, arch, 15, B) == 0);
    model_init_params(&m, 7);
    Rng r;
    rng_seed(&r, 3);
    const int nx = m.n_pos * m.n_chan;
    float *x = malloc(sizeof(float) * B * nx), *lab = calloc((size_t)B * m.n_labels, 4);
    for (int i = 0; i < B * nx; i++) x[i] = (float)(rng_uniform(&r) * 10.0);
    for (int b = 0; b < B; b++) {
        float *l = lab + (size_t)b * m.n_labels;
        if (arch == ARCH_CLAIR3_PILEUP || arch == ARCH_CLAIR3_FA)
            l[0] = (float)rng_below(&r, 21), l[1] = (float)rng_below(&r, 3),
            l[2] = (float)rng_below(&r, 33), l[3] = (float)rng_below(&r, 33);
        else
            l[rng_below(&r, 4)] = 1, l[4 + rng_below(&r, 2)] = 1, l[6 + rng_below(&r, 4)] = 1,
                            l[10 + rng_below(&r, 6)] = 1;
    }
    float *out[3], *gr[3], *again = malloc(sizeof(float) * m.n_params);
    double loss[3], loss2;
    const Rng rng0 = m.rng;
    for (int k = 0; k < 3; k++) {
        out[k] = malloc(sizeof(float) * B * m.n_out), gr[k] = malloc(sizeof(float) * m.n_params);
        run(&m, x, lab, B, rng0, k + 1, &loss[k], out[k], gr[k]);
        // same thread count again: bit-identical
        run(&m, x, lab, B, rng0, k + 1, &loss2, m.out, again);
        T_CHECK(loss2 == loss[k]);
        T_CHECK(memcmp(m.out, out[k], sizeof(float) * B * m.n_out) == 0);
        T_CHECK(memcmp(again, gr[k], sizeof(float) * m.n_params) == 0);
    }
    for (int k = 1; k < 3; k++) {
        T_NEAR(loss[k], loss[0], 0, 1e-5);
        for (int i = 0; i < B * m.n_out; i++) T_NEAR(out[k][i], out[0][i], 1e-5, 0);
        int bad = 0;
        for (int t = 0; t < m.n_tensors; t++) {
            const float *g0 = gr[0] + m.tensors[t].offset, *g = gr[k] + m.tensors[t].offset;
            double mx = 0.0, d = 0.0;
            for (size_t i = 0; i < m.tensors[t].numel; i++) {
                mx = fmax(mx, fabs(g0[i]));
                d = fmax(d, fabs(g[i] - g0[i]));
            }
            if (!(d <= 1e-3 * mx) || mx == 0.0) {
                fprintf(stderr, "%s: %s differs between 1 and %d threads: %g (max |g| %g)\n",
                        model_arch_name(arch), m.tensors[t].name, k + 1, d, mx);
                bad++;
            }
        }
        T_EQ_INT(bad, 0);
    }
    printf("%s: loss %.9g; 1, 2, 3 threads compared (failures reported above)\n",
           model_arch_name(arch), loss[0]);
    free(again);
    for (int k = 0; k < 3; k++) free(out[k]), free(gr[k]);
    free(x), free(lab);
    model_free(&m);
}

static void check_gemm(void) {
    enum { M = 150, N = 70, K = 33 };  // M != N, odd sizes, M*N*K < 2^20: use gemm_part too
    Rng r;
    rng_seed(&r, 5);
    float A[M * K], Bm[K * N], C[M * N], C0[M * N];
    for (int i = 0; i < M * K; i++) A[i] = (float)(rng_uniform(&r) - 0.5);
    for (int i = 0; i < K * N; i++) Bm[i] = (float)(rng_uniform(&r) - 0.5);
    for (int i = 0; i < M * N; i++) C0[i] = (float)(rng_uniform(&r) - 0.5);
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++)
            for (int th = 1; th <= 3; th++) {
                network_set_threads(th);
                memcpy(C, C0, sizeof C);
                // A is [M,K] or, transposed, [K,M]; B is [K,N] or [N,K]: same data, read so
                for (int pass = 0; pass < 2; pass++) {
                    if (pass == 0) {
                        gemm(ta, tb, M, N, K, 0.5f, A, ta ? M : K, Bm, tb ? K : N, 2.0f, C, N);
                    } else {
                        memcpy(C, C0, sizeof C);
#pragma omp parallel
                        gemm_part(ta, tb, M, N, K, 0.5f, A, ta ? M : K, Bm, tb ? K : N, 2.0f, C,
                                  N);
                    }
                    int bad = 0;
                    for (int i = 0; i < M; i++)
                        for (int j = 0; j < N; j++) {
                            double s = 0.0;
                            for (int k = 0; k < K; k++)
                                s += (double)(ta ? A[k * M + i] : A[i * K + k]) *
                                     (tb ? Bm[j * K + k] : Bm[k * N + j]);
                            double want = 0.5 * s + 2.0 * C0[i * N + j];
                            bad += fabs(C[i * N + j] - want) > 1e-5 + 1e-5 * fabs(want);
                        }
                    if (bad)
                        fprintf(stderr, "gemm ta=%d tb=%d threads=%d pass %d: %d wrong\n", ta,
                                tb, th, pass, bad);
                    T_EQ_INT(bad, 0);
                }
            }
    int lo, hi, tot = 0;
    for (int t = 0; t < 3; t++) {  // 100 in blocks of 16: 7 blocks -> 3, 2, 2 blocks
        split_range(100, 16, t, 3, &lo, &hi);
        T_EQ_INT(lo, tot);
        tot = hi;
        if (t < 2) T_EQ_INT(lo % 16, 0);
    }
    T_EQ_INT(tot, 100);
    split_range(100, 16, 0, 3, &lo, &hi);
    T_EQ_INT(hi, 48);
}

int main(void) {
    check_gemm();
    check_arch(ARCH_CLAIR3_PILEUP);
    check_arch(ARCH_CLAIRVOYANTE);
    check_arch(ARCH_CLAIR3_FA);
    T_DONE();
}
