// model_cuda.cu — the Clair3 pileup, Clairvoyante and Clair3 full-alignment models on one GPU
// (cuda_backend.h), layer for layer the forward and backward of network/model_clair3.c,
// model_clairvoyante.c and model_clair3_fa.c with the device kernels of cuda_layers.h.
// Parameters and gradients are one device buffer each with the host Model's layout (m->tensors
// offsets); the optimizer state is one more (m | v | slow); clair3-fa's BN running statistics
// one more (the host's m->state layout).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda/cu_host.h"
#include "cuda/cu_internal.cuh"
#include "cuda/cuda_backend.h"
extern "C" {
#include "network/batchnorm.h"
}

#define MAX_BUFS 160

typedef struct {
    CuGraph *g;
    int B, train, nodrop;  // what it was captured for
} StepGraph;

struct CudaModel {
    CuCtx *c;
    ModelArch arch;
    int bmax, n_in, n_labels, n_out, n_heads;
    HeadInfo heads[MODEL_MAX_HEADS];
    size_t n_params;
    float *params, *grads;  // device, n_params each, the host layout
    float *ostate;          // device optimizer state: m [n], v [n], slow [n] (Lookahead)
    uint8_t *mask;          // device decay mask
    int has_opt;
    // ZeRO-1 (cuda_optim_attach_shard): the optimizer updates params[opt_lo, opt_lo + opt_n)
    // from gshard (the reduced gradient shard); otherwise opt_lo 0, opt_n n_params, grads.
    size_t opt_lo, opt_n;
    float *gshard;
    // cuda_model_backward_ready: called once the kernels that finish a tensor's gradient are
    // enqueued (the reducer's overlap with backward, as Model.grad_ready on the CPU)
    void (*ready)(void *, size_t, size_t);
    void *ready_ud;
    void *bufs[MAX_BUFS];  // every device activation buffer, for freeing
    int nbufs;
    // staging (page-locked) and the per-batch device inputs/outputs
    float *hx, *hlab;
    double *hloss;
    float *x, *lab, *out;
    double *rows, *loss;  // per-row losses [bmax], per-head totals [MODEL_MAX_HEADS]
    int B, labelled;
    const float *xin, *labin;  // this pass's device inputs: x / lab, or an input-pipeline slot
    // The training input pipeline (cuda_batch_slot): two page-locked host slots and two device
    // slots; uploads on their own stream (cstream), up[k] marks slot k's upload done (the
    // compute stream waits for it), used[k] the compute stream's last read of device slot k (the
    // next upload into it waits for that). cur_slot: the slot of the pass in flight, or -1.
    float *hsx[2], *hslab[2], *sx[2], *slab[2];
    int slot_B[2], slot_lab[2];  // rows of the slot's last upload; whether labels came with it
    CuStream cstream;
    CuEvent up[2], used[2];
    int cur_slot, pipeline;
    float *hout[2];     // inference through the slots: page-locked outputs [bmax, n_out]
    double *hsloss[2];  // and per-head loss sums of labelled passes (validation)
    CuEvent done[2];  // the slot's outputs are in hout (a blocking-sync event: calla call's
                      // workers sleep instead of spinning while they wait)
    int train;      // this pass's dropout setting
    int64_t row0;   // this pass's first global row (dropout streams)
    // CUDA graphs (cuda_model_set_graphs): one captured training step per input slot
    int graphs, eager_steps, n_captures;
    StepGraph graph[2];
    // parameter / gradient pointers, resolved by tensor name
    const Model *host;
    // Clair3
    float *o1, *c1, *g1, *o2, *c2, *g2, *d3, *m3, *h4, *d4, *m4, *h5[4], *d5[4], *m5[4];
    float *s[4], *p[4], *y[4];
    float *dgates, *dscr, *dx1, *dx2, *dd4, *dtmp, *dh5, *dlog;
    // Clairvoyante
    float *cols[3], *act[3], *pool[3], *dpool[3], *dact[3], *dcols, *h5v, *d5v, *m5v, *dd5;
    int *arg[3];
    // Clair3 full alignment: stage s's input is faH[s] x faW[s] (s = 0: the transposed input
    // fx); pre-BN conv outputs fa[s][j], the res stages' inner ReLU output fr[s], stage
    // outputs fy[s]; BN batch statistics fmean/finv; backward scratch as the CPU model's
    int fa_rows, faH[7], faW[7], nodrop;
    float *fx, *fa[6][2], *fr[6], *fy[6], *fmean[6][2], *finv[6][2];
    float *fcols, *fg0, *fg1, *fu, *fv, *fspp, *fdspp;
    int *famax;
    double *fws;  // batch-norm scratch (cu_bn_ws_doubles)
    // Non-trainable state (clair3-fa: BN running statistics), the host layout (m->state)
    float *state;
    size_t n_state;
};

static float *dbuf(CudaModel *cm, size_t n) {
    if (cm->nbufs == MAX_BUFS) calla_die("internal error: too many device buffers");
    float *d = (float *)cu_malloc(sizeof(float) * (n ? n : 1));
    cm->bufs[cm->nbufs++] = d;
    return d;
}

static size_t toff(const CudaModel *cm, const char *name) {
    int t = model_find_tensor(cm->host, name);
    if (t < 0) calla_die("internal error: model has no tensor \"%s\"", name);
    return cm->host->tensors[t].offset;
}
static float *P(const CudaModel *cm, const char *name) { return cm->params + toff(cm, name); }
static float *G(const CudaModel *cm, const char *name) { return cm->grads + toff(cm, name); }

// Reports the gradients of every tensor whose name starts with `prefix` ("l4.", "lstm2.") as
// final: called right after the last kernel that writes them is enqueued (no later kernel of
// the step writes them), each tensor exactly once per backward pass.
// A layer whose tensors are contiguous in the buffer (all of them, as laid out by model.c) is
// reported as one range, like the CPU model's grad_ready.
static void ready_prefix(CudaModel *cm, const char *prefix) {
    if (!cm->ready) return;
    const size_t k = strlen(prefix);
    const Model *m = cm->host;
    size_t lo = (size_t)-1, hi = 0, sum = 0;
    for (int t = 0; t < m->n_tensors; t++)
        if (!strncmp(m->tensors[t].name, prefix, k)) {
            const size_t a = m->tensors[t].offset, e = a + m->tensors[t].numel;
            lo = a < lo ? a : lo, hi = e > hi ? e : hi, sum += e - a;
        }
    if (sum && sum == hi - lo) {
        cm->ready(cm->ready_ud, lo, hi);
        return;
    }
    for (int t = 0; t < m->n_tensors; t++)
        if (!strncmp(m->tensors[t].name, prefix, k))
            cm->ready(cm->ready_ud, m->tensors[t].offset,
                      m->tensors[t].offset + m->tensors[t].numel);
}

// ---------------------------------------------------------------- Clair3 pileup
enum { T_ = 33, C0 = 18, H1 = 128, H2 = 160, F3 = T_ * 2 * H2, F4 = 128, NGT = 21, NZY = 3 };

static void clair3_alloc(CudaModel *cm) {
    const size_t B = (size_t)cm->bmax;
    cm->o1 = dbuf(cm, B * T_ * 2 * H1), cm->c1 = dbuf(cm, 2 * B * T_ * H1);
    cm->g1 = dbuf(cm, 8 * B * T_ * H1);
    cm->o2 = dbuf(cm, B * T_ * 2 * H2), cm->c2 = dbuf(cm, 2 * B * T_ * H2);
    cm->g2 = dbuf(cm, 8 * B * T_ * H2);
    cm->d3 = dbuf(cm, B * F3), cm->m3 = dbuf(cm, B * F3);
    cm->h4 = dbuf(cm, B * F4), cm->d4 = dbuf(cm, B * F4), cm->m4 = dbuf(cm, B * F4);
    for (int k = 0; k < 2; k++) {
        const int n = k == 0 ? NGT : NZY;
        cm->h5[k] = dbuf(cm, B * F4), cm->d5[k] = dbuf(cm, B * F4), cm->m5[k] = dbuf(cm, B * F4);
        cm->s[k] = dbuf(cm, B * n), cm->p[k] = dbuf(cm, B * n), cm->y[k] = dbuf(cm, B * n);
    }
    cm->dgates = dbuf(cm, 2 * B * T_ * 4 * H2), cm->dscr = dbuf(cm, 4 * B * H2);  // both directions
    cm->dx1 = dbuf(cm, B * T_ * 2 * H1), cm->dx2 = dbuf(cm, B * F3);
    cm->dd4 = dbuf(cm, B * F4), cm->dtmp = dbuf(cm, B * F4), cm->dh5 = dbuf(cm, B * F4);
    cm->dlog = dbuf(cm, B * NGT);
}

