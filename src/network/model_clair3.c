// model_clair3.c — Clair3 pileup model (clair3.md §5.1, Keras v1 layout with single LSTM bias):
//   x [B,33,18] -> BiLSTM 128 (seq) [B,33,256] -> BiLSTM 160 (seq) [B,33,320] -> dropout 0.2
//   -> flatten [B,10560] -> L4 dense 128, SELU, dropout 0.5
//   -> L5_1 dense 128 SELU dropout 0.2 -> gt21 dense 21, SELU, softmax
//   -> L5_2 dense 128 SELU dropout 0.2 -> zygosity dense 3, SELU, softmax
// Loss: focal (gamma 2) per head, mean over the batch, heads summed (clair3.md §6.2).
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "network/activations.h"
#include "network/dense.h"
#include "network/dropout.h"
#include "network/gemm.h"
#include "network/infer.h"
#include "network/losses.h"
#include "network/lstm.h"
#include "network/model_impl.h"

enum { T_ = 33, C0 = 18, H1 = 128, H2 = 160, F3 = T_ * 2 * H2, F4 = 128, NGT = 21, NZY = 3 };
enum {
    L1F_K,
    L1F_R,
    L1F_B,
    L1B_K,
    L1B_R,
    L1B_B,
    L2F_K,
    L2F_R,
    L2F_B,
    L2B_K,
    L2B_R,
    L2B_B,
    L4_K,
    L4_B,
    L51_K,
    L51_B,
    GT_K,
    GT_B,
    L52_K,
    L52_B,
    ZY_K,
    ZY_B,
    N_TENSORS
};

typedef struct {
    float *x;                      // [B,33,18] copy of the input
    float *o1, *c1, *g1;           // LSTM1 out [B,33,256], cells [2,B,33,128], gates [2,B,33,512]
    float *o2, *c2, *g2;           // LSTM2 out [B,33,320], cells, gates
    float *d3, *m3;                // dropout 0.2 out and mask [B,10560]
    float *h4, *d4, *m4;           // L4 SELU out, dropout out, mask [B,128]
    float *h5[2], *d5[2], *m5[2];  // L5_1 / L5_2
    float *s[2], *p[2], *y[2];     // head SELU logits, softmax probs, one-hot targets
    // backward scratch
    float *dgates, *dscr, *dx1, *dx2, *dd4, *dtmp, *dh5, *dlog;
    int B, labelled;
    // inference precision (network/infer.h): bf16 packs the LSTM and L4 weights
    InferPrecision prec;
    int simd;
    LstmBf16 q[4];  // lstm1 fwd, bwd, lstm2 fwd, bwd
    Bf16Mat l4;
} Clair3Act;

