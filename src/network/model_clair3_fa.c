// model_clair3_fa.c — Clair3 full-alignment model Clair3_F (clair3.md §5.2), channels-last:
//   x [B, 33, rows, 8] (position-major, tensorfile.h; /100 done by model_input_from_features)
//   -> transposed to [B, rows, 33, 8] (NHWC: H = read rows, W = positions, C = channels)
//   -> conv1 3x3 s2 8->64 + BN + ReLU -> res1 BasicBlock(64)
//   -> conv3 3x3 s2 64->128 + BN + ReLU -> res2 BasicBlock(128)
//   -> conv5 3x3 s2 128->256 + BN + ReLU -> res3 BasicBlock(256)
//   -> spatial pyramid max pooling 3x3, 2x2, 1x1 [B, 3584] -> dropout 0.2
//   -> L4 dense 256, SELU, dropout 0.5
//   -> per head k (gt21 21, zygosity 3, indel_length1 33, indel_length2 33):
//      L5_k dense 128 SELU dropout 0.2 -> dense n, SELU, softmax
// Loss: focal (gamma 2) per head, mean over the batch, the four heads summed (clair3.md §6.2).
// Convolutions: conv3x3.h (symmetric padding 1); BN: batchnorm.h (eps 1e-3, momentum 0.99,
// running statistics in m->state); SPP: spp.h. Decisions in docs/network.md.
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "network/activations.h"
#include "network/batchnorm.h"
#include "network/conv3x3.h"
#include "network/dense.h"
#include "network/dropout.h"
#include "network/losses.h"
#include "network/model_impl.h"
#include "network/resblock.h"
#include "network/spp.h"

enum { NCH = TF_FA_CHAN_PER_ROW, NPOS = 33, NSTAGE = 6, F3 = SPP_CELLS * 256, F4 = 256, F5 = 128 };
static const int HEAD_N[4] = {21, 3, 33, 33};
static const char *const HEAD_NAME[4] = {"gt21", "zygosity", "indel_length1", "indel_length2"};
static const int STAGE_C[NSTAGE] = {64, 64, 128, 128, 256, 256};  // output channels
static const char *const STAGE_NAME[NSTAGE] = {"conv1", "res1", "conv3", "res2", "conv5", "res3"};

typedef struct {
    int H[NSTAGE + 1], W[NSTAGE + 1];  // [0]: the input; [s + 1]: stage s's output
    int t0[NSTAGE], t1[NSTAGE];        // first / last tensor index of each stage
    int st0[NSTAGE];                   // first state tensor index of each stage
    int l4, l5[4], hd[4];              // tensor indices (kernel; bias follows)
    float *x;                          // [B, rows, 33, 8]
    float *a[NSTAGE], *y[NSTAGE];      // conv stages: pre-BN, post-ReLU
    float *mean[NSTAGE], *invstd[NSTAGE];
    ResAct ra[NSTAGE];  // res stages
    float *spp, *d3, *m3;
    int *amax;
    float *h4, *d4, *m4;
    float *h5[4], *d5[4], *m5[4], *s[4], *p[4], *yt[4];
    // backward scratch
    float *g0, *g1, *u, *v, *cols, *dspp, *dd4, *dtmp, *dh5, *dlog;
    int B, labelled, train;
} FaAct;

static int is_res(int s) { return s & 1; }
static int stage_cin(int s) { return s == 0 ? NCH : STAGE_C[s - 1]; }