static LstmParams lp(const CudaModel *cm, const char *l, const char *d) {
    char k[64], r[64], b[64];
    snprintf(k, sizeof k, "%s.%s.kernel", l, d);
    snprintf(r, sizeof r, "%s.%s.recurrent_kernel", l, d);
    snprintf(b, sizeof b, "%s.%s.bias", l, d);
    return LstmParams{P(cm, k), P(cm, r), P(cm, b)};
}
static LstmGrads lg(const CudaModel *cm, const char *l, const char *d) {
    char k[64], r[64], b[64];
    snprintf(k, sizeof k, "%s.%s.kernel", l, d);
    snprintf(r, sizeof r, "%s.%s.recurrent_kernel", l, d);
    snprintf(b, sizeof b, "%s.%s.bias", l, d);
    return LstmGrads{G(cm, k), G(cm, r), G(cm, b)};
}

// Scatters head k's probabilities [B, n] into the output rows [B, n_out] at offset off.
static void to_out(CudaModel *cm, const float *p, int B, int n, int off) {
    float *out = cm->out;
    const int n_out = cm->n_out;
    launch((size_t)B * n, cm->c->stream,
           [=] CALLA_HD(size_t i) { out[(i / n) * n_out + off + i % n] = p[i]; });
}

// A softmax head k of n classes over its scores cm->s[k]: the probabilities into the model's
// output and, with labels, the focal loss of the batch into cm->loss[k] (label column k).
static void head_output(CudaModel *cm, int k, int B, int n) {
    CuCtx *c = cm->c;
    cu_softmax_forward(c, cm->p[k], cm->s[k], B, n);
    to_out(cm, cm->p[k], B, n, cm->heads[k].offset);
    if (!cm->labelled) return;
    float *y = cm->y[k];
    const float *lab = cm->labin;
    const int nl = cm->n_labels;
    launch((size_t)B * n, c->stream, [=] CALLA_HD(size_t i) {  // one-hot targets
        y[i] = (int)lab[(i / n) * nl + k] == (int)(i % n) ? 1.0f : 0.0f;
    });
    cu_focal_loss_rows(c, cm->rows, cm->p[k], cm->y[k], B, n, 2.0);
    cu_sum_rows(c, cm->loss + k, cm->rows, B, 1.0);
}

static void clair3_forward(CudaModel *cm, int B, int train, const uint64_t *seed, int64_t row0) {
    CuCtx *c = cm->c;
    const float r3 = train ? 0.2f : 0.0f, r4 = train ? 0.5f : 0.0f, r5 = train ? 0.2f : 0.0f;
    cu_lstm_bi_forward(c, cm->o1, cm->c1, cm->g1, cm->xin, lp(cm, "lstm1", "fwd"),
                       lp(cm, "lstm1", "bwd"), B, T_, C0, H1);
    cu_lstm_bi_forward(c, cm->o2, cm->c2, cm->g2, cm->o1, lp(cm, "lstm2", "fwd"),
                       lp(cm, "lstm2", "bwd"), B, T_, 2 * H1, H2);
    cu_dropout_forward(c, cm->d3, cm->m3, cm->o2, B, F3, r3, seed, 0, row0);
    cu_dense_forward(c, cm->h4, cm->d3, P(cm, "l4.kernel"), P(cm, "l4.bias"), B, F3, F4);
    cu_selu_forward(c, cm->h4, cm->h4, (size_t)B * F4);
    cu_dropout_forward(c, cm->d4, cm->m4, cm->h4, B, F4, r4, seed, 1, row0);
    for (int k = 0; k < 2; k++) {
        const int n = k == 0 ? NGT : NZY;
        const char *wl = k == 0 ? "l5_1" : "l5_2", *hl = k == 0 ? "gt21" : "zygosity";
        char wk[64], wb[64], hk[64], hb[64];
        snprintf(wk, sizeof wk, "%s.kernel", wl), snprintf(wb, sizeof wb, "%s.bias", wl);
        snprintf(hk, sizeof hk, "%s.kernel", hl), snprintf(hb, sizeof hb, "%s.bias", hl);
        cu_dense_forward(c, cm->h5[k], cm->d4, P(cm, wk), P(cm, wb), B, F4, F4);
        cu_selu_forward(c, cm->h5[k], cm->h5[k], (size_t)B * F4);
        cu_dropout_forward(c, cm->d5[k], cm->m5[k], cm->h5[k], B, F4, r5, seed, 2 + k, row0);
        cu_dense_forward(c, cm->s[k], cm->d5[k], P(cm, hk), P(cm, hb), B, F4, n);
        cu_selu_forward(c, cm->s[k], cm->s[k], (size_t)B * n);
        head_output(cm, k, B, n);
    }
}

static void clair3_backward(CudaModel *cm) {
    CuCtx *c = cm->c;
    const int B = cm->B;
    for (int k = 0; k < 2; k++) {
        const int n = k == 0 ? NGT : NZY;
        const char *wl = k == 0 ? "l5_1" : "l5_2", *hl = k == 0 ? "gt21" : "zygosity";
        char wk[64], wb[64], hk[64], hb[64];
        snprintf(wk, sizeof wk, "%s.kernel", wl), snprintf(wb, sizeof wb, "%s.bias", wl);
        snprintf(hk, sizeof hk, "%s.kernel", hl), snprintf(hb, sizeof hb, "%s.bias", hl);
        cu_focal_loss_backward(c, cm->dlog, cm->p[k], cm->y[k], B, n, 2.0, 1.0 / B);
        cu_selu_backward(c, cm->dlog, cm->dlog, cm->s[k], (size_t)B * n);
        cu_dense_backward(c, cm->dh5, G(cm, hk), G(cm, hb), cm->dlog, cm->d5[k], P(cm, hk), B, F4,
                          n);
        snprintf(hk, sizeof hk, "%s.", hl);
        ready_prefix(cm, hk);
        cu_dropout_backward(c, cm->dh5, cm->dh5, cm->m5[k], (size_t)B * F4);
        cu_selu_backward(c, cm->dh5, cm->dh5, cm->h5[k], (size_t)B * F4);
        cu_dense_backward(c, k == 0 ? cm->dd4 : cm->dtmp, G(cm, wk), G(cm, wb), cm->dh5, cm->d4,
                          P(cm, wk), B, F4, F4);
        snprintf(wk, sizeof wk, "%s.", wl);
        ready_prefix(cm, wk);
    }
    cu_add(c, cm->dd4, cm->dtmp, (size_t)B * F4);
    cu_dropout_backward(c, cm->dd4, cm->dd4, cm->m4, (size_t)B * F4);
    cu_selu_backward(c, cm->dd4, cm->dd4, cm->h4, (size_t)B * F4);
    cu_dense_backward(c, cm->dx2, G(cm, "l4.kernel"), G(cm, "l4.bias"), cm->dd4, cm->d3,
                      P(cm, "l4.kernel"), B, F3, F4);
    ready_prefix(cm, "l4.");
    cu_dropout_backward(c, cm->dx2, cm->dx2, cm->m3, (size_t)B * F3);
    cu_lstm_bi_backward(c, cm->dx1, lg(cm, "lstm2", "fwd"), lg(cm, "lstm2", "bwd"), cm->dgates,
                        cm->dscr, cm->dx2, cm->o2, cm->c2, cm->g2, cm->o1, lp(cm, "lstm2", "fwd"),
                        lp(cm, "lstm2", "bwd"), B, T_, 2 * H1, H2);
    ready_prefix(cm, "lstm2.");
    cu_lstm_bi_backward(c, NULL, lg(cm, "lstm1", "fwd"), lg(cm, "lstm1", "bwd"), cm->dgates,
                        cm->dscr, cm->dx1, cm->o1, cm->c1, cm->g1, cm->xin, lp(cm, "lstm1", "fwd"),
                        lp(cm, "lstm1", "bwd"), B, T_, C0, H1);
    ready_prefix(cm, "lstm1.");
}

