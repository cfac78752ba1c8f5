// spancheck.c — see spancheck.h.
#include "calling/spancheck.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "calling/genotype_pl.h"
#include "common/util.h"
#include "phasing/allele.h"

// The smallest period of s[0, n).
static int period(const char *s, int n) {
    for (int u = 1; u < n; u++) {
        if (n % u) continue;
        int ok = 1;
        for (int i = u; i < n && ok; i++) ok = s[i] == s[i - u];
        if (ok) return u;
    }
    return n;
}

int spanchk_window(SpanWindow *w, const Call *c, const char *ref, int64_t ref_beg, int64_t ref_len) {
    memset(w, 0, sizeof *w);
    if (c->n_alt != 1) return -1;
    const char *ra = c->ref, *aa = c->alt[0];
    int lr = (int)strlen(ra), la = (int)strlen(aa);
    if (lr == la) return -1;
    // the indel's bases d[0, L): what the longer allele has past the shorter one
    const char *lng = lr > la ? ra : aa;
    int ls = lr < la ? lr : la, L = (lr > la ? lr : la) - ls;
    if (ls < 1 || strncmp(ra, aa, (size_t)ls) != 0) return -1;  // not an anchored indel
    const char *d = lng + ls;
    const int64_t p = c->pos - ref_beg;  // the call's first base in ref
    if (p < 0 || p + lr > ref_len) return -1;
    // the tract: copies of d (rotations included) right after the shorter allele's end in the
    // reference, and back from it
    int64_t k = p + ls;  // where the indel sits in the reference
    int64_t right = k;
    if (lr > la) right = k + L;  // a deletion's own bases are reference bases of the tract
    for (int64_t j = 0; right < ref_len && ref[right] == d[(int)(((lr > la ? L : 0) + j) % L)]; j++)
        right++;
    int64_t left = k;
    for (int64_t j = 1; left > 0 && ref[left - 1] == d[(int)(((L - j % L) % L))]; j++) left--;
    w->unit = period(d, L);
    w->run = (int)(right - left);
    w->tract_beg = ref_beg + left, w->tract_end = ref_beg + right;
    int64_t beg = left < p ? left : p, end = right > p + lr ? right : p + lr;
    beg -= SPANCHK_FLANK, end += SPANCHK_FLANK;
    if (beg < 0 || end > ref_len) return -1;
    int64_t n0 = end - beg, n1 = n0 - lr + la;
    if (n0 > SPANCHK_MAX_WIN || n1 > SPANCHK_MAX_WIN) return -1;
    memcpy(w->h[0], ref + beg, (size_t)n0);
    w->h[0][n0] = 0;
    int64_t pre = p - beg;
    memcpy(w->h[1], ref + beg, (size_t)pre);
    memcpy(w->h[1] + pre, aa, (size_t)la);
    memcpy(w->h[1] + pre + la, ref + p + lr, (size_t)(end - (p + lr)));
    w->h[1][n1] = 0;
    w->lh[0] = (int)n0, w->lh[1] = (int)n1;
    w->nh = 2;
    w->beg = ref_beg + beg, w->end = ref_beg + end;
    w->pad = 2 * L + SPANCHK_FLANK;
    w->ins = la > lr ? L : 0;
    return 0;
}

// The query index of read b's base aligned to reference position pos, or -1 (a deletion or skip
// there, or outside the alignment).
static int32_t query_at(const bam1_t *b, int64_t pos) {
    const uint32_t *cig = bam_get_cigar(b);
    int64_t rp = b->core.pos;
    int32_t qp = 0;
    for (uint32_t k = 0; k < b->core.n_cigar; k++) {
        int op = bam_cigar_op(cig[k]);
        int64_t l = bam_cigar_oplen(cig[k]);
        int t = bam_cigar_type(op);  // bit 1: consumes query, bit 2: consumes reference
        if ((t & 3) == 3) {
            if (pos < rp + l) return pos >= rp ? qp + (int32_t)(pos - rp) : -1;
            rp += l, qp += (int32_t)l;
        } else if (t & 2) {
            if (pos < rp + l) return -1;
            rp += l;
        } else if (t & 1) {
            qp += (int32_t)l;
        }
    }
    return -1;
}

