// optim.h — optimizers over one contiguous parameter buffer and its gradient buffer. The state
// (first and second moments, Lookahead slow weights) is one contiguous buffer of n floats each,
// saved as whole tensors in checkpoints.
//
// Weight decay, per optimizer (decay_mask marks the elements of tensors with decay = 1, kernels):
//   adamw            decoupled: p -= lr * wd * p on EVERY element, as torch.optim.AdamW applied to
//                    model.parameters() in Clair3 v2 (biases included); the mask is not used.
//   adam             coupled L2 (Clairvoyante): loss += wd * sum ||W||^2 / 2 over kernels, so
//                    g += wd * W on masked elements; TensorFlow's Adam update (epsilon hat).
//   radam-lookahead  coupled L2 as above (Clair3 v1 kernel regularizers), tfa RectifiedAdam
//                    (eps 1e-7, sma_threshold 5) wrapped in Lookahead (sync 6, slow step 0.5).
#ifndef CALLA_OPTIM_H
#define CALLA_OPTIM_H
#include <stddef.h>
#include <stdint.h>

typedef enum { OPT_ADAMW = 0, OPT_ADAM = 1, OPT_RADAM_LOOKAHEAD = 2 } OptKind;

const char *optim_kind_name(OptKind k);           // "adamw", "adam", "radam-lookahead"
int optim_kind_parse(const char *s, OptKind *k);  // 0 ok, -1 unknown

typedef struct {
    OptKind kind;
    double beta1, beta2, eps;
    double weight_decay;   // wd (AdamW) or L2 lambda (Adam, RAdam); scaled by the caller's l2 scale
    double sma_threshold;  // RAdam
    int sync_period;       // Lookahead
    double slow_step;      // Lookahead
    size_t n;
    float *m, *v;  // n each
    float *slow;   // n (Lookahead only, else NULL)
    int64_t t;     // updates done
} Optimizer;

// Fills the defaults of `kind` (AdamW/Adam: betas 0.9/0.999, eps 1e-8; RAdam: eps 1e-7,
// sma_threshold 5, sync 6, slow 0.5) and allocates zeroed state. Lookahead's slow weights start as
// a copy of params.
void optim_init(Optimizer *o, OptKind kind, size_t n, double weight_decay, const float *params);
void optim_free(Optimizer *o);

// The L2 term wd * sum(W^2) / 2 over masked elements (coupled kinds; 0 for adamw).
double optim_l2_loss(const Optimizer *o, const float *params, const uint8_t *decay_mask,
                     double wd_scale);

// One update with learning rate lr; wd_scale multiplies weight_decay (Clairvoyante's lambda decay).
// decay_mask: n bytes, 1 where L2 applies (may be NULL = everywhere). grads are left unchanged.
void optim_step(Optimizer *o, float *params, const float *grads, const uint8_t *decay_mask,
                double lr, double wd_scale);

#endif
