// train_synth.h — synthetic, learnable tensor files for the training tests (helper, not a test).
// Each record belongs to one of three classes drawn from a seeded RNG: hom-ref, het SNP A>C,
// hom-alt SNP C. The class is written into the centre column as read counts (A only, A and C,
// C only) over background noise of 0..2 counts everywhere, and into the labels:
//   clair3-pileup: gt21 = {0, 1, 4}[k] (any three distinct classes), zygosity = k, indel 16, 16
//   clairvoyante:  base change / zygosity / type / length vectors of clairvoyante.md §2.2.
// The feature of record i also encodes i in position 0, channel 0 (i % 30000) so that tests can
// identify rows (pileup kinds).
#ifndef TRAIN_SYNTH_H
#define TRAIN_SYNTH_H
#include <stdlib.h>
#include <string.h>

#include "common/rng.h"
#include "tensors/tensorfile.h"

// clair3-fa (synth_write_fa; synth_write uses SYNTH_FA_ROWS rows): per record, rows/2..rows
// reads (at least 2; the rest zero padding, centred as calla tensors pads), each a row of Clair3 codes over the 33
// positions from a random start column: channel 0 the reference base of the column (one random
// 33-mer per record), 2 strand, 3 MQ 100, 4 BQ 50..100, 7 the haplotype (HP1 30 / HP2 90 /
// unknown 60; rows sorted unknown, HP1, HP2, then by start). The class decides which reads carry
// C (code 25) in channel 1 at the centre: hom-ref none, het every other read (phased: HP2 the
// alt reads, HP1 the others; one read in three unphased), hom-alt all; channel 5 holds the
// allele fraction in every cell of those reads (as calla tensors writes a read's allele
// fraction along the read). One in ten cells elsewhere has a random mismatch (noise). Labels as clair3-pileup's.
#define SYNTH_FA_ROWS 8
static inline int synth_fa_record(int16_t *f, float *lab, int rows, Rng *r) {
    const int nc = rows * TF_FA_CHAN_PER_ROW, C = TF_FA_CHAN_PER_ROW;
    static const int16_t code[4] = {100, 25, 75, 50};
    memset(f, 0, sizeof *f * TF_NPOS * nc);
    int k = (int)rng_below(r, 3);
    int nr = (rows + 1) / 2 + (int)rng_below(r, (uint64_t)(rows / 2 + 1));
    if (nr < 2) nr = rows < 2 ? rows : 2;
    int16_t ref[TF_NPOS];
    for (int p = 0; p < TF_NPOS; p++) ref[p] = code[rng_below(r, 4)];
    ref[16] = 100;  // A at the centre
    int hp[TF_FA_MAX_ROWS], st[TF_FA_MAX_ROWS], alt[TF_FA_MAX_ROWS], n_alt = 0;
    for (int i = 0; i < nr; i++) {
        alt[i] = k == 2 || (k == 1 && i % 2);  // het: every other read
        int known = rng_below(r, 3) != 0;     // one read in three unphased
        hp[i] = !known ? 0 : k == 1 ? 1 + alt[i] : 1 + (int)rng_below(r, 2);
        st[i] = (int)rng_below(r, 17) - 4;
        if (st[i] < 0) st[i] = 0;
        n_alt += alt[i];
    }
    for (int i = 1; i < nr; i++)  // sort by (haplotype, start)
        for (int j = i; j > 0 && (hp[j - 1] > hp[j] || (hp[j - 1] == hp[j] && st[j - 1] > st[j]));
             j--) {
            int t = hp[j]; hp[j] = hp[j - 1]; hp[j - 1] = t;
            t = st[j]; st[j] = st[j - 1]; st[j - 1] = t;
            t = alt[j]; alt[j] = alt[j - 1]; alt[j - 1] = t;
        }
    int top = (rows - nr) / 2;
    for (int i = 0; i < nr; i++) {
        int16_t *row = f + (top + i) * C, strand = rng_below(r, 2) ? 100 : 50;
        for (int p = st[i]; p < TF_NPOS; p++) {
            int16_t *cell = row + (size_t)p * nc;
            cell[0] = ref[p];
            cell[2] = strand;
            cell[3] = 100;
            cell[4] = (int16_t)(50 + rng_below(r, 51));
            cell[7] = hp[i] == 1 ? 30 : hp[i] == 2 ? 90 : 60;
            if (p != 16 && rng_below(r, 10) == 0) cell[1] = code[rng_below(r, 4)];
        }
        if (alt[i]) {  // (every read covers the centre: starts are at most 12)
            row[16 * nc + 1] = 25;
            for (int p = st[i]; p < TF_NPOS; p++)
                row[(size_t)p * nc + 5] = (int16_t)(100 * n_alt / nr);
        }
    }
    static const int gt[3] = {0, 1, 4};
    lab[0] = (float)gt[k];
    lab[1] = (float)k;
    lab[2] = lab[3] = 16;
    return k;
}

static inline int synth_write_fa(const char *path, int rows, int n, uint64_t seed) {
    char *names[1] = {"chrS"};
    int64_t lens[1] = {100000000};
    TensorFileMeta meta;
    memset(&meta, 0, sizeof meta);
    meta.kind = FEAT_CLAIR3_FA;
    meta.n_pos = TF_NPOS;
    meta.n_chan = rows * TF_FA_CHAN_PER_ROW;
    meta.n_labels = feature_kind_nlabels(FEAT_CLAIR3_FA);
    meta.record_bytes = tensorfile_record_bytes_nchan(FEAT_CLAIR3_FA, meta.n_chan);
    meta.n_contigs = 1;
    meta.contig_names = names;
    meta.contig_lens = lens;
    meta.platform = "hifi";
    meta.cmdline = "train_synth";
    TensorWriter *w = tensorwriter_open(path, &meta);
    if (!w) return -1;
    Rng r;
    rng_seed(&r, seed);
    int16_t *f = malloc(sizeof *f * TF_NPOS * meta.n_chan);
    float lab[16];
    for (int i = 0; i < n; i++) {
        memset(lab, 0, sizeof lab);
        synth_fa_record(f, lab, rows, &r);
        if (tensorwriter_append(w, 0, 1000 + i, 'A', lab, f) < 0) {
            tensorwriter_abort(w);
            free(f);
            return -1;
        }
    }
    free(f);
    return tensorwriter_close(w);
}

static inline int synth_write(const char *path, FeatureKind kind, int n, uint64_t seed) {
    if (kind == FEAT_CLAIR3_FA) return synth_write_fa(path, SYNTH_FA_ROWS, n, seed);
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
