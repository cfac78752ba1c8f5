// test_cuda_train_checks.h — a short training run (train_run, synthetic learnable data of
// train_synth.h) on the device and on the CPU from the same seed: every epoch's training loss,
// validation loss and validation metrics must agree. Shared by test_cudaemu_train.c and
// test_cuda_train.c.
//
// Clair3 (strict): epoch 1's losses agree to relative 1e-3, every later epoch's to 1e-2, and
// every epoch's metrics (F1, precision, recall over the n/10 validation rows) to 2 rows. Per-step
// device/CPU differences are ~1e-6 relative (test_cuda_model_checks.h); in emulation the losses
// then agree to ~3e-6 over both epochs on AMD Zen 3, but on a Xeon with AVX-512 (Sapphire Rapids,
// OpenBLAS 0.3.21, any OPENBLAS_CORETYPE) epoch 1 agrees to 3e-7 and epoch 2 lands on one of two
// nearby trajectories (training loss 1.109285 or 1.109942, validation 0.53624 or 0.53775: 2.8e-3
// apart), CPU and device each on either depending on the core type. AdamW divides each gradient
// by its own running RMS, so a parameter whose gradient is near zero moves by about the learning
// rate in whichever direction its last-bit rounding points: the likely cause of the split, which
// is not a kernel error (epoch 1 agrees to 3e-7).
// Clairvoyante (loose): its training can be chaotic in the rounding. The synthetic inputs are
// integer counts, so max-pool windows often hold exact ties, and a 1-ulp difference in a conv
// output re-routes a gradient. Two CPU runs that differ only in the convolution's summation order
// (conv2d_use_full_width 1 vs 0) drifted apart on 700 records from relative 4e-5 (epoch-1
// training loss) to 15% (epoch-6 validation loss) with a 0.04 F1 gap at epoch 5; on 500 records
// device and CPU differed by 1.4e-3 already in epoch 1; on the 400 used here they agree to 1e-5
// over 6 epochs. So: the same number of updates, epoch-1 training loss to relative 1e-2, final
// validation loss within 30%, final metrics within 2 rows, and the device run must have learned
// (final F1 > 0.9; Clair3: > 0.75 and a falling validation loss after 2 epochs).
#ifndef TEST_CUDA_TRAIN_CHECKS_H
#define TEST_CUDA_TRAIN_CHECKS_H
#include <math.h>

#include "cuda/cuda_backend.h"
#include "testlib.h"
#include "training/trainer.h"
#include "unit/train_synth.h"
#include "unit/train_util.h"

static int train_once(ModelArch arch, const char *in, const char *tag, int epochs, int device,
                      char *log, size_t nlog) {
    char out[512], ckpt[512];
    snprintf(out, sizeof out, "%s.%s.safetensors", in, tag);
    snprintf(ckpt, sizeof ckpt, "%s.%s.ckpt", in, tag);
    snprintf(log, nlog, "%s.%s.jsonl", in, tag);
    char *inputs[1] = {(char *)in};
    OptKind opt = arch == ARCH_CLAIRVOYANTE ? OPT_ADAM : OPT_ADAMW;
    SchedKind sched = arch == ARCH_CLAIRVOYANTE ? SCHED_PLATEAU : SCHED_CONSTANT;
    TrainConfig c = tu_train_config(arch, opt, sched, inputs, epochs, 5);
    c.early_stop = 10;
    c.weight_decay = arch == ARCH_CLAIRVOYANTE ? 1e-3 : 1e-4;
    c.out = out;
    c.ckpt = ckpt;
    c.log = log;
    calla_device_set(device);
    int rc = train_run(&c);
    calla_device_set(-1);
    return rc;
}

static void compare_runs(ModelArch arch, const char *tag, int n, int epochs, int device) {
    char in[300], log_cpu[600], log_dev[600];
    const int strict = arch == ARCH_CLAIR3_PILEUP;
    snprintf(in, sizeof in, "%s.ctf", tu_path(tag));
    T_EQ_INT(synth_write(in, model_arch_feature_kind(arch), n, 11), 0);
    T_EQ_INT(train_once(arch, in, "cpu", epochs, -1, log_cpu, sizeof log_cpu), 0);
    T_EQ_INT(train_once(arch, in, "dev", epochs, device, log_dev, sizeof log_dev), 0);
    const char *metric_keys[] = {"val_f1", "val_precision", "val_recall"};
    double first_val = 0;
    for (int e = 0; e < epochs; e++) {
        JsonVal a, b;
        int na = 0, nb = 0;
        T_EQ_INT(tu_jsonl_line(log_cpu, e, &a, &na), 0);
        T_EQ_INT(tu_jsonl_line(log_dev, e, &b, &nb), 0);
        T_EQ_INT(na, epochs);
        T_EQ_INT(nb, epochs);
        printf("%s epoch %d: train loss CPU %.7g device %.7g; val loss %.7g / %.7g; val F1 %.4f / "
               "%.4f\n",
               tag, e + 1, tu_num(&a, "train_loss"), tu_num(&b, "train_loss"),
               tu_num(&a, "val_loss"), tu_num(&b, "val_loss"), tu_num(&a, "val_f1"),
               tu_num(&b, "val_f1"));
        T_EQ_INT(tu_num(&b, "step"), tu_num(&a, "step"));
        // Clair3: epoch 1 to 1e-3, later epochs to 1e-2 (see the note at the top)
        const double rel = strict ? (e == 0 ? 1e-3 : 1e-2) : 1e-2;
        if (strict || e == 0) T_NEAR(tu_num(&b, "train_loss"), tu_num(&a, "train_loss"), 0, rel);
        if (strict) T_NEAR(tu_num(&b, "val_loss"), tu_num(&a, "val_loss"), 0, rel);
        if (!strict && e == epochs - 1) T_NEAR(tu_num(&b, "val_loss"), tu_num(&a, "val_loss"), 0, 0.3);
        if (strict || e == epochs - 1)
            for (int k = 0; k < 3; k++)
                T_NEAR(tu_num(&b, metric_keys[k]), tu_num(&a, metric_keys[k]), 2.0 / (n / 10) + 1e-9, 0);
        if (e == 0) first_val = tu_num(&b, "val_loss");
        if (e == epochs - 1) {
            T_CHECK(tu_num(&b, "val_f1") > (strict ? 0.75 : 0.9));
            T_CHECK(tu_num(&b, "val_loss") < first_val);
        }
        json_free(&a);
        json_free(&b);
    }
}

#endif
