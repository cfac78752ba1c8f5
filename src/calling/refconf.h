// refconf.h — reference confidence at every position of a region, for the gVCF reference blocks
// of `calla call --gvcf` (docs/calling.md, "gVCF"). A simple per-read model over two haplotype
// kinds, R (reference) and X (any other allele): a read of base quality q (capped by its MAPQ;
// deletions: MAPQ capped at 30) shows the reference with probability 1 - e from R and e/3 from X
// (e = 10^(-q/10), q clamped to [1, 60]), and anything else (another base, a deletion, a base
// followed by an indel) with e from R and 1 - e/3 from X. The genotype likelihoods are products
// over the reads: RR, RX (the mean of R and X), XX; haploid R, X.
#ifndef CALLA_REFCONF_H
#define CALLA_REFCONF_H
#include <stdint.h>

typedef struct {
    int32_t dp;     // reads (bases other than N, deletions) after the MAPQ and flag filters
    int16_t pl[3];  // 0/0, 0/<*>, <*>/<*> (haploid: 0, <*> in pl[0], pl[1])
    uint8_t gq;     // min(99, the smallest non-0/0 PL) when 0/0 is the best genotype, else 0
    char ref;       // reference base (upper case)
} RefConf;

// Log10 likelihood accumulator of one position.
typedef struct {
    double l[3];  // RR, RX, XX
    int dp;
} RcAcc;

void rc_add(RcAcc *a, int is_ref, int qual);
// PL and GQ (PL capped at 999); haploid uses RR and XX only.
void rc_finish(const RcAcc *a, int haploid, char ref, RefConf *out);

typedef struct RefConfReader RefConfReader;
// Opens the BAM/CRAM (with its index) a second time. One-line error and NULL on failure.
RefConfReader *refconf_open(const char *bam_path, const char *ref_path);
void refconf_close(RefConfReader *r);
// Fills out[0 .. end-beg) for BAM contig tid, positions [beg, end); ref: the reference from beg,
// upper case. Reads with MAPQ < min_mapq or flagged unmapped, secondary, QC-fail, duplicate or
// supplementary are skipped (the candidate scan's filters). Returns 0, or -1 (error printed).
int refconf_region(RefConfReader *r, int tid, int64_t beg, int64_t end, const char *ref,
                   int min_mapq, int haploid, RefConf *out);

#endif
