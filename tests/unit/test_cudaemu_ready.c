// The device backward's finished gradient ranges (cuda_model_backward_ready, for overlapping the
// multi-GPU reduction with backward), in emulation: the ranges tile [0, n_params) exactly once,
// the heads first and the input layer last, and each range is final when reported (in emulation
// every kernel has run when launch() returns, so a snapshot taken at report time must equal the
// gradient after the whole pass: no later kernel writes a reported range). The gradients equal a
// plain cuda_model_backward's bit for bit. Also: cuda_model_scale_grads scales only [lo, hi),
// and the DistDeviceCopy hooks copy exactly n floats each way.
#include <stdlib.h>
#include <string.h>

#include "cuda/cuda_backend.h"
#include "network/model.h"
#include "testlib.h"

typedef struct {
    const float *g;  // the device gradient buffer (host memory in emulation)
    float *snap;
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

static void check(ModelArch arch, int B) {
    Model m;
    T_EQ_INT(model_create(&m, arch, B), 0);
    model_init_params(&m, 7);
    const int nin = m.n_pos * m.n_chan;
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
    CudaModel *cm = cuda_model_new(&m, 0, 0);
    T_CHECK(cm != NULL);
    if (!cm) return;
    const size_t n = m.n_params;
    float *plain = malloc(n * sizeof(float)), *got = malloc(n * sizeof(float));
    Rng keep = m.rng;  // the same dropout seed for both passes
    cuda_train_forward(cm, &m, x, lab, B, 1);
    cuda_model_backward(cm);
    cuda_model_get_grads(cm, plain);
    m.rng = keep;
    Rec rec = {.g = cuda_model_grads_dev(cm), .snap = calloc(n, sizeof(float)), .seen = calloc(n, 1)};
    cuda_train_forward(cm, &m, x, lab, B, 1);
    cuda_model_backward_ready(cm, on_ready, &rec);
    cuda_model_get_grads(cm, got);
    T_EQ_INT(rec.total, n);
    T_CHECK(!rec.overlap);
    T_EQ_INT(rec.prev_lo, 0);  // the input layer's gradients come last
    T_CHECK(rec.n_calls >= 5);
    T_CHECK(rec.first_lo > n / 2);  // the heads come first; they sit at the end
    size_t missing = 0, differ = 0, changed = 0;
    for (size_t i = 0; i < n; i++) {
        missing += !rec.seen[i];
        differ += rec.snap[i] != got[i];
        changed += memcmp(&plain[i], &got[i], sizeof(float)) != 0;
    }
    T_EQ_INT(missing, 0);
    T_EQ_INT(differ, 0);   // nothing changed a reported range afterwards
    T_EQ_INT(changed, 0);  // reporting does not change the arithmetic
    // scale [lo, hi) by 0.25 (exact in binary): elements outside untouched
    const size_t lo = n / 3, hi = n / 3 + 1000;
    cuda_model_scale_grads(cm, lo, hi, 0.25f);
    cuda_model_get_grads(cm, got);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) bad += got[i] != (i >= lo && i < hi ? plain[i] * 0.25f : plain[i]);
    T_EQ_INT(bad, 0);
    // copy hooks: 1000 floats out, changed, back in; the neighbours stay
    float host[1002];
    for (int i = 0; i < 1002; i++) host[i] = -1.0f;
    cuda_copy_to_host(cm, host + 1, cuda_model_grads_dev(cm) + lo, 1000);
    T_CHECK(host[0] == -1.0f && host[1001] == -1.0f);
    T_CHECK(!memcmp(host + 1, got + lo, 1000 * sizeof(float)));
    for (int i = 1; i <= 1000; i++) host[i] = (float)i;
    cuda_copy_to_device(cm, cuda_model_grads_dev(cm) + lo, host + 1, 1000);
    cuda_model_get_grads(cm, got);
    bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += got[i] != (i >= lo && i < hi ? (float)(i - lo + 1) : plain[i]);
    T_EQ_INT(bad, 0);
    cuda_model_free(cm);
    free(x), free(lab), free(rec.snap), free(rec.seen), free(plain), free(got);
    model_free(&m);
}

int main(void) {
    check(ARCH_CLAIR3_PILEUP, 4);
    check(ARCH_CLAIRVOYANTE, 4);
    T_DONE();
}
