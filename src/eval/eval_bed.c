// eval_bed.c — confident-region BED reading, merging and containment queries.
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <htslib/hts.h>
#include <htslib/kseq.h>
#include <htslib/kstring.h>

#include "common/util.h"
#include "eval/eval_bed.h"

static int ival_cmp(const void *a, const void *b) {
    const EvalIval *x = a, *y = b;
    if (x->beg != y->beg) return x->beg < y->beg ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

static int parse_pos(const char *s, int64_t *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < 0) return -1;
    *out = v;
    return 0;
}

void eval_bed_free(EvalBed *b) {
    if (!b) return;
    for (int i = 0; i < b->nctg; i++) free(b->iv[i]);
    free(b->iv);
    free(b->n);
    free(b);
}

EvalBed *eval_bed_read(const char *path, const EvalRef *ref) {
    htsFile *fp = hts_open(path, "r");
    if (!fp) {
        calla_err("failed to open BED \"%s\": %s", path, errno ? strerror(errno) : "unknown error");
        return NULL;
    }
    EvalBed *b = xcalloc(1, sizeof(*b));
    b->nctg = eval_ref_nctg(ref);
    int nc = b->nctg ? b->nctg : 1;
    b->iv = xcalloc(nc, sizeof(*b->iv));
    b->n = xcalloc(nc, sizeof(*b->n));
    int *cap = xcalloc(nc, sizeof(*cap));
    kstring_t line = {0, 0, NULL};
    long lineno = 0;
    int ret, ok = 1;
    while (ok && (ret = hts_getline(fp, KS_SEP_LINE, &line)) >= 0) {
        lineno++;
        if (line.l && line.s[line.l - 1] == '\r') line.s[--line.l] = '\0';
        if (line.l == 0 || line.s[0] == '#' || strncmp(line.s, "track", 5) == 0 ||
            strncmp(line.s, "browser", 7) == 0)
            continue;
        char *f[3] = {line.s, NULL, NULL};
        char *p = line.s;
        for (int k = 1; k < 3; k++) {
            p = strchr(p, '\t');
            if (!p) break;
            *p++ = '\0';
            f[k] = p;
        }
        if (f[2]) {
            char *tab = strchr(f[2], '\t');
            if (tab) *tab = '\0';
        }
        int64_t beg, end;
        if (!f[1] || !f[2] || parse_pos(f[1], &beg) < 0 || parse_pos(f[2], &end) < 0 || beg > end) {
            calla_err("BED \"%s\" line %ld: expected CHROM<TAB>START<TAB>END with 0 <= START <= END",
                      path, lineno);
            ok = 0;
            break;
        }
        int ctg = eval_ref_ctg(ref, f[0]);
        if (ctg < 0) {
            calla_err("BED \"%s\" line %ld: contig \"%s\" is not in the reference \"%s\"", path,
                      lineno, f[0], eval_ref_path(ref));
            ok = 0;
            break;
        }
        if (end > eval_ref_ctg_len(ref, ctg)) {
            calla_err("BED \"%s\" line %ld: end %lld lies beyond %s's length %lld in \"%s\"", path,
                      lineno, (long long)end, f[0], (long long)eval_ref_ctg_len(ref, ctg),
                      eval_ref_path(ref));
            ok = 0;
            break;
        }
        if (beg == end) continue;  // empty interval
        if (b->n[ctg] == cap[ctg]) {
            cap[ctg] = cap[ctg] ? cap[ctg] * 2 : 16;
            b->iv[ctg] = xrealloc(b->iv[ctg], cap[ctg] * sizeof(**b->iv));
        }
        b->iv[ctg][b->n[ctg]++] = (EvalIval){beg, end};
    }
    if (ok && ret < -1) {
        calla_err("failed to read BED \"%s\" after line %ld", path, lineno);
        ok = 0;
    }
    free(line.s);
    free(cap);
    if (hts_close(fp) < 0 && ok) {
        calla_err("failed to close BED \"%s\"", path);
        ok = 0;
    }
    if (!ok) {
        eval_bed_free(b);
        return NULL;
    }
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

int64_t eval_bed_bases(const EvalBed *b) {
    int64_t s = 0;
    for (int c = 0; c < b->nctg; c++)
        for (int i = 0; i < b->n[c]; i++) s += b->iv[c][i].end - b->iv[c][i].beg;
    return s;
}