int spanchk_read_allele(const SpanWindow *w, const bam1_t *b, char *seg, int *lseg) {
    if (lseg) *lseg = -1;
    if (b->core.flag & BAM_FUNMAP || b->core.pos > w->beg || bam_endpos(b) < w->end) return -1;
    int32_t qs = query_at(b, w->beg), qe = query_at(b, w->end - 1);
    if (qs < 0 || qe < 0 || b->core.l_qseq <= 0 || qe >= b->core.l_qseq || qe < qs) return -1;
    const uint8_t *seq = bam_get_seq(b);
    if (seg && qe - qs + 1 <= SPANCHK_MAX_WIN) {
        for (int32_t i = qs; i <= qe; i++) seg[i - qs] = seq_nt16_str[bam_seqi(seq, i)];
        seg[qe - qs + 1] = 0;
        *lseg = qe - qs + 1;
    }
    qs -= w->pad;
    qe += w->pad + 1;
    if (qs < 0) qs = 0;
    if (qe > b->core.l_qseq) qe = b->core.l_qseq;
    int n = qe - qs;
    char stack[1024], *r = n <= 1024 ? stack : xmalloc((size_t)n);
    for (int i = 0; i < n; i++) r[i] = seq_nt16_str[bam_seqi(seq, qs + i)];
    int best = -1, bd = 0, tie = 0;
    for (int k = 0; k < w->nh; k++) {
        int d = phase_fit_distance(w->h[k], w->lh[k], r, n);
        if (best < 0 || d < bd) best = k, bd = d, tie = 0;
        else if (d == bd) tie = 1;
    }
    if (r != stack) free(r);
    return tie ? -1 : best;
}

void spanchk_gl(const long *cnt, int n, double *ll) {
    const double e = SPANCHK_ERR;
    for (int k = 0; k < n; k++)
        for (int j = 0; j <= k; j++) {
            double v = 0;
            for (int a = 0; a < n; a++) {
                int m = (a == j) + (a == k);
                if (cnt[a]) v += (double)cnt[a] * log(0.5 * m * (1 - e) + e / n);
            }
            ll[k * (k + 1) / 2 + j] = v;
        }
}

// PL from log-likelihoods: 10 (best - ll) / ln 10, rounded, capped at PL_CAP.
static void pl_of(const double *ll, int ng, int *pl) {
    double best = ll[0];
    for (int g = 1; g < ng; g++)
        if (ll[g] > best) best = ll[g];
    for (int g = 0; g < ng; g++) {
        double v = 10.0 * (best - ll[g]) / log(10.0);
        pl[g] = v > PL_CAP ? PL_CAP : (int)lround(v);
    }
}

int spanchk_exempt(const SpanCheckParams *p, const SpanWindow *w) {
    return w->unit == 1 && w->run + (p->hp_alt ? w->ins : 0) >= p->hp_run;
}

int spanchk_demote(const SpanCheckParams *p, const SpanWindow *w, long nref, long nalt) {
    if (p->frac <= 0 || spanchk_exempt(p, w)) return 0;
    if (nref < p->min_ref || (double)nref < p->frac * (double)(nref + nalt)) return 0;
    long cnt[2] = {nref, nalt};
    double ll[3];
    spanchk_gl(cnt, 2, ll);
    return ll[1] >= ll[0] && ll[1] > ll[2];  // so that 0/1's PL is 0
}

// PL, GQ and the gVCF's PL of a call of n alleles with read counts cnt, genotype g (VCF index).
static void set_likelihoods(Call *c, const long *cnt, int n, int g) {
    double ll[10];
    spanchk_gl(cnt, n, ll);
    int ng = n * (n + 1) / 2;
    pl_of(ll, ng, c->pl);
    c->n_pl = ng;
    c->pl[g] = 0;  // the caller's decision is the likeliest (ties go to it)
    int second = PL_CAP;
    for (int k = 0; k < ng; k++)
        if (k != g && c->pl[k] < second) second = c->pl[k];
    c->gq_phred = second;
    c->gq = call_gq(second);
    if (c->n_pl_star > 0) {  // the gVCF's: <*> added, with no read
        long cs[4] = {0, 0, 0, 0};
        memcpy(cs, cnt, (size_t)n * sizeof *cnt);
        spanchk_gl(cs, n + 1, ll);
        c->n_pl_star = (n + 1) * (n + 2) / 2;
        pl_of(ll, c->n_pl_star, c->pl_star);
    }
}

int spanchk_promote(const SpanCheckParams *p, const SpanWindow *w, long nref, long nalt,
                    long n_span, long n_alt) {
    if (p->frac <= 0 || spanchk_exempt(p, w)) return 0;
    if (n_span < 2L * p->min_ref || (double)n_alt < (1 - p->frac) * (double)n_span) return 0;
    long cnt[2] = {nref, nalt};
    double ll[3];
    spanchk_gl(cnt, 2, ll);
    return ll[2] > ll[1] && ll[2] > ll[0];
}

