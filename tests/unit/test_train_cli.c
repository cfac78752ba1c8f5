// test_train_cli.c — `calla train` as a user runs it ($CALLA): one-line errors with exit 1 for a
// model/feature-kind mismatch, truncated tensor files, truncated/corrupt or mismatched checkpoints
// and model files; exit 2 on bad options; a NaN loss (injected with CALLA_TEST_NAN_AT_STEP) stops
// with a message naming the step and leaves the last good checkpoint intact; SIGTERM finishes the
// step, writes a checkpoint, exits 1, and resuming from it ends bit-identical to an uninterrupted
// run.
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "testlib.h"
#include "training/modelfile.h"
#include "training/safetensors.h"
#include "unit/train_synth.h"
#include "unit/train_util.h"

static const char *calla;

// Runs a shell command line with $CALLA's stderr captured; returns the exit status.
static int run(const char *env, const char *args, char **err_out) {
    char cmd[4096];
    const char *ef = tu_path("stderr.txt");
    snprintf(cmd, sizeof cmd, "cd '%s' && %s '%s' train %s >/dev/null 2>'%s'", tu_dir,
             env ? env : "", calla, args, ef);
    int st = system(cmd);
    if (err_out) *err_out = tu_slurp(ef, NULL);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int count_lines(const char *s) {
    int n = 0;
    for (; s && *s; s++) n += *s == '\n';
    return n;
}

static const char *last_line(const char *s) {
    static char buf[1024];
    size_t n = strlen(s);
    while (n && s[n - 1] == '\n') n--;
    size_t b = n;
    while (b && s[b - 1] != '\n') b--;
    snprintf(buf, sizeof buf, "%.*s", (int)(n - b), s + b);
    return buf;
}

// The command must exit with `code`, print exactly one line on stderr, containing `pat`.
static void expect_fail(int code, const char *pat, const char *args) {
    char *err = NULL;
    int rc = run(NULL, args, &err);
    if (rc != code || count_lines(err) != 1 || !strstr(err, pat)) {
        fprintf(
            stderr,
            "FAIL: calla train %s\n  exit %d (want %d), stderr: %s  (want one line with \"%s\")\n",
            args, rc, code, err ? err : "", pat);
        t_failures++;
    }
    free(err);
}

static void truncate_copy(const char *src, const char *dst, long keep) {
    size_t n;
    char *b = tu_slurp(src, &n);
    FILE *f = fopen(dst, "wb");
    if (keep < 0) keep += (long)n;
    fwrite(b, 1, (size_t)keep, f);
    fclose(f);
    free(b);
}

int main(void) {
    calla = getenv("CALLA");
    if (!calla || access(calla, X_OK) != 0) T_SKIP("$CALLA not set (run through make test)");
    if (tu_mkdir() < 0) T_SKIP("no temporary directory");
    T_EQ_INT(synth_write(tu_path("c3.ctf"), FEAT_CLAIR3_PILEUP, 200, 1), 0);
    T_EQ_INT(synth_write(tu_path("cv.ctf"), FEAT_CLAIRVOYANTE, 800, 2), 0);
    const char *common = "--batch 50 --chunk 25 -@ 1";
    char a[1024];

    // Usage errors.
    char *err = NULL;
    T_EQ_INT(run(NULL, "--help", NULL), 0);
    T_EQ_INT(run(NULL, "-i cv.ctf --model clairvoyante -o m.st --batch abc", NULL), 2);
    T_EQ_INT(run(NULL, "-i cv.ctf --model resnet -o m.st", NULL), 2);
    // without --model: the architecture that reads the first input (here Clairvoyante's
    // defaults, batch 10000, so a runtime error about the rows), or an error naming the file
    T_EQ_INT(run(NULL, "-i cv.ctf -o m.st", NULL), 1);
    T_EQ_INT(run(NULL, "-i nothere.ctf -o m.st", NULL), 1);
    {
        Model dm;
        snprintf(a, sizeof a, "-i cv.ctf -o det.st --max-steps 1 %s", common);
        T_EQ_INT(run(NULL, a, NULL), 0);
        T_EQ_INT(modelfile_load(tu_path("det.st.ckpt"), &dm, 4, ARCH_CLAIRVOYANTE), 0);
        model_free(&dm);
        snprintf(a, sizeof a, "-i c3.ctf -o det3.st --max-steps 1 %s", common);
        T_EQ_INT(run(NULL, a, NULL), 0);
        T_EQ_INT(modelfile_load(tu_path("det3.st.ckpt"), &dm, 4, ARCH_CLAIR3_PILEUP), 0);
        model_free(&dm);
    }
    T_EQ_INT(run(NULL, "--model clairvoyante -o m.st", NULL), 2);
    T_EQ_INT(run(NULL, "-i cv.ctf --model clairvoyante -o m.st --optimizer sgd", NULL), 2);
    // Runtime errors: one line, exit 1.
    snprintf(a, sizeof a, "-i c3.ctf --model clairvoyante -o m.st %s", common);
    expect_fail(1, "holds clair3-pileup tensors but model clairvoyante", a);
    truncate_copy(tu_path("cv.ctf"), tu_path("cv_trunc.ctf"), -100);
    snprintf(a, sizeof a, "-i cv_trunc.ctf --model clairvoyante -o m.st %s", common);
    expect_fail(1, "cv_trunc.ctf", a);
    snprintf(a, sizeof a, "-i missing.ctf --model clairvoyante -o m.st %s", common);
    expect_fail(1, "missing.ctf", a);
    snprintf(a, sizeof a, "-i cv.ctf --model clairvoyante -o m.st --batch 60 --chunk 25");
    expect_fail(1, "multiple of the chunk size", a);

    // A short run leaves a checkpoint mid-epoch; corrupt copies are rejected on --resume.
    snprintf(a, sizeof a, "-i cv.ctf --model clairvoyante -o s.st --max-steps 3 %s", common);
    T_EQ_INT(run(NULL, a, NULL), 0);
    truncate_copy(tu_path("s.st.ckpt"), tu_path("trunc.ckpt"), -7);
    expect_fail(1, "trunc.ckpt", "-i cv.ctf -o s2.st --resume trunc.ckpt");
    truncate_copy(tu_path("s.st.ckpt"), tu_path("head.ckpt"), 50);
    expect_fail(1, "head.ckpt", "-i cv.ctf -o s2.st --resume head.ckpt");
    expect_fail(1, "holds a clairvoyante model, expected clair3-pileup",
                "-i c3.ctf --model clair3-pileup -o s2.st --resume s.st.ckpt");
    snprintf(a, sizeof a, "-i cv.ctf --model clairvoyante -o s2.st --resume missing.ckpt %s",
             common);
    expect_fail(1, "missing.ckpt", a);
    // A model file (no optimizer state) is not a checkpoint.
    snprintf(a, sizeof a, "-i cv.ctf --model clairvoyante -o e.st --epochs 1 --early-stop 0 %s",
             common);
    T_EQ_INT(run(NULL, a, NULL), 0);
    expect_fail(1, "not a calla checkpoint", "-i cv.ctf -o s2.st --resume e.st");
    // Model files load back; wrong architecture, truncation and corruption are one-line errors.
    Model m;
    T_EQ_INT(modelfile_load(tu_path("e.st"), &m, 4, ARCH_CLAIRVOYANTE), 0);
    if (m.params) model_free(&m);
    fprintf(stderr, "(expected errors follow)\n");
    T_EQ_INT(modelfile_load(tu_path("e.st"), &m, 4, ARCH_CLAIR3_PILEUP), -1);
    truncate_copy(tu_path("e.st"), tu_path("e_trunc.st"), -4);
    T_EQ_INT(modelfile_load(tu_path("e_trunc.st"), &m, 4, 0), -1);
    StFile sf;
    T_EQ_INT(st_open(&sf, tu_path("e.st")), 0);
    T_CHECK(strcmp(st_meta(&sf, "architecture"), "clairvoyante") == 0);
    T_CHECK(strcmp(st_meta(&sf, "feature_kind"), "clairvoyante") == 0);
    T_CHECK(st_meta(&sf, "training.val_loss") != NULL);
    T_CHECK(st_find(&sf, "optim.m") == NULL);
    st_close(&sf);

    // 800 rows: C = 31 chunks, T = min(31, floor(720/25) - 1) = 27 train chunks, 13 batches.
    // NaN at step 17 (epoch 2): message names the step, exit 1, the epoch-1
    // checkpoint is intact.
    snprintf(a, sizeof a, "-i cv.ctf --model clairvoyante -o n.st --epochs 3 %s", common);
    int rc = run("CALLA_TEST_NAN_AT_STEP=17", a, &err);
    T_EQ_INT(rc, 1);
    T_CHECK(err && strstr(last_line(err), "loss is nan at step 17"));
    T_CHECK(err && strstr(err, "loss is") && !strstr(strstr(err, "loss is") + 1, "loss is"));
    free(err);
    T_EQ_INT(st_open(&sf, tu_path("n.st.ckpt")), 0);
    T_CHECK(sf.path && strcmp(st_meta(&sf, "ckpt.step"), "13") == 0);
    T_CHECK(sf.path && strcmp(st_meta(&sf, "ckpt.epoch"), "1") == 0);
    if (sf.path) st_close(&sf);

    // Several small files (issue #14): 3 x 130 rows, batch 50 = 2 chunks of 25, f = 0.1. Per file
    // C = (130-25)/25 = 4, T = min(4, floor(117/25) - 1) = 3 chunks (75 rows), rows 100..129
    // validate (30): 9 chunks = 225 rows, 4 batches = 200 rows per epoch, 90 validation rows.
    // Stderr and the log's header line both say so.
    for (int i = 0; i < 3; i++) {
        char nm[32];
        snprintf(nm, sizeof nm, "sm%d.ctf", i);
        T_EQ_INT(synth_write(tu_path(nm), FEAT_CLAIRVOYANTE, 130, 20 + i), 0);
    }
    snprintf(a, sizeof a,
             "-i sm0.ctf -i sm1.ctf -i sm2.ctf --model clairvoyante -o sm.st --epochs 1 --log "
             "sm.jsonl %s",
             common);
    T_EQ_INT(run(NULL, a, &err), 0);
    T_CHECK(err && strstr(err, " 225 training rows in 9 chunks of 25 (4 batches of 50 per epoch, "
                               "200 rows), 90 validation rows;"));
    free(err);
    char *lg = tu_slurp(tu_path("sm.jsonl"), NULL);
    JsonVal hd;
    T_CHECK(lg && strncmp(lg, "{\"header\":\"calla train\"", 23) == 0);
    T_EQ_INT(lg ? json_parse(lg, strcspn(lg, "\n"), &hd, NULL, 0) : -1, 0);
    if (lg) {
        T_CHECK(tu_num(&hd, "train_files") == 3 && tu_num(&hd, "train_file_rows") == 390);
        T_CHECK(tu_num(&hd, "train_rows") == 225 && tu_num(&hd, "train_chunks") == 9);
        T_CHECK(tu_num(&hd, "batches_per_epoch") == 4 && tu_num(&hd, "val_rows") == 90);
        T_CHECK(json_get(&hd, "epoch") == NULL);
        json_free(&hd);
    }
    free(lg);
    JsonVal e1;
    int ne = 0;
    T_EQ_INT(tu_jsonl_line(tu_path("sm.jsonl"), 0, &e1, &ne), 0);
    T_EQ_INT(ne, 1);
    T_CHECK(tu_num(&e1, "epoch") == 1 && tu_num(&e1, "step") == 4);
    json_free(&e1);

    // --log -: the same log on standard output (header first, then one line per epoch).
    {
        char cmd[2048];
        snprintf(cmd, sizeof cmd,
                 "cd '%s' && '%s' train -i sm0.ctf -i sm1.ctf -i sm2.ctf --model clairvoyante -o "
                 "sm2.st --epochs 1 --log - %s >sm.stdout 2>/dev/null",
                 tu_dir, calla, common);
        T_EQ_INT(system(cmd), 0);
        char *so = tu_slurp(tu_path("sm.stdout"), NULL);
        T_CHECK(so && strncmp(so, "{\"header\":\"calla train\"", 23) == 0 &&
                count_lines(so) == 2 && strstr(so, "\"val_rows\":90,") &&
                strstr(so, "\n{\"epoch\":1,\"step\":4,"));
        free(so);
    }

    // SIGTERM after the first epoch's checkpoint appears, then resume; compare with a full run.
    snprintf(a, sizeof a,
             "-i cv.ctf --model clairvoyante -o full.st --epochs 3 --log full.jsonl %s", common);
    T_EQ_INT(run(NULL, a, NULL), 0);
    unlink(tu_path("t.st.ckpt"));
    pid_t pid = fork();
    if (pid == 0) {
        if (chdir(tu_dir) != 0) _exit(99);
        if (!freopen(tu_path("term.txt"), "w", stderr)) _exit(99);
        execl(calla, calla, "train", "-i", "cv.ctf", "--model", "clairvoyante", "-o", "t.st",
              "--epochs", "3", "--log", "t.jsonl", "--batch", "50", "--chunk", "25", "-@", "1",
              (char *)NULL);
        _exit(98);
    }
    struct timespec ts = {0, 20 * 1000 * 1000};
    for (int i = 0; i < 3000 && access(tu_path("t.st.ckpt"), R_OK) != 0; i++) nanosleep(&ts, NULL);
    kill(pid, SIGTERM);
    int st;
    waitpid(pid, &st, 0);
    T_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    err = tu_slurp(tu_path("term.txt"), NULL);
    T_CHECK(err && strstr(last_line(err), "interrupted at step") &&
            strstr(last_line(err), "--resume"));
    free(err);
    T_EQ_INT(run(NULL, "-i cv.ctf -o t.st --resume t.st.ckpt --log t.jsonl -@ 1", NULL), 0);
    size_t l1, l2;
    char *x = tu_slurp(tu_path("full.st"), &l1), *y = tu_slurp(tu_path("t.st"), &l2);
    T_CHECK(x && y && l1 == l2 && memcmp(x, y, l1) == 0);
    free(x);
    free(y);
    int n1 = 0, n2 = 0;
    JsonVal j1, j2;
    T_EQ_INT(tu_jsonl_line(tu_path("full.jsonl"), -1, &j1, &n1), 0);
    T_EQ_INT(tu_jsonl_line(tu_path("t.jsonl"), -1, &j2, &n2), 0);
    T_EQ_INT(n2, n1);
    T_CHECK(tu_num(&j1, "val_loss") == tu_num(&j2, "val_loss"));
    json_free(&j1);
    json_free(&j2);
    T_DONE();
}
