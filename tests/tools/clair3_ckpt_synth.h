// clair3_ckpt_synth.h — a synthetic Clair3 pileup state_dict (the tensor names and shapes of
// Clair3's PyTorch Clair3_P, as torch.save(model.state_dict()) holds them, here written as
// safetensors) with known values: element i of tensor number k is clair3_synth_value(k, i), an
// exact float. Shared by tests/tools/mkclair3ckpt.c and tests/unit/test_import_clair3.c.
#ifndef CLAIR3_CKPT_SYNTH_H
#define CLAIR3_CKPT_SYNTH_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "training/safetensors.h"

typedef struct {
    const char *name;
    int64_t rows, cols;  // cols 0: a vector
} Clair3SynthTensor;

// Clair3_P: LSTM1 (18 -> 128, bidirectional), LSTM2 (256 -> 160), L4 10560 -> 128, two heads;
// the last four entries are the optional indel-length heads (add_indel_length=True).
static const Clair3SynthTensor CLAIR3_SYNTH[] = {
    {"LSTM1.weight_ih_l0", 512, 18},          {"LSTM1.weight_hh_l0", 512, 128},
    {"LSTM1.bias_ih_l0", 512, 0},             {"LSTM1.bias_hh_l0", 512, 0},
    {"LSTM1.weight_ih_l0_reverse", 512, 18},  {"LSTM1.weight_hh_l0_reverse", 512, 128},
    {"LSTM1.bias_ih_l0_reverse", 512, 0},     {"LSTM1.bias_hh_l0_reverse", 512, 0},
    {"LSTM2.weight_ih_l0", 640, 256},         {"LSTM2.weight_hh_l0", 640, 160},
    {"LSTM2.bias_ih_l0", 640, 0},             {"LSTM2.bias_hh_l0", 640, 0},
    {"LSTM2.weight_ih_l0_reverse", 640, 256}, {"LSTM2.weight_hh_l0_reverse", 640, 160},
    {"LSTM2.bias_ih_l0_reverse", 640, 0},     {"LSTM2.bias_hh_l0_reverse", 640, 0},
    {"L4.weight", 128, 10560},                {"L4.bias", 128, 0},
    {"L5_1.weight", 128, 128},                {"L5_1.bias", 128, 0},
    {"L5_2.weight", 128, 128},                {"L5_2.bias", 128, 0},
    {"Y_gt21_logits.weight", 21, 128},        {"Y_gt21_logits.bias", 21, 0},
    {"Y_genotype_logits.weight", 3, 128},     {"Y_genotype_logits.bias", 3, 0},
    {"L5_3.weight", 128, 128},                {"L5_3.bias", 128, 0},
    {"Y_indel_length_logits_1.weight", 33, 128}, {"Y_indel_length_logits_1.bias", 33, 0},
};
enum { CLAIR3_SYNTH_N = sizeof CLAIR3_SYNTH / sizeof *CLAIR3_SYNTH, CLAIR3_SYNTH_CORE = 26 };

// Multiples of 2^-14 in (-0.125, 0.125): exact in float, sums of two exact too.
static inline float clair3_synth_value(int k, int64_t i) {
    return (float)((int)((k * 7919L + i * 31L) % 4093L) - 2046) / 16384.0f;
}

static inline int clair3_synth_index(const char *name) {
    for (int k = 0; k < CLAIR3_SYNTH_N; k++)
        if (!strcmp(CLAIR3_SYNTH[k].name, name)) return k;
    return -1;
}

// Writes the state_dict. prefix: prepended to every name (e.g. "module."); n: how many of the
// table's tensors (CLAIR3_SYNTH_CORE or CLAIR3_SYNTH_N); skip: a name to leave out (or NULL);
// extra: a name to add as a 1-element tensor (or NULL); bad_shape: a name written one row short.
static inline int clair3_synth_write(const char *path, const char *prefix, int n, const char *skip,
                                     const char *extra, const char *bad_shape) {
    StTensorOut t[CLAIR3_SYNTH_N + 1];
    char names[CLAIR3_SYNTH_N + 1][96];
    float *bufs[CLAIR3_SYNTH_N + 1];
    static const float one = 1.0f;
    int m = 0;
    memset(t, 0, sizeof t);
    for (int k = 0; k < n; k++) {
        const Clair3SynthTensor *s = &CLAIR3_SYNTH[k];
        if (skip && !strcmp(skip, s->name)) continue;
        int64_t rows = s->rows - (bad_shape && !strcmp(bad_shape, s->name) ? 1 : 0);
        int64_t numel = rows * (s->cols ? s->cols : 1);
        float *b = malloc(sizeof(float) * (size_t)numel);
        if (!b) return -1;
        for (int64_t i = 0; i < numel; i++) b[i] = clair3_synth_value(k, i);
        snprintf(names[m], sizeof names[m], "%s%s", prefix ? prefix : "", s->name);
        bufs[m] = b;
        memset(&t[m], 0, sizeof t[m]);
        t[m].name = names[m];
        t[m].data = b;
        t[m].ndim = s->cols ? 2 : 1;
        t[m].shape[0] = rows;
        t[m].shape[1] = s->cols;
        t[m].dtype = ST_F32;
        m++;
    }
    int nb = m;
    if (extra) {
        memset(&t[m], 0, sizeof t[m]);
        t[m].name = extra;
        t[m].data = &one;
        t[m].ndim = 1;
        t[m].shape[0] = 1;
        m++;
    }
    int r = st_write(path, t, m, NULL, 0);
    for (int k = 0; k < nb; k++) free(bufs[k]);
    return r;
}

#endif
