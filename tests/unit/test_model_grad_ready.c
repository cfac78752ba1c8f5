// model_backward reports finished gradient ranges (for overlapping the data-parallel all-reduce):
// the ranges tile [0, n_params) exactly once, the heads first and the input layer last, and each
// range's gradients are already final when reported (equal to the values after the whole pass).
#include <stdlib.h>
#include <string.h>

#include "network/model.h"
#include "testlib.h"

typedef struct {
    Model *m;
    float *snap;      // gradients copied at report time
    unsigned char *seen;
    size_t n_calls, first_lo, prev_lo, total;
    int overlap;
} Rec;

static void on_ready(void *ud, size_t lo, size_t hi) {
    Rec *r = ud;
    if (r->n_calls == 0) r->first_lo = lo;
    r->prev_lo = lo;
    r->n_calls++;
    for (size_t i = lo; i < hi; i++) {
        if (r->seen[i]) r->overlap = 1;
        r->seen[i] = 1;
    }
    memcpy(r->snap + lo, r->m->grads + lo, (hi - lo) * sizeof(float));
    r->total += hi - lo;
}

static void check(ModelArch arch, int B) {
    Model m;
    T_EQ_INT(model_create(&m, arch, B), 0);
    model_init_params(&m, 7);
    int nin = m.n_pos * m.n_chan;
    float *x = malloc(sizeof(float) * B * nin), *lab = calloc((size_t)B * m.n_labels, sizeof(float));
    Rng r;
    rng_seed(&r, 3);
    for (int i = 0; i < B * nin; i++) x[i] = (float)(rng_uniform(&r) * 10 - 5);
    for (int b = 0; b < B; b++) {
        float *l = lab + (size_t)b * m.n_labels;
        if (arch == ARCH_CLAIR3_PILEUP) {
            l[0] = (float)(b % 21), l[1] = (float)(b % 3), l[2] = l[3] = 16;
        } else {
            l[b % 4] = 1, l[4 + b % 2] = 1, l[6 + b % 4] = 1, l[10 + b % 6] = 1;
        }
    }
    Rec rec = {.m = &m, .snap = calloc(m.n_params, sizeof(float)), .seen = calloc(m.n_params, 1)};
    m.grad_ready = on_ready, m.grad_ready_ud = &rec;
    model_forward(&m, x, lab, B, 1);
    model_backward(&m);
    T_EQ_INT(rec.total, m.n_params);
    T_CHECK(!rec.overlap);
    T_EQ_INT(rec.prev_lo, 0);  // the input layer's gradients come last
    T_CHECK(rec.n_calls >= 5);
    T_CHECK(rec.first_lo > m.n_params / 2);  // the heads come first; they sit at the end
    size_t missing = 0, differ = 0;
    for (size_t i = 0; i < m.n_params; i++) {
        missing += !rec.seen[i];
        differ += rec.snap[i] != m.grads[i];
    }
    T_EQ_INT(missing, 0);
    T_EQ_INT(differ, 0);  // nothing changed a reported range afterwards
    free(x), free(lab), free(rec.snap), free(rec.seen);
    model_free(&m);
}

int main(void) {
    check(ARCH_CLAIR3_PILEUP, 4);
    check(ARCH_CLAIRVOYANTE, 4);
    T_DONE();
}
