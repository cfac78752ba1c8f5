// model.c — the architecture-independent half of model.h: dispatch, tensor table, initialisers,
// decoding of outputs and labels.
#include "network/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/blas.h"
#include "common/util.h"
#include "network/model_impl.h"

const char *model_arch_name(ModelArch a) {
    switch (a) {
        case ARCH_CLAIR3_PILEUP: return "clair3-pileup";
        case ARCH_CLAIRVOYANTE: return "clairvoyante";
        case ARCH_CLAIR3_FA: return "clair3-fa";
    }
    return "unknown";
}

int model_arch_parse(const char *s, ModelArch *a) {
    if (strcmp(s, "clair3-pileup") == 0 || strcmp(s, "clair3") == 0)
        return *a = ARCH_CLAIR3_PILEUP, 0;
    if (strcmp(s, "clairvoyante") == 0) return *a = ARCH_CLAIRVOYANTE, 0;
    if (strcmp(s, "clair3-fa") == 0) return *a = ARCH_CLAIR3_FA, 0;
    return -1;
}

FeatureKind model_arch_feature_kind(ModelArch a) {
    return a == ARCH_CLAIRVOYANTE ? FEAT_CLAIRVOYANTE
           : a == ARCH_CLAIR3_FA  ? FEAT_CLAIR3_FA
                                  : FEAT_CLAIR3_PILEUP;
}

void model_add_tensor(Model *m, const char *name, int decay, int ndim, int d0, int d1, int d2,
                      int d3) {
    m->tensors = xrealloc(m->tensors, sizeof(ParamTensor) * (m->n_tensors + 1));
    ParamTensor *t = &m->tensors[m->n_tensors++];
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    int d[4] = {d0, d1, d2, d3};
    t->ndim = ndim;
    t->numel = 1;
    for (int i = 0; i < ndim; i++) t->shape[i] = d[i], t->numel *= (size_t)d[i];
    t->offset = m->n_params;
    t->decay = decay;
    m->n_params += t->numel;
}

void model_add_state_tensor(Model *m, const char *name, int n) {
    m->state_tensors =
        xrealloc(m->state_tensors, sizeof(ParamTensor) * (m->n_state_tensors + 1));
    ParamTensor *t = &m->state_tensors[m->n_state_tensors++];
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    t->ndim = 1;
    t->shape[0] = n;
    t->numel = (size_t)n;
    t->offset = m->n_state;
    m->n_state += t->numel;
}

int model_create(Model *m, ModelArch arch, int batch_max) {
    return model_create_rows(m, arch, MODEL_FA_ROWS_DEFAULT, batch_max);
}

int model_create_rows(Model *m, ModelArch arch, int rows, int batch_max) {
    memset(m, 0, sizeof *m);
    if (batch_max < 1 ||
        (arch != ARCH_CLAIR3_PILEUP && arch != ARCH_CLAIRVOYANTE && arch != ARCH_CLAIR3_FA))
        return -1;
    if (arch == ARCH_CLAIR3_FA && (rows < 1 || rows > MODEL_FA_ROWS_MAX)) return -1;
    if (arch == ARCH_CLAIR3_FA) m->fa_rows = rows;
    m->arch = arch;
    m->feature_kind = model_arch_feature_kind(arch);
    m->batch_max = batch_max;
    // The engine parallelises its GEMMs itself (gemm.h): OpenBLAS must not start its own threads
    // inside calla's OpenMP regions.
    blas_set_threads(1);
    int rc = arch == ARCH_CLAIR3_PILEUP ? clair3_create(m)
             : arch == ARCH_CLAIR3_FA   ? clair3_fa_create(m)
                                        : clv_create(m);
    if (rc) return rc;
    m->params = xcalloc(m->n_params, sizeof(float));
    m->state = xcalloc(m->n_state ? m->n_state : 1, sizeof(float));
    m->grads = xcalloc(m->n_params, sizeof(float));
    m->out = xcalloc((size_t)batch_max * m->n_out, sizeof(float));
    rng_seed(&m->rng, 1);
    return 0;
}

void model_init_params(Model *m, uint64_t seed) {
    Rng r;
    rng_seed_stream(&r, seed, 0);
    memset(m->params, 0, sizeof(float) * m->n_params);
    if (m->arch == ARCH_CLAIR3_PILEUP)
        clair3_init(m, &r);
    else if (m->arch == ARCH_CLAIR3_FA)
        clair3_fa_init(m, &r);
    else
        clv_init(m, &r);
    rng_seed_stream(&m->rng, seed, 1);
}

void model_free(Model *m) {
    if (!m->params) return;
    if (m->arch == ARCH_CLAIR3_PILEUP)
        clair3_free(m);
    else if (m->arch == ARCH_CLAIR3_FA)
        clair3_fa_free(m);
    else
        clv_free(m);
    free(m->params);
    free(m->state);
    free(m->state_tensors);
    free(m->grads);
    free(m->out);
    free(m->tensors);
    memset(m, 0, sizeof *m);
}

void model_input_from_features(const Model *m, const int16_t *features, float *x) {
    // The pileup models do not normalise their input (clair3.md §5.1 raw counts;
    // clairvoyante.md §1.1 the channel subtraction is already done when the tensor file is
    // written); the full-alignment model divides Clair3's codes by 100 (clair3.md §2.1).
    const int n = m->n_pos * m->n_chan;
    if (m->arch == ARCH_CLAIR3_FA)
        for (int i = 0; i < n; i++) x[i] = (float)features[i] / 100.0f;
    else
        for (int i = 0; i < n; i++) x[i] = (float)features[i];
}

