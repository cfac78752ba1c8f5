// test_model_clair3.c — Clair3 pileup model: parameter count and layout, initialisation,
// probabilities, loss reduction, decoding, and end-to-end gradients (see test_model_common.h).
#include <math.h>
#include <stdlib.h>

#include "test_model_common.h"

int main(void) {
    single_thread();
    Model m;
    T_EQ_INT(model_create(&m, ARCH_CLAIR3_PILEUP, 4), 0);
    // clair3.md §5.1 (Keras, single LSTM bias): 150,528 + 533,760 + 1,351,808 + 36,120.
    check_tensor_table(&m, 2072216);
    T_EQ_INT(m.n_out, 24);
    T_EQ_INT(m.n_pos * m.n_chan, 33 * 18);
    model_init_params(&m, 42);

    // Orthogonal recurrent kernels: U [H, 4H] has orthonormal rows, U U^T = I.
    int t = model_find_tensor(&m, "lstm2.bwd.recurrent_kernel");
    T_CHECK(t >= 0);
    const float *U = m.params + m.tensors[t].offset;
    int H = m.tensors[t].shape[0], G = m.tensors[t].shape[1];
    T_EQ_INT(H, 160);
    double worst = 0.0;
    for (int i = 0; i < H; i++)
        for (int j = 0; j < H; j++) {
            double d = 0.0;
            for (int k = 0; k < G; k++) d += (double)U[i * G + k] * U[j * G + k];
            worst = fmax(worst, fabs(d - (i == j)));
        }
    T_CHECK(worst < 1e-5);
    // Unit forget bias, zero elsewhere.
    const float *b = m.params + m.tensors[model_find_tensor(&m, "lstm1.fwd.bias")].offset;
    T_CHECK(b[0] == 0.0f && b[127] == 0.0f && b[128] == 1.0f && b[255] == 1.0f && b[256] == 0.0f);
    // Glorot-uniform: |w| <= sqrt(6 / (10560 + 128)), variance lim^2 / 3.
    t = model_find_tensor(&m, "l4.kernel");
    double lim = sqrt(6.0 / (10560 + 128)), mx = 0.0, var = 0.0;
    for (size_t i = 0; i < m.tensors[t].numel; i++) {
        float w = m.params[m.tensors[t].offset + i];
        mx = fmax(mx, fabs(w));
        var += (double)w * w;
    }
    var /= m.tensors[t].numel;
    T_CHECK(mx <= lim);
    T_NEAR(var, lim * lim / 3.0, 0, 0.01);

    // A small batch: counts 0..3, random classes.
    enum { B = 3 };
    Rng r;
    rng_seed(&r, 99);
    float *x = malloc(sizeof(float) * B * 33 * 18), lab[B * 4];
    int16_t feat[33 * 18];
    for (int i = 0; i < 33 * 18; i++) feat[i] = (int16_t)rng_below(&r, 4);
    model_input_from_features(&m, feat, x);
    T_CHECK(x[5] == (float)feat[5] && x[33 * 18 - 1] == (float)feat[33 * 18 - 1]);
    for (int i = 33 * 18; i < B * 33 * 18; i++) x[i] = (float)rng_below(&r, 4);
    for (int s = 0; s < B; s++) {
        lab[s * 4 + 0] = (float)rng_below(&r, 21), lab[s * 4 + 1] = (float)rng_below(&r, 3);
        lab[s * 4 + 2] = lab[s * 4 + 3] = 16;
    }
    double L = model_forward(&m, x, lab, B, 0);
    check_probs(&m, B);
    T_NEAR(L, m.head_loss[0] + m.head_loss[1], 1e-12, 0);
    // Focal loss by definition from the returned probabilities, mean over the batch.
    double ref = 0.0;
    for (int s = 0; s < B; s++)
        for (int h = 0; h < 2; h++) {
            double p = m.out[s * 24 + (h ? 21 : 0) + (int)lab[s * 4 + h]];
            ref += -(1 - p) * (1 - p) * log(p) / B;
        }
    T_NEAR(L, ref, 1e-6, 1e-5);
    // Mean, not sum: the batch [s0, s0, s0] has the loss of s0 alone.
    float x3[B * 33 * 18], l3[B * 4];
    for (int s = 0; s < B; s++) {
        memcpy(x3 + s * 33 * 18, x, sizeof(float) * 33 * 18);
        memcpy(l3 + s * 4, lab, sizeof(float) * 4);
    }
    double L1 = model_forward(&m, x, lab, 1, 0), L3 = model_forward(&m, x3, l3, B, 0);
    T_NEAR(L3, L1, 1e-7, 1e-5);
    // Evaluation is deterministic; training draws dropout masks and changes the output.
    model_forward(&m, x, lab, B, 0);
    float o0 = m.out[0];
    model_forward(&m, x, lab, B, 1);
    T_CHECK(m.out[0] != o0);

    // Decoding: labels [gt21=1 (AC), zyg=2 (het)] -> variant, code 1*3+2 = 5; hom-ref not a
    // variant.
    int isv, gt;
    float l_het[4] = {1, 2, 16, 16}, l_ref[4] = {0, 0, 16, 16};
    model_decode(&m, l_het, 1, &isv, &gt);
    T_EQ_INT(isv, 1);
    T_EQ_INT(gt, 5);
    model_decode(&m, l_ref, 1, &isv, &gt);
    T_EQ_INT(isv, 0);
    T_EQ_INT(gt, 0);
    float pr[24] = {0};
    pr[1] = 0.9f, pr[0] = 0.1f, pr[21 + 2] = 0.6f, pr[21] = 0.3f, pr[22] = 0.1f;
    model_decode(&m, pr, 0, &isv, &gt);
    T_EQ_INT(isv, 1);
    T_EQ_INT(gt, 5);
    T_EQ_INT(model_head_target(&m, 0, l_het), 1);
    T_EQ_INT(model_head_target(&m, 1, l_het), 2);

    // End-to-end gradients, dropout off, then on with fixed masks.
    Rng pick;
    rng_seed(&pick, 5);
    model_grad_check(&m, x, lab, B, 0, &pick, NULL);
    model_grad_check(&m, x, lab, B, 1, &pick, NULL);
    // model_backward overwrites: a second backward gives the same gradients.
    model_forward(&m, x, lab, B, 0);
    model_backward(&m);
    float g0 = m.grads[m.n_params - 1];
    model_backward(&m);
    T_NEAR(m.grads[m.n_params - 1], g0, 0, 0);
    free(x);
    model_free(&m);
    T_DONE();
}
