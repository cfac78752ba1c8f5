// gvcf.h — the gVCF of `calla call --gvcf`: variant records (with <*>) and GQ-banded reference
// blocks, fed position by position in order (docs/calling.md, "gVCF").
#ifndef CALLA_GVCF_H
#define CALLA_GVCF_H
#include "calling/genotype.h"
#include "calling/vcf_writer.h"

// Reference blocks merge consecutive positions whose GQ (capped at 99) falls in the same band of
// GVCF_GQ_BAND (DeepVariant's default --gvcf_gq_binsize): 0-4, 5-9, ..., 95-99.
#define GVCF_GQ_BAND 5

typedef struct {
    VcfWriter *w;
    int open;  // a block is being extended
    int contig, haploid, band, gq, min_dp, n_pl, pl[3];
    int64_t beg, last;
    char ref;
    int skip_contig;  // positions up to skip_end are covered by a variant's REF: no block there
    int64_t skip_end;
} GvcfBlocks;

void gvcf_init(GvcfBlocks *g, VcfWriter *w);
// One reference position (a non-candidate, or a candidate called 0/0): extends the open block or
// starts a new one. gq is capped at 99; the block keeps the smallest GQ, its PL and the smallest DP.
int gvcf_ref(GvcfBlocks *g, int contig, int64_t pos, char ref, int dp, int gq, const int *pl,
             int n_pl, int haploid);
// A variant record (n_alt > 0): closes the open block and writes the call with <*>.
int gvcf_variant(GvcfBlocks *g, int contig, const Call *c);
// Writes the open block, if any. Returns 0 or -1.
int gvcf_flush(GvcfBlocks *g);

#endif
