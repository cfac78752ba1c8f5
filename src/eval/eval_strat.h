// eval_strat.h — stratified counts for `calla eval`: which sequence contexts and variant classes
// the errors fall in (homopolymers, tandem repeats, low complexity, multi-allelic sites, indel
// length bins), computed from the reference alone, plus strata given as BED files
// (`--strat NAME=BED`, e.g. GIAB's stratifications). docs/eval.md, "Strata".
#ifndef CALLA_EVAL_STRAT_H
#define CALLA_EVAL_STRAT_H
#include <stdint.h>
#include <stdio.h>

#include "eval/eval.h"
#include "eval/eval_ref.h"

// The built-in strata, in report order. Repeat strata use the variant's footprint (SNP: its base;
// indel: the anchor base through the base after the changed bases) against repeat intervals
// widened by EVAL_STRAT_SLOP bases on each side (GIAB's "slop5" convention).
enum {
    STRAT_HOMOPOLYMER = 0,  // a run of one base of >= 7 bp
    STRAT_TANDEM,           // a perfect tandem repeat, unit 2-6 bp, >= 3 copies and >= 10 bp
    STRAT_LOWCOMPLEX,       // a 64-bp window with DUST score > 20 (Morgulis et al. 2006)
    STRAT_NONREPEAT,        // none of the three above
    STRAT_MULTIALLELIC,     // the genotype carries two different ALT alleles (1/2)
    STRAT_INDEL_1,          // indel length |len(REF) - len(ALT)| = 1
    STRAT_INDEL_2_5,        // 2-5
    STRAT_INDEL_6_15,       // 6-15
    STRAT_INDEL_GT15,       // > 15
    STRAT_NBUILTIN
};
#define EVAL_STRAT_SLOP 5
#define EVAL_STRAT_MAX 64  // built-in + BED strata

typedef struct EvalStrata EvalStrata;

// The built-in strata and no BED strata.
EvalStrata *eval_strata_new(void);
void eval_strata_free(EvalStrata *s);
// Adds a stratum from "NAME=FILE.bed[.gz]" (a variant is in it when its footprint overlaps an
// interval). Returns 0, or -1 with a one-line message naming the file.
int eval_strata_add_bed(EvalStrata *s, const char *spec);
int eval_strata_n(const EvalStrata *s);
const char *eval_strata_name(const EvalStrata *s, int i);

// Bit i set when v lies in stratum i. Returns 0, or -1 with a message when the reference cannot
// be read.
int eval_strata_mask(EvalStrata *s, EvalRef *ref, const EvalVar *v, uint64_t *mask);

// Counts after eval_compare (which sets each variant's `match`): truth variants give TP/FN and
// query variants FP in their own strata, at allele and genotype level, as in the overall result.
// res must hold eval_strata_n(s) results. Returns 0 or -1 (reference read failure).
int eval_strata_count(EvalStrata *s, EvalRef *ref, const EvalVarSet *truth,
                      const EvalVarSet *query, EvalResult *res);

// Rows "Stratum Type Level TP FP FN Precision Recall F1" for strata with any variant.
void eval_strata_print(FILE *out, const EvalStrata *s, const EvalResult *res);
// JSON object {"NAME": {"SNP": {"allele": {...}, "genotype": {...}}, "INDEL": {...}}, ...}.
void eval_strata_json(FILE *out, const EvalStrata *s, const EvalResult *res);

// Exposed for tests: the DUST score of seq[0..n) (triplets of ACGT only).
double eval_dust_score(const char *seq, int n);

#endif
