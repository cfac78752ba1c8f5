// checkpoint.c — save and restore the whole training state.
#include "training/checkpoint.h"

#include <inttypes.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "training/modelfile.h"

#define NMETA 48

typedef struct {
    StMeta kv[NMETA];
    char val[NMETA][160];
    int n;
} MetaBuf;

static void put(MetaBuf *b, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void put(MetaBuf *b, const char *key, const char *fmt, ...) {
    if (b->n == NMETA) calla_die("checkpoint metadata table full (raise NMETA)");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->val[b->n], sizeof b->val[0], fmt, ap);
    va_end(ap);
    b->kv[b->n].key = key;
    b->kv[b->n].value = b->val[b->n];
    b->n++;
}

static void rng_hex(const Rng *r, char *out) {
    sprintf(out, "%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "%016" PRIx64, r->s[0], r->s[1], r->s[2],
            r->s[3]);
}

static int hex_rng(const char *s, Rng *r) {
    if (!s || strlen(s) != 64) return -1;
    for (int i = 0; i < 4; i++) {
        char part[17];
        memcpy(part, s + 16 * i, 16);
        part[16] = 0;
        char *end;
        r->s[i] = strtoull(part, &end, 16);
        if (*end) return -1;
    }
    return 0;
}

static void join_inputs(const TrainConfig *c, char *buf, size_t n) {
    buf[0] = 0;
    for (int i = 0; i < c->n_inputs + c->n_val; i++) {
        const char *p = i < c->n_inputs ? c->inputs[i] : c->val[i - c->n_inputs];
        snprintf(buf + strlen(buf), n - strlen(buf), "%s%s%s", i ? "," : "",
                 i < c->n_inputs ? "" : "val:", p);
    }
}

int checkpoint_save(const char *path, const TrainConfig *c, const Model *m, const Optimizer *o,
                    const Schedule *s, const TrainState *st) {
    MetaBuf b;
    b.n = 0;
    char r1[80], r2[80], hist[PLATEAU_WINDOW * 32 + 8] = "";
    rng_hex(&m->rng, r1);
    rng_hex(&st->data_rng, r2);
    for (int i = 0; i < s->n_hist; i++)
        snprintf(hist + strlen(hist), sizeof hist - strlen(hist), "%s%a", i ? "," : "", s->hist[i]);
    put(&b, "ckpt.format", "1");
    put(&b, "ckpt.optimizer", "%s", optim_kind_name(c->opt));
    put(&b, "ckpt.schedule", "%s", schedule_kind_name(c->sched));
    put(&b, "ckpt.batch", "%d", c->batch);
    put(&b, "ckpt.chunk", "%d", c->chunk);
    put(&b, "ckpt.seed", "%" PRIu64, c->seed);
    put(&b, "ckpt.lr", "%a", c->lr);
    put(&b, "ckpt.weight_decay", "%a", c->weight_decay);
    put(&b, "ckpt.min_lr_ratio", "%a", c->min_lr_ratio);
    put(&b, "ckpt.val_fraction", "%a", c->val_fraction);
    put(&b, "ckpt.epochs", "%d", c->epochs);
    put(&b, "ckpt.early_stop", "%d", c->early_stop);
    put(&b, "ckpt.warmup", "%" PRId64, s->warmup);
    put(&b, "ckpt.total_steps", "%" PRId64, s->total);
    put(&b, "ckpt.epoch", "%d", st->epoch);
    put(&b, "ckpt.batch_in_epoch", "%" PRId64, st->batch_in_epoch);
    put(&b, "ckpt.step", "%" PRId64, st->step);
    put(&b, "ckpt.optim_t", "%" PRId64, o->t);
    put(&b, "ckpt.rng_model", "%s", r1);
    put(&b, "ckpt.rng_data", "%s", r2);
    put(&b, "ckpt.best_val", "%a", st->best_val);
    put(&b, "ckpt.best_epoch", "%d", st->best_epoch);
    put(&b, "ckpt.since_best", "%d", st->since_best);
    put(&b, "ckpt.wall_s", "%a", st->wall_s);
    put(&b, "ckpt.train_loss_sum", "%a", st->train_loss_sum);
    put(&b, "ckpt.train_n", "%" PRId64, st->train_n);
    put(&b, "ckpt.sched_scale", "%a", s->scale);
    put(&b, "ckpt.sched_switch", "%d", s->n_switch);
    put(&b, "ckpt.sched_hist", "%s", hist);
    put(&b, "ckpt.no_phasing_copy", "%d", c->no_phasing_copy);
    if (c->init) b.kv[b.n++] = (StMeta){"ckpt.init", c->init};  // any length (put cuts at 159)
    put(&b, "platform", "%s", c->platform ? c->platform : "");
    char inputs[4096];
    join_inputs(c, inputs, sizeof inputs);
    b.kv[b.n++] = (StMeta){"ckpt.inputs", inputs};
    StTensorOut ex[3];
    int ne = 0;
    ex[ne++] = (StTensorOut){.name = "optim.m", .data = o->m, .ndim = 1, .shape = {(int64_t)o->n}};
    ex[ne++] = (StTensorOut){.name = "optim.v", .data = o->v, .ndim = 1, .shape = {(int64_t)o->n}};
    if (o->slow) ex[ne++] = (StTensorOut){.name = "optim.slow", .data = o->slow, .ndim = 1, .shape = {(int64_t)o->n}};
    return modelfile_save(path, m, b.kv, b.n, ex, ne);
}

