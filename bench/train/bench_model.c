// bench_model.c — calla's training and inference throughput for bench/train/run.sh.
//   bench_model sgemm THREADS REPEATS          -> "sgemm THREADS GFLOP/s GFLOP/CPU-s"
//   bench_model MODEL THREADS STEPS REPEATS
//       -> "calla MODEL train|infer THREADS samples/s RSS_MiB samples/CPU-s",
//          "flops MODEL train_MFLOP infer_MFLOP"
// clair3-fa: 55 read rows (model_create's default). Batch 256, dropout on for training (forward + backward, no optimizer step: PyTorch's side does
// the same), evaluation mode without labels for inference. Best of REPEATS runs of STEPS steps:
// the machine is shared, and the best run is the one least disturbed by other jobs.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "common/util.h"
#include "network/gemm.h"
#include "network/infer.h"
#include "network/infer_bf16.h"
#include "network/model.h"

// Batch size: 256, or BENCH_BATCH (e.g. 128, calla call's CPU default, to compare with calling).
static int bench_batch(void) {
    const char *v = getenv("BENCH_BATCH");
    int b = v ? atoi(v) : 0;
    return b > 0 ? b : 256;
}

// Multiply-adds per sample of the forward pass, from the layer shapes (docs/network.md).
static double forward_macs(ModelArch a) {
    if (a == ARCH_CLAIR3_FA) {  // 55 rows: 28x17 -> 14x9 -> 7x5; resblocks twice a stride-1 conv
        double conv = 28 * 17 * 9.0 * 8 * 64 + 2 * 28 * 17 * 9.0 * 64 * 64 +
                      14 * 9 * 9.0 * 64 * 128 + 2 * 14 * 9 * 9.0 * 128 * 128 +
                      7 * 5 * 9.0 * 128 * 256 + 2 * 7 * 5 * 9.0 * 256 * 256;
        return conv + 3584.0 * 256 + 4 * 256.0 * 128 + 128.0 * (21 + 3 + 33 + 33);
    }
    if (a == ARCH_CLAIR3_PILEUP) {
        double lstm = 2.0 * 33 * ((18 + 128) * 512.0) + 2.0 * 33 * ((256 + 160) * 640.0);
        return lstm + 10560.0 * 128 + 2 * 128.0 * 128 + 128.0 * 21 + 128.0 * 3;
    }
    double conv = 33 * 4 * (1 * 4 * 4.0) * 16 + 29 * 4 * (2 * 4 * 16.0) * 32 +
                  26 * 4 * (3 * 4 * 32.0) * 48;
    return conv + 4608.0 * 336 + 336.0 * 168 + 336.0 * 4 + 168.0 * (2 + 4 + 6);
}

// Process CPU time (all threads): on a shared machine the wall clock also counts the time other
// jobs held the cores; with one thread, CPU time is what an idle core would take.
static double cpu_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static double rss_mib(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024.0;
}