int clair3_fa_create(Model *m) {
    const int rows = m->fa_rows;
    m->n_pos = NPOS, m->n_chan = rows * NCH, m->n_labels = TF_CLAIR3_NLABELS;
    m->n_heads = 4;
    m->n_out = 0;
    for (int k = 0; k < 4; k++) {
        m->heads[k] = (HeadInfo){HEAD_NAME[k], m->n_out, HEAD_N[k], HEAD_SOFTMAX};
        m->n_out += HEAD_N[k];
    }
    FaAct *a = xcalloc(1, sizeof *a);
    a->H[0] = rows, a->W[0] = NPOS;
    char nm[64];
    for (int s = 0; s < NSTAGE; s++) {
        const int st = is_res(s) ? 1 : 2, C = STAGE_C[s], Ci = stage_cin(s);
        a->H[s + 1] = conv3_out(a->H[s], st), a->W[s + 1] = conv3_out(a->W[s], st);
        a->t0[s] = m->n_tensors;
        a->st0[s] = m->n_state_tensors;
        const char *conv[2] = {"conv1", "conv2"}, *bn[2] = {"bn1", "bn2"};
        for (int j = 0; j < (is_res(s) ? 2 : 1); j++) {
            const char *pre = STAGE_NAME[s];
            char cv[40], b[40];
            if (is_res(s)) {
                snprintf(cv, sizeof cv, "%s.%s", pre, conv[j]);
                snprintf(b, sizeof b, "%s.%s", pre, bn[j]);
            } else {
                snprintf(cv, sizeof cv, "%s", pre);
                snprintf(b, sizeof b, "%s.bn", pre);
            }
            snprintf(nm, sizeof nm, "%s.kernel", cv);
            model_add_tensor(m, nm, 1, 4, 3, 3, j == 0 ? Ci : C, C);
            snprintf(nm, sizeof nm, "%s.bias", cv);
            model_add_tensor(m, nm, 0, 1, C, 0, 0, 0);
            snprintf(nm, sizeof nm, "%s.gamma", b);
            model_add_tensor(m, nm, 0, 1, C, 0, 0, 0);
            snprintf(nm, sizeof nm, "%s.beta", b);
            model_add_tensor(m, nm, 0, 1, C, 0, 0, 0);
            snprintf(nm, sizeof nm, "%s.moving_mean", b);
            model_add_state_tensor(m, nm, C);
            snprintf(nm, sizeof nm, "%s.moving_variance", b);
            model_add_state_tensor(m, nm, C);
        }
        a->t1[s] = m->n_tensors - 1;
    }
    a->l4 = m->n_tensors;
    model_add_tensor(m, "l4.kernel", 1, 2, F3, F4, 0, 0);
    model_add_tensor(m, "l4.bias", 0, 1, F4, 0, 0, 0);
    for (int k = 0; k < 4; k++) {
        a->l5[k] = m->n_tensors;
        snprintf(nm, sizeof nm, "l5_%d.kernel", k + 1);
        model_add_tensor(m, nm, 1, 2, F4, F5, 0, 0);
        snprintf(nm, sizeof nm, "l5_%d.bias", k + 1);
        model_add_tensor(m, nm, 0, 1, F5, 0, 0, 0);
        a->hd[k] = m->n_tensors;
        snprintf(nm, sizeof nm, "%s.kernel", HEAD_NAME[k]);
        model_add_tensor(m, nm, 1, 2, F5, HEAD_N[k], 0, 0);
        snprintf(nm, sizeof nm, "%s.bias", HEAD_NAME[k]);
        model_add_tensor(m, nm, 0, 1, HEAD_N[k], 0, 0, 0);
    }

    const size_t B = (size_t)m->batch_max;
    size_t gmax = 0, cmax = 0;
#define ALLOC(p, n) (p) = xmalloc(sizeof(float) * (n))
    ALLOC(a->x, B * rows * NPOS * NCH);
    for (int s = 0; s < NSTAGE; s++) {
        const int C = STAGE_C[s];
        const size_t n = B * a->H[s + 1] * a->W[s + 1] * C;
        if (n > gmax) gmax = n;
        size_t c = conv3_cols_floats((int)B, a->H[s], a->W[s], stage_cin(s), is_res(s) ? 1 : 2);
        if (c > cmax) cmax = c;
        if (is_res(s)) {
            ResAct *r = &a->ra[s];
            ALLOC(r->a1, n), ALLOC(r->r1, n), ALLOC(r->a2, n), ALLOC(r->y, n);
            ALLOC(r->mean1, C), ALLOC(r->invstd1, C), ALLOC(r->mean2, C), ALLOC(r->invstd2, C);
        } else {
            ALLOC(a->a[s], n), ALLOC(a->y[s], n), ALLOC(a->mean[s], C), ALLOC(a->invstd[s], C);
        }
    }
    ALLOC(a->spp, B * F3), ALLOC(a->d3, B * F3), ALLOC(a->m3, B * F3);
    a->amax = xmalloc(sizeof(int) * B * F3);
    ALLOC(a->h4, B * F4), ALLOC(a->d4, B * F4), ALLOC(a->m4, B * F4);
    for (int k = 0; k < 4; k++) {
        ALLOC(a->h5[k], B * F5), ALLOC(a->d5[k], B * F5), ALLOC(a->m5[k], B * F5);
        const size_t n = B * HEAD_N[k];
        ALLOC(a->s[k], n), ALLOC(a->p[k], n), ALLOC(a->yt[k], n);
    }
    ALLOC(a->g0, gmax), ALLOC(a->g1, gmax), ALLOC(a->u, gmax), ALLOC(a->v, gmax);
    ALLOC(a->cols, cmax), ALLOC(a->dspp, B * F3);
    ALLOC(a->dd4, B * F4), ALLOC(a->dtmp, B * F4), ALLOC(a->dh5, B * F5), ALLOC(a->dlog, B * 33);
#undef ALLOC
    m->impl = a;
    return 0;
}

