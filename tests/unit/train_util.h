// train_util.h — helpers shared by the training tests: temporary directory, JSONL reading.
#ifndef TRAIN_UTIL_H
#define TRAIN_UTIL_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "training/json.h"
#include "training/trainer.h"

static char tu_dir[256];

static inline const char *tu_path(const char *name) {
    static char buf[8][512];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tu_dir, name);
    return buf[k];
}

static inline void tu_cleanup(void) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tu_dir);
    if (tu_dir[0] && system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", tu_dir);
}

static inline int tu_mkdir(void) {
    const char *t = getenv("TMPDIR");
    snprintf(tu_dir, sizeof tu_dir, "%s/calla-train.XXXXXX", t ? t : "/tmp");
    if (!mkdtemp(tu_dir)) return -1;
    atexit(tu_cleanup);
    return 0;
}

// Reads a whole file; NULL if unreadable. *len gets the size.
static inline char *tu_slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc(n + 1);
    if (fread(b, 1, n, f) != (size_t)n) n = 0;
    b[n] = 0;
    fclose(f);
    if (len) *len = (size_t)n;
    return b;
}

// Parses line `idx` (0-based; -1 = last) of a JSONL file into v. Returns 0 or -1.
static inline int tu_jsonl_line(const char *path, int idx, JsonVal *v, int *n_lines) {
    char *b = tu_slurp(path, NULL);
    if (!b) return -1;
    // Epoch records only: the header line ({"header":...}, fresh runs) is not counted.
    static const char hdr[] = "{\"header\"";
    int n = 0;
    for (char *p = b; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p))
        n += strncmp(p, hdr, sizeof hdr - 1) != 0 && strchr(p, '\n');
    if (n_lines) *n_lines = n;
    if (idx < 0) idx = n + idx;
    char *line = b;
    for (int i = 0; line && *line; ) {
        if (strncmp(line, hdr, sizeof hdr - 1) != 0 && i++ == idx) break;
        line = strchr(line, '\n');
        if (line) line++;
    }
    int r = -1;
    if (line && *line) {
        char *end = strchr(line, '\n');
        size_t l = end ? (size_t)(end - line) : strlen(line);
        r = json_parse(line, l, v, NULL, 0);
    }
    free(b);
    return r;
}

static inline double tu_num(const JsonVal *o, const char *key) {
    const JsonVal *v = json_get(o, key);
    return v && v->type == JSON_NUM ? v->num : -1e300;
}

// The small configuration the training tests share: one input, 10% validation, batch 50 in
// chunks of 25, one thread, lr 1e-3, weight decay 1e-4, no early stop, default warm-up; the
// caller sets out/ckpt/log and changes what its test needs.
static inline TrainConfig tu_train_config(ModelArch arch, OptKind opt, SchedKind sched,
                                          char **inputs, int epochs, uint64_t seed) {
    TrainConfig c;
    memset(&c, 0, sizeof c);
    c.inputs = inputs;
    c.n_inputs = 1;
    c.val_fraction = 0.1;
    c.arch = arch;
    c.batch = 50;
    c.chunk = 25;
    c.epochs = epochs;
    c.threads = 1;
    c.lr = 1e-3;
    c.opt = opt;
    c.sched = sched;
    c.weight_decay = 1e-4;
    c.min_lr_ratio = opt == OPT_RADAM_LOOKAHEAD ? 0.75 : 0;
    c.warmup = -1;
    c.seed = seed;
    return c;
}

// 1 when the two files have identical bytes.
static inline int tu_same_bytes(const char *a, const char *b) {
    size_t la, lb;
    char *x = tu_slurp(a, &la), *y = tu_slurp(b, &lb);
    int same = x && y && la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return same;
}

#endif