double model_forward(Model *m, const float *x, const float *labels, int B, int train) {
    if (B < 1 || B > m->batch_max)
        calla_die("model_forward: batch of %d samples outside [1, %d]", B, m->batch_max);
    if (m->arch == ARCH_CLAIR3_FA) return clair3_fa_forward(m, x, labels, B, train);
    return m->arch == ARCH_CLAIR3_PILEUP ? clair3_forward(m, x, labels, B, train)
                                         : clv_forward(m, x, labels, B, train);
}

void model_grads_final(Model *m, int first, int last) {
    size_t lo = m->tensors[first].offset, hi = m->tensors[last].offset + m->tensors[last].numel;
    m->grads_reported += hi - lo;
    if (m->grad_ready) m->grad_ready(m->grad_ready_ud, lo, hi);
}

void model_backward(Model *m) {
    memset(m->grads, 0, sizeof(float) * m->n_params);
    m->grads_reported = 0;
    if (m->arch == ARCH_CLAIR3_PILEUP)
        clair3_backward(m);
    else if (m->arch == ARCH_CLAIR3_FA)
        clair3_fa_backward(m);
    else
        clv_backward(m);
    if (m->grads_reported != m->n_params)
        calla_die("internal error: backward reported %zu of %zu gradients as final",
                  m->grads_reported, m->n_params);
}

double model_l2_penalty(const Model *m) {
    double s = 0.0;
    for (int t = 0; t < m->n_tensors; t++) {
        if (!m->tensors[t].decay) continue;
        const float *w = m->params + m->tensors[t].offset;
        for (size_t i = 0; i < m->tensors[t].numel; i++) s += (double)w[i] * w[i];
    }
    return 0.5 * s;
}

int model_find_tensor(const Model *m, const char *name) {
    for (int t = 0; t < m->n_tensors; t++)
        if (strcmp(m->tensors[t].name, name) == 0) return t;
    return -1;
}

int model_find_state_tensor(const Model *m, const char *name) {
    for (int t = 0; t < m->n_state_tensors; t++)
        if (strcmp(m->state_tensors[t].name, name) == 0) return t;
    return -1;
}

static int argmax(const float *v, int n) {
    int best = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[best]) best = i;
    return best;
}

int model_head_target(const Model *m, int h, const float *labels) {
    if (m->arch != ARCH_CLAIRVOYANTE) return (int)labels[h];  // class indices (tensorfile.h)
    return argmax(labels + m->heads[h].offset, m->heads[h].size);  // same layout as the output
}

void model_decode(const Model *m, const float *v, int is_label, int *is_variant, int *genotype) {
    if (m->arch != ARCH_CLAIRVOYANTE) {  // both Clair3 models: gt21 then zygosity first
        int gt = is_label ? (int)v[0] : argmax(v, 21);
        int zy = is_label ? (int)v[1] : argmax(v + 21, 3);
        *is_variant = zy != 0;  // zygosity 0 = hom-ref
        *genotype = gt * 3 + zy;
        return;
    }
    // Clairvoyante: the label vector and the output share one layout (base change 0-3,
    // zygosity 4-5, type 6-9, length 10-15). Code = type*1000 + zyg*100 + detail, where detail
    // is, for SNPs, the alt base (hom: top base) or 10 + 4*lo + hi of the top two bases (het,
    // the 0.5/0.5 soft target), and for indels the length class; REF is code 0.
    int type = argmax(v + 6, 4), zy = argmax(v + 4, 2);
    *is_variant = type != 0;
    if (type == 0) {
        *genotype = 0;
        return;
    }
    int detail;
    if (type == 1) {
        int b1 = argmax(v, 4), b2 = -1;
        for (int i = 0; i < 4; i++)
            if (i != b1 && (b2 < 0 || v[i] > v[b2])) b2 = i;
        if (zy == 0) {
            int lo = b1 < b2 ? b1 : b2, hi = b1 < b2 ? b2 : b1;
            detail = 10 + 4 * lo + hi;
        } else {
            detail = b1;
        }
    } else {
        detail = argmax(v + 10, 6);
    }
    *genotype = type * 1000 + zy * 100 + detail;
}

void init_glorot_uniform(float *w, size_t n, int fan_in, int fan_out, Rng *r) {
    double lim = sqrt(6.0 / (fan_in + fan_out));
    for (size_t i = 0; i < n; i++) w[i] = (float)((2.0 * rng_uniform(r) - 1.0) * lim);
}

void init_he_normal(float *w, size_t n, int fan_in, Rng *r) {
    double sd = sqrt(2.0 / fan_in);
    for (size_t i = 0; i < n; i++) w[i] = (float)(sd * rng_normal(r));
}

void init_orthogonal(float *w, int rows, int cols, Rng *r) {
    // Keras: QR of a [cols, rows] normal matrix (the transpose when rows < cols), Q's columns
    // sign-fixed by diag(R) — what modified Gram-Schmidt yields directly — then transposed.
    double *q = xmalloc(sizeof(double) * (size_t)rows * cols);  // rows vectors of length cols
    for (int k = 0; k < rows; k++) {
        double *v = q + (size_t)k * cols;
        for (;;) {
            for (int i = 0; i < cols; i++) v[i] = rng_normal(r);
            for (int j = 0; j < k; j++) {
                const double *u = q + (size_t)j * cols;
                double d = 0.0;
                for (int i = 0; i < cols; i++) d += u[i] * v[i];
                for (int i = 0; i < cols; i++) v[i] -= d * u[i];
            }
            double nrm = 0.0;
            for (int i = 0; i < cols; i++) nrm += v[i] * v[i];
            nrm = sqrt(nrm);
            if (nrm < 1e-6) continue;  // astronomically unlikely; draw again
            for (int i = 0; i < cols; i++) v[i] /= nrm;
            break;
        }
    }
    for (size_t i = 0; i < (size_t)rows * cols; i++) w[i] = (float)q[i];
    free(q);
}