void clair3_fa_free(Model *m) {
    FaAct *a = m->impl;
    if (!a) return;
    for (int s = 0; s < NSTAGE; s++) {
        ResAct *r = &a->ra[s];
        float *b[] = {a->a[s], a->y[s],  a->mean[s], a->invstd[s], r->a1,     r->r1,
                      r->a2,   r->y,     r->mean1,   r->invstd1,   r->mean2, r->invstd2};
        for (size_t i = 0; i < sizeof b / sizeof *b; i++) free(b[i]);
    }
    for (int k = 0; k < 4; k++) {
        free(a->h5[k]), free(a->d5[k]), free(a->m5[k]);
        free(a->s[k]), free(a->p[k]), free(a->yt[k]);
    }
    float *b[] = {a->x,  a->spp, a->d3, a->m3, a->h4,   a->d4,   a->m4,  a->g0,   a->g1,
                  a->u,  a->v,   a->cols, a->dspp, a->dd4, a->dtmp, a->dh5, a->dlog};
    for (size_t i = 0; i < sizeof b / sizeof *b; i++) free(b[i]);
    free(a->amax);
    free(a);
    m->impl = NULL;
}

// Keras defaults, as the pileup model: glorot-uniform kernels (a 3x3 conv's fans are 9 C_in and
// 9 C_out, as Keras computes them), zero biases, BN gamma 1 / beta 0, running mean 0 / var 1.
void clair3_fa_init(Model *m, Rng *r) {
    for (int t = 0; t < m->n_tensors; t++) {
        ParamTensor *pt = &m->tensors[t];
        float *w = m->params + pt->offset;
        if (pt->ndim == 4)
            init_glorot_uniform(w, pt->numel, 9 * pt->shape[2], 9 * pt->shape[3], r);
        else if (pt->ndim == 2)
            init_glorot_uniform(w, pt->numel, pt->shape[0], pt->shape[1], r);
        else if (strstr(pt->name, ".gamma"))
            for (size_t i = 0; i < pt->numel; i++) w[i] = 1.0f;
    }
    for (int t = 0; t < m->n_state_tensors; t++) {
        const ParamTensor *st = &m->state_tensors[t];
        float v = strstr(st->name, "moving_variance") ? 1.0f : 0.0f;
        for (size_t i = 0; i < st->numel; i++) m->state[st->offset + i] = v;
    }
}

static ResParams res_params(Model *m, const FaAct *a, int s) {
    const int t = a->t0[s], q = a->st0[s];
    float *st = m->state;
    const ParamTensor *S = m->state_tensors;
    return (ResParams){model_param(m, t),          model_param(m, t + 1),
                       model_param(m, t + 2),      model_param(m, t + 3),
                       model_param(m, t + 4),      model_param(m, t + 5),
                       model_param(m, t + 6),      model_param(m, t + 7),
                       st + S[q].offset,           st + S[q + 1].offset,
                       st + S[q + 2].offset,       st + S[q + 3].offset};
}

