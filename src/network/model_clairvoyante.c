// model_clairvoyante.c — Clairvoyante v3 (clairvoyante.md §3.1, §2.3):
//   x [B,33,4,4] NHWC -> conv1 (1,4)x16 SELU -> pool (5,1) -> conv2 (2,4)x32 SELU -> pool (4,1)
//   -> conv3 (3,4)x48 SELU -> pool (3,1) -> flatten [B,4608] -> fc4 336 SELU alpha-dropout 0.5
//   -> fc5 168 SELU alpha-dropout 0.0
//   heads: base change (4, from fc4 after dropout): dense, sigmoid, sum of squared errors;
//          zygosity (2), variant type (4), indel length (6) (from fc5 after dropout):
//          dense, SELU, +1e-10, softmax, cross-entropy. All losses summed over the batch.
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "network/activations.h"
#include "network/conv2d.h"
#include "network/dense.h"
#include "network/dropout.h"
#include "network/losses.h"
#include "network/model_impl.h"
#include "network/pool.h"

enum { NP = 33, NB = 4, NC = 4, F4 = 336, F5 = 168, NFLAT = 24 * 4 * 48 };
// conv layers: kernel rows, filters, pool rows; input heights 33 -> 29 -> 26 -> 24
static const int KH[3] = {1, 2, 3}, CO[3] = {16, 32, 48}, PH[3] = {5, 4, 3}, HIN[3] = {33, 29, 26};
static const int CIN[3] = {4, 16, 32};
enum {
    C1_K,
    C1_B,
    C2_K,
    C2_B,
    C3_K,
    C3_B,
    FC4_K,
    FC4_B,
    FC5_K,
    FC5_B,
    BC_K,
    BC_B,
    ZY_K,
    ZY_B,
    TY_K,
    TY_B,
    LN_K,
    LN_B,
    N_TENSORS
};
enum { H_BC, H_ZY, H_TY, H_LN };
static const int HSIZE[4] = {4, 2, 4, 6}, HOFF[4] = {0, 4, 6, 10};

typedef struct {
    float *x;                 // [B,33,4,4]
    float *cols[3], *act[3];  // im2col, conv SELU output [B,H,4,C]
    float *pool[3];           // pooled [B,H-P+1,4,C]
    int *arg[3];
    float *h4, *d4, *m4, *h5, *d5, *m5;
    float *s[4], *p[4], *y[4];  // head logits (SELU out / sigmoid in), probabilities, targets
    float *dd4, *dd5, *dtmp, *dlog, *dpool[3], *dact[3], *dcols;  // dcols: largest im2col
    int B, labelled;
} ClvAct;

int clv_create(Model *m) {
    m->n_pos = NP, m->n_chan = NB * NC, m->n_labels = 16, m->n_out = 16;
    m->n_heads = 4;
    m->heads[0] = (HeadInfo){"base_change", 0, 4, HEAD_SIGMOID};
    m->heads[1] = (HeadInfo){"zygosity", 4, 2, HEAD_SOFTMAX};
    m->heads[2] = (HeadInfo){"variant_type", 6, 4, HEAD_SOFTMAX};
    m->heads[3] = (HeadInfo){"indel_length", 10, 6, HEAD_SOFTMAX};
    char nm[64];
    for (int l = 0; l < 3; l++) {
        snprintf(nm, sizeof nm, "conv%d.kernel", l + 1);
        model_add_tensor(m, nm, 1, 4, KH[l], NB, CIN[l], CO[l]);
        snprintf(nm, sizeof nm, "conv%d.bias", l + 1);
        model_add_tensor(m, nm, 0, 1, CO[l], 0, 0, 0);
    }
    model_add_tensor(m, "fc4.kernel", 1, 2, NFLAT, F4, 0, 0);
    model_add_tensor(m, "fc4.bias", 0, 1, F4, 0, 0, 0);
    model_add_tensor(m, "fc5.kernel", 1, 2, F4, F5, 0, 0);
    model_add_tensor(m, "fc5.bias", 0, 1, F5, 0, 0, 0);
    for (int h = 0; h < 4; h++) {
        snprintf(nm, sizeof nm, "%s.kernel", m->heads[h].name);
        model_add_tensor(m, nm, 1, 2, h == H_BC ? F4 : F5, HSIZE[h], 0, 0);
        snprintf(nm, sizeof nm, "%s.bias", m->heads[h].name);
        model_add_tensor(m, nm, 0, 1, HSIZE[h], 0, 0, 0);
    }
    if (m->n_tensors != N_TENSORS) calla_die("clairvoyante: tensor table out of sync");

    const size_t B = (size_t)m->batch_max;
    ClvAct *a = xcalloc(1, sizeof *a);
#define ALLOC(p, n) (p) = xmalloc(sizeof(float) * (n))
    ALLOC(a->x, B * NP * NB * NC);
    for (int l = 0; l < 3; l++) {
        size_t pix = B * HIN[l] * NB, hout = HIN[l] - PH[l] + 1;
        ALLOC(a->cols[l], pix * KH[l] * NB * CIN[l]);
        ALLOC(a->act[l], pix * CO[l]), ALLOC(a->dact[l], pix * CO[l]);
        ALLOC(a->pool[l], B * hout * NB * CO[l]), ALLOC(a->dpool[l], B * hout * NB * CO[l]);
        a->arg[l] = xmalloc(sizeof(int) * B * hout * NB * CO[l]);
    }
    ALLOC(a->h4, B * F4), ALLOC(a->d4, B * F4), ALLOC(a->m4, B * F4);
    ALLOC(a->h5, B * F5), ALLOC(a->d5, B * F5), ALLOC(a->m5, B * F5);
    for (int h = 0; h < 4; h++)
        ALLOC(a->s[h], B * HSIZE[h]), ALLOC(a->p[h], B * HSIZE[h]), ALLOC(a->y[h], B * HSIZE[h]);
    ALLOC(a->dd4, B * F4), ALLOC(a->dd5, B * F5), ALLOC(a->dtmp, B * F4), ALLOC(a->dlog, B * 6);
    ALLOC(a->dcols, B * HIN[2] * NB * KH[2] * NB * CIN[2]);  // conv3's, the largest
#undef ALLOC
    m->impl = a;
    return 0;
}