int clair3_create(Model *m) {
    m->n_pos = T_, m->n_chan = C0, m->n_labels = 4, m->n_out = NGT + NZY;
    m->n_heads = 2;
    m->heads[0] = (HeadInfo){"gt21", 0, NGT, HEAD_SOFTMAX};
    m->heads[1] = (HeadInfo){"zygosity", NGT, NZY, HEAD_SOFTMAX};
    const char *dir[2] = {"fwd", "bwd"};
    char nm[64];
    for (int l = 0; l < 2; l++)
        for (int d = 0; d < 2; d++) {
            int cin = l == 0 ? C0 : 2 * H1, h = l == 0 ? H1 : H2;
            snprintf(nm, sizeof nm, "lstm%d.%s.kernel", l + 1, dir[d]);
            model_add_tensor(m, nm, 1, 2, cin, 4 * h, 0, 0);
            snprintf(nm, sizeof nm, "lstm%d.%s.recurrent_kernel", l + 1, dir[d]);
            model_add_tensor(m, nm, 1, 2, h, 4 * h, 0, 0);
            snprintf(nm, sizeof nm, "lstm%d.%s.bias", l + 1, dir[d]);
            model_add_tensor(m, nm, 0, 1, 4 * h, 0, 0, 0);
        }
    model_add_tensor(m, "l4.kernel", 1, 2, F3, F4, 0, 0);
    model_add_tensor(m, "l4.bias", 0, 1, F4, 0, 0, 0);
    model_add_tensor(m, "l5_1.kernel", 1, 2, F4, F4, 0, 0);
    model_add_tensor(m, "l5_1.bias", 0, 1, F4, 0, 0, 0);
    model_add_tensor(m, "gt21.kernel", 1, 2, F4, NGT, 0, 0);
    model_add_tensor(m, "gt21.bias", 0, 1, NGT, 0, 0, 0);
    model_add_tensor(m, "l5_2.kernel", 1, 2, F4, F4, 0, 0);
    model_add_tensor(m, "l5_2.bias", 0, 1, F4, 0, 0, 0);
    model_add_tensor(m, "zygosity.kernel", 1, 2, F4, NZY, 0, 0);
    model_add_tensor(m, "zygosity.bias", 0, 1, NZY, 0, 0, 0);
    if (m->n_tensors != N_TENSORS) calla_die("clair3: tensor table out of sync");

    const size_t B = (size_t)m->batch_max;
    Clair3Act *a = xcalloc(1, sizeof *a);
#define ALLOC(p, n) (p) = xmalloc(sizeof(float) * (n))
    ALLOC(a->x, B * T_ * C0);
    ALLOC(a->o1, B * T_ * 2 * H1), ALLOC(a->c1, 2 * B * T_ * H1), ALLOC(a->g1, 8 * B * T_ * H1);
    ALLOC(a->o2, B * T_ * 2 * H2), ALLOC(a->c2, 2 * B * T_ * H2), ALLOC(a->g2, 8 * B * T_ * H2);
    ALLOC(a->d3, B * F3), ALLOC(a->m3, B * F3);
    ALLOC(a->h4, B * F4), ALLOC(a->d4, B * F4), ALLOC(a->m4, B * F4);
    for (int k = 0; k < 2; k++) {
        int n = k == 0 ? NGT : NZY;
        ALLOC(a->h5[k], B * F4), ALLOC(a->d5[k], B * F4), ALLOC(a->m5[k], B * F4);
        ALLOC(a->s[k], B * n), ALLOC(a->p[k], B * n), ALLOC(a->y[k], B * n);
    }
    ALLOC(a->dgates, B * T_ * 4 * H2), ALLOC(a->dscr, 2 * B * H2);
    ALLOC(a->dx1, B * T_ * 2 * H1), ALLOC(a->dx2, B * F3);
    ALLOC(a->dd4, B * F4), ALLOC(a->dtmp, B * F4), ALLOC(a->dh5, B * F4), ALLOC(a->dlog, B * NGT);
#undef ALLOC
    m->impl = a;
    return 0;
}

void clair3_free(Model *m) {
    Clair3Act *a = m->impl;
    if (!a) return;
    float *bufs[] = {a->x,      a->o1,   a->c1,    a->g1,    a->o2,    a->c2,    a->g2,    a->d3,
                     a->m3,     a->h4,   a->d4,    a->m4,    a->h5[0], a->d5[0], a->m5[0], a->s[0],
                     a->p[0],   a->y[0], a->h5[1], a->d5[1], a->m5[1], a->s[1],  a->p[1],  a->y[1],
                     a->dgates, a->dscr, a->dx1,   a->dx2,   a->dd4,   a->dtmp,  a->dh5,   a->dlog};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) free(bufs[i]);
    clair3_set_infer_precision(m, INFER_FP32, 0);  // frees the bf16 weights
    free(a);
    m->impl = NULL;
}

// Keras defaults: glorot-uniform kernels, orthogonal recurrent kernels, zero biases except the
// forget-gate slice of each LSTM bias (unit_forget_bias=True).
void clair3_init(Model *m, Rng *r) {
    for (int t = 0; t < m->n_tensors; t++) {
        ParamTensor *pt = &m->tensors[t];
        float *w = m->params + pt->offset;
        if (strstr(pt->name, "recurrent_kernel"))
            init_orthogonal(w, pt->shape[0], pt->shape[1], r);
        else if (pt->ndim == 2)
            init_glorot_uniform(w, pt->numel, pt->shape[0], pt->shape[1], r);
        else if (strncmp(pt->name, "lstm", 4) == 0) {
            int h = pt->shape[0] / 4;
            for (int j = h; j < 2 * h; j++) w[j] = 1.0f;
        }
    }
}

static LstmParams lp(Model *m, int k) {
    return (LstmParams){model_param(m, k), model_param(m, k + 1), model_param(m, k + 2)};
}
static LstmGrads lg(Model *m, int k) {
    return (LstmGrads){model_grad(m, k), model_grad(m, k + 1), model_grad(m, k + 2)};
}

