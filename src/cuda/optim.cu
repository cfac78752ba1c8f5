// optim.cu — AdamW, Adam + L2 and RectifiedAdam + Lookahead on the device: one elementwise body
// each, the arithmetic of training/optim.c term for term (double precision per element, state
// stored as float), so device and CPU updates agree to the last bit up to libm differences in
// sqrt (none: IEEE) and the host-computed scalars (shared).
// The step's scalar terms are computed on the host (cu_optim_prepare) and read by the kernel from
// device memory (cu_optim_apply), so a captured CUDA graph applies each step's own terms.
#include <math.h>
#include <string.h>

#include "cuda/cu_internal.cuh"

// The per-step terms of every optimizer kind (all doubles, as optim_step computes them).
struct OptScalars {
    double lr, wd, b1, b2, eps;
    double step, sbc2;  // AdamW: lr / bc1, sqrt(bc2)
    double lr_t;        // Adam: lr sqrt(bc2) / bc1
    double bc1, bc2, r_t, slow_step;
    int rect, sync;     // RAdam: rectified step; Lookahead: synchronise this step
};

void cu_optim_prepare(CuCtx *c, Optimizer *o, double lr, double wd_scale) {
    o->t++;
    OptScalars s;
    memset(&s, 0, sizeof s);
    const double t = (double)o->t, b1 = o->beta1, b2 = o->beta2;
    s.lr = lr, s.wd = o->weight_decay * wd_scale, s.b1 = b1, s.b2 = b2, s.eps = o->eps;
    s.bc1 = 1.0 - pow(b1, t), s.bc2 = 1.0 - pow(b2, t);
    s.step = lr / s.bc1, s.sbc2 = sqrt(s.bc2);
    s.lr_t = lr * sqrt(s.bc2) / s.bc1;
    if (o->kind == OPT_RADAM_LOOKAHEAD) {
        const double sma_inf = 2.0 / (1.0 - b2) - 1.0;
        const double b2t = pow(b2, t);
        const double sma_t = sma_inf - 2.0 * t * b2t / (1.0 - b2t);
        s.r_t = sqrt((sma_t - 4.0) / (sma_inf - 4.0) * (sma_t - 2.0) / (sma_inf - 2.0) * sma_inf /
                     sma_t);
        s.rect = sma_t >= o->sma_threshold;
        s.sync = o->t % o->sync_period == 0;
        s.slow_step = o->slow_step;
    }
    static_assert(sizeof(OptScalars) <= CU_SCALAR_BYTES, "optimizer scalars exceed a slot");
    cu_scalars(c, CU_SLOT_OPTIM, &s, sizeof s);
}

void cu_optim_apply(CuCtx *c, const Optimizer *o, float *params, const float *grads, float *m,
                    float *v, float *slow, const uint8_t *mask) {
    const OptScalars *sp = (const OptScalars *)cu_scalars_dev(c, CU_SLOT_OPTIM);
    const size_t n = o->n;
    if (o->kind == OPT_ADAMW) {
        launch(n, c->stream, [=] CALLA_HD(size_t i) {
            const double lr = sp->lr, wd = sp->wd, b1 = sp->b1, b2 = sp->b2;
            double g = grads[i], p = params[i] * (1.0 - lr * wd);
            double mi = b1 * m[i] + (1 - b1) * g, vi = b2 * v[i] + (1 - b2) * g * g;
            m[i] = (float)mi;
            v[i] = (float)vi;
            params[i] = (float)(p - sp->step * mi / (sqrt(vi) / sp->sbc2 + sp->eps));
        });
    } else if (o->kind == OPT_ADAM) {
        launch(n, c->stream, [=] CALLA_HD(size_t i) {
            const double wd = sp->wd, b1 = sp->b1, b2 = sp->b2;
            double g = grads[i];
            if (!mask || mask[i]) g += wd * params[i];
            double mi = b1 * m[i] + (1 - b1) * g, vi = b2 * v[i] + (1 - b2) * g * g;
            m[i] = (float)mi;
            v[i] = (float)vi;
            params[i] = (float)(params[i] - sp->lr_t * mi / (sqrt(vi) + sp->eps));
        });
    } else {
        launch(n, c->stream, [=] CALLA_HD(size_t i) {
            const double wd = sp->wd, b1 = sp->b1, b2 = sp->b2;
            double g = grads[i];
            if (!mask || mask[i]) g += wd * params[i];
            double mi = b1 * m[i] + (1 - b1) * g, vi = b2 * v[i] + (1 - b2) * g * g;
            m[i] = (float)mi;
            v[i] = (float)vi;
            double mc = mi / sp->bc1;
            double upd = sp->rect ? sp->r_t * mc / (sqrt(vi / sp->bc2) + sp->eps) : mc;
            float p = (float)(params[i] - sp->lr * upd);
            if (sp->sync) {  // Lookahead: slow += alpha (fast - slow); fast = slow
                float s = (float)(slow[i] + sp->slow_step * ((double)p - slow[i]));
                slow[i] = s;
                p = s;
            }
            params[i] = p;
        });
    }
}

void cu_optim_step(CuCtx *c, Optimizer *o, float *params, const float *grads, float *m, float *v,
                   float *slow, const uint8_t *mask, double lr, double wd_scale) {
    cu_optim_prepare(c, o, lr, wd_scale);
    cu_optim_apply(c, o, params, grads, m, v, slow, mask);
}
