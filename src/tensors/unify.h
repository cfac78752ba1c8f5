// unify.h — representation unification (RU) of truth labels, without phasing (clair3.md §4.3;
// docs/tensors.md "Representation unification"). A truth variant written differently from the
// way the reads show it (an indel placed elsewhere in a repeat, an MNP seen as SNPs, a complex
// allele) is re-expressed as the candidate alleles the reads support: candidate genotypes are
// kept when their pair of haplotype sequences over the group's span equals the truth's pair.
// Pure computation: the caller gathers truth variants, candidates and the reference.
#ifndef CALLA_UNIFY_H
#define CALLA_UNIFY_H
#include <stdint.h>

#include "tensors/tensorfile.h"

#define RU_MAX_ALLELES 4  // hard cap of RuParams.max_alleles

// A read-observed allele of a candidate, VCF-style and anchored at the candidate position: a SNP
// is ("C", "T"), a deletion ("CAG", "C"), an insertion ("C", "CAG"). Upper case.
typedef struct {
    const char *ref, *alt;
    int count;  // reads showing it
} RuAllele;

typedef struct {
    int64_t pos;  // 0-based; candidates are given sorted by pos, one per position
    char ref_base;
    int depth;      // allele-frequency denominator
    int ref_count;  // reads showing the reference (for the evidence fit)
    int n_alleles;
    const RuAllele *alleles;  // any order; filtered by min_af / max_alleles inside ru_unify
} RuCand;

// A truth variant (alleles as in labels_from_alleles: index 0 REF, 1..n_alt the ALTs).
typedef struct {
    int64_t pos;  // 0-based; sorted by pos
    const char *ref;
    const char *alt[2];
    int n_alt, g1, g2;  // g1 <= g2, g2 > 0
    int usable;  // 0: an excluded, overlapping or not confident truth record: a group holding it
                 // is skipped, and one holding only such records is not unified (not counted)
} RuTruth;

typedef struct {
    double min_af;          // candidate alleles below this frequency are not considered [0.08]
    int max_alleles;        // most frequent alleles kept per candidate [3]
    int max_gap;            // a member more than this many bp after the group's end starts a new one [100]
    int max_per_side;       // truth variants, and candidates, per group [15]
    long max_truth_combos;  // unphased truth haplotype pairs per group [10000]
    long max_nodes;         // candidate assignments tried per group [1000000]
} RuParams;
void ru_params_default(RuParams *p);

enum { RU_ASIS = 0, RU_LOCKED = 1, RU_SET = 2 };
typedef struct {
    int action;  // RU_ASIS: keep today's label; RU_LOCKED: site and alleles match a truth variant
                 // (today's label); RU_SET: the genotype a/b of a matched group
    int a, b;    // RU_SET: indices into the candidate's alleles[] (-1 = reference), a <= b
} RuCall;

typedef struct {
    long locked;     // candidates locked to a truth variant at their site
    long groups;     // groups holding both an unlocked usable truth variant and a candidate
    long matched;    // ... whose haplotypes a candidate genotype assignment reproduces
    long unmatched;  // ... for which no assignment does (labels left as they were)
    long skipped;    // ... over a cap, holding an unusable truth record, or past the reference
} RuStats;

// Fills calls[0..nc) (one per candidate). ref holds the upper-case reference bases of
// [ref_beg, ref_beg + ref_len); groups reaching outside it are skipped. Adds to *st the locks of
// candidates, and the groups whose first member, that start in [own_beg, own_end) (a caller
// working on overlapping windows counts each once). Returns 0, or -1 when the candidates or the
// truth variants are not sorted by position.
int ru_unify(const RuParams *p, const RuTruth *t, int nt, const RuCand *c, int nc,
             const char *ref, int64_t ref_beg, int64_t ref_len, int64_t own_beg, int64_t own_end,
             RuCall *calls, RuStats *st);

// The labels of an RU_SET call (labels_from_alleles on the chosen alleles, the shorter REF
// extended to the longer; a 0/0 call gives the non-variant labels). Returns 0, or -1 when the
// alleles cannot be represented.
int ru_call_labels(FeatureKind kind, const RuCand *c, const RuCall *call, float *labels);

#endif
