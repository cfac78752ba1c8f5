// test_optim_steps.c — optimizer updates against independent double-precision implementations of
// the published formulas (PyTorch AdamW, TensorFlow Adam, tfa RectifiedAdam + Lookahead), hand
// values for the first step, and the learning-rate schedules at given steps.
#include <math.h>
#include <string.h>

#include "testlib.h"
#include "training/optim.h"
#include "training/schedule.h"

#define N 6
static const float P0[N] = {0.5f, -1.25f, 2.0f, 0.0f, -0.3f, 1e-3f};
static const uint8_t MASK[N] = {1, 1, 0, 1, 0, 1};

// Gradient at step t (1-based) for element i: varied signs and magnitudes.
static float grad(int t, int i) { return (float)(sin(1.3 * t + 0.7 * i) * (1 + i) * 0.1); }

static void test_adamw(double lr, double wd) {
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    float p[N], g[N];
    double rp[N], rm[N] = {0}, rv[N] = {0};
    memcpy(p, P0, sizeof p);
    for (int i = 0; i < N; i++) rp[i] = P0[i];
    Optimizer o;
    optim_init(&o, OPT_ADAMW, N, wd, p);
    // Step 1 by hand: mhat = g, vhat = g^2, so p1 = p0 (1 - lr wd) - lr g / (|g| + eps).
    for (int i = 0; i < N; i++) g[i] = grad(1, i);
    optim_step(&o, p, g, MASK, lr, 1.0);
    for (int i = 0; i < N; i++)
        T_NEAR(p[i], P0[i] * (1 - lr * wd) - lr * g[i] / (fabs(g[i]) + eps), 1e-7, 1e-6);
    memcpy(p, P0, sizeof p);
    optim_free(&o);
    optim_init(&o, OPT_ADAMW, N, wd, p);
    for (int t = 1; t <= 25; t++) {
        for (int i = 0; i < N; i++) g[i] = grad(t, i);
        optim_step(&o, p, g, MASK, lr, 1.0);
        // torch.optim.AdamW (decay on every parameter, mask ignored)
        for (int i = 0; i < N; i++) {
            rp[i] *= 1 - lr * wd;
            rm[i] = b1 * rm[i] + (1 - b1) * g[i];
            rv[i] = b2 * rv[i] + (1 - b2) * g[i] * g[i];
            double mh = rm[i] / (1 - pow(b1, t)), vh = rv[i] / (1 - pow(b2, t));
            rp[i] -= lr * mh / (sqrt(vh) + eps);
        }
    }
    for (int i = 0; i < N; i++) T_NEAR(p[i], rp[i], 1e-6, 1e-5);
    T_EQ_INT(o.t, 25);
    optim_free(&o);
}

static void test_adam_l2(double lr, double lam) {
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8, scale = 0.1;
    float p[N], g[N];
    double rp[N], rm[N] = {0}, rv[N] = {0};
    memcpy(p, P0, sizeof p);
    for (int i = 0; i < N; i++) rp[i] = P0[i];
    Optimizer o;
    optim_init(&o, OPT_ADAM, N, lam, p);
    // L2 term: lambda*scale * sum over masked W^2 / 2
    double l2 = 0;
    for (int i = 0; i < N; i++)
        if (MASK[i]) l2 += 0.5 * P0[i] * P0[i];
    T_NEAR(optim_l2_loss(&o, p, MASK, scale), lam * scale * l2, 1e-12, 1e-9);
    for (int t = 1; t <= 25; t++) {
        for (int i = 0; i < N; i++) g[i] = grad(t, i);
        optim_step(&o, p, g, MASK, lr, scale);
        // TensorFlow Adam on loss + lambda*||W||^2/2: g' = g + lambda W on kernels,
        // lr_t = lr sqrt(1-b2^t)/(1-b1^t), p -= lr_t m / (sqrt(v) + eps)
        double lr_t = lr * sqrt(1 - pow(b2, t)) / (1 - pow(b1, t));
        for (int i = 0; i < N; i++) {
            double gi = g[i] + (MASK[i] ? lam * scale * rp[i] : 0);
            rm[i] = b1 * rm[i] + (1 - b1) * gi;
            rv[i] = b2 * rv[i] + (1 - b2) * gi * gi;
            rp[i] -= lr_t * rm[i] / (sqrt(rv[i]) + eps);
        }
    }
    for (int i = 0; i < N; i++) T_NEAR(p[i], rp[i], 1e-6, 1e-5);
    optim_free(&o);
    // The element P0[3] = 0 with mask 1 and the element 2 without mask: a zero gradient leaves an
    // unmasked weight unchanged but decays a masked one.
    float q[2] = {1.0f, 1.0f}, z[2] = {0, 0};
    uint8_t mk[2] = {1, 0};
    optim_init(&o, OPT_ADAM, 2, 0.5, q);
    optim_step(&o, q, z, mk, 0.01, 1.0);
    T_CHECK(q[0] < 1.0f);
    T_EQ_INT(q[1] == 1.0f, 1);
    optim_free(&o);
}

