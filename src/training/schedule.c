// schedule.c — learning-rate schedules and Clairvoyante's adaptive decay.
#include "training/schedule.h"

#include <math.h>
#include <string.h>

static const char *NAMES[] = {"constant", "warmup-linear", "warmup-cosine", "plateau"};

const char *schedule_kind_name(SchedKind k) { return (unsigned)k < 4 ? NAMES[k] : "?"; }

int schedule_kind_parse(const char *s, SchedKind *k) {
    for (int i = 0; i < 4; i++)
        if (strcmp(s, NAMES[i]) == 0) {
            *k = (SchedKind)i;
            return 0;
        }
    return -1;
}

void schedule_init(Schedule *s, SchedKind kind, double lr, int64_t warmup, int64_t total,
                   double min_ratio) {
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->lr = lr;
    s->warmup = warmup > 0 ? warmup : 0;
    s->total = total;
    s->min_ratio = min_ratio;
    s->scale = 1.0;
    s->max_switch = 3;
}

double schedule_lr(const Schedule *s, int64_t step) {
    double lr = s->lr;
    switch (s->kind) {
        case SCHED_CONSTANT: return lr;
        case SCHED_PLATEAU: return lr * s->scale;
        case SCHED_WARMUP_LINEAR:
        case SCHED_WARMUP_COSINE: {
            if (s->warmup > 0 && step <= s->warmup) return lr * (double)step / (double)s->warmup;
            int64_t span = s->total - s->warmup;
            if (span < 1) span = 1;
            double frac = (double)(step - s->warmup) / (double)span;
            if (frac > 1) frac = 1;
            if (frac < 0) frac = 0;
            if (s->kind == SCHED_WARMUP_LINEAR) return lr + (s->min_ratio * lr - lr) * frac;
            return lr * (s->min_ratio + (1 - s->min_ratio) * 0.5 * (1 + cos(M_PI * frac)));
        }
    }
    return lr;
}

static int sign(double x) { return (x > 0) - (x < 0); }

int schedule_epoch_end(Schedule *s, double val_loss) {
    if (s->kind != SCHED_PLATEAU) return 0;
    if (s->n_hist == PLATEAU_WINDOW) {
        memmove(s->hist, s->hist + 1, (PLATEAU_WINDOW - 1) * sizeof(double));
        s->n_hist--;
    }
    s->hist[s->n_hist++] = val_loss;
    if (s->n_hist < PLATEAU_WINDOW) return 0;
    // Five consecutive differences that strictly alternate in sign, or a first difference of 0.
    double d[PLATEAU_WINDOW - 1];
    for (int i = 0; i < PLATEAU_WINDOW - 1; i++) d[i] = s->hist[i + 1] - s->hist[i];
    int alt = 1;
    for (int i = 0; i + 1 < PLATEAU_WINDOW - 1; i++)
        if (!(sign(d[i]) != 0 && sign(d[i]) == -sign(d[i + 1]))) alt = 0;
    if (!alt && d[0] != 0) return 0;
    s->n_switch++;
    s->n_hist = 0;  // the next check needs six new epochs
    if (s->n_switch >= s->max_switch) return 2;
    s->scale *= 0.1;
    return 1;
}