// ---------------------------------------------------------------- Clairvoyante
enum { NP = 33, NB = 4, NC = 4, VF4 = 336, VF5 = 168, NFLAT = 24 * 4 * 48 };
static const int KH[3] = {1, 2, 3}, CO[3] = {16, 32, 48}, PH[3] = {5, 4, 3}, HIN[3] = {33, 29, 26};
static const int CIN[3] = {4, 16, 32};
enum { H_BC, H_ZY, H_TY, H_LN };
static const int HSIZE[4] = {4, 2, 4, 6}, HOFF[4] = {0, 4, 6, 10};
static const char *HNAME[4] = {"base_change", "zygosity", "variant_type", "indel_length"};

static void clv_alloc(CudaModel *cm) {
    const size_t B = (size_t)cm->bmax;
    for (int l = 0; l < 3; l++) {
        size_t pix = B * HIN[l] * NB, hout = HIN[l] - PH[l] + 1;
        cm->cols[l] = dbuf(cm, pix * KH[l] * NB * CIN[l]);
        cm->act[l] = dbuf(cm, pix * CO[l]), cm->dact[l] = dbuf(cm, pix * CO[l]);
        cm->pool[l] = dbuf(cm, B * hout * NB * CO[l]), cm->dpool[l] = dbuf(cm, B * hout * NB * CO[l]);
        cm->arg[l] = (int *)dbuf(cm, B * hout * NB * CO[l]);  // int and float are both 4 bytes
    }
    cm->h4 = dbuf(cm, B * VF4), cm->d4 = dbuf(cm, B * VF4), cm->m4 = dbuf(cm, B * VF4);
    cm->h5v = dbuf(cm, B * VF5), cm->d5v = dbuf(cm, B * VF5), cm->m5v = dbuf(cm, B * VF5);
    for (int h = 0; h < 4; h++)
        cm->s[h] = dbuf(cm, B * HSIZE[h]), cm->p[h] = dbuf(cm, B * HSIZE[h]),
        cm->y[h] = dbuf(cm, B * HSIZE[h]);
    cm->dd4 = dbuf(cm, B * VF4), cm->dd5 = dbuf(cm, B * VF5), cm->dtmp = dbuf(cm, B * VF4);
    cm->dlog = dbuf(cm, B * 6);
    cm->dcols = dbuf(cm, B * HIN[2] * NB * KH[2] * NB * CIN[2]);  // conv3's, the largest
}

static void convname(char *k, char *b, int l) {
    snprintf(k, 64, "conv%d.kernel", l + 1);
    snprintf(b, 64, "conv%d.bias", l + 1);
}

static void clv_forward(CudaModel *cm, int B, int train, const uint64_t *seed, int64_t row0) {
    CuCtx *c = cm->c;
    const float *in = cm->xin;
    char k[64], b[64];
    for (int l = 0; l < 3; l++) {
        size_t n = (size_t)B * HIN[l] * NB * CO[l];
        convname(k, b, l);
        cu_conv2d_forward(c, cm->act[l], cm->cols[l], in, P(cm, k), P(cm, b), B, HIN[l], NB,
                          CIN[l], CO[l], KH[l], NB);
        cu_selu_forward(c, cm->act[l], cm->act[l], n);
        cu_maxpool_forward(c, cm->pool[l], cm->arg[l], cm->act[l], B, HIN[l], NB, CO[l], PH[l], 1,
                           1, 1);
        in = cm->pool[l];
    }
    cu_dense_forward(c, cm->h4, in, P(cm, "fc4.kernel"), P(cm, "fc4.bias"), B, NFLAT, VF4);
    cu_selu_forward(c, cm->h4, cm->h4, (size_t)B * VF4);
    cu_alpha_dropout_forward(c, cm->d4, cm->m4, cm->h4, B, VF4, train ? 0.5f : 0.0f, seed, 0, row0);
    cu_dense_forward(c, cm->h5v, cm->d4, P(cm, "fc5.kernel"), P(cm, "fc5.bias"), B, VF4, VF5);
    cu_selu_forward(c, cm->h5v, cm->h5v, (size_t)B * VF5);
    cu_alpha_dropout_forward(c, cm->d5v, cm->m5v, cm->h5v, B, VF5, 0.0f, seed, 1, row0);
    for (int h = 0; h < 4; h++) {
        const int n = HSIZE[h];
        snprintf(k, sizeof k, "%s.kernel", HNAME[h]), snprintf(b, sizeof b, "%s.bias", HNAME[h]);
        cu_dense_forward(c, cm->s[h], h == H_BC ? cm->d4 : cm->d5v, P(cm, k), P(cm, b), B,
                         h == H_BC ? VF4 : VF5, n);
        if (h == H_BC) {
            cu_sigmoid_forward(c, cm->p[h], cm->s[h], (size_t)B * n);
        } else {
            cu_selu_forward(c, cm->s[h], cm->s[h], (size_t)B * n);
            cu_softmax_forward(c, cm->p[h], cm->s[h], B, n);
        }
        to_out(cm, cm->p[h], B, n, HOFF[h]);
        if (cm->labelled) {
            float *y = cm->y[h];
            const float *lab = cm->labin;
            const int nl = cm->n_labels, off = HOFF[h];
            launch((size_t)B * n, c->stream,
                   [=] CALLA_HD(size_t i) { y[i] = lab[(i / n) * nl + off + i % n]; });
            if (h == H_BC)
                cu_sigmoid_sse_rows(c, cm->rows, cm->p[h], cm->y[h], B, n);
            else
                cu_softmax_xent_rows(c, cm->rows, cm->s[h], cm->y[h], B, n);
            cu_sum_rows(c, cm->loss + h, cm->rows, B, 1.0);
        }
    }
}

static void clv_backward(CudaModel *cm) {
    CuCtx *c = cm->c;
    const int B = cm->B;
    char k[64], b[64];
    for (int h = 0; h < 4; h++) {
        const int n = HSIZE[h], cin = h == H_BC ? VF4 : VF5;
        if (h == H_BC) {
            cu_sigmoid_sse_backward(c, cm->dlog, cm->p[h], cm->y[h], B, n, 1.0);
        } else {
            cu_softmax_xent_backward(c, cm->dlog, cm->p[h], cm->y[h], B, n, 1.0);
            cu_selu_backward(c, cm->dlog, cm->dlog, cm->s[h], (size_t)B * n);
        }
        float *din = h == H_BC ? cm->dd4 : (h == H_ZY ? cm->dd5 : cm->dtmp);
        snprintf(k, sizeof k, "%s.kernel", HNAME[h]), snprintf(b, sizeof b, "%s.bias", HNAME[h]);
        cu_dense_backward(c, din, G(cm, k), G(cm, b), cm->dlog, h == H_BC ? cm->d4 : cm->d5v,
                          P(cm, k), B, cin, n);
        snprintf(k, sizeof k, "%s.", HNAME[h]);
        ready_prefix(cm, k);
        if (h > H_ZY) cu_add(c, cm->dd5, cm->dtmp, (size_t)B * VF5);
    }
    cu_dropout_backward(c, cm->dd5, cm->dd5, cm->m5v, (size_t)B * VF5);
    cu_selu_backward(c, cm->dd5, cm->dd5, cm->h5v, (size_t)B * VF5);
    cu_dense_backward(c, cm->dtmp, G(cm, "fc5.kernel"), G(cm, "fc5.bias"), cm->dd5, cm->d4,
                      P(cm, "fc5.kernel"), B, VF4, VF5);
    ready_prefix(cm, "fc5.");
    cu_add(c, cm->dd4, cm->dtmp, (size_t)B * VF4);
    cu_dropout_backward(c, cm->dd4, cm->dd4, cm->m4, (size_t)B * VF4);
    cu_selu_backward(c, cm->dd4, cm->dd4, cm->h4, (size_t)B * VF4);
    cu_dense_backward(c, cm->dpool[2], G(cm, "fc4.kernel"), G(cm, "fc4.bias"), cm->dd4,
                      cm->pool[2], P(cm, "fc4.kernel"), B, NFLAT, VF4);
    ready_prefix(cm, "fc4.");
    for (int l = 2; l >= 0; l--) {
        size_t n = (size_t)B * HIN[l] * NB * CO[l];
        convname(k, b, l);
        cu_maxpool_backward(c, cm->dact[l], cm->dpool[l], cm->arg[l], B, HIN[l], NB, CO[l], PH[l],
                            1, 1, 1);
        cu_selu_backward(c, cm->dact[l], cm->dact[l], cm->act[l], n);
        cu_conv2d_backward(c, l > 0 ? cm->dpool[l - 1] : NULL, G(cm, k), G(cm, b), cm->dcols,
                           cm->dact[l], cm->cols[l], P(cm, k), B, HIN[l], NB, CIN[l], CO[l], KH[l],
                           NB);
        snprintf(k, sizeof k, "conv%d.", l + 1);
        ready_prefix(cm, k);
    }
}

