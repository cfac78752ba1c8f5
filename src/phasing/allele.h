// allele.h — a read's allele at a heterozygous SNP (clair3.md §2.4, WhatsHap's re-alignment
// test): the read's bases aligned to the SNP's reference window (±PHASE_FLANK, clipped to the
// read's aligned span; insertions inside the window included) compared by edit distance with the
// reference window and with the window carrying the alternative base.
#ifndef CALLA_PHASING_ALLELE_H
#define CALLA_PHASING_ALLELE_H
#include <stddef.h>
#include <stdint.h>

#include "phasing/phasing.h"

// Reference → query map of one read's aligned span [beg, end): q[i] is the query index of the base
// aligned to reference beg + i, or -1 where the read has a deletion or a skip (N).
typedef struct {
    int64_t beg, end;
    int32_t *q;
    size_t cap;
} ReadMap;
// Fills m for b (reuses m's buffer). Returns 0, or -1 for an unmapped read / empty alignment.
int read_map_build(ReadMap *m, const bam1_t *b);
void read_map_free(ReadMap *m);

// Levenshtein distance (unit costs). Bases compare case-insensitively; N matches nothing.
int phase_edit_distance(const char *a, int la, const char *b, int lb);
// The same with h aligned wholly inside r: the bases of r before and after the alignment cost
// nothing (the span check's read-to-haplotype fit, calling/spancheck.h).
int phase_fit_distance(const char *h, int lh, const char *r, int lr);

// Allele of read b (with map m) at site s: 1 the reference window is closer, 2 the alternative
// one, 0 a tie; -1 when the read's aligned span does not contain s->pos.
int phase_read_allele(const ReadMap *m, const bam1_t *b, const PhasedSite *s);

// First index i in sites[lo, n) with sites[i].pos >= pos.
int phase_sites_lower(const PhasedSite *sites, int n, int lo, int64_t pos);

#endif
