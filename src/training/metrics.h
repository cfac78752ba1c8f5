// metrics.h — validation metrics: per-sample loss, per-head loss and accuracy, variant
// precision/recall/F1 (variant vs non-variant through model_decode) and genotype F1 (a true
// positive also needs the decoded genotype to equal the label's).
#ifndef CALLA_METRICS_H
#define CALLA_METRICS_H
#include <stdint.h>

#include "network/model.h"

typedef struct {
    double loss_sum;  // summed over samples
    double head_loss_sum[MODEL_MAX_HEADS];
    int64_t n;
    int64_t head_correct[MODEL_MAX_HEADS];
    int64_t tp, fp, fn, gt_tp;
} Metrics;

// The loss of a batch summed over its samples, from what model_forward returned (Clair3 averages
// over the batch, Clairvoyante sums).
double metrics_batch_sum(const Model *m, double loss, int B);
// Adds a batch after model_forward(m, x, labels, B, 0).
void metrics_add(Metrics *s, const Model *m, const float *labels, int B, double loss);
double metrics_precision(const Metrics *s);
double metrics_recall(const Metrics *s);
double metrics_f1(const Metrics *s);
double metrics_genotype_f1(const Metrics *s);

#endif