// ---------------------------------------------------------------- Clair3 full alignment
enum { FA_NCH = 8, FA_NPOS = 33, FA_NST = 6, FA_F3 = CU_SPP_CELLS * 256, FA_F4 = 256, FA_F5 = 128 };
static const int FA_HEAD_N[4] = {21, 3, 33, 33};
static const char *const FA_HEAD[4] = {"gt21", "zygosity", "indel_length1", "indel_length2"};
static const int FA_C[FA_NST] = {64, 64, 128, 128, 256, 256};
static const char *const FA_STAGE[FA_NST] = {"conv1", "res1", "conv3", "res2", "conv5", "res3"};
static int fa_res(int s) { return s & 1; }
static int fa_cin(int s) { return s == 0 ? FA_NCH : FA_C[s - 1]; }

// Tensor name prefixes of stage s's convolution j and its batch norm (model_clair3_fa.c).
static void fa_names(int s, int j, char *cv, char *bn) {
    if (fa_res(s)) {
        snprintf(cv, 32, "%s.conv%d", FA_STAGE[s], j + 1);
        snprintf(bn, 32, "%s.bn%d", FA_STAGE[s], j + 1);
    } else {
        snprintf(cv, 32, "%s", FA_STAGE[s]);
        snprintf(bn, 32, "%s.bn", FA_STAGE[s]);
    }
}
static float *Pn(const CudaModel *cm, const char *pre, const char *what) {
    char nm[80];
    snprintf(nm, sizeof nm, "%s.%s", pre, what);
    return P(cm, nm);
}
static float *Gn(const CudaModel *cm, const char *pre, const char *what) {
    char nm[80];
    snprintf(nm, sizeof nm, "%s.%s", pre, what);
    return G(cm, nm);
}
static float *Sn(const CudaModel *cm, const char *pre, const char *what) {
    char nm[80];
    snprintf(nm, sizeof nm, "%s.%s", pre, what);
    int t = model_find_state_tensor(cm->host, nm);
    if (t < 0) calla_die("internal error: model has no state tensor \"%s\"", nm);
    return cm->state + cm->host->state_tensors[t].offset;
}

static void fa_alloc(CudaModel *cm) {
    const size_t B = (size_t)cm->bmax;
    size_t gmax = 0, cmax = 0;
    cm->faH[0] = cm->fa_rows, cm->faW[0] = FA_NPOS;
    cm->fx = dbuf(cm, B * cm->n_in);
    for (int s = 0; s < FA_NST; s++) {
        const int st = fa_res(s) ? 1 : 2, C = FA_C[s];
        cm->faH[s + 1] = (cm->faH[s] - 1) / st + 1, cm->faW[s + 1] = (cm->faW[s] - 1) / st + 1;
        const size_t n = B * cm->faH[s + 1] * cm->faW[s + 1] * C;
        gmax = n > gmax ? n : gmax;
        size_t cl = cu_conv3_cols_floats((int)B, cm->faH[s], cm->faW[s], fa_cin(s), st);
        cmax = cl > cmax ? cl : cmax;
        for (int j = 0; j < (fa_res(s) ? 2 : 1); j++)
            cm->fa[s][j] = dbuf(cm, n), cm->fmean[s][j] = dbuf(cm, C), cm->finv[s][j] = dbuf(cm, C);
        if (fa_res(s)) cm->fr[s] = dbuf(cm, n);
        cm->fy[s] = dbuf(cm, n);
    }
    cm->fcols = dbuf(cm, cmax);
    cm->fg0 = dbuf(cm, gmax), cm->fg1 = dbuf(cm, gmax), cm->fu = dbuf(cm, gmax);
    cm->fv = dbuf(cm, gmax);
    cm->fspp = dbuf(cm, B * FA_F3), cm->fdspp = dbuf(cm, B * FA_F3);
    cm->famax = (int *)dbuf(cm, B * FA_F3);  // int and float are both 4 bytes
    cm->fws = (double *)dbuf(cm, 2 * cu_bn_ws_doubles(256));
    cm->d3 = dbuf(cm, B * FA_F3), cm->m3 = dbuf(cm, B * FA_F3);
    cm->h4 = dbuf(cm, B * FA_F4), cm->d4 = dbuf(cm, B * FA_F4), cm->m4 = dbuf(cm, B * FA_F4);
    for (int k = 0; k < 4; k++) {
        const size_t n = B * FA_HEAD_N[k];
        cm->h5[k] = dbuf(cm, B * FA_F5), cm->d5[k] = dbuf(cm, B * FA_F5);
        cm->m5[k] = dbuf(cm, B * FA_F5);
        cm->s[k] = dbuf(cm, n), cm->p[k] = dbuf(cm, n), cm->y[k] = dbuf(cm, n);
    }
    cm->dd4 = dbuf(cm, B * FA_F4), cm->dtmp = dbuf(cm, B * FA_F4), cm->dh5 = dbuf(cm, B * FA_F5);
    cm->dlog = dbuf(cm, B * 33);
}

// Stage s's convolution j, then its BN (+ add) + ReLU: pre = conv(in), y = ReLU(BN(pre) + add).
static void fa_conv_bn(CudaModel *cm, int s, int j, float *pre, float *y, const float *in,
                       const float *add, int B, int train) {
    char cv[32], bn[32];
    fa_names(s, j, cv, bn);
    const int st = fa_res(s) ? 1 : 2, C = FA_C[s], Ci = j == 0 ? fa_cin(s) : C;
    const size_t rows = (size_t)B * cm->faH[s + 1] * cm->faW[s + 1];
    cu_conv3_forward(cm->c, pre, cm->fcols, in, Pn(cm, cv, "kernel"), Pn(cm, cv, "bias"), B,
                     cm->faH[s], cm->faW[s], Ci, C, st);
    cu_bn_forward_act(cm->c, y, cm->fmean[s][j], cm->finv[s][j], pre, Pn(cm, bn, "gamma"),
                      Pn(cm, bn, "beta"), Sn(cm, bn, "moving_mean"), Sn(cm, bn, "moving_variance"),
                      rows, C, train, BN_EPS, BN_MOMENTUM, add, 1, cm->fws);
}

