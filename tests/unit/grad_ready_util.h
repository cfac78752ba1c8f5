// grad_ready_util.h — shared by the tests of the backward passes' "gradient range finished"
// reports (test_model_grad_ready.c on the CPU, test_cudaemu_ready.c on the emulated device): a
// recorder for the reports, the test batch, and the checks every report sequence must pass.
#ifndef GRAD_READY_UTIL_H
#define GRAD_READY_UTIL_H
#include <stdlib.h>
#include <string.h>

#include "common/rng.h"
#include "network/model.h"
#include "testlib.h"

typedef struct {
    const float *g;  // the gradient buffer being reported on (host memory)
    float *snap;     // its ranges copied at report time
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
    memcpy(r->snap + lo, r->g + lo, (hi - lo) * sizeof(float));
    r->total += hi - lo;
}

static inline Rec rec_new(const float *g, size_t n) {
    Rec r = {.g = g, .snap = calloc(n, sizeof(float)), .seen = calloc(n, 1)};
    return r;
}

// A fixed batch of B rows for m: uniform inputs in [-5, 5), labels cycling through the classes.
static inline void gr_batch(const Model *m, int B, float **x, float **lab) {
    const int nin = m->n_pos * m->n_chan;
    *x = malloc(sizeof(float) * B * nin);
    *lab = calloc((size_t)B * m->n_labels, sizeof(float));
    Rng r;
    rng_seed(&r, 3);
    for (int i = 0; i < B * nin; i++) (*x)[i] = (float)(rng_uniform(&r) * 10 - 5);
    for (int b = 0; b < B; b++) {
        float *l = *lab + (size_t)b * m->n_labels;
        if (m->arch == ARCH_CLAIR3_PILEUP || m->arch == ARCH_CLAIR3_FA) {
            l[0] = (float)(b % 21), l[1] = (float)(b % 3), l[2] = l[3] = 16;
        } else {
            l[b % 4] = 1, l[4 + b % 2] = 1, l[6 + b % 4] = 1, l[10 + b % 6] = 1;
        }
    }
}

// The reports tile [0, n) exactly once, heads (at the end of the buffer) first and the input
// layer last, and each reported range already held its final values (`final`, after the pass).
static inline void gr_check(const Rec *rec, const float *final, size_t n) {
    T_EQ_INT(rec->total, n);
    T_CHECK(!rec->overlap);
    T_EQ_INT(rec->prev_lo, 0);  // the input layer's gradients come last
    T_CHECK(rec->n_calls >= 5);
    T_CHECK(rec->first_lo > n / 2);  // the heads come first; they sit at the end
    size_t missing = 0, differ = 0;
    for (size_t i = 0; i < n; i++) {
        missing += !rec->seen[i];
        differ += rec->snap[i] != final[i];
    }
    T_EQ_INT(missing, 0);
    T_EQ_INT(differ, 0);  // nothing changed a reported range afterwards
}

#endif