void spanchk_apply_hom(Call *c, long nref, long nalt) {
    long cnt[2] = {nref, nalt};
    set_likelihoods(c, cnt, 2, 2);
    c->gt[0] = c->gt[1] = 1;
    c->spanchk = 1;
}

void spanchk_apply(Call *c, long nref, long nalt) {
    long cnt[2] = {nref, nalt};
    set_likelihoods(c, cnt, 2, 1);
    c->gt[0] = 0, c->gt[1] = 1;
    c->spanchk = 1;
}

int spanchk_second_allele(const SpanWindow *w, const Call *c, const char *ref, int64_t ref_beg,
                         const char *seg, int lseg, char **ref2, char **alt1, char **alt2) {
    const int P = (int)(c->pos - w->beg);  // bases before the call in the stretch
    const int lr = (int)strlen(c->ref), wl = (int)(w->end - w->beg);
    const char *wref = ref + (w->beg - ref_beg);  // the stretch's reference
    if (lseg <= P || strncmp(seg, wref, (size_t)P) != 0) return -1;
    for (int L = lr; L <= wl - P; L++) {
        int tail = wl - P - L;  // reference bases after REF
        int la2 = lseg - P - tail;
        if (la2 < 1) continue;
        if (strncmp(seg + lseg - tail, wref + P + L, (size_t)tail) != 0) continue;
        if (seg[P] != wref[P] || la2 == L) return -1;  // not an indel at the call's base
        // a pure indel: REF's L bases and the allele differ by one block of bases (a read of a
        // haplotype with a SNP near the call spells more than that)
        const char *a2 = seg + P, *r2 = wref + P;
        int lsh = la2 < L ? la2 : L, pre = 0, suf = 0;
        while (pre < lsh && a2[pre] == r2[pre]) pre++;
        while (suf < lsh && a2[la2 - 1 - suf] == r2[L - 1 - suf]) suf++;
        if (pre + suf < lsh) return -1;
        // the block's placements: after o bases of the allele, o in [lsh - suf, pre]; one must lie
        // in the tract (an insertion between two of its bases or at its ends, a deletion of its
        // bases)
        int D = la2 > L ? la2 - L : L - la2, inside = 0;
        for (int o = lsh - suf; o <= pre && !inside; o++) {
            int64_t at = c->pos + o;
            inside = at >= w->tract_beg && (la2 > L ? at : at + D) <= w->tract_end;
        }
        if (!inside) return -1;
        for (int i = 0; i < la2; i++)
            if (!strchr("ACGT", a2[i])) return -1;
        const char *ext = wref + P + lr;  // the bases REF grows by
        int le = L - lr, la1 = (int)strlen(c->alt[0]) + le;
        if (la2 == la1) return -1;  // the called ALT, or one of its length (a substitution in it)
        *ref2 = xmalloc((size_t)L + 1);
        memcpy(*ref2, wref + P, (size_t)L);
        (*ref2)[L] = 0;
        *alt1 = xmalloc((size_t)la1 + 1);
        memcpy(*alt1, c->alt[0], strlen(c->alt[0]));
        memcpy(*alt1 + strlen(c->alt[0]), ext, (size_t)le);
        (*alt1)[la1] = 0;
        *alt2 = xmalloc((size_t)la2 + 1);
        memcpy(*alt2, seg + P, (size_t)la2);
        (*alt2)[la2] = 0;
        return 0;
    }
    return -1;
}

void spanchk_apply_12(Call *c, const long cnt[3], char *ref2, char *alt1, char *alt2) {
    free(c->ref);
    free(c->alt[0]);
    free(c->alt[1]);
    c->ref = ref2, c->alt[0] = alt1, c->alt[1] = alt2;
    c->n_alt = 2;
    set_likelihoods(c, cnt, 3, 4);  // 1/2: k = 2, j = 1
    c->gt[0] = 1, c->gt[1] = 2;
    for (int a = 0; a < 3; a++) c->ad[a] = (int)cnt[a];
    for (int a = 0; a < 2; a++) {
        double af = c->dp > 0 ? (double)cnt[a + 1] / c->dp : 0.0;
        c->af[a] = af > 1.0 ? 1.0 : af;
    }
    c->spanchk = 1;
}