static void fa_forward(CudaModel *cm, int B, int train, const uint64_t *seed, int64_t row0) {
    CuCtx *c = cm->c;
    const int drop = train && !cm->nodrop;
    const float r3 = drop ? 0.2f : 0.0f, r4 = drop ? 0.5f : 0.0f, r5 = drop ? 0.2f : 0.0f;
    cu_fa_transpose(c, cm->fx, cm->xin, B, cm->fa_rows, FA_NPOS, FA_NCH);
    const float *in = cm->fx;
    for (int s = 0; s < FA_NST; s++) {
        if (fa_res(s)) {
            fa_conv_bn(cm, s, 0, cm->fa[s][0], cm->fr[s], in, NULL, B, train);
            fa_conv_bn(cm, s, 1, cm->fa[s][1], cm->fy[s], cm->fr[s], in, B, train);
        } else {
            fa_conv_bn(cm, s, 0, cm->fa[s][0], cm->fy[s], in, NULL, B, train);
        }
        in = cm->fy[s];
    }
    cu_spp_forward(c, cm->fspp, cm->famax, in, B, cm->faH[FA_NST], cm->faW[FA_NST], 256);
    cu_dropout_forward(c, cm->d3, cm->m3, cm->fspp, B, FA_F3, r3, seed, 0, row0);
    cu_dense_forward(c, cm->h4, cm->d3, P(cm, "l4.kernel"), P(cm, "l4.bias"), B, FA_F3, FA_F4);
    cu_selu_forward(c, cm->h4, cm->h4, (size_t)B * FA_F4);
    cu_dropout_forward(c, cm->d4, cm->m4, cm->h4, B, FA_F4, r4, seed, 1, row0);
    for (int k = 0; k < 4; k++) {
        const int n = FA_HEAD_N[k];
        char wl[16];
        snprintf(wl, sizeof wl, "l5_%d", k + 1);
        cu_dense_forward(c, cm->h5[k], cm->d4, Pn(cm, wl, "kernel"), Pn(cm, wl, "bias"), B, FA_F4,
                         FA_F5);
        cu_selu_forward(c, cm->h5[k], cm->h5[k], (size_t)B * FA_F5);
        cu_dropout_forward(c, cm->d5[k], cm->m5[k], cm->h5[k], B, FA_F5, r5, seed, 2 + k, row0);
        cu_dense_forward(c, cm->s[k], cm->d5[k], Pn(cm, FA_HEAD[k], "kernel"),
                         Pn(cm, FA_HEAD[k], "bias"), B, FA_F5, n);
        cu_selu_forward(c, cm->s[k], cm->s[k], (size_t)B * n);
        head_output(cm, k, B, n);
    }
}

// Gradients of stage s's convolution j and BN from dy (the gradient of the BN (+ add) output
// before the ReLU): BN backward into u, then the convolution's into dx (NULL: not needed).
static void fa_conv_bn_back(CudaModel *cm, int s, int j, float *dx, float *u, const float *dy,
                            const float *in, int B) {
    char cv[32], bn[32];
    fa_names(s, j, cv, bn);
    const int st = fa_res(s) ? 1 : 2, C = FA_C[s], Ci = j == 0 ? fa_cin(s) : C;
    const size_t rows = (size_t)B * cm->faH[s + 1] * cm->faW[s + 1];
    cu_bn_backward(cm->c, u, Gn(cm, bn, "gamma"), Gn(cm, bn, "beta"), dy, cm->fa[s][j],
                   cm->fmean[s][j], cm->finv[s][j], Pn(cm, bn, "gamma"), rows, C, cm->train,
                   cm->fws);
    cu_conv3_backward(cm->c, dx, Gn(cm, cv, "kernel"), Gn(cm, cv, "bias"), cm->fcols, u, in,
                      Pn(cm, cv, "kernel"), B, cm->faH[s], cm->faW[s], Ci, C, st);
}

static void fa_backward(CudaModel *cm) {
    CuCtx *c = cm->c;
    const int B = cm->B;
    for (int k = 0; k < 4; k++) {
        const int n = FA_HEAD_N[k];
        char wl[16], pre[32];
        snprintf(wl, sizeof wl, "l5_%d", k + 1);
        cu_focal_loss_backward(c, cm->dlog, cm->p[k], cm->y[k], B, n, 2.0, 1.0 / B);
        cu_selu_backward(c, cm->dlog, cm->dlog, cm->s[k], (size_t)B * n);
        cu_dense_backward(c, cm->dh5, Gn(cm, FA_HEAD[k], "kernel"), Gn(cm, FA_HEAD[k], "bias"),
                          cm->dlog, cm->d5[k], Pn(cm, FA_HEAD[k], "kernel"), B, FA_F5, n);
        snprintf(pre, sizeof pre, "%s.", FA_HEAD[k]);
        ready_prefix(cm, pre);
        cu_dropout_backward(c, cm->dh5, cm->dh5, cm->m5[k], (size_t)B * FA_F5);
        cu_selu_backward(c, cm->dh5, cm->dh5, cm->h5[k], (size_t)B * FA_F5);
        cu_dense_backward(c, k == 0 ? cm->dd4 : cm->dtmp, Gn(cm, wl, "kernel"), Gn(cm, wl, "bias"),
                          cm->dh5, cm->d4, Pn(cm, wl, "kernel"), B, FA_F4, FA_F5);
        snprintf(pre, sizeof pre, "%s.", wl);
        ready_prefix(cm, pre);
        if (k) cu_add(c, cm->dd4, cm->dtmp, (size_t)B * FA_F4);
    }
    cu_dropout_backward(c, cm->dd4, cm->dd4, cm->m4, (size_t)B * FA_F4);
    cu_selu_backward(c, cm->dd4, cm->dd4, cm->h4, (size_t)B * FA_F4);
    cu_dense_backward(c, cm->fdspp, G(cm, "l4.kernel"), G(cm, "l4.bias"), cm->dd4, cm->d3,
                      P(cm, "l4.kernel"), B, FA_F3, FA_F4);
    ready_prefix(cm, "l4.");
    cu_dropout_backward(c, cm->fdspp, cm->fdspp, cm->m3, (size_t)B * FA_F3);
    cu_spp_backward(c, cm->fg0, cm->fdspp, cm->famax, B, cm->faH[FA_NST], cm->faW[FA_NST], 256);
    float *g = cm->fg0, *gn = cm->fg1;  // gradient of stage s's output; of its input
    for (int s = FA_NST - 1; s >= 0; s--) {
        const float *in = s == 0 ? cm->fx : cm->fy[s - 1];
        const size_t n = (size_t)B * cm->faH[s + 1] * cm->faW[s + 1] * FA_C[s];
        cu_relu_backward(c, g, g, cm->fy[s], n);  // g: the gradient of BN's output (+ shortcut)
        if (fa_res(s)) {  // resblock_backward
            fa_conv_bn_back(cm, s, 1, cm->fv, cm->fu, g, cm->fr[s], B);
            cu_relu_backward(c, cm->fv, cm->fv, cm->fr[s], n);
            fa_conv_bn_back(cm, s, 0, gn, cm->fu, cm->fv, in, B);
            cu_add(c, gn, g, n);
        } else {
            fa_conv_bn_back(cm, s, 0, s ? gn : NULL, g, g, in, B);
        }
        char pre[32];
        snprintf(pre, sizeof pre, "%s.", FA_STAGE[s]);
        ready_prefix(cm, pre);
        float *t = g;
        g = gn, gn = t;
    }
}

// ---------------------------------------------------------------- cuda_backend.h

