// import_clair3.c — Clair3 PyTorch pileup state_dict (as safetensors) -> calla parameters.
#include "training/import_clair3.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

// The state_dict name of `name`, with or without a "module." prefix; NULL if absent.
static const StEntry *find(const StFile *f, const char *name, char *full, size_t cap) {
    snprintf(full, cap, "%s", name);
    const StEntry *e = st_find(f, full);
    if (e) return e;
    snprintf(full, cap, "module.%s", name);
    return st_find(f, full);
}

// Reads torch tensor `tname` of shape [rows, cols] (cols = 0: a vector of rows) into out.
static int read_tensor(const StFile *f, const char *tname, int64_t rows, int64_t cols, float *out) {
    char full[160];
    if (!find(f, tname, full, sizeof full)) {
        calla_err("\"%s\" has no tensor \"%s\": not a Clair3 pileup (Clair3_P) state_dict", f->path,
                  tname);
        return -1;
    }
    int64_t shape[2] = {rows, cols};
    return st_read_f32(f, full, cols ? 2 : 1, shape, out);
}

static int is_known(const char *name) {
    static const char *mods[] = {"LSTM1.", "LSTM2.", "L4.", "L5_1.", "L5_2.", "Y_gt21_logits.",
                                 "Y_genotype_logits."};
    if (!strncmp(name, "module.", 7)) name += 7;
    for (size_t i = 0; i < sizeof mods / sizeof *mods; i++)
        if (!strncmp(name, mods[i], strlen(mods[i]))) return 1;
    return 0;
}

static int is_skipped(const char *name) {
    static const char *mods[] = {"L5_3.", "L5_4.", "Y_indel_length_logits_1.",
                                 "Y_indel_length_logits_2."};
    if (!strncmp(name, "module.", 7)) name += 7;
    for (size_t i = 0; i < sizeof mods / sizeof *mods; i++)
        if (!strncmp(name, mods[i], strlen(mods[i]))) return 1;
    return 0;
}

static ParamTensor *param(Model *m, const char *name) {
    for (int i = 0; i < m->n_tensors; i++)
        if (!strcmp(m->tensors[i].name, name)) return &m->tensors[i];
    calla_die("import_clair3: calla tensor %s missing", name);
    return NULL;
}

// calla 2-D tensor [in, out] = transpose of torch [out, in].
static int load_t(const StFile *f, Model *m, const char *cname, const char *tname) {
    ParamTensor *p = param(m, cname);
    const int64_t in = p->shape[0], out = p->shape[1];
    float *tmp = xmalloc(sizeof(float) * (size_t)(in * out));
    int r = read_tensor(f, tname, out, in, tmp);
    if (r == 0) {
        float *w = m->params + p->offset;
        for (int64_t o = 0; o < out; o++)
            for (int64_t i = 0; i < in; i++) w[i * out + o] = tmp[o * in + i];
    }
    free(tmp);
    return r;
}

static int load_v(const StFile *f, Model *m, const char *cname, const char *tname) {
    ParamTensor *p = param(m, cname);
    return read_tensor(f, tname, p->shape[0], 0, m->params + p->offset);
}

int clair3_import(const StFile *f, Model *m, int *n_skipped) {
    *n_skipped = 0;
    if (m->arch != ARCH_CLAIR3_PILEUP) calla_die("clair3_import: not a clair3-pileup model");
    for (int i = 0; i < f->n; i++) {
        if (is_skipped(f->t[i].name)) {
            (*n_skipped)++;
        } else if (!is_known(f->t[i].name)) {
            calla_err("\"%s\": unexpected tensor \"%s\" for a Clair3 pileup (Clair3_P) state_dict",
                      f->path, f->t[i].name);
            return -1;
        }
    }
    char cn[64], tn[64], tn2[64];
    for (int l = 1; l <= 2; l++)
        for (int d = 0; d < 2; d++) {
            const char *dir = d ? "bwd" : "fwd", *sfx = d ? "_reverse" : "";
            snprintf(cn, sizeof cn, "lstm%d.%s.kernel", l, dir);
            snprintf(tn, sizeof tn, "LSTM%d.weight_ih_l0%s", l, sfx);
            if (load_t(f, m, cn, tn) < 0) return -1;
            snprintf(cn, sizeof cn, "lstm%d.%s.recurrent_kernel", l, dir);
            snprintf(tn, sizeof tn, "LSTM%d.weight_hh_l0%s", l, sfx);
            if (load_t(f, m, cn, tn) < 0) return -1;
            snprintf(cn, sizeof cn, "lstm%d.%s.bias", l, dir);
            snprintf(tn, sizeof tn, "LSTM%d.bias_ih_l0%s", l, sfx);
            snprintf(tn2, sizeof tn2, "LSTM%d.bias_hh_l0%s", l, sfx);
            ParamTensor *p = param(m, cn);
            float *hh = xmalloc(sizeof(float) * p->shape[0]);
            int r = load_v(f, m, cn, tn);
            if (r == 0) r = read_tensor(f, tn2, p->shape[0], 0, hh);
            if (r == 0)  // Keras/calla have one bias: PyTorch's two are only ever added
                for (int64_t k = 0; k < p->shape[0]; k++) m->params[p->offset + k] += hh[k];
            free(hh);
            if (r < 0) return -1;
        }
    static const char *dense[][2] = {{"l4", "L4"},
                                     {"l5_1", "L5_1"},
                                     {"gt21", "Y_gt21_logits"},
                                     {"l5_2", "L5_2"},
                                     {"zygosity", "Y_genotype_logits"}};
    for (size_t k = 0; k < sizeof dense / sizeof *dense; k++) {
        snprintf(cn, sizeof cn, "%s.kernel", dense[k][0]);
        snprintf(tn, sizeof tn, "%s.weight", dense[k][1]);
        if (load_t(f, m, cn, tn) < 0) return -1;
        snprintf(cn, sizeof cn, "%s.bias", dense[k][0]);
        snprintf(tn, sizeof tn, "%s.bias", dense[k][1]);
        if (load_v(f, m, cn, tn) < 0) return -1;
    }
    return 0;
}
