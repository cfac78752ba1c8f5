// test_train_fa.c — `calla train` on clair3-fa (full-alignment) tensors (train_synth.h, 8 read
// rows):
//   1. learning: the loss falls and validation accuracy / F1 rise on the synthetic task (the class
//      is in channel 1 at the centre, on the HP2 reads for hets);
//   2. rows: inputs of different read rows are refused in one line naming the file; the model gets
//      the files' rows; a checkpoint of other rows is refused on --resume;
//   3. the no-phasing copy: dataset_fa_unphase on a hand-made record (channel 7 -> 60 where set,
//      non-empty rows stably re-sorted by their first non-zero column, padding rows kept), and the
//      dataset doubling (row 2r = record r as stored, 2r + 1 = its copy; twice the chunks);
//   4. exact resume: a run stopped mid-epoch and resumed ends byte-identical to an uninterrupted
//      one, batch-norm running statistics included (they change during training and are in the
//      checkpoint);
//   5. a NaN loss stops the run as for the pileup model.
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "testlib.h"
#include "training/dataset.h"
#include "training/modelfile.h"
#include "training/safetensors.h"
#include "training/trainer.h"
#include "unit/train_synth.h"
#include "unit/train_util.h"

static TrainConfig fa_config(char **inputs, int epochs) {
    // calla train's clair3-fa defaults: AdamW, weight decay 1e-7, a linear warm-up over 10% of
    // the updates, then a constant rate
    TrainConfig c =
        tu_train_config(ARCH_CLAIR3_FA, OPT_ADAMW, SCHED_WARMUP_LINEAR, inputs, epochs, 3);
    c.weight_decay = 1e-7;
    c.min_lr_ratio = 1.0;
    c.early_stop = 0;
    return c;
}

// Runs f with stderr captured into msg.
static int capture(int (*f)(void *), void *ud, char *msg, size_t cap) {
    char e[300];
    snprintf(e, sizeof e, "%s", tu_path("err.txt"));
    fflush(stderr);
    int saved = dup(2);
    if (!freopen(e, "w", stderr)) return -2;
    int rc = f(ud);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    msg[0] = 0;
    FILE *fp = fopen(e, "r");
    if (fp) {
        size_t k = fread(msg, 1, cap - 1, fp);
        msg[k] = 0;
        fclose(fp);
    }
    return rc;
}

