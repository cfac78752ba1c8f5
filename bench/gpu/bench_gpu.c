// bench_gpu.c — calla's GPU training and inference throughput for bench/gpu/run.sh.
//   bench_gpu MODEL PRECISION BATCH STEPS
//     -> "calla MODEL train PRECISION BATCH samples/s ms/step"
//        "calla MODEL train-pipe PRECISION BATCH samples/s ms/step"
//        "calla MODEL train-graph PRECISION BATCH samples/s ms/step"
//        "calla MODEL infer PRECISION BATCH samples/s ms/step"
// train: cuda_train_step: upload, forward with dropout, backward, optimizer update (AdamW for
// both Clair3 models, Adam for Clairvoyante; clair3-fa at 55 read rows, BN in training mode),
// one host wait for the loss. train-pipe: the trainer's input pipeline (docs/cuda.md): the step
// enqueued from one page-locked slot while the host copies the next batch into the other and
// starts its upload, then the wait. train-graph: the same with
// --cuda-graphs (the first step, a warm-up one, eager; then one capture per slot). Inference is
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
        fprintf(stderr, "usage: bench_gpu clair3-pileup|clairvoyante|clair3-fa fp32|tf32|bf16 BATCH "
                        "STEPS\n");
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
    if (model_create_rows(&m, arch, MODEL_FA_ROWS_DEFAULT, B) < 0)
        calla_die("cannot create the model");
    model_init_params(&m, 1);
    const int n_in = m.n_pos * m.n_chan;
    float *x = xmalloc(sizeof(float) * (size_t)B * n_in);
    float *lab = xcalloc((size_t)B * m.n_labels, sizeof(float));
    Rng r;
    rng_seed(&r, 2);
    for (size_t i = 0; i < (size_t)B * n_in; i++)  // clair3-fa: features / 100
        x[i] = arch == ARCH_CLAIR3_FA ? (float)((int)rng_below(&r, 201) - 100) / 100.0f
                                      : (float)rng_below(&r, 20);
    for (int b = 0; b < B; b++) {
        float *l = lab + (size_t)b * m.n_labels;
        if (arch == ARCH_CLAIR3_PILEUP || arch == ARCH_CLAIR3_FA) {
            l[0] = (float)rng_below(&r, 21), l[1] = (float)rng_below(&r, 3);
            l[2] = (float)rng_below(&r, 33), l[3] = (float)rng_below(&r, 33);
        } else {
            l[rng_below(&r, 4)] = 1, l[4 + rng_below(&r, 2)] = 1;
            l[6 + rng_below(&r, 4)] = 1, l[10 + rng_below(&r, 6)] = 1;
        }
    }
    uint8_t *mask = xmalloc(m.n_params);
    for (int t = 0; t < m.n_tensors; t++)
        memset(mask + m.tensors[t].offset, m.tensors[t].decay, m.tensors[t].numel);
    Optimizer o;
    optim_init(&o, arch != ARCH_CLAIRVOYANTE ? OPT_ADAMW : OPT_ADAM, m.n_params, 1e-4, m.params);
    CudaModel *cm = cuda_model_new(&m, 0, prec);
    if (!cm) return 1;
    cuda_optim_attach(cm, &o, mask);
    static const char *MODES[4] = {"train", "train-pipe", "train-graph", "infer"};
    int slot = 0;
    for (int mode = 0; mode < 4; mode++) {
        double best = 1e30, loss = 0;
        if (mode == 2) cuda_model_set_graphs(cm, 1);
        if (mode == 3) cuda_model_set_graphs(cm, 0);
        if (mode == 1) {  // the first batch into slot 0
            float *sx, *sl;
            cuda_batch_slot(cm, 0, &sx, &sl);
            memcpy(sx, x, sizeof(float) * (size_t)B * n_in);
            memcpy(sl, lab, sizeof(float) * (size_t)B * m.n_labels);
            cuda_batch_upload(cm, 0, B);
        }
        for (int rep = -1; rep < 3; rep++) {  // rep -1: warm-up (2 steps)
            const int n = rep < 0 ? 2 : steps;
            double t0 = now();
            for (int s = 0; s < n; s++) {
                if (mode == 0) {
                    loss = cuda_train_step(cm, &m, &o, x, lab, B, 1, 1e-4, 1.0);
                } else if (mode == 3) {
                    loss = cuda_model_forward(cm, &m, x, NULL, B, 0);
                } else {  // as the trainer: enqueue, read the next batch into the other slot, wait
                    float *sx, *sl;
                    cuda_train_enqueue(cm, &m, &o, slot, 1, 1e-4, 1.0);
                    cuda_batch_slot(cm, slot ^ 1, &sx, &sl);
                    memcpy(sx, x, sizeof(float) * (size_t)B * n_in);
                    memcpy(sl, lab, sizeof(float) * (size_t)B * m.n_labels);
                    cuda_batch_upload(cm, slot ^ 1, B);
                    loss = cuda_train_wait(cm, &m);
                    slot ^= 1;
                }
            }
            double dt = (now() - t0) / n;
            if (rep >= 0 && dt < best) best = dt;
        }
        printf("calla %s %s %s %d %.1f %.3f\n", argv[1], MODES[mode], pn, B, B / best, 1e3 * best);
        if (mode < 3)
            fprintf(stderr, "bench_gpu %s %s %s B=%d: last loss %g\n", argv[1], MODES[mode], pn, B,
                    loss);
    }
    if (cuda_model_graph_captures(cm) != 2)
        fprintf(stderr, "bench_gpu: %d graph captures (expected 2)\n", cuda_model_graph_captures(cm));
    cuda_model_free(cm);
    optim_free(&o);
    model_free(&m);
    free(x), free(lab), free(mask);
    return 0;
}
