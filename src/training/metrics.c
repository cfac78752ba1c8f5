// metrics.c — validation metrics.
#include "training/metrics.h"

double metrics_batch_sum(const Model *m, double loss, int B) {
    // Clair3 (pileup and full alignment) losses are batch means, Clairvoyante's batch sums.
    return m->arch != ARCH_CLAIRVOYANTE ? loss * B : loss;
}

static int argmax(const float *v, int n) {
    int b = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[b]) b = i;
    return b;
}

void metrics_add(Metrics *s, const Model *m, const float *labels, int B, double loss) {
    s->loss_sum += metrics_batch_sum(m, loss, B);
    for (int h = 0; h < m->n_heads; h++)
        s->head_loss_sum[h] += metrics_batch_sum(m, m->head_loss[h], B);
    s->n += B;
    for (int i = 0; i < B; i++) {
        const float *out = m->out + (size_t)i * m->n_out, *lab = labels + (size_t)i * m->n_labels;
        for (int h = 0; h < m->n_heads; h++)
            s->head_correct[h] +=
                argmax(out + m->heads[h].offset, m->heads[h].size) == model_head_target(m, h, lab);
        int pv, pg, lv, lg;
        model_decode(m, out, 0, &pv, &pg);
        model_decode(m, lab, 1, &lv, &lg);
        if (pv && lv) {
            s->tp++;
            if (pg == lg) s->gt_tp++;
        } else if (pv) {
            s->fp++;
        } else if (lv) {
            s->fn++;
        }
    }
}

static double ratio(double a, double b) { return b > 0 ? a / b : 0; }
static double f1(double p, double r) { return p + r > 0 ? 2 * p * r / (p + r) : 0; }

double metrics_precision(const Metrics *s) { return ratio((double)s->tp, (double)(s->tp + s->fp)); }
double metrics_recall(const Metrics *s) { return ratio((double)s->tp, (double)(s->tp + s->fn)); }
double metrics_f1(const Metrics *s) { return f1(metrics_precision(s), metrics_recall(s)); }
double metrics_genotype_f1(const Metrics *s) {
    return f1(ratio((double)s->gt_tp, (double)(s->tp + s->fp)),
              ratio((double)s->gt_tp, (double)(s->tp + s->fn)));
}
