// labels.h — truth VCF + confident BED -> per-candidate labels (clair3.md §4, clairvoyante.md §2).
// TruthSet is opened once; each worker thread loads its own TruthRegion (own file handles).
#ifndef CALLA_LABELS_H
#define CALLA_LABELS_H
#include <stdint.h>

#include "tensors/bed.h"
#include "tensors/tensorfile.h"

typedef struct TruthSet TruthSet;
typedef struct TruthRegion TruthRegion;

// Opens a bgzipped, indexed truth VCF and a confident-regions BED (may be NULL: everything is
// confident). Prints a one-line error naming the file and returns NULL on failure (missing file,
// no index, unreadable BED).
TruthSet *truth_open(const char *vcf_path, const char *bed_path);
void truth_close(TruthSet *t);
// 1 when the truth VCF's index knows `contig` (use it to warn about chr-name mismatches: a contig
// absent from the VCF simply has no truth, every confident position is labelled non-variant).
int truth_has_contig(const TruthSet *t, const char *contig);
// The confident regions (NULL when no BED was given); owned by t.
const BedRegions *truth_confident(const TruthSet *t);
// Truth records seen so far (each counted in the region it starts in) that were skipped for a
// missing genotype (no GT, ".", "./.") and that were excluded as unrepresentable (symbolic ALT,
// lone '*', polyploid or out-of-range GT): those positions are labelled -1 (not used).
void truth_skip_counts(const TruthSet *t, long *no_gt, long *excluded);

// Loads the truth variants overlapping [beg, end) of `contig` (0-based, half-open). Returns NULL
// after printing an error. The region borrows t's confident intervals: free it before t.
// Thread-safe: concurrent loads share t's index (under a lock) but open their own file handle.
TruthRegion *truth_region_load(const TruthSet *t, const char *contig, int64_t beg, int64_t end);
// The same, counting skipped/excluded records (truth_skip_counts) only when they start in
// [count_beg, count_end): overlapping loads (--unify's margins) count each record once.
TruthRegion *truth_region_load_counted(const TruthSet *t, const char *contig, int64_t beg,
                                       int64_t end, int64_t count_beg, int64_t count_end);
void truth_region_free(TruthRegion *r);

// Sorted 0-based positions of the truth variants in the region that are inside the confident
// regions (the positions training mode always keeps).
int truth_region_npos(const TruthRegion *r);
const int64_t *truth_region_pos(const TruthRegion *r);

// The truth variants loaded (one per position, sorted), for representation unification
// (tensors/unify.h). truth_region_var fills the merged alleles of variant i (alt[1] NULL with
// one ALT; g1 <= g2 index 0 = ref, 1.. = alt) and returns 1 when it starts inside the loaded
// region and is labelled at its own site (representable, not inside another variant's span), 0
// when it starts inside the region but is not (excluded or overlapping truth), -1 when it starts
// before the region (it belongs to the previous one). The confidence of the site is not checked.
int truth_region_nvar(const TruthRegion *r);
int truth_region_var(const TruthRegion *r, int i, int64_t *pos, const char **ref,
                     const char **alt, int *n_alt, int *g1, int *g2);
// 1 when the 0-based pos is inside the loaded region and the confident regions.
int truth_region_confident(const TruthRegion *r, int64_t pos);

// Label of the candidate at `pos` (0-based) whose reference base is `ref`:
//   returns 1 and fills `labels` for a truth variant starting at pos;
//   returns 0 and fills the non-variant labels for a confident position without a truth variant;
//   returns -1 (no label; the candidate is not a training example) when pos is outside the
//   loaded [beg, end) or the confident regions, lies inside the span of a truth variant that
//   starts elsewhere, the truth record cannot be represented, `ref` is not A/C/G/T, or `ref`
//   differs from the first base of the truth REF.
int truth_region_label(const TruthRegion *r, FeatureKind kind, int64_t pos, char ref,
                       float *labels);

// The labels of a non-variant site with reference base `ref`.
void labels_nonvariant(FeatureKind kind, char ref, float *labels);

// Labels from an explicit truth row (clair3.md §4.1, clairvoyante.md §2.2): alleles[0] is REF,
// alleles[1..n_alleles-1] are ALTs, gt1 <= gt2 are allele indices. Returns 0, or -1 when the
// row cannot be represented.
int labels_from_alleles(FeatureKind kind, const char *const *alleles, int n_alleles, int gt1,
                        int gt2, float *labels);

#endif
