// eval.h — variant comparison core for `calla eval`: normalised bi-allelic variants, allele-
// and genotype-level matching, TP/FP/FN counts and precision/recall/F1 (docs/eval.md).
#ifndef CALLA_EVAL_H
#define CALLA_EVAL_H
#include <stddef.h>
#include <stdint.h>

typedef enum { EVAL_SNP = 0, EVAL_INDEL = 1, EVAL_NTYPES = 2 } EvalType;
typedef enum { EVAL_HET = 1, EVAL_HOM = 2 } EvalZyg;

// One normalised bi-allelic variant: left-aligned, trimmed, MNPs split into SNPs.
// ref and alt point into one allocation owned by the set ("REF\0ALT\0").
typedef struct {
    int32_t ctg;  // index of the contig in the reference (.fai order)
    int64_t pos;  // 0-based position of ref[0]
    char *ref, *alt;
    uint8_t zyg;    // EvalZyg
    uint8_t multi;  // the genotype carried two different ALT alleles (a 1/2 site)
    uint8_t match;  // set by eval_compare: EVAL_MATCH_* bits
    float gq;       // the record's FORMAT/GQ (else QUAL), -1 when it has neither
} EvalVar;

enum { EVAL_MATCH_ALLELE = 1, EVAL_MATCH_GENOTYPE = 2 };

typedef struct {
    EvalVar *v;
    size_t n, m;
} EvalVarSet;

// tp counts truth variants (recall's numerator), tpq query variants (precision's); they differ
// only after haplotype matching (eval_haplo.h), where one query variant can stand for two of the
// truth's or the other way round.
typedef struct {
    long tp, fp, fn, tpq;
} EvalCount;

// Counts by type (EvalType) and level.
typedef struct {
    EvalCount allele[EVAL_NTYPES], genotype[EVAL_NTYPES];
    int tp_query;  // 1: the JSON carries tpq as "tp_query" (calla eval --haplotypes)
} EvalResult;

// SNP when len(ref) == len(alt) == 1, otherwise INDEL (including complex records).
EvalType eval_var_type(const EvalVar *v);
// Appends a copy of ref/alt (lengths given, no NUL needed).
void evalset_push(EvalVarSet *s, int32_t ctg, int64_t pos, const char *ref, size_t ref_len,
                  const char *alt, size_t alt_len, int zyg);
void evalset_free(EvalVarSet *s);
// Sorts by (ctg, pos, ref, alt) and merges duplicate alleles of one side: two het copies of the
// same allele (e.g. a 1/2 MNP site sharing a base change) become one hom-alt record.
void evalset_sort_merge(EvalVarSet *s);

// Sorts and merges both sets, then matches truth against query:
// allele level: same (ctg, pos, ref, alt) = TP, truth only = FN, query only = FP;
// genotype level: an allele match with the same zygosity = TP, otherwise FN (truth) + FP (query).
// Sets each variant's `match` bits (for the stratified counts of eval_strat.h).
void eval_compare(EvalVarSet *truth, EvalVarSet *query, EvalResult *res);

// The counts again from the variants' match bits (truth: TP or FN; query: TP or FP).
void eval_count(const EvalVarSet *truth, const EvalVarSet *query, EvalResult *res);

// Ratios with 0/0 defined as 0; precision is tpq / (tpq + fp).
double eval_precision(const EvalCount *c);
double eval_recall(const EvalCount *c);
double eval_f1(const EvalCount *c);

#endif