static void test_radam_lookahead(double lr, double lam) {
    const double b1 = 0.9, b2 = 0.999, eps = 1e-7;
    float p[N], g[N];
    double rp[N], rm[N] = {0}, rv[N] = {0}, slow[N];
    memcpy(p, P0, sizeof p);
    for (int i = 0; i < N; i++) rp[i] = slow[i] = P0[i];
    Optimizer o;
    optim_init(&o, OPT_RADAM_LOOKAHEAD, N, lam, p);
    // Step 1 by hand: sma_1 = 1 < 5, so the step is plain momentum: p1 = p0 - lr * g'.
    for (int i = 0; i < N; i++) g[i] = grad(1, i);
    float p1[N];
    memcpy(p1, p, sizeof p1);
    optim_step(&o, p1, g, MASK, lr, 1.0);
    for (int i = 0; i < N; i++)
        T_NEAR(p1[i], P0[i] - lr * (g[i] + (MASK[i] ? lam * P0[i] : 0)), 1e-8, 1e-6);
    optim_free(&o);
    optim_init(&o, OPT_RADAM_LOOKAHEAD, N, lam, p);
    const double sma_inf = 2 / (1 - b2) - 1;
    int rectified_seen = 0;
    for (int t = 1; t <= 20; t++) {
        double lr_t = lr * (t < 10 ? t / 10.0 : 1.0);  // any per-step rate
        for (int i = 0; i < N; i++) g[i] = grad(t, i);
        optim_step(&o, p, g, MASK, lr_t, 1.0);
        double sma = sma_inf - 2 * t * pow(b2, t) / (1 - pow(b2, t));
        for (int i = 0; i < N; i++) {
            double gi = g[i] + (MASK[i] ? lam * rp[i] : 0);
            rm[i] = b1 * rm[i] + (1 - b1) * gi;
            rv[i] = b2 * rv[i] + (1 - b2) * gi * gi;
            double mc = rm[i] / (1 - pow(b1, t)), vc = sqrt(rv[i] / (1 - pow(b2, t)));
            if (sma >= 5) {
                double r =
                    sqrt((sma - 4) / (sma_inf - 4) * (sma - 2) / (sma_inf - 2) * sma_inf / sma);
                rp[i] -= lr_t * r * mc / (vc + eps);
                rectified_seen = 1;
            } else {
                rp[i] -= lr_t * mc;
            }
        }
        if (t % 6 == 0)  // Lookahead sync: slow += 0.5 (fast - slow), fast = slow
            for (int i = 0; i < N; i++) rp[i] = slow[i] = slow[i] + 0.5 * (rp[i] - slow[i]);
        for (int i = 0; i < N; i++) T_NEAR(p[i], rp[i], 1e-6, 1e-5);
        if (t % 6 == 0)
            for (int i = 0; i < N; i++) T_NEAR(o.slow[i], slow[i], 1e-6, 1e-5);
    }
    T_CHECK(rectified_seen);
    optim_free(&o);
}