void clv_free(Model *m) {
    ClvAct *a = m->impl;
    if (!a) return;
    for (int l = 0; l < 3; l++) {
        free(a->cols[l]), free(a->act[l]), free(a->dact[l]), free(a->pool[l]);
        free(a->dpool[l]), free(a->arg[l]);
    }
    for (int h = 0; h < 4; h++) free(a->s[h]), free(a->p[h]), free(a->y[h]);
    float *bufs[] = {a->x,  a->h4,  a->d4,  a->m4,   a->h5,   a->d5,
                     a->m5, a->dd4, a->dd5, a->dtmp, a->dlog, a->dcols};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) free(bufs[i]);
    free(a);
    m->impl = NULL;
}

// clairvoyante.md §3.2: He-normal (fan-in, not truncated) for conv1-3, fc4, fc5; Glorot uniform
// for the four heads; zero biases.
void clv_init(Model *m, Rng *r) {
    for (int t = 0; t < m->n_tensors; t++) {
        ParamTensor *pt = &m->tensors[t];
        float *w = m->params + pt->offset;
        if (!pt->decay) continue;
        if (pt->ndim == 4)
            init_he_normal(w, pt->numel, pt->shape[0] * pt->shape[1] * pt->shape[2], r);
        else if (t == FC4_K || t == FC5_K)
            init_he_normal(w, pt->numel, pt->shape[0], r);
        else
            init_glorot_uniform(w, pt->numel, pt->shape[0], pt->shape[1], r);
    }
}