static ResGrads res_grads(Model *m, const FaAct *a, int s) {
    const int t = a->t0[s];
    return (ResGrads){model_grad(m, t),     model_grad(m, t + 1), model_grad(m, t + 2),
                      model_grad(m, t + 3), model_grad(m, t + 4), model_grad(m, t + 5),
                      model_grad(m, t + 6), model_grad(m, t + 7)};
}

static const float *stage_out(const FaAct *a, int s) { return is_res(s) ? a->ra[s].y : a->y[s]; }
static const float *stage_in(const FaAct *a, int s) { return s == 0 ? a->x : stage_out(a, s - 1); }

double clair3_fa_forward(Model *m, const float *x, const float *labels, int B, int train) {
    FaAct *a = m->impl;
    const int drop = train && !m->no_dropout, rows = m->fa_rows;
    const float r3 = drop ? 0.2f : 0.0f, r4 = drop ? 0.5f : 0.0f, r5 = drop ? 0.2f : 0.0f;
    a->B = B;
    a->labelled = labels != NULL;
    a->train = train != 0;
    const uint64_t seed = train ? rng_u64(&m->rng) : 0;  // this step's dropout streams
    // [B, 33, rows, 8] -> [B, rows, 33, 8]
    for (int b = 0; b < B; b++)
        for (int p = 0; p < NPOS; p++)
            for (int r = 0; r < rows; r++)
                memcpy(a->x + (((size_t)b * rows + r) * NPOS + p) * NCH,
                       x + (((size_t)b * NPOS + p) * rows + r) * NCH, sizeof(float) * NCH);
    for (int s = 0; s < NSTAGE; s++) {
        const int C = STAGE_C[s], Hi = a->H[s], Wi = a->W[s];
        const size_t n_rows = (size_t)B * a->H[s + 1] * a->W[s + 1];
        if (is_res(s)) {
            ResParams rp = res_params(m, a, s);
            resblock_forward(&a->ra[s], stage_in(a, s), &rp, a->cols, B, Hi, Wi, C, train);
        } else {
            const int t = a->t0[s], q = a->st0[s];
            conv3_forward(a->a[s], a->cols, stage_in(a, s), model_param(m, t),
                          model_param(m, t + 1), B, Hi, Wi, stage_cin(s), C, 2);
            bn_forward_act(a->y[s], a->mean[s], a->invstd[s], a->a[s], model_param(m, t + 2),
                           model_param(m, t + 3), m->state + m->state_tensors[q].offset,
                           m->state + m->state_tensors[q + 1].offset, n_rows, C, train, BN_EPS,
                           BN_MOMENTUM, NULL, 1);
        }
    }
    spp_forward(a->spp, a->amax, stage_out(a, NSTAGE - 1), B, a->H[NSTAGE], a->W[NSTAGE], 256);
    dropout_forward(a->d3, a->m3, a->spp, B, F3, r3, seed, 0, m->row0);
    dense_forward(a->h4, a->d3, model_param(m, a->l4), model_param(m, a->l4 + 1), B, F3, F4);
    selu_forward(a->h4, a->h4, (size_t)B * F4);
    dropout_forward(a->d4, a->m4, a->h4, B, F4, r4, seed, 1, m->row0);
    double total = 0.0;
    for (int k = 0; k < 4; k++) {
        const int n = HEAD_N[k], wk = a->l5[k], hk = a->hd[k];
        dense_forward(a->h5[k], a->d4, model_param(m, wk), model_param(m, wk + 1), B, F4, F5);
        selu_forward(a->h5[k], a->h5[k], (size_t)B * F5);
        dropout_forward(a->d5[k], a->m5[k], a->h5[k], B, F5, r5, seed, 2 + k, m->row0);
        dense_forward(a->s[k], a->d5[k], model_param(m, hk), model_param(m, hk + 1), B, F5, n);
        selu_forward(a->s[k], a->s[k], (size_t)B * n);
        softmax_forward(a->p[k], a->s[k], B, n);
        for (int b = 0; b < B; b++)
            memcpy(m->out + (size_t)b * m->n_out + m->heads[k].offset, a->p[k] + (size_t)b * n,
                   sizeof(float) * n);
        m->head_loss[k] = 0.0;
        if (labels) {
            memset(a->yt[k], 0, sizeof(float) * B * n);
            for (int b = 0; b < B; b++) {
                int c = (int)labels[(size_t)b * m->n_labels + k];
                if (c < 0 || c >= n)
                    calla_die("clair3-fa: label %d of sample %d is %d, outside [0, %d)", k, b, c,
                              n);
                a->yt[k][(size_t)b * n + c] = 1.0f;
            }
            m->head_loss[k] = focal_loss_forward(a->p[k], a->yt[k], B, n, 2.0) / B;
            total += m->head_loss[k];
        }
    }
    return total;
}