// Metadata accessors that report a missing or malformed key once.
typedef struct {
    const StFile *f;
    int bad;
} Get;

static const char *get_s(Get *g, const char *key) {
    const char *v = st_meta(g->f, key);
    if (!v && !g->bad) {
        calla_err("\"%s\" is not a calla checkpoint: metadata \"%s\" is missing", g->f->path, key);
        g->bad = 1;
    }
    return v;
}
static double get_d(Get *g, const char *key) {
    const char *v = get_s(g, key);
    char *end;
    double x = v ? strtod(v, &end) : 0;
    if (v && (*end || end == v) && !g->bad) {
        calla_err("\"%s\": checkpoint metadata \"%s\" is malformed", g->f->path, key);
        g->bad = 1;
    }
    return x;
}
static int64_t get_i(Get *g, const char *key) {
    const char *v = get_s(g, key);
    char *end;
    long long x = v ? strtoll(v, &end, 10) : 0;
    if (v && (*end || end == v) && !g->bad) {
        calla_err("\"%s\": checkpoint metadata \"%s\" is malformed", g->f->path, key);
        g->bad = 1;
    }
    return x;
}

int checkpoint_load(const char *path, TrainConfig *c, Model *m, Optimizer *o, Schedule *s,
                    TrainState *st) {
    StFile f;
    if (st_open(&f, path) < 0) return -1;
    Get g = {&f, 0};
    memset(st, 0, sizeof *st);
    const char *on = get_s(&g, "ckpt.optimizer"), *sn = get_s(&g, "ckpt.schedule");
    if (g.bad) goto fail;
    if (optim_kind_parse(on, &c->opt) < 0 || schedule_kind_parse(sn, &c->sched) < 0) {
        calla_err("\"%s\": unknown optimizer or schedule in checkpoint", path);
        goto fail;
    }
    c->batch = (int)get_i(&g, "ckpt.batch");
    c->chunk = (int)get_i(&g, "ckpt.chunk");
    c->seed = (uint64_t)get_i(&g, "ckpt.seed");
    c->lr = get_d(&g, "ckpt.lr");
    c->weight_decay = get_d(&g, "ckpt.weight_decay");
    c->min_lr_ratio = get_d(&g, "ckpt.min_lr_ratio");
    c->val_fraction = get_d(&g, "ckpt.val_fraction");
    int epochs = (int)get_i(&g, "ckpt.epochs"), early = (int)get_i(&g, "ckpt.early_stop");
    if (c->epochs <= 0) c->epochs = epochs;
    if (c->early_stop < 0) c->early_stop = early;
    int64_t warmup = get_i(&g, "ckpt.warmup"), total = get_i(&g, "ckpt.total_steps");
    st->epoch = (int)get_i(&g, "ckpt.epoch");
    st->batch_in_epoch = get_i(&g, "ckpt.batch_in_epoch");
    st->step = get_i(&g, "ckpt.step");
    int64_t opt_t = get_i(&g, "ckpt.optim_t");
    st->best_val = get_d(&g, "ckpt.best_val");
    st->best_epoch = (int)get_i(&g, "ckpt.best_epoch");
    st->since_best = (int)get_i(&g, "ckpt.since_best");
    st->wall_s = get_d(&g, "ckpt.wall_s");
    st->train_loss_sum = get_d(&g, "ckpt.train_loss_sum");
    st->train_n = get_i(&g, "ckpt.train_n");
    double scale = get_d(&g, "ckpt.sched_scale");
    int n_switch = (int)get_i(&g, "ckpt.sched_switch");
    const char *hist = get_s(&g, "ckpt.sched_hist");
    Rng rm, rd;
    const char *r1 = get_s(&g, "ckpt.rng_model"), *r2 = get_s(&g, "ckpt.rng_data");
    if (g.bad) goto fail;
    if (hex_rng(r1, &rm) < 0 || hex_rng(r2, &rd) < 0) {
        calla_err("\"%s\": malformed RNG state in checkpoint", path);
        goto fail;
    }
    if (c->batch < 1 || c->chunk < 1) {
        calla_err("\"%s\": bad batch size in checkpoint", path);
        goto fail;
    }
    st->data_rng = rd;
    if (modelfile_load_st(&f, m, c->batch, c->arch) < 0) goto fail;
    c->arch = m->arch;
    m->rng = rm;
    optim_init(o, c->opt, m->n_params, c->weight_decay, m->params);
    o->t = opt_t;
    int64_t shape[1] = {(int64_t)m->n_params};
    if (st_read_f32(&f, "optim.m", 1, shape, o->m) < 0 ||
        st_read_f32(&f, "optim.v", 1, shape, o->v) < 0 ||
        (o->slow && st_read_f32(&f, "optim.slow", 1, shape, o->slow) < 0)) {
        optim_free(o);
        model_free(m);
        goto fail;
    }
    schedule_init(s, c->sched, c->lr, warmup, total, c->min_lr_ratio);
    s->scale = scale;
    s->n_switch = n_switch;
    for (const char *p = hist; *p && s->n_hist < PLATEAU_WINDOW;) {
        char *end;
        s->hist[s->n_hist++] = strtod(p, &end);
        if (end == p) break;
        p = *end == ',' ? end + 1 : end;
    }
    const char *npc = st_meta(&f, "ckpt.no_phasing_copy");  // absent in older checkpoints
    c->no_phasing_copy = npc && atoi(npc) == 1;
    const char *ini = st_meta(&f, "ckpt.init");  // the run started from a model (--init)
    if (ini && *ini && !c->init) {
        snprintf(c->init_saved, sizeof c->init_saved, "%s", ini);
        c->init = c->init_saved;
    }
    const char *saved_inputs = st_meta(&f, "ckpt.inputs");
    char now[4096];
    join_inputs(c, now, sizeof now);
    if (saved_inputs && strcmp(saved_inputs, now) != 0)
        calla_warn(
            "resuming \"%s\" with inputs (%s) other than its own (%s); the data order "
            "will differ",
            path, now, saved_inputs);
    st_close(&f);
    return 0;
fail:
    st_close(&f);
    return -1;
}
