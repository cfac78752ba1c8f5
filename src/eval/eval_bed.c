// eval_bed.c — confident-region BED reading, merging and containment queries.
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "eval/eval_bed.h"
#include "tensors/bed.h"

static int ival_cmp(const void *a, const void *b) {
    const EvalIval *x = a, *y = b;
    if (x->beg != y->beg) return x->beg < y->beg ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

void eval_bed_free(EvalBed *b) {
    if (!b) return;
    for (int i = 0; i < b->nctg; i++) free(b->iv[i]);
    free(b->iv);
    free(b->n);
    free(b);
}

EvalBed *eval_bed_read(const char *path, const EvalRef *ref) {
    BedRecord *recs;
    size_t nrec;
    if (bed_read_records(path, &recs, &nrec) < 0) return NULL;  // the shared reader (bed.h)
    EvalBed *b = xcalloc(1, sizeof(*b));
    b->nctg = eval_ref_nctg(ref);
    int nc = b->nctg ? b->nctg : 1;
    b->iv = xcalloc(nc, sizeof(*b->iv));
    b->n = xcalloc(nc, sizeof(*b->n));
    int *cap = xcalloc(nc, sizeof(*cap));
    // Intervals past the reference's end are clipped and intervals on contigs the reference
    // lacks are dropped (a truth set's BED covers whole chromosomes while the reference may hold
    // a slice): one warning counts them.
    long n_clip = 0, n_drop = 0, n_empty = 0;
    for (size_t i = 0; i < nrec; i++) {
        const BedRecord *r = &recs[i];
        int ctg = eval_ref_ctg(ref, r->name);
        if (ctg < 0) {
            n_drop++;
            continue;
        }
        int64_t beg = r->beg, end = r->end, len = eval_ref_ctg_len(ref, ctg);
        if (end > len) {
            end = len;
            if (beg >= end) {
                n_empty++;
                continue;
            }
            n_clip++;
        }
        if (b->n[ctg] == cap[ctg]) {
            cap[ctg] = cap[ctg] ? cap[ctg] * 2 : 16;
            b->iv[ctg] = xrealloc(b->iv[ctg], cap[ctg] * sizeof(**b->iv));
        }
        b->iv[ctg][b->n[ctg]++] = (EvalIval){beg, end};
    }
    if (n_clip || n_drop || n_empty)
        calla_warn("BED \"%s\": %ld interval(s) clipped to the contig length, %ld past the contig "
                   "end and %ld on contigs not in the reference \"%s\" dropped",
                   path, n_clip, n_empty, n_drop, eval_ref_path(ref));
    free(cap);
    bed_records_free(recs, nrec);
    for (int c = 0; c < b->nctg; c++) {
        if (b->n[c] == 0) continue;
        qsort(b->iv[c], b->n[c], sizeof(**b->iv), ival_cmp);
        int w = 0;
        for (int i = 1; i < b->n[c]; i++) {
            if (b->iv[c][i].beg <= b->iv[c][w].end) {
                if (b->iv[c][i].end > b->iv[c][w].end) b->iv[c][w].end = b->iv[c][i].end;
            } else {
                b->iv[c][++w] = b->iv[c][i];
            }
        }
        b->n[c] = w + 1;
    }
    return b;
}

int eval_bed_contains(const EvalBed *b, int ctg, int64_t beg, int64_t end) {
    if (ctg < 0 || ctg >= b->nctg || b->n[ctg] == 0) return 0;
    const EvalIval *iv = b->iv[ctg];
    // Last interval with iv.beg <= beg.
    int lo = 0, hi = b->n[ctg] - 1, hit = -1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (iv[mid].beg <= beg) {
            hit = mid;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return hit >= 0 && end <= iv[hit].end && beg < iv[hit].end;
}

int eval_bed_overlaps(const EvalBed *b, int ctg, int64_t beg, int64_t end) {
    if (ctg < 0 || ctg >= b->nctg || b->n[ctg] == 0 || end <= beg) return 0;
    const EvalIval *iv = b->iv[ctg];
    int lo = 0, hi = b->n[ctg];  // first interval with iv.end > beg
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (iv[mid].end > beg)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo < b->n[ctg] && iv[lo].beg < end;
}

int64_t eval_bed_bases(const EvalBed *b) {
    int64_t s = 0;
    for (int c = 0; c < b->nctg; c++)
        for (int i = 0; i < b->n[c]; i++) s += b->iv[c][i].end - b->iv[c][i].beg;
    return s;
}
