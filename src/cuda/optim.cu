// optim.cu — AdamW, Adam + L2 and RectifiedAdam + Lookahead on the device: one elementwise body
// each, the arithmetic of training/optim.c term for term (double precision per element, state
// stored as float), so device and CPU updates agree to the last bit up to libm differences in
// sqrt (none: IEEE) and the host-computed scalars (shared).
#include <math.h>

#include "cuda/cu_internal.cuh"

void cu_optim_step(CuCtx *c, Optimizer *o, float *params, const float *grads, float *m, float *v,
                   float *slow, const uint8_t *mask, double lr, double wd_scale) {
    o->t++;
    const double t = (double)o->t, b1 = o->beta1, b2 = o->beta2, eps = o->eps;
    const double wd = o->weight_decay * wd_scale;
    const double bc1 = 1.0 - pow(b1, t), bc2 = 1.0 - pow(b2, t);
    const size_t n = o->n;
    if (o->kind == OPT_ADAMW) {
        const double step = lr / bc1, sbc2 = sqrt(bc2);
        launch(n, c->stream, [=] CALLA_HD(size_t i) {
            double g = grads[i], p = params[i] * (1.0 - lr * wd);
            double mi = b1 * m[i] + (1 - b1) * g, vi = b2 * v[i] + (1 - b2) * g * g;
            m[i] = (float)mi;
            v[i] = (float)vi;
            params[i] = (float)(p - step * mi / (sqrt(vi) / sbc2 + eps));
        });
    } else if (o->kind == OPT_ADAM) {
        const double lr_t = lr * sqrt(bc2) / bc1;
        launch(n, c->stream, [=] CALLA_HD(size_t i) {
            double g = grads[i];
            if (!mask || mask[i]) g += wd * params[i];
            double mi = b1 * m[i] + (1 - b1) * g, vi = b2 * v[i] + (1 - b2) * g * g;
            m[i] = (float)mi;
            v[i] = (float)vi;
            params[i] = (float)(params[i] - lr_t * mi / (sqrt(vi) + eps));
        });
    } else {
        const double sma_inf = 2.0 / (1.0 - b2) - 1.0;
        const double b2t = pow(b2, t);
        const double sma_t = sma_inf - 2.0 * t * b2t / (1.0 - b2t);
        const double r_t = sqrt((sma_t - 4.0) / (sma_inf - 4.0) * (sma_t - 2.0) / (sma_inf - 2.0) *
                                sma_inf / sma_t);
        const int rect = sma_t >= o->sma_threshold;
        const int sync = o->t % o->sync_period == 0;
        const double a = o->slow_step;
        launch(n, c->stream, [=] CALLA_HD(size_t i) {
            double g = grads[i];
            if (!mask || mask[i]) g += wd * params[i];
            double mi = b1 * m[i] + (1 - b1) * g, vi = b2 * v[i] + (1 - b2) * g * g;
            m[i] = (float)mi;
            v[i] = (float)vi;
            double mc = mi / bc1;
            double upd = rect ? r_t * mc / (sqrt(vi / bc2) + eps) : mc;
            float p = (float)(params[i] - lr * upd);
            if (sync) {  // Lookahead: slow += alpha (fast - slow); fast = slow
                float s = (float)(slow[i] + a * ((double)p - slow[i]));
                slow[i] = s;
                p = s;
            }
            params[i] = p;
        });
    }
}
