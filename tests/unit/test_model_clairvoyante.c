// test_model_clairvoyante.c — Clairvoyante v3: parameter count and layout, initialisation,
// probabilities, loss reduction, decoding, and end-to-end gradients (see test_model_common.h).
#include <math.h>
#include <stdlib.h>

#include "test_model_common.h"

int main(void) {
    single_thread();
    Model m;
    T_EQ_INT(model_create(&m, ARCH_CLAIRVOYANTE, 4), 0);
    // clairvoyante.md §3.1: conv 272 + 4,128 + 18,480, fc4 1,548,624, fc5 56,616,
    // heads 1,348 + 338 + 676 + 1,014.
    check_tensor_table(&m, 1631496);
    T_EQ_INT(m.n_out, 16);
    T_EQ_INT(m.n_pos * m.n_chan, 33 * 16);
    T_EQ_INT(m.heads[0].kind, HEAD_SIGMOID);
    model_init_params(&m, 7);
    // He-normal fc4: sd sqrt(2 / 4608) (1.55M draws: the variance estimate is within 0.3%).
    int t = model_find_tensor(&m, "fc4.kernel");
    double var = 0.0, mean = 0.0;
    for (size_t i = 0; i < m.tensors[t].numel; i++) {
        double w = m.params[m.tensors[t].offset + i];
        var += w * w, mean += w;
    }
    var /= m.tensors[t].numel, mean /= m.tensors[t].numel;
    T_NEAR(var, 2.0 / 4608, 0, 0.01);
    T_NEAR(mean, 0.0, 1e-4, 0);
    // conv2: fan-in 2*4*16 = 128.
    t = model_find_tensor(&m, "conv2.kernel");
    T_EQ_INT(m.tensors[t].shape[0] * m.tensors[t].shape[1] * m.tensors[t].shape[2], 128);
    // Glorot-uniform head: |w| <= sqrt(6 / (168 + 6)); biases zero.
    t = model_find_tensor(&m, "indel_length.kernel");
    double lim = sqrt(6.0 / (168 + 6)), mx = 0.0;
    for (size_t i = 0; i < m.tensors[t].numel; i++)
        mx = fmax(mx, fabs(m.params[m.tensors[t].offset + i]));
    T_CHECK(mx <= lim && mx > 0.8 * lim);
    for (int u = 0; u < m.n_tensors; u++)
        if (!m.tensors[u].decay)
            for (size_t i = 0; i < m.tensors[u].numel; i++)
                T_CHECK(m.params[m.tensors[u].offset + i] == 0.0f);

    // Biases are zero at init; give them small values so their gradients are exercised
    // away from the all-zero point.
    Rng r;
    rng_seed(&r, 3);
    for (int u = 0; u < m.n_tensors; u++)
        if (!m.tensors[u].decay)
            for (size_t i = 0; i < m.tensors[u].numel; i++)
                m.params[m.tensors[u].offset + i] = (float)(0.1 * (rng_uniform(&r) - 0.5));
    enum { B = 3, NX = 33 * 16 };
    float x[B * NX];
    // Continuous values: integer counts make ties in the max-pool windows, where the loss is
    // not differentiable and central differences mislead.
    for (int i = 0; i < B * NX; i++) x[i] = (float)(2.0 * rng_uniform(&r) - 1.0);
    // Label vectors (clairvoyante.md §2.2): het SNP A>C, hom deletion of 2, non-variant at G.
    float lab[B * 16] = {0};
    lab[0] = lab[1] = 0.5f, lab[4] = 1, lab[7] = 1, lab[10] = 1;          // het SNP A/C
    lab[16 + 5] = 1, lab[16 + 9] = 1, lab[16 + 12] = 1;                   // hom DEL, length 2
    lab[32 + 2] = 1, lab[32 + 5] = 1, lab[32 + 6] = 1, lab[32 + 10] = 1;  // REF at G
    double L = model_forward(&m, x, lab, B, 0);
    check_probs(&m, B);
    double hs = 0.0;
    for (int h = 0; h < 4; h++) hs += m.head_loss[h];
    T_NEAR(L, hs, 1e-9, 0);
    // Losses from the returned probabilities: SSE + cross-entropies, summed over the batch.
    double ref = 0.0;
    for (int s = 0; s < B; s++)
        for (int c = 0; c < 16; c++) {
            double p = m.out[s * 16 + c], y = lab[s * 16 + c];
            ref += c < 4 ? (p - y) * (p - y) : (y > 0 ? -y * log(p) : 0.0);
        }
    T_NEAR(L, ref, 1e-5, 1e-5);
    // Summed, not averaged: [s0, s0, s0] has three times the loss of s0.
    float x3[B * NX], l3[B * 16];
    for (int s = 0; s < B; s++) {
        memcpy(x3 + s * NX, x, sizeof(float) * NX);
        memcpy(l3 + s * 16, lab, sizeof(float) * 16);
    }
    double L1 = model_forward(&m, x, lab, 1, 0), L3 = model_forward(&m, x3, l3, B, 0);
    T_NEAR(L3, 3 * L1, 1e-6, 1e-5);

    // Decoding labels: het SNP A/C -> variant, code 1*1000 + 0*100 + 10 + 4*0 + 1 = 1011;
    // hom DEL of 2 -> 3*1000 + 1*100 + 2 = 3102; REF -> not a variant, 0.
    int isv, gt;
    model_decode(&m, lab, 1, &isv, &gt);
    T_EQ_INT(isv, 1);
    T_EQ_INT(gt, 1011);
    model_decode(&m, lab + 16, 1, &isv, &gt);
    T_EQ_INT(isv, 1);
    T_EQ_INT(gt, 3102);
    model_decode(&m, lab + 32, 1, &isv, &gt);
    T_EQ_INT(isv, 0);
    T_EQ_INT(gt, 0);
    // A prediction for the het SNP: sigmoid outputs 0.45 (A) and 0.52 (C) are the top two.
    float pr[16] = {0.45f, 0.52f, 0.02f, 0.01f, 0.7f,  0.3f,  0.1f,  0.8f,
                    0.05f, 0.05f, 0.9f,  0.02f, 0.02f, 0.02f, 0.02f, 0.02f};
    model_decode(&m, pr, 0, &isv, &gt);
    T_EQ_INT(isv, 1);
    T_EQ_INT(gt, 1011);
    T_EQ_INT(model_head_target(&m, 2, lab + 16), 3);  // variant type DEL
    T_EQ_INT(model_head_target(&m, 3, lab + 16), 2);  // length 2

    Rng pick;
    rng_seed(&pick, 11);
    // One sample (the het SNP): fewer max-pool windows to switch inside a step (see the
    // common header); summing over the batch is checked above and by the layer tests.
    model_grad_check(&m, x, lab, 1, 0, &pick, "conv");
    model_grad_check(&m, x + NX, lab + 16, 1, 1, &pick, "conv");  // alpha-dropout masks fixed
    // model_backward overwrites and leaves the forward state intact: twice gives the same.
    model_forward(&m, x, lab, B, 0);
    model_backward(&m);
    float g0 = m.grads[0], g1 = m.grads[m.n_params - 1];
    model_backward(&m);
    T_CHECK(m.grads[0] == g0 && m.grads[m.n_params - 1] == g1);
    model_free(&m);
    T_DONE();
}
