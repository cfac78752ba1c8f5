// cuda_backend.h — the GPU backend as the rest of calla sees it (plain C): device selection,
// a model whose parameters, gradients and optimizer state live on one GPU, and the training
// step and batched inference built on src/cuda's kernels (cuda_layers.h).
//
// In builds without CUDA every function exists: cuda_device_check() reports
// "calla was built without CUDA (rebuild with nvcc in /usr/local/cuda/bin, NO_CUDA unset)" and
// the others are never reached (they die with the same message if they are).
#ifndef CALLA_CUDA_BACKEND_H
#define CALLA_CUDA_BACKEND_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
// The C headers below declare C functions: give them C linkage (their system headers are
// included first, outside the block, so that C++'s <math.h> is not wrapped).
#include <math.h>
#include <string.h>
extern "C" {
#endif
#include "network/model.h"
#include "training/optim.h"

// --device values: "cpu" -> -1, "cuda" -> 0, "cuda:N" -> N (N >= 0). 0 ok, -1 malformed.
int calla_device_parse(const char *s, int *dev);
// The device chosen by the running command (-1 = CPU, the default). Set only by command entry
// points (calla train / call), like the command name used in messages; read by the trainer.
void calla_device_set(int dev);
int calla_device_get(void);
// GEMM precision for --device cuda runs (cuda_layers.h CuPrecision: 0 fp32, 1 tf32, 2 bf16).
void calla_device_set_precision(int prec);
int calla_device_get_precision(void);

// 0: built without a GPU backend; 1: CUDA; 2: the emulation build (tests only).
int cuda_backend_kind(void);
// Usable CUDA devices (0 when none; `why`, if not NULL, then says why in a few words).
int cuda_device_count(char *why, size_t n);
// 0 when device `dev` can be used; otherwise prints one error line and returns -1.
int cuda_device_check(int dev);

typedef struct CudaModel CudaModel;
// A device copy of host model m (architecture, batch_max, parameter layout; params uploaded).
// The host Model stays the owner of the RNG (m->rng: one draw per training forward, as on the
// CPU, so dropout masks are the CPU's) and of row0.
CudaModel *cuda_model_new(const Model *m, int dev, int precision);
void cuda_model_free(CudaModel *cm);
void cuda_model_set_params(CudaModel *cm, const float *params);  // host -> device
void cuda_model_get_params(CudaModel *cm, float *params);        // device -> host (waits)
void cuda_model_get_grads(CudaModel *cm, float *grads);          // device -> host (waits)
// Non-trainable model state (clair3-fa: the batch-norm running means and variances; m->n_state
// floats in the host layout m->state): uploaded by cuda_model_new, updated on the device by every
// training forward (train != 0), used by evaluation forwards. cuda_model_get_state brings it back
// (waits; for model files and checkpoints, with cuda_model_get_params), cuda_model_set_state
// replaces it (resume). Both do nothing for models without state.
void cuda_model_get_state(CudaModel *cm, float *state);
void cuda_model_set_state(CudaModel *cm, const float *state);

// As model_forward (model.h): fills m->out and m->head_loss, returns the loss. Waits for the
// device once, at the end.
double cuda_model_forward(CudaModel *cm, Model *m, const float *x, const float *labels, int B,
                          int train);
// As model_backward: overwrites the device gradients (asynchronous).
void cuda_model_backward(CudaModel *cm);

// Optimizer state on the device (first/second moments and Lookahead slow weights in one
// buffer, the decay mask in another), uploaded from o; o keeps the hyper-parameters and step
// count (updated by each step), and cuda_optim_get_state brings the state back for checkpoints.
void cuda_optim_attach(CudaModel *cm, const Optimizer *o, const uint8_t *decay_mask);
void cuda_optim_step(CudaModel *cm, Optimizer *o, double lr, double wd_scale);
void cuda_optim_get_state(CudaModel *cm, Optimizer *o);

// One training step without a host wait inside: upload (pinned staging), forward, backward,
// optimizer update, then one wait to read the loss (returned; m->head_loss filled; m->out is
// NOT filled). Needs cuda_optim_attach first.
double cuda_train_step(CudaModel *cm, Model *m, Optimizer *o, const float *x, const float *labels,
                       int B, int train, double lr, double wd_scale);

// The training input pipeline (docs/cuda.md "Input pipeline"): two page-locked host slots per
// model. The trainer fills slot k with batch b+1 (host reads) and starts its upload (a copy
// stream) while the device computes batch b from the other slot.
// The host pointers of slot k ([batch_max, n_in] inputs, [batch_max, n_labels] labels); waits
// until the slot's previous upload has read them.
void cuda_batch_slot(CudaModel *cm, int k, float **x, float **labels);
// Starts copying slot k's first B rows (inputs and labels) to the device; returns at once.
void cuda_batch_upload(CudaModel *cm, int k, int B);
// Enqueues a training pass over uploaded slot k (the compute stream waits for the upload, not
// the host): forward; with o, also backward and the update (one process; several ranks pass NULL
// and go on with cuda_model_backward_ready). Returns at once; cuda_train_wait gives the loss.
void cuda_train_enqueue(CudaModel *cm, Model *m, Optimizer *o, int k, int train, double lr,
                        double wd_scale);
// Batched inference through the same slots (calla call, docs/cuda.md "Inference"): the caller
// writes a batch of inputs into slot k (cuda_batch_slot; labels unused), uploads them
// (cuda_batch_upload_inputs), enqueues the forward pass (no wait), goes on preparing the next
// batch in the other slot, and collects the probabilities ([B, n_out]) with cuda_infer_wait,
// which waits for that slot's pass only. The returned buffer is valid until the slot's next pass.
// A slot uploaded with cuda_batch_upload (labels too) gives a labelled pass (validation):
// cuda_infer_loss, after cuda_infer_wait, fills m->head_loss and returns the loss.
void cuda_batch_upload_inputs(CudaModel *cm, int k, int B);
void cuda_infer_enqueue(CudaModel *cm, Model *m, int k);
const float *cuda_infer_wait(CudaModel *cm, int k);
double cuda_infer_loss(CudaModel *cm, Model *m, int k);

// CUDA graphs for cuda_train_enqueue's one-process steps (docs/cuda.md "CUDA graphs"): off by
// default; on, the first step runs eagerly and later steps replay a captured graph per input
// slot. cuda_model_graph_captures counts the captures made (tests).
void cuda_model_set_graphs(CudaModel *cm, int on);
int cuda_model_graph_captures(const CudaModel *cm);
// Waits for the enqueued work and returns its loss (m->head_loss filled, m->out not).
double cuda_train_wait(CudaModel *cm, Model *m);

// Several GPUs, one per MPI rank (docs/cuda.md "Several GPUs"): the pieces of cuda_train_step
// that the gradient reduction (training/dist.h) goes between, and the device buffers it uses.
// Forward with labels; waits once and returns the loss (m->head_loss filled, m->out not).
double cuda_train_forward(CudaModel *cm, Model *m, const float *x, const float *labels, int B,
                          int train);
// cuda_model_backward, calling ready(ud, lo, hi) for each layer's parameter-gradient range as
// soon as the kernels that finish it are enqueued (heads first; every float of the buffer at
// most once). ready may enqueue work on the model's stream (cuda_model_scale_grads, copies).
void cuda_model_backward_ready(CudaModel *cm, void (*ready)(void *, size_t, size_t), void *ud);
// grads[lo, hi) *= s on the device (asynchronous, on the model's stream).
void cuda_model_scale_grads(CudaModel *cm, size_t lo, size_t hi, float s);
float *cuda_model_params_dev(CudaModel *cm);  // device buffers, the host Model's layout
float *cuda_model_grads_dev(CudaModel *cm);
void *cuda_model_stream(CudaModel *cm);       // its cudaStream_t (NULL in emulation)
// ZeRO-1: o holds the state of params[lo, lo + o->n) only; decay_mask is the whole model's.
// The parameter buffer grows to `padded` floats if larger (zero_padded_len: NCCL's in-place
// all-gather). Returns the device gradient-shard buffer (o->n floats) that the reducer fills and
// cuda_optim_step reads; cuda_optim_get_state then returns the shard's state.
float *cuda_optim_attach_shard(CudaModel *cm, const Optimizer *o, const uint8_t *decay_mask,
                               size_t lo, size_t padded);
// DistDeviceCopy hooks (training/dist.h) with ctx = the CudaModel: copies on its stream,
// synchronised before returning.
void cuda_copy_to_host(void *ctx, float *host, const float *dev, size_t n);
void cuda_copy_to_device(void *ctx, float *dev, const float *host, size_t n);

// CUDA builds load cuBLAS with dlopen at its first use (src/cuda/cublas_lazy.c): NULL once it is
// loaded, else why it could not be (not defined in builds without CUDA).
const char *calla_cublas_load_error(void);

#ifdef __cplusplus
}
#endif
#endif
