// optim.c — AdamW (PyTorch), Adam (TensorFlow) with L2, RectifiedAdam + Lookahead (tfa).
#include "training/optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

static const char *NAMES[] = {"adamw", "adam", "radam-lookahead"};

const char *optim_kind_name(OptKind k) { return (unsigned)k < 3 ? NAMES[k] : "?"; }

int optim_kind_parse(const char *s, OptKind *k) {
    for (int i = 0; i < 3; i++)
        if (strcmp(s, NAMES[i]) == 0) {
            *k = (OptKind)i;
            return 0;
        }
    return -1;
}

void optim_init(Optimizer *o, OptKind kind, size_t n, double weight_decay, const float *params) {
    memset(o, 0, sizeof *o);
    o->kind = kind;
    o->beta1 = 0.9;
    o->beta2 = 0.999;
    o->eps = kind == OPT_RADAM_LOOKAHEAD ? 1e-7 : 1e-8;
    o->weight_decay = weight_decay;
    o->sma_threshold = 5.0;
    o->sync_period = 6;
    o->slow_step = 0.5;
    o->n = n;
    o->m = xcalloc(n ? n : 1, sizeof(float));
    o->v = xcalloc(n ? n : 1, sizeof(float));
    if (kind == OPT_RADAM_LOOKAHEAD) {
        o->slow = xmalloc((n ? n : 1) * sizeof(float));
        if (params) memcpy(o->slow, params, n * sizeof(float));
    }
}

void optim_free(Optimizer *o) {
    free(o->m);
    free(o->v);
    free(o->slow);
    memset(o, 0, sizeof *o);
}

double optim_l2_loss(const Optimizer *o, const float *params, const uint8_t *decay_mask,
                     double wd_scale) {
    if (o->kind == OPT_ADAMW || o->weight_decay == 0) return 0;
    double s = 0;
    for (size_t i = 0; i < o->n; i++)
        if (!decay_mask || decay_mask[i]) s += (double)params[i] * params[i];
    return o->weight_decay * wd_scale * s * 0.5;
}

void optim_step(Optimizer *o, float *params, const float *grads, const uint8_t *decay_mask,
                double lr, double wd_scale) {
    o->t++;
    const double t = (double)o->t, b1 = o->beta1, b2 = o->beta2, eps = o->eps;
    const double wd = o->weight_decay * wd_scale;
    const double bc1 = 1.0 - pow(b1, t), bc2 = 1.0 - pow(b2, t);
    const long n = (long)o->n;
    float *m = o->m, *v = o->v;
    if (o->kind == OPT_ADAMW) {
        // torch.optim.AdamW: p *= 1 - lr*wd; m,v updated; p -= lr * mhat / (sqrt(vhat) + eps)
        const double step = lr / bc1, sbc2 = sqrt(bc2);
#pragma omp parallel for schedule(static)
        for (long i = 0; i < n; i++) {
            double g = grads[i], p = params[i] * (1.0 - lr * wd);
            double mi = b1 * m[i] + (1 - b1) * g, vi = b2 * v[i] + (1 - b2) * g * g;
            m[i] = (float)mi;
            v[i] = (float)vi;
            params[i] = (float)(p - step * mi / (sqrt(vi) / sbc2 + eps));
        }
    } else if (o->kind == OPT_ADAM) {
        // tf.train.AdamOptimizer: lr_t = lr*sqrt(1-b2^t)/(1-b1^t); p -= lr_t*m/(sqrt(v)+eps)
        const double lr_t = lr * sqrt(bc2) / bc1;
#pragma omp parallel for schedule(static)
        for (long i = 0; i < n; i++) {
            double g = grads[i];
            if (!decay_mask || decay_mask[i]) g += wd * params[i];
            double mi = b1 * m[i] + (1 - b1) * g, vi = b2 * v[i] + (1 - b2) * g * g;
            m[i] = (float)mi;
            v[i] = (float)vi;
            params[i] = (float)(params[i] - lr_t * mi / (sqrt(vi) + eps));
        }
    } else {
        // tfa RectifiedAdam: rectify the adaptive step once the SMA length exceeds the threshold.
        const double sma_inf = 2.0 / (1.0 - b2) - 1.0;
        const double b2t = pow(b2, t);
        const double sma_t = sma_inf - 2.0 * t * b2t / (1.0 - b2t);
        const double r_t = sqrt((sma_t - 4.0) / (sma_inf - 4.0) * (sma_t - 2.0) / (sma_inf - 2.0) *
                                sma_inf / sma_t);
        const int rect = sma_t >= o->sma_threshold;
#pragma omp parallel for schedule(static)
        for (long i = 0; i < n; i++) {
            double g = grads[i];
            if (!decay_mask || decay_mask[i]) g += wd * params[i];
            double mi = b1 * m[i] + (1 - b1) * g, vi = b2 * v[i] + (1 - b2) * g * g;
            m[i] = (float)mi;
            v[i] = (float)vi;
            double mc = mi / bc1;
            double upd = rect ? r_t * mc / (sqrt(vi / bc2) + eps) : mc;
            params[i] = (float)(params[i] - lr * upd);
        }
        // Lookahead: every sync_period fast steps, slow += alpha (fast - slow); fast = slow.
        if (o->t % o->sync_period == 0) {
            float *slow = o->slow;
            const double a = o->slow_step;
#pragma omp parallel for schedule(static)
            for (long i = 0; i < n; i++) {
                double s = slow[i] + a * ((double)params[i] - slow[i]);
                slow[i] = (float)s;
                params[i] = (float)s;
            }
        }
    }
}
