// train_synth.h — synthetic, learnable tensor files for the training tests (helper, not a test).
// Each record belongs to one of three classes drawn from a seeded RNG: hom-ref, het SNP A>C,
// hom-alt SNP C. The class is written into the centre column as read counts (A only, A and C,
// C only) over background noise of 0..2 counts everywhere, and into the labels:
//   clair3-pileup: gt21 = {0, 1, 4}[k] (any three distinct classes), zygosity = k, indel 16, 16
//   clairvoyante:  base change / zygosity / type / length vectors of clairvoyante.md §2.2.
// The feature of record i also encodes i in position 0, channel 0 (i % 30000) so that tests can
// identify rows.
#ifndef TRAIN_SYNTH_H
#define TRAIN_SYNTH_H
#include <stdlib.h>
#include <string.h>

#include "common/rng.h"
#include "tensors/tensorfile.h"

static inline int synth_write(const char *path, FeatureKind kind, int n, uint64_t seed) {
    char *names[1] = {"chrS"};
    int64_t lens[1] = {100000000};
    TensorFileMeta meta;
    memset(&meta, 0, sizeof meta);
    meta.kind = kind;
    meta.n_pos = TF_NPOS;
    meta.n_chan = feature_kind_nchan(kind);
    meta.n_labels = feature_kind_nlabels(kind);
    meta.record_bytes = tensorfile_record_bytes(kind);
    meta.n_contigs = 1;
    meta.contig_names = names;
    meta.contig_lens = lens;
    meta.platform = "ilmn";
    meta.cmdline = "train_synth";
    TensorWriter *w = tensorwriter_open(path, &meta);
    if (!w) return -1;
    Rng r;
    rng_seed(&r, seed);
    const int nc = meta.n_chan, nf = TF_NPOS * nc;
    int16_t *f = malloc(nf * sizeof *f);
    float lab[16];
    for (int i = 0; i < n; i++) {
        int k = (int)rng_below(&r, 3);
        for (int j = 0; j < nf; j++) f[j] = (int16_t)rng_below(&r, 3);
        f[0] = (int16_t)(i % 30000);
        int a = 0, c = kind == FEAT_CLAIR3_PILEUP ? 1 : 4;  // channel of A and of C
        int *cen = (int[]){16 * nc + a, 16 * nc + c};
        if (k == 0) f[cen[0]] += 20;
        if (k == 1) f[cen[0]] += 10, f[cen[1]] += 10;
        if (k == 2) f[cen[1]] += 20;
        memset(lab, 0, sizeof lab);
        if (kind == FEAT_CLAIR3_PILEUP) {
            static const int gt[3] = {0, 1, 4};
            lab[0] = (float)gt[k];
            lab[1] = (float)k;
            lab[2] = lab[3] = 16;
        } else {
            if (k == 0) lab[0] = 1;
            if (k == 1) lab[0] = lab[1] = 0.5f;
            if (k == 2) lab[1] = 1;
            lab[k == 1 ? 4 : 5] = 1;  // zygosity: het, hom
            lab[k == 0 ? 6 : 7] = 1;  // type: reference, SNP
            lab[10] = 1;              // indel length 0
        }
        if (tensorwriter_append(w, 0, 1000 + i, 'A', lab, f) < 0) {
            tensorwriter_abort(w);
            free(f);
            return -1;
        }
    }
    free(f);
    return tensorwriter_close(w);
}

#endif