CudaModel *cuda_model_new(const Model *m, int dev, int precision) {
    if (m->arch != ARCH_CLAIR3_PILEUP && m->arch != ARCH_CLAIRVOYANTE &&
        m->arch != ARCH_CLAIR3_FA) {
        calla_err("the CUDA backend does not support %s yet", model_arch_name(m->arch));
        return NULL;
    }
    if (cuda_device_check(dev) < 0) return NULL;
    if (precision < 0 || precision > 2) {
        calla_err("unknown GPU precision %d", precision);
        return NULL;
    }
    CudaModel *cm = (CudaModel *)xcalloc(1, sizeof *cm);
    cm->c = cu_ctx_new(dev, (CuPrecision)precision);
    cm->arch = m->arch;
    cm->host = m;
    cm->bmax = m->batch_max;
    cm->n_in = m->n_pos * m->n_chan;
    cm->n_labels = m->n_labels, cm->n_out = m->n_out, cm->n_heads = m->n_heads;
    memcpy(cm->heads, m->heads, sizeof cm->heads);
    cm->n_params = m->n_params;
    cm->params = dbuf(cm, m->n_params);
    cm->opt_n = m->n_params;
    cm->grads = dbuf(cm, m->n_params);
    const size_t B = (size_t)cm->bmax;
    cm->x = dbuf(cm, B * cm->n_in);
    cm->lab = dbuf(cm, B * cm->n_labels);
    cm->out = dbuf(cm, B * cm->n_out);
    cm->rows = (double *)dbuf(cm, 2 * B);
    cm->loss = (double *)dbuf(cm, 2 * MODEL_MAX_HEADS);
    cm->hx = (float *)cu_host_alloc(sizeof(float) * B * cm->n_in);
    cm->hlab = (float *)cu_host_alloc(sizeof(float) * B * cm->n_labels);
    cm->hloss = (double *)cu_host_alloc(sizeof(double) * MODEL_MAX_HEADS);
    cm->cur_slot = -1;
    cm->n_state = m->n_state;
    if (m->n_state) cm->state = dbuf(cm, m->n_state);
    cm->nodrop = m->no_dropout;
    size_t ones = B * NP * NB;
    if (m->arch == ARCH_CLAIR3_PILEUP) {
        clair3_alloc(cm);
    } else if (m->arch == ARCH_CLAIRVOYANTE) {
        clv_alloc(cm);
    } else {
        cm->fa_rows = m->fa_rows;
        fa_alloc(cm);
        const size_t px = B * cm->faH[1] * cm->faW[1];  // conv1's output pixels (bias sums)
        ones = px > ones ? px : ones;
    }
    // Column sums (bias gradients) use a ones vector as long as the most rows summed (B*33*4
    // conv pixels, Clairvoyante; B*33 LSTM rows, Clair3; conv1's output pixels, clair3-fa):
    // sized here so that no step reallocates.
    cu_ensure_ones(cm->c, ones);
    // and the BiLSTMs' pointer arrays (3 per step and direction), so that no pass allocates
    // (an allocation waits for every stream on the device: calla call's other workers)
    if (m->arch == ARCH_CLAIR3_PILEUP) cu_ensure_ptrs(cm->c, 3 * 2 * (size_t)(T_ - 1));
    cuda_model_set_params(cm, m->params);
    cuda_model_set_state(cm, m->state);
    cu_sync(cm->c);
    return cm;
}

void cuda_model_free(CudaModel *cm) {
    if (!cm) return;
    cu_ctx_bind(cm->c);
    cu_sync(cm->c);
    for (int k = 0; k < 2; k++) {
        cu_graph_free(cm->graph[k].g);
        if (cm->pipeline)
            cu_host_free(cm->hout[k]), cu_host_free(cm->hsloss[k]), cu_event_free(cm->done[k]);
    }
    if (cm->pipeline) {  // an upload may still be in flight (a prefetched batch never used)
        cu_stream_sync(cm->cstream);
        for (int k = 0; k < 2; k++) {
            cu_event_free(cm->up[k]), cu_event_free(cm->used[k]);
            cu_host_free(cm->hsx[k]), cu_host_free(cm->hslab[k]);
        }
        cu_stream_free(cm->cstream);
    }
    for (int i = 0; i < cm->nbufs; i++) cu_free(cm->bufs[i]);
    cu_free(cm->ostate);
    cu_free(cm->mask);
    cu_free(cm->gshard);
    cu_host_free(cm->hx);
    cu_host_free(cm->hlab);
    cu_host_free(cm->hloss);
    cu_ctx_free(cm->c);
    free(cm);
}

void cuda_model_set_params(CudaModel *cm, const float *params) {
    cu_ctx_bind(cm->c);
    cu_upload(cm->c, cm->params, params, sizeof(float) * cm->n_params);
    cu_sync(cm->c);  // the caller may reuse its buffer at once
}

void cuda_model_get_params(CudaModel *cm, float *params) {
    cu_ctx_bind(cm->c);
    cu_download(cm->c, params, cm->params, sizeof(float) * cm->n_params);
}

void cuda_model_set_state(CudaModel *cm, const float *state) {
    if (!cm->n_state) return;
    cu_ctx_bind(cm->c);
    cu_upload(cm->c, cm->state, state, sizeof(float) * cm->n_state);
    cu_sync(cm->c);
}

void cuda_model_get_state(CudaModel *cm, float *state) {
    if (!cm->n_state) return;
    cu_ctx_bind(cm->c);
    cu_download(cm->c, state, cm->state, sizeof(float) * cm->n_state);
}

void cuda_model_get_grads(CudaModel *cm, float *grads) {
    cu_ctx_bind(cm->c);
    cu_download(cm->c, grads, cm->grads, sizeof(float) * cm->n_params);
}

static void check_batch(const CudaModel *cm, int B) {
    if (B < 1 || B > cm->bmax)
        calla_die("model_forward: batch of %d samples outside [1, %d]", B, cm->bmax);
}

// The host model's label check (clair3: both genotype labels in range; clair3-fa: all four
// heads' labels), before any upload.
static void check_labels(const CudaModel *cm, const float *labels, int B) {
    if (cm->arch != ARCH_CLAIR3_PILEUP && cm->arch != ARCH_CLAIR3_FA) return;
    const int fa = cm->arch == ARCH_CLAIR3_FA;
    for (int b = 0; b < B; b++)
        for (int k = 0; k < (fa ? 4 : 2); k++) {
            const int n = fa ? FA_HEAD_N[k] : k == 0 ? NGT : NZY;
            const int v = (int)labels[(size_t)b * cm->n_labels + k];
            if (v < 0 || v >= n)
                calla_die("%s: label %d of sample %d is %d, outside [0, %d)",
                          fa ? "clair3-fa" : "clair3", k, b, v, n);
        }
}

// The host half of a pass: its shape, and the dropout seed (one draw from m->rng, as the CPU
// model draws it) uploaded to the context's seed slot, where the kernels read it.
static void pass_prepare(CudaModel *cm, Model *m, int B, int train, int labelled) {
    cm->B = B;
    cm->labelled = labelled;
    cm->train = train;
    cm->row0 = m->row0;
    cm->nodrop = m->no_dropout;
    if (train) cu_seed(cm->c, rng_u64(&m->rng));  // this step's dropout streams
}

// The device half: the forward kernels over this pass's inputs (cm->xin, cm->labin). Issues
// device work only (no host wait, no upload), so it can be captured into a graph.
static void forward_kernels(CudaModel *cm) {
    const uint64_t *seed = (const uint64_t *)cu_scalars_dev(cm->c, CU_SLOT_SEED);
    if (cm->arch == ARCH_CLAIR3_PILEUP)
        clair3_forward(cm, cm->B, cm->train, seed, cm->row0);
    else if (cm->arch == ARCH_CLAIRVOYANTE)
        clv_forward(cm, cm->B, cm->train, seed, cm->row0);
    else
        fa_forward(cm, cm->B, cm->train, seed, cm->row0);
}

static void forward_enqueue(CudaModel *cm, Model *m, int B, int train, int labelled) {
    pass_prepare(cm, m, B, train, labelled);
    forward_kernels(cm);
}

// Enqueues the forward pass (inputs staged through page-locked memory); no host wait.
static void forward_async(CudaModel *cm, Model *m, const float *x, const float *labels, int B,
                          int train) {
    check_batch(cm, B);
    if (labels) check_labels(cm, labels, B);
    cu_ctx_bind(cm->c);
    memcpy(cm->hx, x, sizeof(float) * B * cm->n_in);
    cu_upload(cm->c, cm->x, cm->hx, sizeof(float) * B * cm->n_in);
    if (labels) {
        memcpy(cm->hlab, labels, sizeof(float) * B * cm->n_labels);
        cu_upload(cm->c, cm->lab, cm->hlab, sizeof(float) * B * cm->n_labels);
    }
    cm->xin = cm->x, cm->labin = cm->lab, cm->cur_slot = -1;
    forward_enqueue(cm, m, B, train, labels != NULL);
}

