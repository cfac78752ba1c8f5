// test_model_speed.c — training throughput (forward + backward, dropout on) of both models at
// batch 256. A benchmark, not a check: skipped unless CALLA_BENCH=1. Threads follow
// OMP_NUM_THREADS (OpenBLAS always runs one thread: see src/network/gemm.h). The comparison with
// PyTorch is bench/train/run.sh.
//   CALLA_BENCH=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 build/tests/test_model_speed
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/util.h"
#include "network/model.h"
#include "testlib.h"

// Process CPU time: on a shared machine the wall clock includes time other jobs held the core;
// with one thread, CPU time is what the run would take on an idle core.
static double cpu_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static void bench(ModelArch arch, int B, int steps) {
    Model m;
    if (model_create(&m, arch, B)) return;
    model_init_params(&m, 1);
    Rng r;
    rng_seed(&r, 2);
    const int nx = m.n_pos * m.n_chan;
    float *x = malloc(sizeof(float) * (size_t)B * nx), *lab = calloc((size_t)B * m.n_labels, 4);
    for (int i = 0; i < B * nx; i++) x[i] = (float)rng_below(&r, 20);
    for (int b = 0; b < B; b++) {
        float *l = lab + (size_t)b * m.n_labels;
        if (arch == ARCH_CLAIR3_PILEUP)
            l[0] = (float)rng_below(&r, 21), l[1] = (float)rng_below(&r, 3), l[2] = l[3] = 16;
        else
            l[rng_below(&r, 4)] = 1, l[4 + rng_below(&r, 2)] = 1, l[6 + rng_below(&r, 4)] = 1,
                            l[10 + rng_below(&r, 6)] = 1;
    }
    model_forward(&m, x, lab, B, 1);  // warm-up
    model_backward(&m);
    double t0 = now_seconds(), c0 = cpu_seconds(), tf = 0.0;
    for (int s = 0; s < steps; s++) {
        double a = now_seconds();
        model_forward(&m, x, lab, B, 1);
        tf += now_seconds() - a;
        model_backward(&m);
    }
    double dt = now_seconds() - t0, dc = cpu_seconds() - c0;
    printf(
        "%-14s batch %d: %.1f samples/s forward+backward by wall clock (%.3f s/step, forward "
        "%.3f s); %.1f samples/s by CPU time (%.3f CPU s/step)\n",
        model_arch_name(arch), B, (double)B * steps / dt, dt / steps, tf / steps,
        (double)B * steps / dc, dc / steps);
    free(x), free(lab);
    model_free(&m);
}

int main(void) {
    const char *e = getenv("CALLA_BENCH");
    if (!e || atoi(e) != 1) T_SKIP("benchmark: set CALLA_BENCH=1");
    int steps = getenv("CALLA_BENCH_STEPS") ? atoi(getenv("CALLA_BENCH_STEPS")) : 5;
    bench(ARCH_CLAIR3_PILEUP, 256, steps);
    bench(ARCH_CLAIRVOYANTE, 256, steps);
    T_DONE();
}
