// eval_bed.h — confident-region BED for `calla eval`: merged intervals per reference contig and
// a "whole span inside" query, built on the one BED reader (tensors/bed.h).
#ifndef CALLA_EVAL_BED_H
#define CALLA_EVAL_BED_H
#include <stdint.h>

#include "eval/eval_ref.h"

typedef struct {
    int64_t beg, end;  // 0-based, half-open
} EvalIval;

typedef struct {
    int nctg;        // = contigs of the reference
    EvalIval **iv;   // iv[ctg]: sorted, merged (overlapping or touching intervals joined)
    int *n;          // n[ctg]
} EvalBed;

// Reads a BED with bed_read_records (plain or gzipped; "track"/"browser"/"#" lines skipped).
// Every interval must lie on a reference contig and within its length. NULL with a one-line message naming file and line.
EvalBed *eval_bed_read(const char *path, const EvalRef *ref);
void eval_bed_free(EvalBed *b);
// 1 when [beg, end) lies entirely inside one merged interval of contig ctg.
int eval_bed_contains(const EvalBed *b, int ctg, int64_t beg, int64_t end);
// 1 when [beg, end) overlaps a merged interval of contig ctg.
int eval_bed_overlaps(const EvalBed *b, int ctg, int64_t beg, int64_t end);
// Total bases covered (after merging).
int64_t eval_bed_bases(const EvalBed *b);

#endif