// Waits for the stream and turns the device's per-head sums into the model's losses.
static double collect_loss(CudaModel *cm, Model *m) {
    double total = 0.0;
    for (int h = 0; h < cm->n_heads; h++) m->head_loss[h] = 0.0;
    if (!cm->labelled) {
        cu_sync(cm->c);
        return 0.0;
    }
    cu_download(cm->c, cm->hloss, cm->loss, sizeof(double) * cm->n_heads);
    for (int h = 0; h < cm->n_heads; h++) {
        // Clair3 (both): focal loss, mean over the batch; Clairvoyante: sums over the batch.
        m->head_loss[h] = cm->arch != ARCH_CLAIRVOYANTE ? cm->hloss[h] / cm->B : cm->hloss[h];
        total += m->head_loss[h];
    }
    return total;
}

double cuda_model_forward(CudaModel *cm, Model *m, const float *x, const float *labels, int B,
                          int train) {
    forward_async(cm, m, x, labels, B, train);
    cu_download(cm->c, m->out, cm->out, sizeof(float) * B * cm->n_out);
    return collect_loss(cm, m);
}

// The backward kernels (device work only: capturable).
static void backward_kernels(CudaModel *cm) {
    cu_zero(cm->c, cm->grads, sizeof(float) * cm->n_params);
    if (cm->arch == ARCH_CLAIR3_PILEUP)
        clair3_backward(cm);
    else if (cm->arch == ARCH_CLAIRVOYANTE)
        clv_backward(cm);
    else
        fa_backward(cm);
}

void cuda_model_backward(CudaModel *cm) {
    if (!cm->labelled) calla_die("backward after a forward without labels");
    cu_ctx_bind(cm->c);
    backward_kernels(cm);
    if (cm->cur_slot >= 0) cu_event_record(cm->used[cm->cur_slot], cm->c->stream);  // x read
}

// The state of elements [lo, lo + o->n) of the parameters (the whole buffer, or a ZeRO-1 shard).
static void optim_upload(CudaModel *cm, const Optimizer *o, const uint8_t *decay_mask, size_t lo) {
    const size_t n = o->n;
    cu_ctx_bind(cm->c);
    if (lo + n > cm->n_params)
        calla_die("internal error: optimizer of [%zu, %zu) for a model of %zu", lo, lo + n,
                  cm->n_params);
    if (cm->has_opt && n != cm->opt_n)
        calla_die("internal error: optimizer of %zu, attached with %zu", n, cm->opt_n);
    cm->opt_lo = lo, cm->opt_n = n;
    if (!cm->ostate) cm->ostate = (float *)cu_malloc(sizeof(float) * 3 * (n ? n : 1));
    if (!cm->mask) cm->mask = (uint8_t *)cu_malloc(n ? n : 1);
    if (decay_mask) decay_mask += lo;
    cu_upload(cm->c, cm->ostate, o->m, sizeof(float) * n);
    cu_upload(cm->c, cm->ostate + n, o->v, sizeof(float) * n);
    if (o->slow) cu_upload(cm->c, cm->ostate + 2 * n, o->slow, sizeof(float) * n);
    if (decay_mask)
        cu_upload(cm->c, cm->mask, decay_mask, n);
    else {
        uint8_t *mk = cm->mask;
        launch(n, cm->c->stream, [=] CALLA_HD(size_t i) { mk[i] = 1; });
    }
    cu_sync(cm->c);
    cm->has_opt = 1;
}

void cuda_optim_attach(CudaModel *cm, const Optimizer *o, const uint8_t *decay_mask) {
    if (o->n != cm->n_params)
        calla_die("internal error: optimizer of %zu for a model of %zu", o->n, cm->n_params);
    optim_upload(cm, o, decay_mask, 0);
}

float *cuda_optim_attach_shard(CudaModel *cm, const Optimizer *o, const uint8_t *decay_mask,
                               size_t lo, size_t padded) {
    cu_ctx_bind(cm->c);
    if (padded > cm->n_params) {  // room for an in-place equal-count all-gather (NCCL)
        for (int i = 0; i < cm->nbufs; i++)
            if (cm->bufs[i] == cm->params) {
                float *p = (float *)cu_malloc(sizeof(float) * padded);
                cu_copy(cm->c, p, cm->params, sizeof(float) * cm->n_params);
                cu_sync(cm->c);
                cu_free(cm->params);
                cm->bufs[i] = cm->params = p;
            }
    }
    optim_upload(cm, o, decay_mask, lo);
    if (!cm->gshard) cm->gshard = (float *)cu_malloc(sizeof(float) * (o->n ? o->n : 1));
    return cm->gshard;
}

void cuda_optim_step(CudaModel *cm, Optimizer *o, double lr, double wd_scale) {
    if (!cm->has_opt) calla_die("internal error: cuda_optim_step before cuda_optim_attach");
    cu_ctx_bind(cm->c);
    const size_t n = cm->opt_n;
    if (o->n != n) calla_die("internal error: optimizer of %zu, attached with %zu", o->n, n);
    cu_optim_step(cm->c, o, cm->params + cm->opt_lo, cm->gshard ? cm->gshard : cm->grads,
                  cm->ostate, cm->ostate + n, o->slow ? cm->ostate + 2 * n : NULL, cm->mask, lr,
                  wd_scale);
}

void cuda_optim_get_state(CudaModel *cm, Optimizer *o) {
    cu_ctx_bind(cm->c);
    const size_t n = cm->opt_n;
    if (o->n != n) calla_die("internal error: optimizer of %zu, attached with %zu", o->n, n);
    cu_download(cm->c, o->m, cm->ostate, sizeof(float) * n);
    cu_download(cm->c, o->v, cm->ostate + n, sizeof(float) * n);
    if (o->slow) cu_download(cm->c, o->slow, cm->ostate + 2 * n, sizeof(float) * n);
}

double cuda_train_step(CudaModel *cm, Model *m, Optimizer *o, const float *x, const float *labels,
                       int B, int train, double lr, double wd_scale) {
    forward_async(cm, m, x, labels, B, train);
    cuda_model_backward(cm);
    cuda_optim_step(cm, o, lr, wd_scale);
    return collect_loss(cm, m);
}

// A whole training step's device work (forward, backward, the optimizer's elementwise update)
// for one process: capturable (the seed and the optimizer's terms are read from device memory).
static void step_kernels(CudaModel *cm, const Optimizer *o) {
    forward_kernels(cm);
    backward_kernels(cm);
    cu_optim_apply(cm->c, o, cm->params + cm->opt_lo, cm->gshard ? cm->gshard : cm->grads,
                   cm->ostate, cm->ostate + cm->opt_n, o->slow ? cm->ostate + 2 * cm->opt_n : NULL,
                   cm->mask);
}

// ---------------------------------------------------------------- the input pipeline

static void pipeline_init(CudaModel *cm) {
    if (cm->pipeline) return;
    const size_t B = (size_t)cm->bmax;
    for (int k = 0; k < 2; k++) {
        cm->hsx[k] = (float *)cu_host_alloc(sizeof(float) * B * cm->n_in);
        cm->hslab[k] = (float *)cu_host_alloc(sizeof(float) * B * cm->n_labels);
        cm->sx[k] = dbuf(cm, B * cm->n_in);
        cm->slab[k] = dbuf(cm, B * cm->n_labels);
        cm->up[k] = cu_event_new(), cm->used[k] = cu_event_new();
        cm->hout[k] = (float *)cu_host_alloc(sizeof(float) * B * cm->n_out);
        cm->hsloss[k] = (double *)cu_host_alloc(sizeof(double) * MODEL_MAX_HEADS);
        cm->done[k] = cu_event_new_blocking();
        // recorded once, so that the first waits on them return at once
        cu_event_record(cm->up[k], cm->c->stream), cu_event_record(cm->used[k], cm->c->stream);
    }
    cm->cstream = cu_stream_new();
    cm->pipeline = 1;
}

