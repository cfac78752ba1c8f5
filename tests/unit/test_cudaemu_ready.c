// The device backward's finished gradient ranges (cuda_model_backward_ready, for overlapping the
// multi-GPU reduction with backward), in emulation: the ranges tile [0, n_params) exactly once,
// the heads first and the input layer last, and each range is final when reported (in emulation
// every kernel has run when launch() returns, so a snapshot taken at report time must equal the
// gradient after the whole pass: no later kernel writes a reported range). The gradients equal a
// plain cuda_model_backward's bit for bit. Also: cuda_model_scale_grads scales only [lo, hi),
// and the DistDeviceCopy hooks copy exactly n floats each way. All three models (clair3-fa at its
// default 55 rows: per head, its l5_k, l4, then res3 ... conv1).
#include "cuda/cuda_backend.h"
#include "unit/grad_ready_util.h"

static void check(ModelArch arch, int B) {
    Model m;
    T_EQ_INT(model_create(&m, arch, B), 0);
    model_init_params(&m, 7);
    float *x, *lab;
    gr_batch(&m, B, &x, &lab);
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
    Rec rec = rec_new(cuda_model_grads_dev(cm), n);
    cuda_train_forward(cm, &m, x, lab, B, 1);
    cuda_model_backward_ready(cm, on_ready, &rec);
    cuda_model_get_grads(cm, got);
    gr_check(&rec, got, n);
    size_t changed = 0;
    for (size_t i = 0; i < n; i++) changed += memcmp(&plain[i], &got[i], sizeof(float)) != 0;
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
    check(ARCH_CLAIR3_FA, 3);
    T_DONE();
}