static void test_schedules(void) {
    Schedule s;
    schedule_init(&s, SCHED_CONSTANT, 0.01, 0, 100, 0);
    T_NEAR(schedule_lr(&s, 1), 0.01, 0, 1e-12);
    T_NEAR(schedule_lr(&s, 1000), 0.01, 0, 1e-12);
    // warm-up 10 steps to 1e-3, then linear to 0.75e-3 at step 100 (tfa RAdam's rule)
    schedule_init(&s, SCHED_WARMUP_LINEAR, 1e-3, 10, 100, 0.75);
    T_NEAR(schedule_lr(&s, 1), 1e-4, 0, 1e-9);
    T_NEAR(schedule_lr(&s, 5), 5e-4, 0, 1e-9);
    T_NEAR(schedule_lr(&s, 10), 1e-3, 0, 1e-9);
    T_NEAR(schedule_lr(&s, 55), 0.875e-3, 0, 1e-9);
    T_NEAR(schedule_lr(&s, 100), 0.75e-3, 0, 1e-9);
    T_NEAR(schedule_lr(&s, 500), 0.75e-3, 0, 1e-9);
    schedule_init(&s, SCHED_WARMUP_COSINE, 2.0, 0, 100, 0.0);
    T_NEAR(schedule_lr(&s, 0), 2.0, 0, 1e-9);
    T_NEAR(schedule_lr(&s, 50), 1.0, 1e-12, 1e-9);
    T_NEAR(schedule_lr(&s, 25), 1.0 + cos(M_PI / 4), 1e-12, 1e-9);
    T_NEAR(schedule_lr(&s, 100), 0.0, 1e-12, 0);
    // plateau (clairvoyante.md §3.4)
    schedule_init(&s, SCHED_PLATEAU, 1e-3, 0, 0, 0);
    double alt[6] = {5, 4, 4.5, 4.2, 4.4, 4.1};  // diffs - + - + -: strictly alternating
    for (int i = 0; i < 5; i++) T_EQ_INT(schedule_epoch_end(&s, alt[i]), 0);
    T_EQ_INT(schedule_epoch_end(&s, alt[5]), 1);
    T_NEAR(schedule_lr(&s, 7), 1e-4, 0, 1e-9);
    T_NEAR(s.scale, 0.1, 0, 1e-12);
    double down[8] = {4, 3.9, 3.8, 3.7, 3.6, 3.5, 3.4, 3.3};  // monotone: never triggers
    for (int i = 0; i < 8; i++) T_EQ_INT(schedule_epoch_end(&s, down[i]), 0);
    // first difference exactly 0 triggers (the window holds 3.5,3.4,3.3 then these three)
    schedule_init(&s, SCHED_PLATEAU, 1e-3, 0, 0, 0);
    double flat[6] = {3, 3, 2.9, 2.8, 2.7, 2.6};
    for (int i = 0; i < 5; i++) T_EQ_INT(schedule_epoch_end(&s, flat[i]), 0);
    T_EQ_INT(schedule_epoch_end(&s, flat[5]), 1);
    // after a trigger the next check needs six new epochs; the third trigger stops
    for (int i = 0; i < 5; i++) T_EQ_INT(schedule_epoch_end(&s, alt[i]), 0);
    T_EQ_INT(schedule_epoch_end(&s, alt[5]), 1);
    T_NEAR(s.scale, 0.01, 0, 1e-12);
    for (int i = 0; i < 5; i++) T_EQ_INT(schedule_epoch_end(&s, alt[i]), 0);
    T_EQ_INT(schedule_epoch_end(&s, alt[5]), 2);
    // one sign equal to zero in the middle is not an alternation
    schedule_init(&s, SCHED_PLATEAU, 1e-3, 0, 0, 0);
    double mix[6] = {5, 4, 4.5, 4.5, 4.4, 4.6};
    for (int i = 0; i < 6; i++) T_EQ_INT(schedule_epoch_end(&s, mix[i]), 0);
    SchedKind k;
    T_EQ_INT(schedule_kind_parse("warmup-cosine", &k), 0);
    T_EQ_INT(k, SCHED_WARMUP_COSINE);
    T_EQ_INT(schedule_kind_parse("bogus", &k), -1);
    OptKind ok;
    T_EQ_INT(optim_kind_parse("radam-lookahead", &ok), 0);
    T_EQ_INT(ok, OPT_RADAM_LOOKAHEAD);
}

int main(void) {
    // The recipes' settings, then large rates and decays that make the decay terms visible
    // above the tolerances (a decay applied to the wrong elements fails there).
    test_adamw(1e-3, 1e-4);
    test_adamw(0.05, 0.3);
    test_adam_l2(1e-3, 1e-3);
    test_adam_l2(0.05, 0.5);
    test_radam_lookahead(1e-3, 1e-7);
    test_radam_lookahead(0.05, 0.5);
    test_schedules();
    T_DONE();
}
