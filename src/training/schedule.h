// schedule.h — learning-rate schedules. Steps count updates from 1 (the first update is step 1).
//   constant        lr
//   warmup-linear   lr * s / W for s <= W, then linear from lr to min_ratio * lr at step `total`
//                   (tfa RectifiedAdam's total_steps/warmup_proportion/min_lr rule, Clair3 v1)
//   warmup-cosine   the same warm-up, then lr * (min + (1 - min) * (1 + cos(pi * frac)) / 2)
//   plateau         lr times a factor that drops x0.1 on the adaptive rule of Clairvoyante
//                   (clairvoyante.md §3.4), evaluated once per epoch on the validation loss
#ifndef CALLA_SCHEDULE_H
#define CALLA_SCHEDULE_H
#include <stdint.h>

typedef enum {
    SCHED_CONSTANT = 0,
    SCHED_WARMUP_LINEAR,
    SCHED_WARMUP_COSINE,
    SCHED_PLATEAU
} SchedKind;

const char *schedule_kind_name(SchedKind k);
int schedule_kind_parse(const char *s, SchedKind *k);

#define PLATEAU_WINDOW 6

typedef struct {
    SchedKind kind;
    double lr;         // base rate
    int64_t warmup;    // W (0 = none)
    int64_t total;     // last step of the decay
    double min_ratio;  // floor of the decay as a fraction of lr
    // plateau state (saved in checkpoints)
    double scale;    // lr and L2 multiplier, 1 then 0.1, 0.01
    int n_switch;    // triggers so far; the third one stops training
    int max_switch;  // 3
    int n_hist;
    double hist[PLATEAU_WINDOW];  // validation losses since the last change
} Schedule;

void schedule_init(Schedule *s, SchedKind kind, double lr, int64_t warmup, int64_t total,
                   double min_ratio);
// Learning rate of update `step` (1-based), including the plateau scale.
double schedule_lr(const Schedule *s, int64_t step);
// Feeds one epoch's validation loss (plateau only). Returns 1 when the rule triggered (scale was
// multiplied by 0.1), 2 when it triggered for the max_switch-th time (stop training), else 0.
int schedule_epoch_end(Schedule *s, double val_loss);

#endif
