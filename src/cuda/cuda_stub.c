// cuda_stub.c — cuda_backend.h for builds without CUDA: --device cuda reports one clear line.
// (CUDA builds define CALLA_CUDA and get the real functions from src/cuda/*.cu; the emulation
// objects of the tests define them too and take precedence at link time.)
#include "cuda/cuda_backend.h"

#ifndef CALLA_CUDA
#include <stdio.h>

#include "common/util.h"

#define NO_CUDA_MSG "calla was built without CUDA (rebuild on a machine with nvcc, without NO_CUDA=1)"

int cuda_backend_kind(void) { return 0; }

int cuda_device_count(char *why, size_t n) {
    if (why && n) snprintf(why, n, "built without CUDA");
    return 0;
}

int cuda_device_check(int dev) {
    (void)dev;
    calla_err("%s", NO_CUDA_MSG);
    return -1;
}

CudaModel *cuda_model_new(const Model *m, int dev, int precision) {
    (void)m, (void)dev, (void)precision;
    calla_err("%s", NO_CUDA_MSG);
    return NULL;
}

void cuda_model_free(CudaModel *cm) { (void)cm; }
void cuda_model_set_params(CudaModel *cm, const float *p) { (void)cm, (void)p, calla_die(NO_CUDA_MSG); }
void cuda_model_get_params(CudaModel *cm, float *p) { (void)cm, (void)p, calla_die(NO_CUDA_MSG); }
void cuda_model_get_grads(CudaModel *cm, float *g) { (void)cm, (void)g, calla_die(NO_CUDA_MSG); }
void cuda_model_get_state(CudaModel *cm, float *s) { (void)cm, (void)s, calla_die(NO_CUDA_MSG); }
void cuda_model_set_state(CudaModel *cm, const float *s) { (void)cm, (void)s, calla_die(NO_CUDA_MSG); }

double cuda_model_forward(CudaModel *cm, Model *m, const float *x, const float *labels, int B,
                          int train) {
    (void)cm, (void)m, (void)x, (void)labels, (void)B, (void)train;
    calla_die(NO_CUDA_MSG);
}

void cuda_model_backward(CudaModel *cm) { (void)cm, calla_die(NO_CUDA_MSG); }

void cuda_optim_attach(CudaModel *cm, const Optimizer *o, const uint8_t *mask) {
    (void)cm, (void)o, (void)mask, calla_die(NO_CUDA_MSG);
}

void cuda_optim_step(CudaModel *cm, Optimizer *o, double lr, double wd_scale) {
    (void)cm, (void)o, (void)lr, (void)wd_scale, calla_die(NO_CUDA_MSG);
}

void cuda_optim_get_state(CudaModel *cm, Optimizer *o) { (void)cm, (void)o, calla_die(NO_CUDA_MSG); }

void cuda_batch_slot(CudaModel *cm, int k, float **x, float **labels) {
    (void)cm, (void)k, (void)x, (void)labels, calla_die(NO_CUDA_MSG);
}
void cuda_batch_upload(CudaModel *cm, int k, int B) { (void)cm, (void)k, (void)B, calla_die(NO_CUDA_MSG); }
void cuda_train_enqueue(CudaModel *cm, Model *m, Optimizer *o, int k, int train, double lr,
                        double wd_scale) {
    (void)cm, (void)m, (void)o, (void)k, (void)train, (void)lr, (void)wd_scale;
    calla_die(NO_CUDA_MSG);
}
void cuda_batch_upload_inputs(CudaModel *cm, int k, int B) { (void)cm, (void)k, (void)B, calla_die(NO_CUDA_MSG); }
void cuda_infer_enqueue(CudaModel *cm, Model *m, int k) { (void)cm, (void)m, (void)k, calla_die(NO_CUDA_MSG); }
const float *cuda_infer_wait(CudaModel *cm, int k) { (void)cm, (void)k, calla_die(NO_CUDA_MSG); }
double cuda_infer_loss(CudaModel *cm, Model *m, int k) { (void)cm, (void)m, (void)k, calla_die(NO_CUDA_MSG); }
void cuda_model_set_graphs(CudaModel *cm, int on) { (void)cm, (void)on, calla_die(NO_CUDA_MSG); }
int cuda_model_graph_captures(const CudaModel *cm) { (void)cm, calla_die(NO_CUDA_MSG); }
double cuda_train_wait(CudaModel *cm, Model *m) { (void)cm, (void)m, calla_die(NO_CUDA_MSG); }

double cuda_train_step(CudaModel *cm, Model *m, Optimizer *o, const float *x, const float *labels,
                       int B, int train, double lr, double wd_scale) {
    (void)cm, (void)m, (void)o, (void)x, (void)labels, (void)B, (void)train, (void)lr;
    (void)wd_scale;
    calla_die(NO_CUDA_MSG);
}

double cuda_train_forward(CudaModel *cm, Model *m, const float *x, const float *labels, int B,
                          int train) {
    (void)cm, (void)m, (void)x, (void)labels, (void)B, (void)train;
    calla_die(NO_CUDA_MSG);
}

void cuda_model_backward_ready(CudaModel *cm, void (*ready)(void *, size_t, size_t), void *ud) {
    (void)cm, (void)ready, (void)ud, calla_die(NO_CUDA_MSG);
}

void cuda_model_scale_grads(CudaModel *cm, size_t lo, size_t hi, float s) {
    (void)cm, (void)lo, (void)hi, (void)s, calla_die(NO_CUDA_MSG);
}

float *cuda_model_params_dev(CudaModel *cm) { (void)cm, calla_die(NO_CUDA_MSG); }
float *cuda_model_grads_dev(CudaModel *cm) { (void)cm, calla_die(NO_CUDA_MSG); }
void *cuda_model_stream(CudaModel *cm) { (void)cm, calla_die(NO_CUDA_MSG); }

float *cuda_optim_attach_shard(CudaModel *cm, const Optimizer *o, const uint8_t *mask, size_t lo,
                               size_t padded) {
    (void)cm, (void)o, (void)mask, (void)lo, (void)padded, calla_die(NO_CUDA_MSG);
}

void cuda_copy_to_host(void *ctx, float *host, const float *dev, size_t n) {
    (void)ctx, (void)host, (void)dev, (void)n, calla_die(NO_CUDA_MSG);
}

void cuda_copy_to_device(void *ctx, float *dev, const float *host, size_t n) {
    (void)ctx, (void)dev, (void)host, (void)n, calla_die(NO_CUDA_MSG);
}
#else
typedef int cuda_stub_unused;  // CUDA build: the real functions are in src/cuda/*.cu
#endif