void clair3_fa_backward(Model *m) {
    FaAct *a = m->impl;
    const int B = a->B;
    if (!a->labelled) calla_die("clair3-fa: backward after a forward without labels");
    for (int k = 0; k < 4; k++) {
        const int n = HEAD_N[k], wk = a->l5[k], hk = a->hd[k];
        focal_loss_backward(a->dlog, a->p[k], a->yt[k], B, n, 2.0, 1.0 / B);
        selu_backward(a->dlog, a->dlog, a->s[k], (size_t)B * n);
        dense_backward(a->dh5, model_grad(m, hk), model_grad(m, hk + 1), a->dlog, a->d5[k],
                       model_param(m, hk), B, F5, n);
        dropout_backward(a->dh5, a->dh5, a->m5[k], (size_t)B * F5);
        selu_backward(a->dh5, a->dh5, a->h5[k], (size_t)B * F5);
        dense_backward(k == 0 ? a->dd4 : a->dtmp, model_grad(m, wk), model_grad(m, wk + 1),
                       a->dh5, a->d4, model_param(m, wk), B, F4, F5);
        model_grads_final(m, wk, hk + 1);  // l5_k and its head are adjacent in the table
        if (k)
            for (size_t i = 0; i < (size_t)B * F4; i++) a->dd4[i] += a->dtmp[i];
    }
    dropout_backward(a->dd4, a->dd4, a->m4, (size_t)B * F4);
    selu_backward(a->dd4, a->dd4, a->h4, (size_t)B * F4);
    dense_backward(a->dspp, model_grad(m, a->l4), model_grad(m, a->l4 + 1), a->dd4, a->d3,
                   model_param(m, a->l4), B, F3, F4);
    model_grads_final(m, a->l4, a->l4 + 1);
    dropout_backward(a->dspp, a->dspp, a->m3, (size_t)B * F3);
    spp_backward(a->g0, a->dspp, a->amax, B, a->H[NSTAGE], a->W[NSTAGE], 256);
    float *g = a->g0, *gn = a->g1;  // gradient of stage s's output; of its input
    for (int s = NSTAGE - 1; s >= 0; s--) {
        const int C = STAGE_C[s], Hi = a->H[s], Wi = a->W[s];
        const size_t n_rows = (size_t)B * a->H[s + 1] * a->W[s + 1];
        if (is_res(s)) {
            ResParams rp = res_params(m, a, s);
            ResGrads rg = res_grads(m, a, s);
            resblock_backward(gn, &rg, g, a->u, a->v, a->cols, &a->ra[s], stage_in(a, s), &rp, B,
                              Hi, Wi, C, a->train);
        } else {
            const int t = a->t0[s];
            relu_backward(g, g, a->y[s], n_rows * C);
            bn_backward(g, model_grad(m, t + 2), model_grad(m, t + 3), g, a->a[s], a->mean[s],
                        a->invstd[s], model_param(m, t + 2), n_rows, C, a->train);
            conv3_backward(s ? gn : NULL, model_grad(m, t), model_grad(m, t + 1), a->cols, g,
                           stage_in(a, s), model_param(m, t), B, Hi, Wi, stage_cin(s), C, 2);
        }
        model_grads_final(m, a->t0[s], a->t1[s]);
        float *tmp = g;
        g = gn, gn = tmp;
    }
}
