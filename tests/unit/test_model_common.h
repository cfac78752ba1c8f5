// test_model_common.h — shared by test_model_*.c: gradient check of a whole model.
//
// For each parameter tensor we take up to 12 random entries and a random +-1 direction v over
// them, and compare the analytic directional derivative sum_i g_i v_i (from model_backward) with
// the central difference (L(w + e v) - L(w - e v)) / 2e of the total loss (float forward, loss
// accumulated in double), e = 1e-3. Error budget: truncation e^2 |d3L| / 6 ~ 1e-6; the float
// forward's rounding changes L by ~1e-7 |L| between evaluations (measured: differences at
// e = 1e-4 scatter by ~1.4e-7 |L| / e), i.e. ~1e-7 |L| / e in the difference; we allow ten times
// that. Hence |fd - an| <= 1e-3 + 1e-6 |L| / e + 3e-2 |fd|. Inputs are continuous so that no
// max-pool window holds a tie and few SELU inputs sit within e of 0 (kinks break differences).
// Tensors named with `loose_prefix` (Clairvoyante's convs, upstream of three max-pools) get
// rtol 0.1: a +-e step of a conv weight moves every conv output of the batch, so some max-pool
// windows switch argmax inside the step and bias the difference by a few % (seen: up to 8% at
// e = 1e-3, while the same entries agree to <1% where no switch occurs); the layer test
// checks conv/pool gradients exactly with well-separated values.
// A wrong term in any backward (tried: dropping a factor, mis-padding) fails by far more.
#ifndef TEST_MODEL_COMMON_H
#define TEST_MODEL_COMMON_H
#include <stdio.h>
#include <string.h>

#include "common/blas.h"
#include "network/model.h"
#include "testlib.h"

// The tests run on one thread: the machine is shared, and tiny batches gain nothing from more.
static inline void single_thread(void) {
#ifdef _OPENMP
    extern void omp_set_num_threads(int);
    omp_set_num_threads(1);
#endif
    blas_set_threads(1);
}

// x, labels: one batch. train: dropout on (with m->rng restored before every forward, so the
// masks are the same in every evaluation) or off. Returns the number of failing tensors.
static inline int model_grad_check(Model *m, const float *x, const float *labels, int B, int train,
                            Rng *pick, const char *loose_prefix) {
    Rng saved = m->rng;
    double L0 = model_forward(m, x, labels, B, train);
    model_backward(m);
    int bad = 0;
    const double e = 1e-3;
    for (int t = 0; t < m->n_tensors; t++) {
        const ParamTensor *pt = &m->tensors[t];
        size_t idx[12];
        float v[12];
        int k = pt->numel < 12 ? (int)pt->numel : 12;
        double an = 0.0;
        for (int j = 0; j < k; j++) {
            idx[j] = pt->numel <= 12 ? (size_t)j : rng_below(pick, pt->numel);
            for (int q = 0; q < j; q++)
                if (idx[q] == idx[j]) idx[j] = (idx[j] + 1) % pt->numel, q = -1;
            v[j] = rng_uniform(pick) < 0.5 ? -1.0f : 1.0f;
            an += (double)m->grads[pt->offset + idx[j]] * v[j];
        }
        float *w = m->params + pt->offset;
        float w0[12];
        for (int j = 0; j < k; j++) w0[j] = w[idx[j]];
        for (int j = 0; j < k; j++) w[idx[j]] = w0[j] + (float)e * v[j];
        m->rng = saved;
        double lp = model_forward(m, x, labels, B, train);
        for (int j = 0; j < k; j++) w[idx[j]] = w0[j] - (float)e * v[j];
        m->rng = saved;
        double lm = model_forward(m, x, labels, B, train);
        for (int j = 0; j < k; j++) w[idx[j]] = w0[j];
        double fd = (lp - lm) / (2.0 * e);
        double rtol =
            loose_prefix && strncmp(pt->name, loose_prefix, strlen(loose_prefix)) == 0 ? 0.1 : 3e-2;
        int ok = fabs(fd - an) <= 1e-3 + 1e-6 * fabs(L0) / e + rtol * fabs(fd);
        fprintf(stderr, "%-28s analytic %12.6g numeric %12.6g %s\n", pt->name, an, fd,
                ok ? "ok" : "MISMATCH");
        if (!ok) bad++;
    }
    m->rng = saved;
    T_CHECK(bad == 0);
    return bad;
}

static inline void check_tensor_table(const Model *m, size_t expect) {
    T_EQ_INT(m->n_params, expect);
    size_t off = 0;
    for (int t = 0; t < m->n_tensors; t++) {
        const ParamTensor *pt = &m->tensors[t];
        T_EQ_INT(pt->offset, off);
        size_t n = 1;
        for (int d = 0; d < pt->ndim; d++) n *= (size_t)pt->shape[d];
        T_EQ_INT(pt->numel, n);
        T_EQ_INT(pt->decay, strstr(pt->name, ".bias") == NULL);
        for (int u = 0; u < t; u++) T_CHECK(strcmp(m->tensors[u].name, pt->name) != 0);
        off += n;
    }
    T_EQ_INT(off, expect);
}

static inline void check_probs(const Model *m, int B) {
    for (int b = 0; b < B; b++)
        for (int h = 0; h < m->n_heads; h++) {
            const float *p = m->out + (size_t)b * m->n_out + m->heads[h].offset;
            double s = 0.0;
            for (int c = 0; c < m->heads[h].size; c++) {
                T_CHECK(p[c] >= 0.0f && p[c] <= 1.0f);
                s += p[c];
            }
            if (m->heads[h].kind == HEAD_SOFTMAX) T_NEAR(s, 1.0, 1e-5, 0);
        }
}

#endif
