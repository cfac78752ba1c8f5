// test_lstm_infer.c — the Clair3 inference path (model_forward without labels, lstm_infer.c,
// network/infer.h) against the training path's forward (with labels, train = 0), on random
// weights and on the shipped Illumina model:
//   fp32 inference: bit-identical outputs (same GEMM calls, same per-element arithmetic);
//   bf16 AVX-512-BF16 kernel vs its scalar emulation: every output within 1e-6 (0 seen here);
//   bf16 vs fp32: every probability within 0.02, mean |difference| within 5e-4, and the argmax
//   of both heads the same for at least 97% of samples (seen: 0.0027, 4.7e-5, all 70 the same) (the measured changes are in
//   docs/network.md; the call-level effect in docs/benchmarks.md).
// Multi-threaded model: the inference path's chunks run on 2 threads with the same bits (fp32
// and bf16).
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "network/gemm.h"
#include "network/infer.h"
#include "network/infer_bf16.h"
#include "common/blas.h"
#include "common/rng.h"
#include "network/model.h"
#include "testlib.h"
#include "training/modelfile.h"

static int argmax(const float *v, int n) {
    int k = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[k]) k = i;
    return k;
}

// Forward both ways on B samples x; checks as in the header comment.
static void compare(Model *m, const float *x, int B, const char *what) {
    const size_t n = (size_t)B * m->n_out;
    float *ref = malloc(sizeof(float) * n), *got = malloc(sizeof(float) * n);
    float *lab = calloc((size_t)B * m->n_labels, sizeof(float));
    for (int b = 0; b < B; b++) lab[b * 4 + 2] = lab[b * 4 + 3] = 16;
    model_forward(m, x, lab, B, 0);  // training path, evaluation mode
    memcpy(ref, m->out, sizeof(float) * n);
    T_EQ_INT(model_set_infer_precision(m, INFER_FP32, 0), 0);
    model_forward(m, x, NULL, B, 0);
    T_CHECK(memcmp(ref, m->out, sizeof(float) * n) == 0);
    network_set_threads(2);
    model_forward(m, x, NULL, B, 0);
    T_CHECK(memcmp(ref, m->out, sizeof(float) * n) == 0);
    network_set_threads(1);

    T_EQ_INT(model_set_infer_precision(m, INFER_BF16, 0), 0);  // emulation
    model_forward(m, x, NULL, B, 0);
    memcpy(got, m->out, sizeof(float) * n);
    network_set_threads(2);  // chunks and L4 row blocks on 2 threads: the same bits
    model_forward(m, x, NULL, B, 0);
    T_CHECK(memcmp(got, m->out, sizeof(float) * n) == 0);
    network_set_threads(1);
    if (bf16_simd_available()) {
        T_EQ_INT(model_set_infer_precision(m, INFER_BF16, 1), 0);
        model_forward(m, x, NULL, B, 0);
        double w = 0;
        for (size_t i = 0; i < n; i++) w = fmax(w, fabs(m->out[i] - got[i]));
        printf("%s: bf16 AVX-512-BF16 vs emulation: max |diff| %.3g\n", what, w);
        T_CHECK(w <= 1e-6);
    } else {
        printf("%s: bf16 SIMD kernel not run: no AVX-512-BF16 CPU here\n", what);
    }
    double worst = 0, mean = 0;
    int same = 0;
    for (int b = 0; b < B; b++) {
        const float *r = ref + (size_t)b * m->n_out, *g = got + (size_t)b * m->n_out;
        for (int i = 0; i < m->n_out; i++) {
            worst = fmax(worst, fabs(r[i] - g[i]));
            mean += fabs(r[i] - g[i]);
        }
        same += argmax(r, 21) == argmax(g, 21) && argmax(r + 21, 3) == argmax(g + 21, 3);
    }
    mean /= (double)n;
    printf("%s: bf16 vs fp32: max |dp| %.4f, mean |dp| %.2e, same argmax %d/%d\n", what, worst,
           mean, same, B);
    T_CHECK(worst <= 0.02);
    T_CHECK(mean <= 5e-4);
    T_CHECK(same >= 0.97 * B);
    T_EQ_INT(model_set_infer_precision(m, INFER_FP32, 0), 0);
    free(ref), free(got), free(lab);
}

int main(void) {
    network_set_threads(1);
    InferPrecision p;
    T_EQ_INT(infer_precision_parse("bf16", &p), 0);
    T_EQ_INT(p, INFER_BF16);
    T_EQ_INT(infer_precision_parse("auto", &p), 0);
    T_EQ_INT(infer_precision_resolve(p), bf16_simd_available() ? INFER_BF16 : INFER_FP32);
    T_EQ_INT(infer_precision_parse("int4", &p), -1);

    enum { B = 70 };  // three chunks of the LSTM, the last one partial
    Rng r;
    rng_seed(&r, 5);
    float *x = malloc(sizeof(float) * B * 33 * 18);
    for (int i = 0; i < B * 33 * 18; i++) x[i] = (float)rng_below(&r, 30) - 10.0f;

    Model m;
    T_EQ_INT(model_create(&m, ARCH_CLAIR3_PILEUP, B), 0);
    model_init_params(&m, 3);
    compare(&m, x, B, "random weights");
    model_free(&m);

    Model c;  // bf16 is Clair3-only
    T_EQ_INT(model_create(&c, ARCH_CLAIRVOYANTE, 2), 0);
    T_EQ_INT(model_set_infer_precision(&c, INFER_BF16, 0), -1);
    T_EQ_INT(model_set_infer_precision(&c, INFER_FP32, 0), 0);
    model_free(&c);

    const char *path = "models/ilmn.safetensors";
    FILE *f = fopen(path, "rb");
    if (!f) {
        printf("shipped model part skipped: no %s\n", path);
    } else {
        fclose(f);
        T_EQ_INT(modelfile_load(path, &m, B, ARCH_CLAIR3_PILEUP), 0);
        // pileup-like tensors (features_pileup.h: A C G T I I1 D D1 * per strand, the reference
        // base's channel holding minus the strand's depth): depth 30, an alternative allele at the
        // centre of every other sample, sequencing noise elsewhere
        for (int b = 0; b < B; b++)
            for (int t = 0; t < 33; t++) {
                float *v = x + ((size_t)b * 33 + t) * 18;
                memset(v, 0, sizeof(float) * 18);
                int ref = (int)rng_below(&r, 4), alt = (ref + 1 + (int)rng_below(&r, 3)) % 4;
                int na = (t == 16 && b % 2) ? 5 + (int)rng_below(&r, 12) : (int)rng_below(&r, 2);
                v[ref] = -15.0f, v[9 + ref] = -15.0f;
                v[alt] = (float)(na / 2), v[9 + alt] = (float)((na + 1) / 2);
                if (rng_below(&r, 10) == 0) v[4 + 9 * (int)rng_below(&r, 2)] = 1.0f;
            }
        compare(&m, x, B, "shipped ilmn model");
        model_free(&m);
    }
    free(x);
    T_DONE();
}