int clair3_set_infer_precision(Model *m, InferPrecision p, int simd) {
    Clair3Act *a = m->impl;
    for (int k = 0; k < 4; k++) lstm_bf16_free(&a->q[k]);
    bf16mat_free(&a->l4);
    a->prec = INFER_FP32, a->simd = 0;
    if (p == INFER_FP32) return 0;
    if (p != INFER_BF16) return -1;
    const int first[4] = {L1F_K, L1B_K, L2F_K, L2B_K};
    for (int k = 0; k < 4; k++)
        if (lstm_bf16_pack(&a->q[k], lp(m, first[k]), k < 2 ? C0 : 2 * H1, k < 2 ? H1 : H2) < 0)
            return -1;
    if (bf16mat_pack(&a->l4, model_param(m, L4_K), F3, F4, F4) < 0) return -1;
    a->prec = INFER_BF16, a->simd = simd;
    return 0;
}

// The two heads on in4 (L4's output after SELU and dropout; dropout rate r5 on their inputs).
static double heads_forward(Model *m, Clair3Act *a, const float *in4, const float *labels, int B,
                            float r5, uint64_t seed);

// Inference (no labels, no dropout): the LSTMs without saved activations (lstm_infer.c), L4 on
// the LSTM output directly (dropout at rate 0 is the identity); in bf16, the LSTMs and L4 take
// bf16 products (L4's input rows rounded into d3, free here), the small heads stay fp32.
static void clair3_infer(Model *m, Clair3Act *a, const float *x, int B) {
    if (a->prec == INFER_BF16) {
        lstm_bi_forward_bf16(a->o1, a->c1, a->g1, x, &a->q[0], &a->q[1], B, T_, a->simd);
        lstm_bi_forward_bf16(a->o2, a->c2, a->g2, a->o1, &a->q[2], &a->q[3], B, T_, a->simd);
        uint32_t *x4 = (uint32_t *)a->d3;  // [B, F3 / 2] pairs
        const int nblk = (B + 15) / 16;
#pragma omp parallel for schedule(dynamic, 1) if (nblk > 1 && net_parallel_ok())
        for (int k = 0; k < nblk; k++) {
            const int r0 = 16 * k, nr = B - r0 < 16 ? B - r0 : 16;
            bf16_pack_rows(x4 + (size_t)r0 * (F3 / 2), F3 / 2, a->o2 + (size_t)r0 * F3, nr, F3,
                           F3);
            bf16_gemm(nr, x4 + (size_t)r0 * (F3 / 2), F3 / 2, &a->l4, model_param(m, L4_B),
                      a->h4 + (size_t)r0 * F4, F4, a->simd);
        }
    } else {
        lstm_bi_forward_infer(a->o1, a->c1, a->g1, x, lp(m, L1F_K), lp(m, L1B_K), B, T_, C0, H1);
        lstm_bi_forward_infer(a->o2, a->c2, a->g2, a->o1, lp(m, L2F_K), lp(m, L2B_K), B, T_,
                              2 * H1, H2);
        dense_forward(a->h4, a->o2, model_param(m, L4_K), model_param(m, L4_B), B, F3, F4);
    }
    selu_forward(a->h4, a->h4, (size_t)B * F4);
}

double clair3_forward(Model *m, const float *x, const float *labels, int B, int train) {
    Clair3Act *a = m->impl;
    const float r3 = train ? 0.2f : 0.0f, r4 = train ? 0.5f : 0.0f, r5 = train ? 0.2f : 0.0f;
    a->B = B;
    a->labelled = labels != NULL;
    const uint64_t seed = train ? rng_u64(&m->rng) : 0;  // this step's dropout streams
    if (!labels && !train) {
        clair3_infer(m, a, x, B);
        return heads_forward(m, a, a->h4, NULL, B, 0.0f, 0);
    }
    memcpy(a->x, x, sizeof(float) * B * T_ * C0);
    lstm_bi_forward(a->o1, a->c1, a->g1, a->x, lp(m, L1F_K), lp(m, L1B_K), B, T_, C0, H1);
    lstm_bi_forward(a->o2, a->c2, a->g2, a->o1, lp(m, L2F_K), lp(m, L2B_K), B, T_, 2 * H1, H2);
    dropout_forward(a->d3, a->m3, a->o2, B, F3, r3, seed, 0, m->row0);
    dense_forward(a->h4, a->d3, model_param(m, L4_K), model_param(m, L4_B), B, F3, F4);
    selu_forward(a->h4, a->h4, (size_t)B * F4);
    dropout_forward(a->d4, a->m4, a->h4, B, F4, r4, seed, 1, m->row0);
    return heads_forward(m, a, a->d4, labels, B, r5, seed);
}

