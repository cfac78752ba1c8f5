// model_impl.h — internal to src/network: the per-architecture halves behind model.c's dispatch,
// and the helpers they share (tensor table, initialisers).
#ifndef CALLA_MODEL_IMPL_H
#define CALLA_MODEL_IMPL_H
#include "network/model.h"

// Appends a tensor at the current end of the parameter layout (m->n_params grows).
void model_add_tensor(Model *m, const char *name, int decay, int ndim, int d0, int d1, int d2,
                      int d3);
// Appends a non-trainable state tensor (m->n_state grows).
void model_add_state_tensor(Model *m, const char *name, int n);
static inline float *model_param(Model *m, int t) { return m->params + m->tensors[t].offset; }
static inline float *model_grad(Model *m, int t) { return m->grads + m->tensors[t].offset; }

// Initialisers (Keras definitions), drawing from r.
void init_glorot_uniform(float *w, size_t n, int fan_in, int fan_out, Rng *r);
void init_he_normal(float *w, size_t n, int fan_in, Rng *r);
// Orthogonal [rows, cols] (rows <= cols: orthonormal rows), as Keras's Orthogonal(gain=1).
void init_orthogonal(float *w, int rows, int cols, Rng *r);

// Reports tensors first..last (table indices, contiguous in the buffer) as final to m->grad_ready.
void model_grads_final(Model *m, int first, int last);

int clair3_create(Model *m);
void clair3_init(Model *m, Rng *r);
double clair3_forward(Model *m, const float *x, const float *labels, int B, int train);
void clair3_backward(Model *m);
void clair3_free(Model *m);

int clv_create(Model *m);
void clv_init(Model *m, Rng *r);
double clv_forward(Model *m, const float *x, const float *labels, int B, int train);
void clv_backward(Model *m);
void clv_free(Model *m);

int clair3_fa_create(Model *m);
void clair3_fa_init(Model *m, Rng *r);
double clair3_fa_forward(Model *m, const float *x, const float *labels, int B, int train);
void clair3_fa_backward(Model *m);
void clair3_fa_free(Model *m);

#endif
