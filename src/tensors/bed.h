// bed.h — BED regions: per-contig sorted, merged, 0-based half-open intervals.
// Used for the confident regions of a truth set (labels) and for -R in tensors/call/eval
// (reads/regions.c and eval/eval_bed.c build their views on bed_read_records).
#ifndef CALLA_BED_H
#define CALLA_BED_H
#include <stddef.h>
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

// The one BED reader for every command. Format (samtools conventions): plain, gzip or bgzip
// (htslib hFILE/BGZF, so .bed.gz works); '#', blank, "track" and "browser" lines (the keyword then
// whitespace or the line's end: a contig "track1" is data) skipped; fields
// separated by tabs (or spaces); columns beyond the third ignored; 0-based half-open coordinates,
// 0 <= start <= end; empty intervals (start == end) cover nothing and are dropped.

// One interval line, in file order (line: its 1-based line number, for messages).
typedef struct {
    char *name;
    int64_t beg, end;
    long line;
} BedRecord;
// Returns 0 with the records (free with bed_records_free), or -1 after a one-line error naming
// the file (and the line for malformed input).
int bed_read_records(const char *path, BedRecord **recs, size_t *n);
void bed_records_free(BedRecord *r, size_t n);

// The records grouped by contig, overlapping and adjacent intervals merged. Returns NULL after a
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
