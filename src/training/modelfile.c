// modelfile.c — Model <-> safetensors.
#include "training/modelfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

int modelfile_n_tensors(const Model *m) { return m->n_tensors + m->n_state_tensors; }

StTensorOut *modelfile_tensors(const Model *m, StDtype dtype) {
    const int n = modelfile_n_tensors(m);
    StTensorOut *t = xcalloc(n ? n : 1, sizeof *t);
    for (int i = 0; i < n; i++) {
        const int st = i >= m->n_tensors;  // the state tensors follow the parameters
        const ParamTensor *p = st ? &m->state_tensors[i - m->n_tensors] : &m->tensors[i];
        t[i].name = p->name;
        t[i].data = (st ? m->state : m->params) + p->offset;
        t[i].ndim = p->ndim;
        for (int d = 0; d < p->ndim; d++) t[i].shape[d] = p->shape[d];
        t[i].dtype = dtype;
    }
    return t;
}

int modelfile_save(const char *path, const Model *m, const StMeta *meta, int n_meta,
                   const StTensorOut *extra, int n_extra) {
    const int nm0 = modelfile_n_tensors(m), fa = m->arch == ARCH_CLAIR3_FA;
    int nt = nm0 + n_extra, nm = n_meta + 3 + fa;
    StTensorOut *t = modelfile_tensors(m, ST_F32);
    if (n_extra) t = xrealloc(t, (size_t)nt * sizeof *t);
    StMeta *md = xcalloc(nm, sizeof *md);
    for (int i = 0; i < n_extra; i++) t[nm0 + i] = extra[i];
    char rows[16];
    snprintf(rows, sizeof rows, "%d", m->fa_rows);
    md[0] = (StMeta){"architecture", model_arch_name(m->arch)};
    md[1] = (StMeta){"feature_kind", feature_kind_name(m->feature_kind)};
    md[2] = (StMeta){"calla_version", CALLA_VERSION};
    if (fa) md[3] = (StMeta){"fa_rows", rows};
    for (int i = 0; i < n_meta; i++) md[3 + fa + i] = meta[i];
    int r = st_write(path, t, nt, md, nm);
    free(t);
    free(md);
    return r;
}

int modelfile_load_st(const StFile *f, Model *m, int batch_max, int expect) {
    const char *an = st_meta(f, "architecture");
    ModelArch arch;
    if (!an || model_arch_parse(an, &arch) < 0) {
        calla_err("\"%s\" is not a calla model: metadata \"architecture\" is %s%s%s", f->path,
                  an ? "\"" : "", an ? an : "missing", an ? "\"" : "");
        return -1;
    }
    if (expect && (int)arch != expect) {
        calla_err("\"%s\" holds a %s model, expected %s", f->path, an,
                  model_arch_name((ModelArch)expect));
        return -1;
    }
    int rows = 0;
    if (arch == ARCH_CLAIR3_FA) {
        const char *rs = st_meta(f, "fa_rows");
        char *end = NULL;
        long v = rs ? strtol(rs, &end, 10) : 0;
        if (!rs || end == rs || *end || v < 1 || v > MODEL_FA_ROWS_MAX) {
            calla_err("\"%s\": a clair3-fa model needs metadata \"fa_rows\" in [1, %d], "
                      "found %s%s%s",
                      f->path, MODEL_FA_ROWS_MAX, rs ? "\"" : "", rs ? rs : "none",
                      rs ? "\"" : "");
            return -1;
        }
        rows = (int)v;
    }
    if (model_create_rows(m, arch, rows, batch_max) < 0) {
        calla_err("cannot create a %s model for \"%s\"", an, f->path);
        return -1;
    }
    for (int i = 0; i < m->n_tensors; i++) {
        const ParamTensor *p = &m->tensors[i];
        int64_t shape[4];
        for (int d = 0; d < p->ndim; d++) shape[d] = p->shape[d];
        if (st_read_f32(f, p->name, p->ndim, shape, m->params + p->offset) < 0) {
            model_free(m);
            return -1;
        }
    }
    for (int i = 0; i < m->n_state_tensors; i++) {  // batch-norm running statistics
        const ParamTensor *p = &m->state_tensors[i];
        int64_t shape[1] = {p->shape[0]};
        if (st_read_f32(f, p->name, 1, shape, m->state + p->offset) < 0) {
            model_free(m);
            return -1;
        }
    }
    for (int i = 0; i < f->n; i++) {
        if (strncmp(f->t[i].name, "optim.", 6) == 0) continue;
        int known = model_find_state_tensor(m, f->t[i].name) >= 0;
        for (int j = 0; j < m->n_tensors && !known; j++)
            known = strcmp(m->tensors[j].name, f->t[i].name) == 0;
        if (!known) {
            calla_err("\"%s\": unexpected tensor \"%s\" for a %s model", f->path, f->t[i].name, an);
            model_free(m);
            return -1;
        }
    }
    return 0;
}

int modelfile_load(const char *path, Model *m, int batch_max, int expect) {
    StFile f;
    if (st_open(&f, path) < 0) return -1;
    int r = modelfile_load_st(&f, m, batch_max, expect);
    st_close(&f);
    return r;
}
