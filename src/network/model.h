// model.h — the models the trainer and the caller use, independent of how layers are computed.
// A model owns one contiguous parameter buffer and one contiguous gradient buffer of n_params
// floats; `tensors` names the slices (the safetensors keys). Activations live in `impl`.
#ifndef CALLA_MODEL_H
#define CALLA_MODEL_H
#include <stddef.h>
#include <stdint.h>

#include "common/rng.h"
#include "tensors/tensorfile.h"

typedef enum { ARCH_CLAIR3_PILEUP = 1, ARCH_CLAIRVOYANTE = 2, ARCH_CLAIR3_FA = 3 } ModelArch;

const char *model_arch_name(ModelArch a);          // "clair3-pileup", "clairvoyante", "clair3-fa"
int model_arch_parse(const char *s, ModelArch *a);  // 0 ok, -1 unknown
FeatureKind model_arch_feature_kind(ModelArch a);

typedef struct {
    char name[64];  // e.g. "lstm1.fwd.kernel"
    size_t offset;  // in floats, into params/grads
    size_t numel;
    int ndim;
    int shape[4];
    int decay;  // 1 for kernels (weight decay / L2 applies), 0 for biases
} ParamTensor;

typedef enum { HEAD_SOFTMAX = 0, HEAD_SIGMOID = 1 } HeadKind;

typedef struct {
    const char *name;  // "gt21", "zygosity", "base_change", "variant_type", "indel_length"
    int offset;        // into a sample's output vector
    int size;          // classes
    HeadKind kind;
} HeadInfo;

#define MODEL_MAX_HEADS 4

typedef struct Model {
    ModelArch arch;
    FeatureKind feature_kind;
    int n_pos, n_chan;  // input per sample: n_pos * n_chan floats, position-major
    int n_labels;       // per-sample labels as stored in the tensor file
    int n_out;          // output probabilities per sample (concatenated heads)
    int n_heads;
    HeadInfo heads[MODEL_MAX_HEADS];
    size_t n_params;
    float *params;  // n_params, contiguous
    float *grads;   // n_params, contiguous, same layout
    int n_tensors;
    ParamTensor *tensors;
    int batch_max;
    float *out;                         // [batch_max, n_out] after model_forward
    double head_loss[MODEL_MAX_HEADS];  // last forward: per-head loss (same reduction as the total)
    Rng rng;  // one draw per training forward seeds that step's dropout masks; saved in checkpoints
    // Global index of the first row of the batches given to model_forward (data-parallel ranks
    // set it to their offset in the global batch, so dropout masks match a one-process run).
    int64_t row0;
    // Optional (NULL: not called): model_backward calls it as soon as the gradients of the float
    // range [lo, hi) of `grads` are final, last layers first, each element exactly once, so that
    // a data-parallel all-reduce of finished buckets overlaps the rest of the backward pass.
    void (*grad_ready)(void *ud, size_t lo, size_t hi);
    void *grad_ready_ud;
    size_t grads_reported;  // floats reported as final in the current backward (checked: n_params)
    // Non-trainable state (clair3-fa: the batch-norm running means and variances): n_state
    // floats named by state_tensors (offsets into `state`). Not in params/grads, so optimizers
    // and all-reduces never see it; saved in model files and checkpoints. Training forwards
    // update it.
    size_t n_state;
    float *state;
    int n_state_tensors;
    ParamTensor *state_tensors;
    int fa_rows;     // clair3-fa: read rows per input (n_chan = fa_rows * 8); 0 for other models
    int no_dropout;  // tests: 1 keeps dropout off in training forwards (clair3-fa)
    void *impl;      // activations and scratch
} Model;

// Allocates buffers for batches of up to batch_max samples; parameters are zero.
// Returns 0, or -1 on a bad argument.
// clair3-fa gets MODEL_FA_ROWS_DEFAULT read rows.
int model_create(Model *m, ModelArch arch, int batch_max);
// The same with the read rows of a clair3-fa model (1 .. MODEL_FA_ROWS_MAX; the parameters do
// not depend on it); rows is ignored for the other models.
int model_create_rows(Model *m, ModelArch arch, int rows, int batch_max);
#define MODEL_FA_ROWS_DEFAULT 55
#define MODEL_FA_ROWS_MAX 1024
// The spec's initialisation (documented per model in docs/network.md), from `seed`; also seeds
// rng and resets the state (running means 0, variances 1).
void model_init_params(Model *m, uint64_t seed);
void model_free(Model *m);

// Converts one sample's int16 tensor-file features into the network input (floats).
void model_input_from_features(const Model *m, const int16_t *features, float *x);

// Forward pass over B <= batch_max samples. x: [B, n_pos*n_chan]. labels: [B, n_labels] or
// NULL. train != 0 enables dropout (drawing from m->rng). Fills m->out with probabilities.
// Returns the loss as the model's recipe defines it (Clair3: focal loss, mean over the batch,
// summed over heads; Clairvoyante: task losses summed over the batch), or 0 when labels is NULL.
// L2 / weight decay is not included: the optimizer applies it.
double model_forward(Model *m, const float *x, const float *labels, int B, int train);
// Backward pass for the last forward (which must have had labels): overwrites m->grads. It leaves
// the forward's state intact, so calling it twice gives the same gradients.
void model_backward(Model *m);

// For metrics: whether a sample is a variant and a genotype code comparable between a prediction
// (`v` = one sample's output probabilities, is_label = 0) and a label (`v` = labels, is_label = 1).
void model_decode(const Model *m, const float *v, int is_label, int *is_variant, int *genotype);
// The target class of head h for one sample's labels (argmax for soft targets).
int model_head_target(const Model *m, int h, const float *labels);

// 0.5 * sum of squares of the tensors with decay = 1 (kernels), as tf.nn.l2_loss: the term
// Clairvoyante adds as lambda * l2 (clairvoyante.md §3.3). For the optimizer; not in the loss.
double model_l2_penalty(const Model *m);
// Index into m->tensors of the tensor called `name`, or -1.
int model_find_tensor(const Model *m, const char *name);
// Index into m->state_tensors of the state tensor called `name`, or -1.
int model_find_state_tensor(const Model *m, const char *name);

#endif
