// model_backward reports finished gradient ranges (for overlapping the data-parallel all-reduce):
// the ranges tile [0, n_params) exactly once, the heads first and the input layer last, and each
// range's gradients are already final when reported (equal to the values after the whole pass).
#include "unit/grad_ready_util.h"

static void check(ModelArch arch, int B) {
    Model m;
    T_EQ_INT(model_create(&m, arch, B), 0);
    model_init_params(&m, 7);
    float *x, *lab;
    gr_batch(&m, B, &x, &lab);
    Rec rec = rec_new(m.grads, m.n_params);
    m.grad_ready = on_ready, m.grad_ready_ud = &rec;
    model_forward(&m, x, lab, B, 1);
    model_backward(&m);
    gr_check(&rec, m.grads, m.n_params);
    free(x), free(lab), free(rec.snap), free(rec.seen);
    model_free(&m);
}

int main(void) {
    check(ARCH_CLAIR3_PILEUP, 4);
    check(ARCH_CLAIRVOYANTE, 4);
    check(ARCH_CLAIR3_FA, 4);  // 55 rows
    T_DONE();
}