double clv_forward(Model *m, const float *x, const float *labels, int B, int train) {
    ClvAct *a = m->impl;
    a->B = B;
    a->labelled = labels != NULL;
    const uint64_t seed = train ? rng_u64(&m->rng) : 0;  // this step's dropout streams
    memcpy(a->x, x, sizeof(float) * B * NP * NB * NC);
    const float *in = a->x;
    for (int l = 0; l < 3; l++) {
        size_t n = (size_t)B * HIN[l] * NB * CO[l];
        conv2d_forward(a->act[l], a->cols[l], in, model_param(m, C1_K + 2 * l),
                       model_param(m, C1_B + 2 * l), B, HIN[l], NB, CIN[l], CO[l], KH[l], NB);
        selu_forward(a->act[l], a->act[l], n);
        maxpool_forward(a->pool[l], a->arg[l], a->act[l], B, HIN[l], NB, CO[l], PH[l], 1, 1, 1);
        in = a->pool[l];
    }
    dense_forward(a->h4, in, model_param(m, FC4_K), model_param(m, FC4_B), B, NFLAT, F4);
    selu_forward(a->h4, a->h4, (size_t)B * F4);
    alpha_dropout_forward(a->d4, a->m4, a->h4, B, F4, train ? 0.5f : 0.0f, seed, 0, m->row0);
    dense_forward(a->h5, a->d4, model_param(m, FC5_K), model_param(m, FC5_B), B, F4, F5);
    selu_forward(a->h5, a->h5, (size_t)B * F5);
    alpha_dropout_forward(a->d5, a->m5, a->h5, B, F5, 0.0f, seed, 1, m->row0);  // rate 0.0
    double total = 0.0;
    for (int h = 0; h < 4; h++) {
        const int n = HSIZE[h];
        dense_forward(a->s[h], h == H_BC ? a->d4 : a->d5, model_param(m, BC_K + 2 * h),
                      model_param(m, BC_B + 2 * h), B, h == H_BC ? F4 : F5, n);
        if (h == H_BC) {
            sigmoid_forward(a->p[h], a->s[h], (size_t)B * n);
        } else {
            selu_forward(a->s[h], a->s[h], (size_t)B * n);
            // The spec's "+1e-10" before the softmax (§2.3) is left out: softmax and
            // log-softmax are invariant to adding a constant to every logit.
            softmax_forward(a->p[h], a->s[h], B, n);
        }
        for (int b = 0; b < B; b++)
            memcpy(m->out + (size_t)b * m->n_out + HOFF[h], a->p[h] + (size_t)b * n,
                   sizeof(float) * n);
        m->head_loss[h] = 0.0;
        if (labels) {
            for (int b = 0; b < B; b++)
                memcpy(a->y[h] + (size_t)b * n, labels + (size_t)b * m->n_labels + HOFF[h],
                       sizeof(float) * n);
            m->head_loss[h] = h == H_BC ? sigmoid_sse_forward(a->p[h], a->y[h], B, n)
                                        : softmax_xent_forward(a->s[h], a->y[h], B, n);
            total += m->head_loss[h];
        }
    }
    return total;
}

void clv_backward(Model *m) {
    ClvAct *a = m->impl;
    const int B = a->B;
    if (!a->labelled) calla_die("clairvoyante: backward after a forward without labels");
    for (int h = 0; h < 4; h++) {
        const int n = HSIZE[h], cin = h == H_BC ? F4 : F5;
        if (h == H_BC) {
            sigmoid_sse_backward(a->dlog, a->p[h], a->y[h], B, n, 1.0);
        } else {
            softmax_xent_backward(a->dlog, a->p[h], a->y[h], B, n, 1.0);
            selu_backward(a->dlog, a->dlog, a->s[h], (size_t)B * n);
        }
        float *din = h == H_BC ? a->dd4 : (h == H_ZY ? a->dd5 : a->dtmp);
        dense_backward(din, model_grad(m, BC_K + 2 * h), model_grad(m, BC_B + 2 * h), a->dlog,
                       h == H_BC ? a->d4 : a->d5, model_param(m, BC_K + 2 * h), B, cin, n);
        model_grads_final(m, BC_K + 2 * h, BC_B + 2 * h);
        if (h > H_ZY)
            for (size_t i = 0; i < (size_t)B * F5; i++) a->dd5[i] += a->dtmp[i];
    }
    dropout_backward(a->dd5, a->dd5, a->m5, (size_t)B * F5);
    selu_backward(a->dd5, a->dd5, a->h5, (size_t)B * F5);
    dense_backward(a->dtmp, model_grad(m, FC5_K), model_grad(m, FC5_B), a->dd5, a->d4,
                   model_param(m, FC5_K), B, F4, F5);
    model_grads_final(m, FC5_K, FC5_B);
    for (size_t i = 0; i < (size_t)B * F4; i++) a->dd4[i] += a->dtmp[i];
    dropout_backward(a->dd4, a->dd4, a->m4, (size_t)B * F4);
    selu_backward(a->dd4, a->dd4, a->h4, (size_t)B * F4);
    dense_backward(a->dpool[2], model_grad(m, FC4_K), model_grad(m, FC4_B), a->dd4, a->pool[2],
                   model_param(m, FC4_K), B, NFLAT, F4);
    model_grads_final(m, FC4_K, FC4_B);
    for (int l = 2; l >= 0; l--) {
        size_t n = (size_t)B * HIN[l] * NB * CO[l];
        maxpool_backward(a->dact[l], a->dpool[l], a->arg[l], B, HIN[l], NB, CO[l], PH[l], 1, 1, 1);
        selu_backward(a->dact[l], a->dact[l], a->act[l], n);
        conv2d_backward(l > 0 ? a->dpool[l - 1] : NULL, model_grad(m, C1_K + 2 * l),
                        model_grad(m, C1_B + 2 * l), a->dcols, a->dact[l], a->cols[l],
                        model_param(m, C1_K + 2 * l), B, HIN[l], NB, CIN[l], CO[l], KH[l], NB);
        model_grads_final(m, C1_K + 2 * l, C1_B + 2 * l);
    }
}
