// test_train_learn.c — both models learn a synthetic problem whose labels are fixed by a clear
// pattern in the centre column (train_synth.h): the per-epoch log shows the training loss falling
// and validation accuracy / F1 past a stated bar within three (Clair3) or five epochs.
#include <math.h>

#include "testlib.h"
#include "training/trainer.h"
#include "unit/train_synth.h"
#include "unit/train_util.h"

static void run(ModelArch arch, const char *tag, int n, int epochs, double lr) {
    char in[300], out[512], log[512], ckpt[512];
    snprintf(in, sizeof in, "%s", tu_path(tag));
    strcat(in, ".ctf");
    snprintf(out, sizeof out, "%s.safetensors", in);
    snprintf(log, sizeof log, "%s.jsonl", in);
    snprintf(ckpt, sizeof ckpt, "%s.ckpt", in);
    T_EQ_INT(synth_write(in, model_arch_feature_kind(arch), n, 7), 0);
    char *inputs[1] = {in};
    TrainConfig c = tu_train_config(arch, arch == ARCH_CLAIRVOYANTE ? OPT_ADAM : OPT_ADAMW,
                                    arch == ARCH_CLAIRVOYANTE ? SCHED_PLATEAU : SCHED_CONSTANT,
                                    inputs, epochs, 3);
    c.early_stop = 10;
    c.lr = lr;
    c.weight_decay = arch == ARCH_CLAIRVOYANTE ? 1e-3 : 1e-4;
    c.out = out;
    c.ckpt = ckpt;
    c.log = log;
    T_EQ_INT(train_run(&c), 0);
    JsonVal first, last;
    int nl = 0;
    T_EQ_INT(tu_jsonl_line(log, 0, &first, &nl), 0);
    T_EQ_INT(tu_jsonl_line(log, -1, &last, NULL), 0);
    T_EQ_INT(nl, epochs);
    T_EQ_INT(tu_num(&last, "epoch"), epochs);
    fprintf(stderr, "%s: train loss %g -> %g, val loss %g -> %g, val F1 %g\n", tag,
            tu_num(&first, "train_loss"), tu_num(&last, "train_loss"), tu_num(&first, "val_loss"),
            tu_num(&last, "val_loss"), tu_num(&last, "val_f1"));
    T_CHECK(tu_num(&last, "train_loss") < 0.5 * tu_num(&first, "train_loss"));
    T_CHECK(tu_num(&last, "val_loss") < tu_num(&first, "val_loss"));
    T_CHECK(tu_num(&last, "val_f1") > 0.9);
    T_CHECK(tu_num(&last, "val_precision") > 0.9);
    T_CHECK(tu_num(&last, "val_recall") > 0.9);
    if (arch == ARCH_CLAIR3_PILEUP) {
        T_CHECK(tu_num(&last, "val_acc_gt21") > 0.9);
        T_CHECK(tu_num(&last, "val_acc_zygosity") > 0.9);
        T_CHECK(tu_num(&last, "val_genotype_f1") > 0.9);
    } else {
        T_CHECK(tu_num(&last, "val_acc_variant_type") > 0.9);
        T_CHECK(tu_num(&last, "val_acc_indel_length") > 0.9);
    }
    // Keys every epoch line carries.
    const char *keys[] = {"epoch",           "step",          "lr",         "train_loss",
                          "val_loss",        "val_precision", "val_recall", "val_f1",
                          "val_genotype_f1", "samples_per_s", "wall_s"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        T_CHECK(json_get(&last, keys[i]) != NULL);
    T_CHECK(tu_num(&last, "wall_s") >= tu_num(&first, "wall_s"));
    json_free(&first);
    json_free(&last);
    T_CHECK(access(out, R_OK) == 0);
    T_CHECK(access(ckpt, R_OK) == 0);
}

int main(void) {
    if (tu_mkdir() < 0) T_SKIP("no temporary directory");
    run(ARCH_CLAIR3_PILEUP, "c3", 700, 3, 1e-3);
    run(ARCH_CLAIRVOYANTE, "cv", 700, 5, 1e-3);
    T_DONE();
}
