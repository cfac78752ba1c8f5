// test_cudaemu_resume.c — `calla train --device cuda` stopped mid-epoch (--max-steps: the SIGINT
// checkpoint path) and resumed ends bit-identical to an uninterrupted device run: the parameters
// and optimizer state (moments, Lookahead slow weights) brought back from the device for the
// checkpoint, and uploaded again on resume, lose nothing, and the dropout RNG continues exactly.
// Emulation build: device code run on the host (deterministic, so "identical" is exact).
#include <math.h>

#include "cuda/cuda_backend.h"
#include "testlib.h"
#include "training/safetensors.h"
#include "training/trainer.h"
#include "unit/train_synth.h"
#include "unit/train_util.h"

static TrainConfig base(ModelArch arch, OptKind opt, SchedKind sched, char **inputs, int epochs) {
    return tu_train_config(arch, opt, sched, inputs, epochs, 13);
}

static void check(const char *tag, ModelArch arch, OptKind opt, SchedKind sched, int n, int epochs,
                  int stop_at) {
    char in[300], oa[512], ob[512], ca[512], cb[512], la[512];
    snprintf(in, sizeof in, "%s.ctf", tu_path(tag));
    snprintf(oa, sizeof oa, "%s.A.safetensors", in);
    snprintf(ob, sizeof ob, "%s.B.safetensors", in);
    snprintf(ca, sizeof ca, "%s.A.ckpt", in);
    snprintf(cb, sizeof cb, "%s.B.ckpt", in);
    snprintf(la, sizeof la, "%s.A.jsonl", in);
    T_EQ_INT(synth_write(in, model_arch_feature_kind(arch), n, 5), 0);
    char *inputs[1] = {in};
    calla_device_set(0);
    TrainConfig c = base(arch, opt, sched, inputs, epochs);
    c.out = oa, c.ckpt = ca, c.log = la;
    T_EQ_INT(train_run(&c), 0);
    c = base(arch, opt, sched, inputs, epochs);
    c.out = ob, c.ckpt = cb, c.max_steps = stop_at;
    T_EQ_INT(train_run(&c), 0);
    TrainConfig r;
    memset(&r, 0, sizeof r);
    r.inputs = inputs;
    r.n_inputs = 1;
    r.epochs = epochs;
    r.threads = 1;
    r.resume = cb, r.out = ob, r.ckpt = cb;
    T_EQ_INT(train_run(&r), 0);
    calla_device_set(-1);
    // the runs trained (finite, falling loss): a diverged pair would prove little
    JsonVal first, last;
    T_EQ_INT(tu_jsonl_line(la, 0, &first, NULL), 0);
    T_EQ_INT(tu_jsonl_line(la, -1, &last, NULL), 0);
    T_CHECK(isfinite(tu_num(&last, "train_loss")));
    T_CHECK(tu_num(&last, "train_loss") < tu_num(&first, "train_loss"));
    json_free(&first);
    json_free(&last);
    T_CHECK(tu_same_bytes(oa, ob));
    StFile fa, fb;
    T_EQ_INT(st_open(&fa, ca), 0);
    T_EQ_INT(st_open(&fb, cb), 0);
    T_EQ_INT(fa.n, fb.n);
    T_EQ_INT(st_find(&fa, "optim.slow") != NULL, opt == OPT_RADAM_LOOKAHEAD);
    int differ = 0;
    for (int i = 0; i < fa.n; i++) {
        const StEntry *ea = &fa.t[i], *eb = st_find(&fb, ea->name);
        if (!eb || eb->end - eb->begin != ea->end - ea->begin ||
            memcmp(fa.buf + fa.data_start + ea->begin, fb.buf + fb.data_start + eb->begin,
                   ea->end - ea->begin) != 0) {
            fprintf(stderr, "%s: checkpoint tensor %s differs\n", tag, ea->name);
            differ++;
        }
    }
    T_EQ_INT(differ, 0);
    T_CHECK(strcmp(st_meta(&fa, "ckpt.rng_model"), st_meta(&fb, "ckpt.rng_model")) == 0);
    st_close(&fa);
    st_close(&fb);
    printf("%s: device run resumed at step %d matches the uninterrupted one\n", tag, stop_at);
}

int main(void) {
    if (tu_mkdir() < 0) T_SKIP("no temporary directory");
    // 300 rows: 4 batches per epoch; the stops fall inside an epoch and between Lookahead syncs
    // (RAdam's first, unrectified steps are plain momentum: with Clairvoyante's summed loss they
    // diverge on the CPU as on the device, so Clairvoyante runs its own recipe, Adam + plateau.)
    check("cv_adam", ARCH_CLAIRVOYANTE, OPT_ADAM, SCHED_PLATEAU, 300, 2, 5);
    check("c3_radam", ARCH_CLAIR3_PILEUP, OPT_RADAM_LOOKAHEAD, SCHED_WARMUP_LINEAR, 300, 2, 3);
    T_DONE();
}