static void bench_sgemm(int repeats) {
    const int n = 1536;
    float *a = xmalloc(sizeof(float) * n * n), *b = xmalloc(sizeof(float) * n * n),
          *c = xmalloc(sizeof(float) * n * n);
    for (int i = 0; i < n * n; i++) a[i] = (float)(i % 17) * 0.01f, b[i] = (float)(i % 13) * 0.01f;
    double best = 0.0, best_cpu = 0.0;
    gemm(0, 0, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);  // warm-up
    for (int r = 0; r < repeats; r++) {
        double t = now_seconds(), tc = cpu_seconds();
        gemm(0, 0, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
        double g = 2.0 * n * n * n / (now_seconds() - t) / 1e9;
        double gc = 2.0 * n * n * n / (cpu_seconds() - tc) / 1e9;
        if (g > best) best = g;
        if (gc > best_cpu) best_cpu = gc;
    }
    // per CPU-second: GFLOP/s of one fully used core
    printf("sgemm %d %.1f %.1f\n", network_threads(), best, best_cpu);
    free(a), free(b), free(c);
}

static void bench_model(ModelArch arch, int steps, int repeats) {
    const int BATCH = bench_batch();
    Model m;
    if (model_create(&m, arch, BATCH)) calla_die("model_create failed");
    model_init_params(&m, 1);
    // BENCH_PRECISION=bf16 | bf16emu: inference in bf16 (network/infer.h; bf16emu: the scalar
    // emulation); training stays fp32
    const char *prec = getenv("BENCH_PRECISION");
    if (prec && strncmp(prec, "bf16", 4) == 0) {
        int simd = strcmp(prec, "bf16emu") != 0;
        if (simd && !bf16_simd_available()) calla_die("bench_model: no AVX-512-BF16 on this CPU");
        if (model_set_infer_precision(&m, INFER_BF16, simd) < 0)
            calla_die("bench_model: %s has no bf16 inference", model_arch_name(arch));
    }
    Rng r;
    rng_seed(&r, 2);
    const int nx = m.n_pos * m.n_chan;
    float *x = xmalloc(sizeof(float) * BATCH * nx), *lab = xcalloc((size_t)BATCH * m.n_labels, 4);
    for (int i = 0; i < BATCH * nx; i++)  // full alignment: Clair3's codes / 100, in [-1, 1]
        x[i] = arch == ARCH_CLAIR3_FA ? (float)((int)rng_below(&r, 201) - 100) / 100.0f
                                      : (float)rng_below(&r, 20);
    for (int b = 0; b < BATCH; b++) {
        float *l = lab + (size_t)b * m.n_labels;
        if (arch == ARCH_CLAIR3_FA)
            l[0] = (float)rng_below(&r, 21), l[1] = (float)rng_below(&r, 3),
            l[2] = (float)rng_below(&r, 33), l[3] = (float)rng_below(&r, 33);
        else if (arch == ARCH_CLAIR3_PILEUP)
            l[0] = (float)rng_below(&r, 21), l[1] = (float)rng_below(&r, 3), l[2] = l[3] = 16;
        else
            l[rng_below(&r, 4)] = 1, l[4 + rng_below(&r, 2)] = 1, l[6 + rng_below(&r, 4)] = 1,
                            l[10 + rng_below(&r, 6)] = 1;
    }
    double best[2] = {0, 0}, best_cpu[2] = {0, 0};
    for (int mode = 0; mode < 2; mode++) {  // 0 train, 1 inference
        model_forward(&m, x, mode ? NULL : lab, BATCH, !mode);  // warm-up
        if (!mode) model_backward(&m);
        for (int rep = 0; rep < repeats; rep++) {
            double t = now_seconds(), tc = cpu_seconds();
            for (int s = 0; s < steps; s++) {
                model_forward(&m, x, mode ? NULL : lab, BATCH, !mode);
                if (!mode) model_backward(&m);
            }
            double sps = (double)BATCH * steps / (now_seconds() - t);
            double spc = (double)BATCH * steps / (cpu_seconds() - tc);
            if (sps > best[mode]) best[mode] = sps;
            if (spc > best_cpu[mode]) best_cpu[mode] = spc;
        }
    }
    const double f = forward_macs(arch) * 2 / 1e6;
    printf("flops %s %.2f %.2f\n", model_arch_name(arch), 3 * f, f);
    for (int mode = 0; mode < 2; mode++)
        printf("calla %s %s %d %.1f %.0f %.1f\n", model_arch_name(arch), mode ? "infer" : "train",
               network_threads(), best[mode], rss_mib(), best_cpu[mode]);
    free(x), free(lab);
    model_free(&m);
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: bench_model sgemm THREADS REPEATS | MODEL THREADS STEPS REPEATS\n");
        return 2;
    }
    network_set_threads(atoi(argv[2]));
    if (strcmp(argv[1], "sgemm") == 0) {
        bench_sgemm(atoi(argv[3]));
        return 0;
    }
    ModelArch a;
    if (model_arch_parse(argv[1], &a) < 0 || argc < 5) {
        fprintf(stderr, "bench_model: unknown model \"%s\"\n", argv[1]);
        return 2;
    }
    bench_model(a, atoi(argv[3]), atoi(argv[4]));
    return 0;
}