// Batch-norm layers validate with running statistics that follow the training ones with
// momentum 0.99 (about 100 updates), so over the few hundred updates of a test the validation
// metrics of single epochs jump; the checks are on the best epoch and on the training loss.
static void learn(void) {
    char in[300], out[512], log[512], ckpt[512];
    snprintf(in, sizeof in, "%s", tu_path("learn.ctf"));
    snprintf(out, sizeof out, "%s.safetensors", in);
    snprintf(log, sizeof log, "%s.jsonl", in);
    snprintf(ckpt, sizeof ckpt, "%s.ckpt", in);
    T_EQ_INT(synth_write(in, FEAT_CLAIR3_FA, 600, 7), 0);
    char *inputs[1] = {in};
    const int epochs = 6;
    TrainConfig c = fa_config(inputs, epochs);
    c.batch = 20, c.chunk = 10;
    c.out = out, c.ckpt = ckpt, c.log = log;
    T_EQ_INT(train_run(&c), 0);
    JsonVal first, last, e;
    int nl = 0;
    T_EQ_INT(tu_jsonl_line(log, 0, &first, &nl), 0);
    T_EQ_INT(tu_jsonl_line(log, -1, &last, NULL), 0);
    T_EQ_INT(nl, epochs);
    double best_loss = 1e300, best_gt = 0, best_zy = 0, best_f1 = 0;
    for (int i = 0; i < nl; i++) {
        T_EQ_INT(tu_jsonl_line(log, i, &e, NULL), 0);
        best_loss = fmin(best_loss, tu_num(&e, "val_loss"));
        best_gt = fmax(best_gt, tu_num(&e, "val_acc_gt21"));
        best_zy = fmax(best_zy, tu_num(&e, "val_acc_zygosity"));
        best_f1 = fmax(best_f1, tu_num(&e, "val_f1"));
        json_free(&e);
    }
    fprintf(stderr,
            "learn: train loss %g -> %g; val loss %g -> best %g; val acc gt21 %g -> best %g, "
            "zygosity %g -> best %g; val F1 best %g; %g samples/s\n",
            tu_num(&first, "train_loss"), tu_num(&last, "train_loss"), tu_num(&first, "val_loss"),
            best_loss, tu_num(&first, "val_acc_gt21"), best_gt,
            tu_num(&first, "val_acc_zygosity"), best_zy, best_f1, tu_num(&last, "samples_per_s"));
    T_CHECK(tu_num(&last, "train_loss") < 0.25 * tu_num(&first, "train_loss"));
    T_CHECK(best_loss < 0.6 * tu_num(&first, "val_loss"));
    // three balanced classes: chance is about 1/3
    T_CHECK(tu_num(&first, "val_acc_gt21") < 0.6);
    T_CHECK(best_gt > 0.9);
    T_CHECK(best_zy > 0.6);  // (this head learns more slowly here)
    T_CHECK(best_f1 > 0.9);
    T_CHECK(json_get(&last, "val_acc_indel_length2") != NULL);
    json_free(&first);
    json_free(&last);
    // the model file: clair3-fa of the files' 8 rows, with trained batch-norm statistics
    Model m;
    T_EQ_INT(modelfile_load(out, &m, 4, ARCH_CLAIR3_FA), 0);
    T_EQ_INT(m.fa_rows, SYNTH_FA_ROWS);
    T_CHECK(m.n_state > 0);
    int moved = 0;
    int t = model_find_state_tensor(&m, "conv1.bn.moving_mean");
    T_CHECK(t >= 0);
    for (size_t i = 0; t >= 0 && i < m.state_tensors[t].numel; i++)
        moved += m.state[m.state_tensors[t].offset + i] != 0.0f;
    T_CHECK(moved > 0);  // running means moved from their initial 0
    model_free(&m);
}

typedef struct {
    char **tr;
    int n;
    int no_phase;
} OpenArgs;

static int open_fa(void *ud) {
    OpenArgs *a = ud;
    Dataset d;
    DatasetOpts o = {.no_phasing_copy = a->no_phase};
    int rc = dataset_open_opts(&d, a->tr, a->n, NULL, 0, 0.1, 50, 25, FEAT_CLAIR3_FA, "clair3-fa",
                               &o);
    if (rc == 0) dataset_close(&d);
    return rc;
}

static int resume_run(void *ud) { return train_run(ud); }

