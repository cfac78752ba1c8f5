// bed.c — the one BED reader of calla (tensors/call -R, truth confident regions, eval -R):
// records in file order, and per-contig sorted, merged intervals built on them.
#include "tensors/bed.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <htslib/hts.h>
#include <htslib/kseq.h>
#include <htslib/kstring.h>

#include "common/util.h"

static int row_cmp(const void *a, const void *b) {
    const BedRecord *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c) return c;
    return x->beg < y->beg ? -1 : x->beg > y->beg;
}

// A BED coordinate: decimal digits only (no sign), at most 15 of them (no overflow).
static int parse_coord(const char *s, int64_t *out) {
    int64_t v = 0;
    int nd = 0;
    for (; *s; s++, nd++) {
        if (*s < '0' || *s > '9' || nd == 15) return -1;
        v = v * 10 + (*s - '0');
    }
    if (!nd) return -1;
    *out = v;
    return 0;
}

// Splits s in place at runs of tabs/spaces into at most max fields; returns the count.
static int split_ws(char *s, char **f, int max) {
    int n = 0;
    while (*s && n < max) {
        while (*s == '\t' || *s == ' ') s++;
        if (!*s) break;
        f[n++] = s;
        while (*s && *s != '\t' && *s != ' ') s++;
        if (*s) *s++ = 0;
    }
    return n;
}

void bed_records_free(BedRecord *r, size_t n) {
    for (size_t i = 0; i < n; i++) free(r[i].name);
    free(r);
}

// A UCSC header line: the keyword followed by whitespace or the end of the line (a contig named
// "track1" or "browserX" is data).
static int is_header_line(const char *s, const char *kw) {
    size_t n = strlen(kw);
    return strncmp(s, kw, n) == 0 && (s[n] == '\0' || s[n] == ' ' || s[n] == '\t');
}

int bed_read_records(const char *path, BedRecord **recs_out, size_t *n_out) {
    *recs_out = NULL;
    *n_out = 0;
    // Check readability first: htslib would print its own multi-line complaint.
    FILE *probe = fopen(path, "rb");
    if (!probe) {
        calla_err("failed to open BED \"%s\": %s", path, strerror(errno));
        return -1;
    }
    fclose(probe);
    int lvl = hts_get_log_level();
    hts_set_log_level(HTS_LOG_OFF);
    htsFile *fp = hts_open(path, "r");
    hts_set_log_level(lvl);
    if (!fp) {
        calla_err("failed to open BED \"%s\": not a readable text or gzip file", path);
        return -1;
    }
    BedRecord *rows = NULL;
    size_t n = 0, cap = 0;
    kstring_t line = {0, 0, NULL};
    long lineno = 0;
    int ret, bad = 0;
    while ((ret = hts_getline(fp, KS_SEP_LINE, &line)) >= 0) {
        lineno++;
        char *s = line.s;
        if (line.l && s[line.l - 1] == '\r') s[--line.l] = 0;
        if (line.l == 0 || s[0] == '#' || is_header_line(s, "track") ||
            is_header_line(s, "browser"))
            continue;
        char *f[3];
        int nf = split_ws(s, f, 3);
        if (nf == 0) continue;  // blank (whitespace only)
        int64_t b, e;
        if (nf < 3 || parse_coord(f[1], &b) || parse_coord(f[2], &e) || e < b) {
            calla_err("malformed BED \"%s\" line %ld: expected \"contig<TAB>start<TAB>end\" with "
                      "0 <= start <= end",
                      path, lineno);
            bad = 1;
            break;
        }
        if (e == b) continue;  // empty interval: covers nothing
        if (n == cap) {
            cap = cap ? 2 * cap : 1024;
            rows = xrealloc(rows, cap * sizeof(*rows));
        }
        rows[n].name = xstrdup(f[0]);
        rows[n].beg = b;
        rows[n].end = e;
        rows[n].line = lineno;
        n++;
    }
    free(line.s);
    if (!bad && ret < -1) {
        calla_err("failed to read BED \"%s\": read error near line %ld", path, lineno + 1);
        bad = 1;
    }
    if (hts_close(fp) != 0 && !bad) {
        calla_err("failed to read BED \"%s\": close failed", path);
        bad = 1;
    }
    if (bad) {
        bed_records_free(rows, n);
        return -1;
    }
    *recs_out = rows;
    *n_out = n;
    return 0;
}

BedRegions *bed_read(const char *path) {
    BedRecord *rows;
    size_t n;
    if (bed_read_records(path, &rows, &n) < 0) return NULL;
    if (n) qsort(rows, n, sizeof(*rows), row_cmp);
    BedRegions *br = xcalloc(1, sizeof(*br));
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && strcmp(rows[j].name, rows[i].name) == 0) j++;
        br->contigs = xrealloc(br->contigs, (br->n_contigs + 1) * sizeof(BedContig));
        BedContig *c = &br->contigs[br->n_contigs++];
        c->name = xstrdup(rows[i].name);
        c->beg = xmalloc((j - i) * sizeof(int64_t));
        c->end = xmalloc((j - i) * sizeof(int64_t));
        c->n = 0;
        c->total = 0;
        for (size_t k = i; k < j; k++) {
            if (c->n && rows[k].beg <= c->end[c->n - 1]) {
                if (rows[k].end > c->end[c->n - 1]) c->end[c->n - 1] = rows[k].end;
            } else {
                c->beg[c->n] = rows[k].beg;
                c->end[c->n] = rows[k].end;
                c->n++;
            }
        }
        for (int k = 0; k < c->n; k++) c->total += c->end[k] - c->beg[k];
        i = j;
    }
    bed_records_free(rows, n);
    return br;
}

void bed_free(BedRegions *b) {
    if (!b) return;
    for (int i = 0; i < b->n_contigs; i++) {
        free(b->contigs[i].name);
        free(b->contigs[i].beg);
        free(b->contigs[i].end);
    }
    free(b->contigs);
    free(b);
}

const BedContig *bed_contig(const BedRegions *b, const char *contig) {
    if (!b) return NULL;
    int lo = 0, hi = b->n_contigs - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2, c = strcmp(contig, b->contigs[mid].name);
        if (c == 0) return &b->contigs[mid];
        if (c < 0)
            hi = mid - 1;
        else
            lo = mid + 1;
    }
    return NULL;
}

int bed_lower_bound(const BedContig *c, int64_t pos) {
    int lo = 0, hi = c->n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (c->end[mid] > pos)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

int bed_contains(const BedContig *c, int64_t pos) {
    if (!c) return 0;
    int i = bed_lower_bound(c, pos);
    return i < c->n && c->beg[i] <= pos;
}

int bed_overlaps(const BedContig *c, int64_t beg, int64_t end) {
    if (!c || end <= beg) return 0;
    int i = bed_lower_bound(c, beg);
    return i < c->n && c->beg[i] < end;
}
