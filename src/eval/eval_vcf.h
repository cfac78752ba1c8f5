// eval_vcf.h — reads a VCF/BCF into normalised bi-allelic variants for `calla eval`. With regions
// (EvalReadOpts.bed) only the records whose REF span overlaps them are looked at (as bcftools
// view -R): through the index when the file has one (.tbi/.csi), else by streaming and skipping;
// records outside are never checked against the reference.
#ifndef CALLA_EVAL_VCF_H
#define CALLA_EVAL_VCF_H
#include "eval/eval.h"
#include "eval/eval_bed.h"
#include "eval/eval_ref.h"

typedef struct {
    const char *sample;   // NULL: the first sample
    int pass_only;        // keep only records whose FILTER is PASS or '.'
    const EvalBed *bed;   // NULL: keep everything; else read only records overlapping it and keep
                          // the normalised variants whose REF span lies inside
} EvalReadOpts;

typedef struct {
    long records;   // data records read (with regions and an index: those the index returned)
    long outside_records;  // records whose REF span misses the regions: skipped unchecked
    long filtered;  // records dropped by pass_only
    long no_alt;    // records whose genotype carries no ALT allele (0/0, ./., no GT)
    long skipped;   // ALT alleles skipped: symbolic (<DEL>, <*>), breakends, '*'
    long kept;      // normalised variants kept (MNPs count once per SNP)
    long outside;   // normalised variants outside the BED
} EvalReadStats;

// Splits multi-allelic records (each ALT carried by the genotype becomes one variant, hom-alt when
// every GT allele is that ALT, het otherwise), checks REF against the reference, trims and
// left-aligns, splits equal-length MNPs into SNPs, applies the BED, and appends to out.
// Returns 0, or -1 with a one-line message naming the file (and contig/position when relevant).
int eval_read_vcf(const char *path, EvalRef *ref, const EvalReadOpts *o, EvalVarSet *out,
                  EvalReadStats *st);

#endif