static void rows_mismatch(void) {
    char a[300], b[300], msg[2048];
    snprintf(a, sizeof a, "%s", tu_path("r8.ctf"));
    snprintf(b, sizeof b, "%s", tu_path("r6.ctf"));
    T_EQ_INT(synth_write_fa(a, 8, 200, 1), 0);
    T_EQ_INT(synth_write_fa(b, 6, 200, 2), 0);
    char *two[2] = {a, b};
    OpenArgs oa = {two, 2, 0};
    T_EQ_INT(capture(open_fa, &oa, msg, sizeof msg), -1);
    T_CHECK(strstr(msg, b) && strstr(msg, "6 read rows") && strstr(msg, "has 8"));
    T_EQ_INT((int)(strchr(msg, '\n') - msg + 1), (int)strlen(msg));  // one line
    fprintf(stderr, "rows mismatch: %s", msg);
    // the same rows: fine
    char *one[2] = {a, a};
    oa.tr = one;
    T_EQ_INT(capture(open_fa, &oa, msg, sizeof msg), 0);
    // the no-phasing copy is for clair3-fa only
    Dataset d;
    DatasetOpts o = {.no_phasing_copy = 1};
    char p[300];
    snprintf(p, sizeof p, "%s", tu_path("pile.ctf"));
    T_EQ_INT(synth_write(p, FEAT_CLAIR3_PILEUP, 200, 1), 0);
    char *pp[1] = {p};
    fflush(stderr);
    T_EQ_INT(dataset_open_opts(&d, pp, 1, NULL, 0, 0.1, 50, 25, FEAT_CLAIR3_PILEUP, "c3", &o), -1);
    // --resume of an 8-row checkpoint on 6-row tensors
    char out[512], ck[512];
    snprintf(out, sizeof out, "%s.st", a);
    snprintf(ck, sizeof ck, "%s.ckpt", a);
    char *in8[1] = {a}, *in6[1] = {b};
    TrainConfig c = fa_config(in8, 1);
    c.out = out, c.ckpt = ck, c.max_steps = 1;
    T_EQ_INT(train_run(&c), 0);
    TrainConfig r;
    memset(&r, 0, sizeof r);
    r.inputs = in6, r.n_inputs = 1, r.threads = 1, r.early_stop = -1;
    r.resume = ck, r.out = out, r.ckpt = ck;
    T_EQ_INT(capture(resume_run, &r, msg, sizeof msg), CALLA_EXIT_RUNTIME);
    T_CHECK(strstr(msg, b) && strstr(msg, "6 read rows") && strstr(msg, "model of 8 rows"));
    fprintf(stderr, "resume rows: %s", msg);
}

