// bed.h — BED regions: per-contig sorted, merged, 0-based half-open intervals.
// Used for the confident regions of a truth set (labels) and for -R in tensors/call/eval.
#ifndef CALLA_BED_H
#define CALLA_BED_H
#include <stdint.h>

typedef struct {
    char *name;
    int n;            // number of merged intervals
    int64_t *beg;     // sorted, non-overlapping, non-adjacent: end[i] < beg[i+1]
    int64_t *end;
    int64_t total;    // bases covered
} BedContig;

typedef struct {
    int n_contigs;
    BedContig *contigs;  // sorted by name (strcmp) for bsearch
} BedRegions;

// Reads a BED file (plain or gzip/bgzip; "track", "browser" and '#' lines skipped; columns
// beyond the third ignored). Overlapping and adjacent intervals are merged. Returns NULL after a
// one-line error naming the file (and line for malformed input).
BedRegions *bed_read(const char *path);
void bed_free(BedRegions *b);
// The intervals of `contig`, or NULL when the BED has none on it.
const BedContig *bed_contig(const BedRegions *b, const char *contig);
// 1 when 0-based `pos` lies inside an interval of c (c may be NULL: 0).
int bed_contains(const BedContig *c, int64_t pos);
// 1 when [beg, end) overlaps an interval of c.
int bed_overlaps(const BedContig *c, int64_t beg, int64_t end);
// Index of the first interval whose end > pos (n when none); for walking intervals in order.
int bed_lower_bound(const BedContig *c, int64_t pos);

#endif
