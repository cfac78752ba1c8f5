// allele.c — per-read allele calls at het SNPs by edit distance (allele.h).
#include "phasing/allele.h"

#include <ctype.h>
#include <string.h>

#include "common/util.h"

int read_map_build(ReadMap *m, const bam1_t *b) {
    if (b->core.flag & BAM_FUNMAP || b->core.tid < 0 || b->core.pos < 0) return -1;
    int64_t beg = b->core.pos, end = bam_endpos(b);
    if (end <= beg) return -1;
    size_t len = (size_t)(end - beg);
    if (len > m->cap) {
        m->cap = len + len / 2;
        m->q = xrealloc(m->q, m->cap * sizeof *m->q);
    }
    m->beg = beg;
    m->end = end;
    const uint32_t *cig = bam_get_cigar(b);
    int64_t r = 0;  // offset from beg
    int32_t qp = 0;
    for (uint32_t k = 0; k < b->core.n_cigar; k++) {
        int op = bam_cigar_op(cig[k]);
        int64_t l = bam_cigar_oplen(cig[k]);
        int t = bam_cigar_type(op);  // bit 1: consumes query, bit 2: consumes reference
        if ((t & 3) == 3) {
            for (int64_t i = 0; i < l && r + i < (int64_t)len; i++) m->q[r + i] = qp + (int32_t)i;
            r += l;
            qp += (int32_t)l;
        } else if (t & 2) {
            for (int64_t i = 0; i < l && r + i < (int64_t)len; i++) m->q[r + i] = -1;
            r += l;
        } else if (t & 1) {
            qp += (int32_t)l;
        }
    }
    return 0;
}

void read_map_free(ReadMap *m) {
    free(m->q);
    m->q = NULL;
    m->cap = 0;
}

static int base_eq(char a, char b) {
    a = (char)toupper((unsigned char)a);
    b = (char)toupper((unsigned char)b);
    return a == b && a != 'N';
}

// Edit distance of a to b (unit costs), one row over b. fit: b's bases before and after the
// alignment of a cost nothing (row 0 all zero, the last row's minimum), else a global alignment.
static int edit_dp(const char *a, int la, const char *b, int lb, int fit) {
    if (lb < 0) lb = 0;
    int stack[512], *row = lb + 1 <= 512 ? stack : xmalloc((size_t)(lb + 1) * sizeof *row);
    for (int j = 0; j <= lb; j++) row[j] = fit ? 0 : j;
    for (int i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = i;
        for (int j = 1; j <= lb; j++) {
            int up = row[j];
            int best = diag + (base_eq(a[i - 1], b[j - 1]) ? 0 : 1);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    int d = row[lb];
    for (int j = 0; fit && j < lb; j++)
        if (row[j] < d) d = row[j];
    if (row != stack) free(row);
    return d;
}

int phase_edit_distance(const char *a, int la, const char *b, int lb) {
    return edit_dp(a, la, b, lb, 0);
}

int phase_fit_distance(const char *h, int lh, const char *r, int lr) {
    return edit_dp(h, lh, r, lr, 1);
}

int phase_read_allele(const ReadMap *m, const bam1_t *b, const PhasedSite *s) {
    if (s->pos < m->beg || s->pos >= m->end) return -1;
    int64_t cb = s->win_beg, ce = s->win_beg + s->win_len;
    if (cb < m->beg) cb = m->beg;
    if (ce > m->end) ce = m->end;
    // query range: from the first aligned base in [cb, ce) to the last one (insertions between
    // them included, insertions at the window's edges not)
    int32_t qs = -1, qe = -1;
    for (int64_t r = cb; r < ce; r++) {
        int32_t q = m->q[r - m->beg];
        if (q < 0) continue;
        if (qs < 0) qs = q;
        qe = q + 1;
    }
    char rs[PHASE_WIN], as[PHASE_WIN];
    int wl = (int)(ce - cb);
    memcpy(rs, s->win + (cb - s->win_beg), (size_t)wl);
    memcpy(as, rs, (size_t)wl);
    as[s->pos - cb] = s->alt;
    if (qe > b->core.l_qseq) return -1;  // no SEQ ('*') or a CIGAR longer than SEQ
    int ql = qs < 0 ? 0 : qe - qs;
    char qstack[256] = {0}, *qbuf = ql <= 256 ? qstack : xmalloc((size_t)ql);
    const uint8_t *seq = bam_get_seq(b);
    for (int i = 0; i < ql; i++) qbuf[i] = seq_nt16_str[bam_seqi(seq, qs + i)];
    int dr = phase_edit_distance(qbuf, ql, rs, wl);
    int da = phase_edit_distance(qbuf, ql, as, wl);
    if (qbuf != qstack) free(qbuf);
    return dr < da ? 1 : da < dr ? 2 : 0;
}

int phase_sites_lower(const PhasedSite *sites, int n, int lo, int64_t pos) {
    int hi = n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (sites[mid].pos < pos) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}