// A record of 6 rows (1 padding row above, 1 below): rows 1..4 hold reads with
// (first column, HP) = (5, 0), (0, 1), (2, 1), (0, 2); the unphased copy orders them by first
// column, stably: (0, HP1), (0, HP2), (2, HP1), (5, unknown).
static void unphase(void) {
    enum { R = 6, C = TF_FA_CHAN_PER_ROW, NC = R * C };
    static int16_t f[TF_NPOS * NC], g[TF_NPOS * NC];
    memset(f, 0, sizeof f);
    const int first[4] = {5, 0, 2, 0}, hp[4] = {60, 30, 30, 90};
    for (int i = 0; i < 4; i++)
        for (int p = first[i]; p < TF_NPOS; p++) {
            int16_t *cell = f + p * NC + (1 + i) * C;
            cell[0] = 100;
            cell[3] = (int16_t)(10 * (i + 1));  // identifies the read
            cell[7] = (int16_t)hp[i];
            if (p == 20) memset(cell, 0, C * sizeof *cell);  // a deleted base: all zero
        }
    memcpy(g, f, sizeof f);
    dataset_fa_unphase(g, R);
    const int want[6] = {-1, 1, 3, 2, 0, -1};  // read in each row after the copy (-1: padding)
    for (int r = 0; r < R; r++)
        for (int p = 0; p < TF_NPOS; p++) {
            const int16_t *cell = g + p * NC + r * C;
            if (want[r] < 0) {
                for (int c = 0; c < C; c++) T_EQ_INT(cell[c], 0);
                continue;
            }
            const int i = want[r];
            const int16_t *src = f + p * NC + (1 + i) * C;
            for (int c = 0; c < 7; c++) T_EQ_INT(cell[c], src[c]);
            T_EQ_INT(cell[7], src[7] ? 60 : 0);  // 60 where the read has a base, 0 elsewhere
        }
    // already unphased and in start order: unchanged by a second copy
    memcpy(f, g, sizeof g);
    dataset_fa_unphase(g, R);
    T_CHECK(memcmp(f, g, sizeof f) == 0);

    // the dataset: 300 records -> 600 rows, row 2r = record r, row 2r + 1 = its copy
    char a[300];
    snprintf(a, sizeof a, "%s", tu_path("dup.ctf"));
    T_EQ_INT(synth_write(a, FEAT_CLAIR3_FA, 300, 4), 0);
    char *tr[1] = {a};
    Dataset d1, d2;
    DatasetOpts o = {.no_phasing_copy = 1};
    T_EQ_INT(dataset_open_opts(&d1, tr, 1, NULL, 0, 0.1, 50, 25, FEAT_CLAIR3_FA, "fa", NULL), 0);
    T_EQ_INT(dataset_open_opts(&d2, tr, 1, NULL, 0, 0.1, 50, 25, FEAT_CLAIR3_FA, "fa", &o), 0);
    // the split of 300 and of 600 rows in chunks of 25 (dataset.h): 9 and 20 training chunks;
    // validation from row 250 (50 rows) and from 525 (75 rows)
    T_EQ_INT(d1.n_train_chunks, dataset_file_train_chunks(300, 25, 0.1));
    T_EQ_INT(d1.n_train_chunks, 9);
    T_EQ_INT(d2.n_train_chunks, 20);
    T_EQ_INT(d1.n_val, 50);
    T_EQ_INT(d2.n_val, 75);
    T_EQ_INT(d2.fa_rows, SYNTH_FA_ROWS);
    Model m;
    T_EQ_INT(model_create_rows(&m, ARCH_CLAIR3_FA, SYNTH_FA_ROWS, 4), 0);
    const size_t in = (size_t)m.n_pos * m.n_chan;
    float x1[2 * TF_NPOS * SYNTH_FA_ROWS * C], x2[2 * TF_NPOS * SYNTH_FA_ROWS * C], l1[8], l2[8];
    RowRef rr1[2] = {{0, 37}, {0, 37}}, rr2[2] = {{0, 74}, {0, 75}};
    dataset_fill(&d1, &m, rr1, 2, x1, l1);
    dataset_fill(&d2, &m, rr2, 2, x2, l2);
    T_CHECK(memcmp(x1, x2, in * sizeof(float)) == 0);  // row 74 = record 37 as stored
    T_CHECK(memcmp(l1, l2, 8 * sizeof(float)) == 0);    // labels of both rows: record 37's
    const uint8_t *rec = tensorfile_record(&d1.files[0], 37);
    static int16_t cp[TF_NPOS * SYNTH_FA_ROWS * C];
    memcpy(cp, tf_features(rec, d1.files[0].meta.n_labels), sizeof cp);
    dataset_fa_unphase(cp, SYNTH_FA_ROWS);
    int hp_seen = 0;
    for (size_t i = 0; i < in; i++) {
        T_CHECK(x2[in + i] == (float)cp[i] / 100.0f);  // row 75 = its unphased copy
        if (i % C == 7) hp_seen |= x1[i] == 0.3f || x1[i] == 0.9f;
        if (i % C == 7) T_CHECK(x2[in + i] == 0.0f || x2[in + i] == 0.6f);
    }
    T_CHECK(hp_seen);  // the record had phased reads to remove
    model_free(&m);
    dataset_close(&d1);
    dataset_close(&d2);
}

