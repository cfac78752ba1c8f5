// bench_gpu.c — calla's GPU training and inference throughput for bench/gpu/run.sh.
//   bench_gpu MODEL PRECISION BATCH STEPS
//     -> "calla MODEL train PRECISION BATCH samples/s ms/step"
//        "calla MODEL infer PRECISION BATCH samples/s ms/step"
// A training step is cuda_train_step: upload, forward with dropout, backward, optimizer update
// (AdamW for Clair3, Adam for Clairvoyante), one host wait for the loss. Inference is
// cuda_model_forward without labels (probabilities copied back). Random inputs and labels; two
// warm-up steps, then the best of 3 timings of STEPS steps (wall clock; each step ends with a
// host wait, so the clock covers the device work).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/util.h"
#include "cuda/cuda_backend.h"
#include "network/model.h"
#include "training/optim.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: bench_gpu clair3-pileup|clairvoyante fp32|tf32|bf16 BATCH STEPS\n");
        return 2;
    }
    calla_set_cmd("bench_gpu");
    ModelArch arch;
    if (model_arch_parse(argv[1], &arch) < 0) calla_die("unknown model \"%s\"", argv[1]);
    const char *pn = argv[2];
    int prec = !strcmp(pn, "fp32") ? 0 : !strcmp(pn, "tf32") ? 1 : !strcmp(pn, "bf16") ? 2 : -1;
    if (prec < 0) calla_die("unknown precision \"%s\"", pn);
    const int B = atoi(argv[3]), steps = atoi(argv[4]);
    if (B < 1 || steps < 1) calla_die("bad batch or step count");
    Model m;
    if (model_create(&m, arch, B) < 0) calla_die("cannot create the model");
    model_init_params(&m, 1);
    const int n_in = m.n_pos * m.n_chan;
    float *x = xmalloc(sizeof(float) * (size_t)B * n_in);
    float *lab = xcalloc((size_t)B * m.n_labels, sizeof(float));
    Rng r;
    rng_seed(&r, 2);
    for (size_t i = 0; i < (size_t)B * n_in; i++) x[i] = (float)rng_below(&r, 20);
    for (int b = 0; b < B; b++) {
        float *l = lab + (size_t)b * m.n_labels;
        if (arch == ARCH_CLAIR3_PILEUP) {
            l[0] = (float)rng_below(&r, 21), l[1] = (float)rng_below(&r, 3);
        } else {
            l[rng_below(&r, 4)] = 1, l[4 + rng_below(&r, 2)] = 1;
            l[6 + rng_below(&r, 4)] = 1, l[10 + rng_below(&r, 6)] = 1;
        }
    }
    uint8_t *mask = xmalloc(m.n_params);
    for (int t = 0; t < m.n_tensors; t++)
        memset(mask + m.tensors[t].offset, m.tensors[t].decay, m.tensors[t].numel);
    Optimizer o;
    optim_init(&o, arch == ARCH_CLAIR3_PILEUP ? OPT_ADAMW : OPT_ADAM, m.n_params, 1e-4, m.params);
    CudaModel *cm = cuda_model_new(&m, 0, prec);
    if (!cm) return 1;
    cuda_optim_attach(cm, &o, mask);
    for (int mode = 0; mode < 2; mode++) {
        double best = 1e30, loss = 0;
        for (int rep = -1; rep < 3; rep++) {  // rep -1: warm-up (2 steps)
            const int n = rep < 0 ? 2 : steps;
            double t0 = now();
            for (int s = 0; s < n; s++)
                loss = mode == 0 ? cuda_train_step(cm, &m, &o, x, lab, B, 1, 1e-4, 1.0)
                                 : cuda_model_forward(cm, &m, x, NULL, B, 0);
            double dt = (now() - t0) / n;
            if (rep >= 0 && dt < best) best = dt;
        }
        printf("calla %s %s %s %d %.1f %.3f\n", argv[1], mode == 0 ? "train" : "infer", pn, B,
               B / best, 1e3 * best);
        if (mode == 0) fprintf(stderr, "bench_gpu %s %s B=%d: last loss %g\n", argv[1], pn, B, loss);
    }
    cuda_model_free(cm);
    optim_free(&o);
    model_free(&m);
    free(x), free(lab), free(mask);
    return 0;
}