static double heads_forward(Model *m, Clair3Act *a, const float *in4, const float *labels, int B,
                            float r5, uint64_t seed) {
    double total = 0.0;
    for (int k = 0; k < 2; k++) {
        const int n = k == 0 ? NGT : NZY, wk = k == 0 ? L51_K : L52_K, hk = k == 0 ? GT_K : ZY_K;
        dense_forward(a->h5[k], in4, model_param(m, wk), model_param(m, wk + 1), B, F4, F4);
        selu_forward(a->h5[k], a->h5[k], (size_t)B * F4);
        dropout_forward(a->d5[k], a->m5[k], a->h5[k], B, F4, r5, seed, 2 + k, m->row0);
        dense_forward(a->s[k], a->d5[k], model_param(m, hk), model_param(m, hk + 1), B, F4, n);
        selu_forward(a->s[k], a->s[k], (size_t)B * n);
        softmax_forward(a->p[k], a->s[k], B, n);
        for (int b = 0; b < B; b++)
            memcpy(m->out + (size_t)b * m->n_out + m->heads[k].offset, a->p[k] + (size_t)b * n,
                   sizeof(float) * n);
        m->head_loss[k] = 0.0;
        if (labels) {
            memset(a->y[k], 0, sizeof(float) * B * n);
            for (int b = 0; b < B; b++) {
                int c = (int)labels[(size_t)b * m->n_labels + k];
                if (c < 0 || c >= n)
                    calla_die("clair3: label %d of sample %d is %d, outside [0, %d)", k, b, c, n);
                a->y[k][(size_t)b * n + c] = 1.0f;
            }
            m->head_loss[k] = focal_loss_forward(a->p[k], a->y[k], B, n, 2.0) / B;
            total += m->head_loss[k];
        }
    }
    return total;
}

void clair3_backward(Model *m) {
    Clair3Act *a = m->impl;
    const int B = a->B;
    if (!a->labelled) calla_die("clair3: backward after a forward without labels");
    for (int k = 0; k < 2; k++) {
        const int n = k == 0 ? NGT : NZY, wk = k == 0 ? L51_K : L52_K, hk = k == 0 ? GT_K : ZY_K;
        focal_loss_backward(a->dlog, a->p[k], a->y[k], B, n, 2.0, 1.0 / B);
        selu_backward(a->dlog, a->dlog, a->s[k], (size_t)B * n);
        dense_backward(a->dh5, model_grad(m, hk), model_grad(m, hk + 1), a->dlog, a->d5[k],
                       model_param(m, hk), B, F4, n);
        model_grads_final(m, hk, hk + 1);
        dropout_backward(a->dh5, a->dh5, a->m5[k], (size_t)B * F4);
        selu_backward(a->dh5, a->dh5, a->h5[k], (size_t)B * F4);
        dense_backward(k == 0 ? a->dd4 : a->dtmp, model_grad(m, wk), model_grad(m, wk + 1), a->dh5,
                       a->d4, model_param(m, wk), B, F4, F4);
        model_grads_final(m, wk, wk + 1);
    }
    for (size_t i = 0; i < (size_t)B * F4; i++) a->dd4[i] += a->dtmp[i];
    dropout_backward(a->dd4, a->dd4, a->m4, (size_t)B * F4);
    selu_backward(a->dd4, a->dd4, a->h4, (size_t)B * F4);
    dense_backward(a->dx2, model_grad(m, L4_K), model_grad(m, L4_B), a->dd4, a->d3,
                   model_param(m, L4_K), B, F3, F4);
    model_grads_final(m, L4_K, L4_B);
    dropout_backward(a->dx2, a->dx2, a->m3, (size_t)B * F3);
    lstm_bi_backward(a->dx1, lg(m, L2F_K), lg(m, L2B_K), a->dgates, a->dscr, a->dx2, a->o2, a->c2,
                     a->g2, a->o1, lp(m, L2F_K), lp(m, L2B_K), B, T_, 2 * H1, H2);
    model_grads_final(m, L2F_K, L2B_B);
    lstm_bi_backward(NULL, lg(m, L1F_K), lg(m, L1B_K), a->dgates, a->dscr, a->dx1, a->o1, a->c1,
                     a->g1, a->x, lp(m, L1F_K), lp(m, L1B_K), B, T_, C0, H1);
    model_grads_final(m, L1F_K, L1B_B);
}