static void resume_exact(int no_phase) {
    char in[300], oa[512], ob[512], ca[512], cb[512], la[512], lb[512];
    snprintf(in, sizeof in, "%s", tu_path(no_phase ? "resnp.ctf" : "res.ctf"));
    snprintf(oa, sizeof oa, "%s.A.st", in);
    snprintf(ob, sizeof ob, "%s.B.st", in);
    snprintf(ca, sizeof ca, "%s.A.ckpt", in);
    snprintf(cb, sizeof cb, "%s.B.ckpt", in);
    snprintf(la, sizeof la, "%s.A.jsonl", in);
    snprintf(lb, sizeof lb, "%s.B.jsonl", in);
    T_EQ_INT(synth_write(in, FEAT_CLAIR3_FA, 200, 5), 0);
    char *inputs[1] = {in};
    TrainConfig c = fa_config(inputs, 2);
    c.no_phasing_copy = no_phase;
    c.out = oa, c.ckpt = ca, c.log = la;
    T_EQ_INT(train_run(&c), 0);
    c = fa_config(inputs, 2);
    c.no_phasing_copy = no_phase;
    c.out = ob, c.ckpt = cb, c.log = lb, c.max_steps = 2;
    T_EQ_INT(train_run(&c), 0);
    StFile f;
    T_EQ_INT(st_open(&f, cb), 0);
    T_CHECK(atoi(st_meta(&f, "ckpt.batch_in_epoch")) > 0);  // stopped inside the epoch
    T_EQ_INT(atoi(st_meta(&f, "ckpt.no_phasing_copy")), no_phase);
    const StEntry *e = st_find(&f, "res3.bn2.moving_variance");
    T_CHECK(e != NULL);
    st_close(&f);
    TrainConfig r;  // only what the command line gives on --resume
    memset(&r, 0, sizeof r);
    r.inputs = inputs, r.n_inputs = 1, r.threads = 1, r.early_stop = -1;
    r.resume = cb, r.out = ob, r.ckpt = cb, r.log = lb;
    T_EQ_INT(train_run(&r), 0);
    T_CHECK(tu_same_bytes(oa, ob));
    // the checkpoints: every tensor (parameters, batch-norm state, optimizer state) and the RNGs
    // (their metadata also holds the wall time, which differs)
    StFile fa, fb;
    T_EQ_INT(st_open(&fa, ca), 0);
    T_EQ_INT(st_open(&fb, cb), 0);
    T_EQ_INT(fa.n, fb.n);
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
    // the batch-norm statistics are in both files and moved during training
    Model m;
    T_EQ_INT(modelfile_load(ob, &m, 4, ARCH_CLAIR3_FA), 0);
    int t = model_find_state_tensor(&m, "res3.bn2.moving_variance");
    T_CHECK(t >= 0);
    int moved = 0;
    for (size_t i = 0; t >= 0 && i < m.state_tensors[t].numel; i++)
        moved += m.state[m.state_tensors[t].offset + i] != 1.0f;
    T_CHECK(moved > 0);
    model_free(&m);
    // the comparison can fail: with another seed the checkpoint differs
    char oc[512], cc[512];
    snprintf(oc, sizeof oc, "%s.C.st", in);
    snprintf(cc, sizeof cc, "%s.C.ckpt", in);
    c = fa_config(inputs, 2);
    c.no_phasing_copy = no_phase;
    c.seed = 4, c.out = oc, c.ckpt = cc;
    T_EQ_INT(train_run(&c), 0);
    T_CHECK(!tu_same_bytes(oc, ob));
    fprintf(stderr, "resume%s: byte-identical\n", no_phase ? " (no-phasing copy)" : "");
}

static void nan_stop(void) {
    char in[300], out[512], ck[512], msg[2048];
    snprintf(in, sizeof in, "%s", tu_path("nan.ctf"));
    snprintf(out, sizeof out, "%s.st", in);
    snprintf(ck, sizeof ck, "%s.ckpt", in);
    T_EQ_INT(synth_write(in, FEAT_CLAIR3_FA, 200, 6), 0);
    char *inputs[1] = {in};
    TrainConfig c = fa_config(inputs, 3);
    c.out = out, c.ckpt = ck;
    setenv("CALLA_TEST_NAN_AT_STEP", "5", 1);
    T_EQ_INT(capture(resume_run, &c, msg, sizeof msg), CALLA_EXIT_RUNTIME);
    unsetenv("CALLA_TEST_NAN_AT_STEP");
    T_CHECK(strstr(msg, "loss is nan at step 5 (epoch 2)"));
    T_CHECK(strstr(msg, ck));  // the epoch-1 checkpoint is kept
    T_CHECK(access(ck, R_OK) == 0);
}

int main(void) {
    if (tu_mkdir() < 0) T_SKIP("no temporary directory");
    unphase();
    rows_mismatch();
    resume_exact(0);
    resume_exact(1);
    nan_stop();
    learn();
    T_DONE();
}