void cuda_batch_slot(CudaModel *cm, int k, float **x, float **labels) {
    if (k < 0 || k > 1) calla_die("internal error: input slot %d", k);
    cu_ctx_bind(cm->c);
    pipeline_init(cm);
    cu_event_sync(cm->up[k]);  // the slot's previous upload has finished reading it
    *x = cm->hsx[k];
    *labels = cm->hslab[k];
}

// Starts the upload of slot k's first B rows (and labels) on the copy stream.
static void slot_upload(CudaModel *cm, int k, int B, int labelled) {
    if (k < 0 || k > 1 || !cm->pipeline) calla_die("internal error: upload of input slot %d", k);
    check_batch(cm, B);
    if (labelled) check_labels(cm, cm->hslab[k], B);
    cu_ctx_bind(cm->c);
    cu_stream_wait_event(cm->cstream, cm->used[k]);  // the last pass that read device slot k
    cu_upload_on(cm->cstream, cm->sx[k], cm->hsx[k], sizeof(float) * B * cm->n_in);
    if (labelled)
        cu_upload_on(cm->cstream, cm->slab[k], cm->hslab[k], sizeof(float) * B * cm->n_labels);
    cu_event_record(cm->up[k], cm->cstream);
    cm->slot_B[k] = B, cm->slot_lab[k] = labelled;
}

void cuda_batch_upload(CudaModel *cm, int k, int B) { slot_upload(cm, k, B, 1); }
void cuda_batch_upload_inputs(CudaModel *cm, int k, int B) { slot_upload(cm, k, B, 0); }

void cuda_infer_enqueue(CudaModel *cm, Model *m, int k) {
    if (k < 0 || k > 1 || !cm->pipeline || cm->slot_B[k] < 1)
        calla_die("internal error: inference on input slot %d before its upload", k);
    cu_ctx_bind(cm->c);
    cu_stream_wait_event(cm->c->stream, cm->up[k]);
    const int lab = cm->slot_lab[k];
    cm->xin = cm->sx[k], cm->labin = lab ? cm->slab[k] : NULL, cm->cur_slot = k;
    forward_enqueue(cm, m, cm->slot_B[k], 0, lab);
    cu_event_record(cm->used[k], cm->c->stream);
    if (lab)  // the per-head loss sums, too
        cu_download_async(cm->c, cm->hsloss[k], cm->loss, sizeof(double) * cm->n_heads);
    // the probabilities to the slot's page-locked buffer, asynchronously (on the same stream, so
    // before the next pass overwrites cm->out)
    cu_download_async(cm->c, cm->hout[k], cm->out, sizeof(float) * cm->slot_B[k] * cm->n_out);
    cu_event_record(cm->done[k], cm->c->stream);
}

double cuda_infer_loss(CudaModel *cm, Model *m, int k) {
    if (k < 0 || k > 1 || !cm->pipeline || !cm->slot_lab[k])
        calla_die("internal error: no labelled pass on slot %d", k);
    cu_ctx_bind(cm->c);
    cu_event_sync(cm->done[k]);
    double total = 0.0;
    for (int h = 0; h < cm->n_heads; h++) {  // as collect_loss
        const double v = cm->hsloss[k][h];
        m->head_loss[h] = cm->arch != ARCH_CLAIRVOYANTE ? v / cm->slot_B[k] : v;
        total += m->head_loss[h];
    }
    return total;
}

const float *cuda_infer_wait(CudaModel *cm, int k) {
    if (k < 0 || k > 1 || !cm->pipeline) calla_die("internal error: no inference on slot %d", k);
    cu_ctx_bind(cm->c);
    cu_event_sync(cm->done[k]);
    return cm->hout[k];
}

void cuda_train_enqueue(CudaModel *cm, Model *m, Optimizer *o, int k, int train, double lr,
                        double wd_scale) {
    if (k < 0 || k > 1 || !cm->pipeline || cm->slot_B[k] < 1)
        calla_die("internal error: training pass on input slot %d before its upload", k);
    cu_ctx_bind(cm->c);
    cu_stream_wait_event(cm->c->stream, cm->up[k]);  // the batch is on the device
    cm->xin = cm->sx[k], cm->labin = cm->slab[k], cm->cur_slot = k;
    if (!o) {  // several ranks: the forward only (backward and update come after the reduction)
        forward_enqueue(cm, m, cm->slot_B[k], train, 1);
        return;
    }
    // host halves first (seed, optimizer terms: uploads the kernels read), then the kernels
    pass_prepare(cm, m, cm->slot_B[k], train, 1);
    if (!cm->has_opt) calla_die("internal error: training step before cuda_optim_attach");
    if (o->n != cm->opt_n) calla_die("internal error: optimizer of %zu, attached with %zu", o->n, cm->opt_n);
    cu_optim_prepare(cm->c, o, lr, wd_scale);
    if (cm->graphs && cm->eager_steps >= 1) {
        // CUDA graph (docs/cuda.md "CUDA graphs"): the step's kernels captured once per input
        // slot (and batch size / dropout setting) and replayed; the first step ran eagerly, so
        // every lazily sized buffer exists before any capture.
        StepGraph *g = &cm->graph[k];
        if (!g->g || g->B != cm->B || g->train != train || g->nodrop != cm->nodrop) {
            cu_graph_free(g->g);
            cu_capture_begin(cm->c);
            step_kernels(cm, o);
            g->g = cu_capture_end(cm->c);
            g->B = cm->B, g->train = train, g->nodrop = cm->nodrop;
            cm->n_captures++;
        }
        cu_graph_launch(cm->c, g->g);
    } else {
        step_kernels(cm, o);
        cm->eager_steps++;
    }
    cu_event_record(cm->used[k], cm->c->stream);  // the step's last read of device slot k
}

void cuda_model_set_graphs(CudaModel *cm, int on) { cm->graphs = on; }
int cuda_model_graph_captures(const CudaModel *cm) { return cm->n_captures; }

double cuda_train_wait(CudaModel *cm, Model *m) {
    cu_ctx_bind(cm->c);
    return collect_loss(cm, m);
}

// ---------------------------------------------------------------- several GPUs (MPI ranks)

double cuda_train_forward(CudaModel *cm, Model *m, const float *x, const float *labels, int B,
                          int train) {
    if (!labels) calla_die("cuda_train_forward without labels");
    forward_async(cm, m, x, labels, B, train);
    return collect_loss(cm, m);
}

void cuda_model_backward_ready(CudaModel *cm, void (*ready)(void *, size_t, size_t), void *ud) {
    cm->ready = ready, cm->ready_ud = ud;
    cuda_model_backward(cm);
    cm->ready = NULL, cm->ready_ud = NULL;
}

void cuda_model_scale_grads(CudaModel *cm, size_t lo, size_t hi, float s) {
    if (hi > cm->n_params) hi = cm->n_params;
    if (lo >= hi) return;
    cu_ctx_bind(cm->c);
    float *g = cm->grads + lo;
    launch(hi - lo, cm->c->stream, [=] CALLA_HD(size_t i) { g[i] *= s; });
}

float *cuda_model_params_dev(CudaModel *cm) { return cm->params; }
float *cuda_model_grads_dev(CudaModel *cm) { return cm->grads; }

void *cuda_model_stream(CudaModel *cm) {
#ifdef CALLA_CUDA
    return (void *)cm->c->stream;
#else
    (void)cm;
    return NULL;
#endif
}

// DistDeviceCopy hooks (ctx = the CudaModel): copies on the model's stream, so ordered after the
// kernels already enqueued there, and synchronised before returning (the reducer reuses the host
// buffer and the device buffer as soon as they return).
void cuda_copy_to_host(void *ctx, float *host, const float *dev, size_t n) {
    CudaModel *cm = (CudaModel *)ctx;
    cu_ctx_bind(cm->c);
    cu_download(cm->c, host, dev, sizeof(float) * n);  // waits
}

void cuda_copy_to_device(void *ctx, float *dev, const float *host, size_t n) {
    CudaModel *cm = (CudaModel *)ctx;
    cu_ctx_bind(cm->c);
    cu_upload(cm->c, dev, host, sizeof(float) * n);
    cu_sync(cm->c);
}
