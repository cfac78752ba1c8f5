// test_train_resume.c — a run stopped mid-epoch (--max-steps, which takes the same checkpoint path
// as SIGINT/SIGTERM) and resumed from its checkpoint ends bit-identical to an uninterrupted run:
// same model file bytes, same checkpoint tensors (parameters and optimizer state), same log values.
// Covers Adam + plateau (Clairvoyante, alpha dropout), RAdam + Lookahead + warm-up (slow weights
// restored between syncs) and AdamW (Clair3 pileup, LSTM + dropout).
#include <math.h>

#include "testlib.h"
#include "training/safetensors.h"
#include "training/trainer.h"
#include "unit/train_synth.h"
#include "unit/train_util.h"

static TrainConfig base(ModelArch arch, OptKind opt, SchedKind sched, char **inputs, int epochs) {
    return tu_train_config(arch, opt, sched, inputs, epochs, 11);
}

static void check(const char *tag, ModelArch arch, OptKind opt, SchedKind sched, int n, int epochs,
                  int stop_at) {
    char in[300], oa[512], ob[512], ca[512], cb[512], la[512], lb[512];
    snprintf(in, sizeof in, "%s.ctf", tu_path(tag));
    snprintf(oa, sizeof oa, "%s.A.safetensors", in);
    snprintf(ob, sizeof ob, "%s.B.safetensors", in);
    snprintf(ca, sizeof ca, "%s.A.ckpt", in);
    snprintf(cb, sizeof cb, "%s.B.ckpt", in);
    snprintf(la, sizeof la, "%s.A.jsonl", in);
    snprintf(lb, sizeof lb, "%s.B.jsonl", in);
    T_EQ_INT(synth_write(in, model_arch_feature_kind(arch), n, 5), 0);
    char *inputs[1] = {in};
    TrainConfig c = base(arch, opt, sched, inputs, epochs);
    c.out = oa, c.ckpt = ca, c.log = la;
    T_EQ_INT(train_run(&c), 0);
    c = base(arch, opt, sched, inputs, epochs);
    c.out = ob, c.ckpt = cb, c.log = lb, c.max_steps = stop_at;
    T_EQ_INT(train_run(&c), 0);
    // the stop left a checkpoint in the middle of an epoch
    StFile f;
    T_EQ_INT(st_open(&f, cb), 0);
    const char *bie = st_meta(&f, "ckpt.batch_in_epoch"), *stp = st_meta(&f, "ckpt.step");
    T_CHECK(bie && atoi(bie) > 0);
    T_CHECK(stp && atoi(stp) == stop_at);
    st_close(&f);
    TrainConfig r;
    memset(&r, 0, sizeof r);
    r.inputs = inputs;
    r.n_inputs = 1;
    r.epochs = epochs;
    r.early_stop = 0;
    r.threads = 1;
    r.resume = cb, r.out = ob, r.ckpt = cb, r.log = lb;
    T_EQ_INT(train_run(&r), 0);
    T_CHECK(tu_same_bytes(oa, ob));
    StFile fa, fb;
    T_EQ_INT(st_open(&fa, ca), 0);
    T_EQ_INT(st_open(&fb, cb), 0);
    T_EQ_INT(fa.n, fb.n);
    T_CHECK(st_find(&fa, "optim.m") && st_find(&fa, "optim.v"));
    T_EQ_INT(st_find(&fa, "optim.slow") != NULL, opt == OPT_RADAM_LOOKAHEAD);
    for (int i = 0; i < fa.n; i++) {
        const StEntry *ea = &fa.t[i], *eb = st_find(&fb, ea->name);
        T_CHECK(eb && eb->end - eb->begin == ea->end - ea->begin &&
                memcmp(fa.buf + fa.data_start + ea->begin, fb.buf + fb.data_start + eb->begin,
                       ea->end - ea->begin) == 0);
    }
    T_CHECK(strcmp(st_meta(&fa, "ckpt.rng_model"), st_meta(&fb, "ckpt.rng_model")) == 0);
    T_CHECK(strcmp(st_meta(&fa, "ckpt.rng_data"), st_meta(&fb, "ckpt.rng_data")) == 0);
    st_close(&fa);
    st_close(&fb);
    int na = 0, nb = 0;
    JsonVal a, b;
    T_EQ_INT(tu_jsonl_line(la, -1, &a, &na), 0);
    T_EQ_INT(tu_jsonl_line(lb, -1, &b, &nb), 0);
    T_EQ_INT(na, epochs);
    T_EQ_INT(nb, epochs);
    const char *same[] = {"epoch", "step", "lr", "train_loss", "val_loss", "val_f1"};
    for (int i = 0; i < 6; i++) T_CHECK(tu_num(&a, same[i]) == tu_num(&b, same[i]));
    json_free(&a);
    json_free(&b);
    // The interrupted-and-resumed run is not the uninterrupted one by accident: a different seed
    // gives different parameters.
    char oc[512], cc[512];
    snprintf(oc, sizeof oc, "%s.C.safetensors", in);
    snprintf(cc, sizeof cc, "%s.C.ckpt", in);
    c = base(arch, opt, sched, inputs, 1);
    c.seed = 12, c.out = oc, c.ckpt = cc, c.max_steps = 2;
    T_EQ_INT(train_run(&c), 0);
    T_CHECK(!tu_same_bytes(cc, cb));
    fprintf(stderr, "%s: resumed run matches\n", tag);
}

int main(void) {
    if (tu_mkdir() < 0) T_SKIP("no temporary directory");
    // 600 rows: C = 23 chunks, T = min(23, floor(540/25) - 1) = 20 train -> 10 batches per epoch
    check("cv_adam", ARCH_CLAIRVOYANTE, OPT_ADAM, SCHED_PLATEAU, 600, 3, 13);
    check("cv_radam", ARCH_CLAIRVOYANTE, OPT_RADAM_LOOKAHEAD, SCHED_WARMUP_LINEAR, 600, 2, 7);
    // 300 rows: C = 11 chunks, T = floor(270/25) - 1 = 9 train -> 4 batches per epoch
    check("c3_adamw", ARCH_CLAIR3_PILEUP, OPT_ADAMW, SCHED_WARMUP_COSINE, 300, 2, 3);
    T_DONE();
}
