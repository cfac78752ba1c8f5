// modelfile.c — Model <-> safetensors.
#include "training/modelfile.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

StTensorOut *modelfile_tensors(const Model *m, StDtype dtype) {
    StTensorOut *t = xcalloc(m->n_tensors ? m->n_tensors : 1, sizeof *t);
    for (int i = 0; i < m->n_tensors; i++) {
        const ParamTensor *p = &m->tensors[i];
        t[i].name = p->name;
        t[i].data = m->params + p->offset;
        t[i].ndim = p->ndim;
        for (int d = 0; d < p->ndim; d++) t[i].shape[d] = p->shape[d];
        t[i].dtype = dtype;
    }
    return t;
}

int modelfile_save(const char *path, const Model *m, const StMeta *meta, int n_meta,
                   const StTensorOut *extra, int n_extra) {
    int nt = m->n_tensors + n_extra, nm = n_meta + 3;
    StTensorOut *t = modelfile_tensors(m, ST_F32);
    if (n_extra) t = xrealloc(t, (size_t)nt * sizeof *t);
    StMeta *md = xcalloc(nm, sizeof *md);
    for (int i = 0; i < n_extra; i++) t[m->n_tensors + i] = extra[i];
    md[0] = (StMeta){"architecture", model_arch_name(m->arch)};
    md[1] = (StMeta){"feature_kind", feature_kind_name(m->feature_kind)};
    md[2] = (StMeta){"calla_version", CALLA_VERSION};
    for (int i = 0; i < n_meta; i++) md[3 + i] = meta[i];
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
    if (model_create(m, arch, batch_max) < 0) {
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
    for (int i = 0; i < f->n; i++) {
        if (strncmp(f->t[i].name, "optim.", 6) == 0) continue;
        int known = 0;
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
