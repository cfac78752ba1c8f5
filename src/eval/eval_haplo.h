// eval_haplo.h — haplotype-aware matching for `calla eval --haplotypes` (docs/eval.md): the
// variants left unmatched by the per-variant comparison are grouped with their neighbours, and a
// group counts as matched when the truth and the query spell the same pair of haplotype
// sequences over it, as RTG vcfeval and hap.py judge equivalence.
#ifndef CALLA_EVAL_HAPLO_H
#define CALLA_EVAL_HAPLO_H
#include "eval/eval.h"
#include "eval/eval_ref.h"

// Variants further apart than this (bases between one's REF end and the next's start) are in
// different groups.
#define EVAL_HAPLO_GAP 30
// A group with more heterozygous variants than this on one side is left as it is (2^(n-1)
// phasings per side are tried).
#define EVAL_HAPLO_MAX_HET 10
// ... and so is one spanning more bases than this.
#define EVAL_HAPLO_MAX_SPAN 10000

typedef struct {
    long groups;       // groups holding a variant without a genotype match
    long genotype;     // ... whose haplotype pairs agree (every variant in it a genotype match),
                       // counted when that changed a variant's match
    long allele;       // ... whose non-reference haplotypes agree but not the zygosity (every
                       // variant an allele match), counted when that changed one
    long too_complex;  // ... left alone (EVAL_HAPLO_MAX_HET, EVAL_HAPLO_MAX_SPAN)
} EvalHaploStats;

// After eval_compare (both sets sorted, match bits set): adds EVAL_MATCH_* bits to the variants
// of every group that turns out equivalent; never removes one. Recount with eval_count.
// Returns 0, or -1 with a message when the reference cannot be read.
int eval_haplotype_match(EvalRef *ref, EvalVarSet *truth, EvalVarSet *query, EvalHaploStats *st);

#endif
