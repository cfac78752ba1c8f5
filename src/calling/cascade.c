// cascade.c — see cascade.h.
#include "calling/cascade.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <htslib/sam.h>

#include "common/stats.h"
#include "common/util.h"
#include "tensors/fa_window.h"

#define FLANK 16  // full-alignment window: centre +- 16

void cascade_params_default(CascadeParams *p, Platform platform) {
    p->var_pct = platform == PLATFORM_ONT ? 0.7 : 0.3;
    p->ref_pct = platform == PLATFORM_ONT ? 0.1 : 0.3;
    p->phasing = 1;
    p->phase_min_qual = 10;
    p->phase_min_reads = 4;
    p->phase_min_frac = 0.9;
    p->hap_p = 1;
    p->hap_min_reads = 10;
    p->span.frac = 0.2;
    p->span.min_ref = 5;
    p->span.hp_run = 8;
    p->span.hp_alt = platform == PLATFORM_ONT;
    p->span.min_mapq = 5;
    p->span.excl_flags = BAM_FQCFAIL | BAM_FDUP;
}

static int dbl_cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double cascade_cutoff(double *q, size_t n, double pct) {
    size_t k = (size_t)floor(pct * (double)n + 1e-9);
    if (k > n) k = n;
    if (k == 0) return 0;
    qsort(q, n, sizeof *q, dbl_cmp);
    return q[k - 1];
}

// ---- reads ----

typedef struct {
    bam1_t *b;
    int64_t beg, end;
    int hp, ps;
} BufRead;

struct CascadeWorker {
    Model *fa;
    CascadeForwardFn fwd;  // NULL: model_forward on the CPU
    void *fwd_ud;
    int batch;
    FaParams fp;
    BufRead *r;
    size_t n, cap, n_alloc;  // n_alloc: bam1_t allocated in r[0..n_alloc) (reused across chunks)
    int64_t lo, hi, max_span;
    size_t cur;   // the read being added to the window (its hp is asked for)
    float *x;     // [batch, n_in]
    size_t *idx;  // the calls of the batch
    int *nr;      // their read counts
    int nb;
    const CascadeChunk *cc;
    int err;
};

CascadeWorker *cascade_worker_new(Model *fa, int batch, const FaParams *fp) {
    CascadeWorker *cw = xcalloc(1, sizeof *cw);
    cw->fa = fa;
    cw->batch = batch;
    cw->fp = *fp;
    if (!fa) return cw;  // phasing and the haplotype check only
    cw->x = xmalloc((size_t)batch * fa->n_pos * fa->n_chan * sizeof *cw->x);
    cw->idx = xmalloc((size_t)batch * sizeof *cw->idx);
    cw->nr = xmalloc((size_t)batch * sizeof *cw->nr);
    return cw;
}

void cascade_worker_set_forward(CascadeWorker *cw, CascadeForwardFn fn, void *ud) {
    cw->fwd = fn;
    cw->fwd_ud = ud;
}

void cascade_worker_free(CascadeWorker *cw) {
    if (!cw) return;
    for (size_t i = 0; i < cw->n_alloc; i++) bam_destroy1(cw->r[i].b);
    free(cw->r);
    free(cw->x);
    free(cw->idx);
    free(cw->nr);
    free(cw);
}

void cascade_reads_reset(CascadeWorker *cw, int64_t lo, int64_t hi) {
    cw->n = 0;
    cw->lo = lo, cw->hi = hi;
    cw->max_span = 0;
}

int cascade_reads_add(void *ud, const bam1_t *b) {
    CascadeWorker *cw = ud;
    if (b->core.flag & (BAM_FUNMAP | BAM_FSECONDARY | BAM_FSUPPLEMENTARY) || b->core.tid < 0)
        return 0;
    int64_t beg = b->core.pos, end = bam_endpos(b);
    if (end <= cw->lo || beg >= cw->hi) return 0;
    if (cw->n == cw->cap) {
        cw->cap = cw->cap ? 2 * cw->cap : 1024;
        cw->r = xrealloc(cw->r, cw->cap * sizeof *cw->r);
    }
    if (cw->n == cw->n_alloc) cw->r[cw->n_alloc++].b = bam_init1();
    BufRead *r = &cw->r[cw->n];
    if (!bam_copy1(r->b, b)) calla_die("out of memory copying a read");
    r->beg = beg, r->end = end, r->hp = 0, r->ps = 0;
    if (end - beg > cw->max_span) cw->max_span = end - beg;
    cw->n++;
    return 0;
}

// ---- a read's allele at a call ----

// The read's base at pos (upper case) and the indel starting right after it (+L, -L or 0).
// Returns 0, or -1 when the read has no aligned base at pos.
static int read_event(const bam1_t *b, int64_t pos, char *base, int *indel) {
    const uint32_t *cig = bam_get_cigar(b);
    int nc = (int)b->core.n_cigar;
    int64_t rp = b->core.pos, qp = 0;
    for (int i = 0; i < nc; i++) {
        int op = bam_cigar_op(cig[i]);
        int64_t len = bam_cigar_oplen(cig[i]);
        int t = bam_cigar_type(op);  // bit 1 query, bit 2 reference
        if ((t & 3) == 3) {
            if (pos >= rp && pos < rp + len) {
                if (b->core.l_qseq <= 0) return -1;
                *base = seq_nt16_str[bam_seqi(bam_get_seq(b), qp + (pos - rp))];
                *indel = 0;
                if (pos == rp + len - 1) {
                    for (int j = i + 1; j < nc; j++) {
                        int o2 = bam_cigar_op(cig[j]);
                        if (o2 == BAM_CPAD) continue;
                        if (o2 == BAM_CINS) *indel = (int)bam_cigar_oplen(cig[j]);
                        else if (o2 == BAM_CDEL) *indel = -(int)bam_cigar_oplen(cig[j]);
                        break;
                    }
                }
                return 0;
            }
            rp += len, qp += len;
        } else if (t & 2) {  // D, N
            if (pos >= rp && pos < rp + len) return -1;
            rp += len;
        } else if (t & 1) {  // I, S
            qp += len;
        }
        if (rp > pos) return -1;
    }
    return -1;
}

int cascade_read_allele(const bam1_t *b, const Call *c) {
    char base;
    int indel;
    if (read_event(b, c->pos, &base, &indel) < 0) return -1;
    int lr = (int)strlen(c->ref);
    for (int a = 0; a <= c->n_alt; a++) {
        const char *s = a ? c->alt[a - 1] : c->ref;
        if (s[0] == base && (int)strlen(s) - lr == indel) return a;
    }
    return -1;
}

// ---- phasing ----

static PhaseResult *phase_chunk(CascadeWorker *cw, const CascadeParams *p, const CascadeChunk *cc,
                                long *n_hets) {
    HetSite *s = xmalloc((cc->n ? cc->n : 1) * sizeof *s);
    int n = 0;
    for (size_t i = 0; i < cc->n; i++) {
        const Call *c = &cc->calls[i];
        if (c->n_alt != 1 || c->haploid || c->gt[0] != 0 || c->gt[1] != 1 ||
            c->filter != FILTER_PASS || c->qual < p->phase_min_qual || c->vcf_skip ||
            strlen(c->ref) != 1 || strlen(c->alt[0]) != 1)
            continue;
        if (c->pos < cc->beg || c->pos >= cc->end) continue;
        s[n++] = (HetSite){c->pos, c->ref[0], c->alt[0][0], (float)c->qual};
    }
    *n_hets = n;
    PhaseParams pp;
    phase_params_default(&pp);
    PhaseBuilder *pb = phase_builder_new(&pp, cc->tid, s, n, cc->ref, cc->ref_beg, cc->ref_len);
    free(s);
    for (size_t i = 0; i < cw->n; i++) phase_builder_add_read(pb, cw->r[i].b);
    PhaseResult *pr = phase_builder_finish(pb);
    for (size_t i = 0; i < cw->n; i++) cw->r[i].hp = phasing_read_hp(pr, cw->r[i].b, &cw->r[i].ps);
    return pr;
}

enum { MAXPS = 8 };  // phase sets counted per call (the first met)

// The reads covering call c that carry a haplotype (HP 1/2) and show allele g0 or g1, per phase
// set: t[j][h][k] = reads of haplotype h + 1 showing g0 (k 0) or g1 (k 1) in phase set pss[j].
// Returns the index of the phase set with the most such reads (ties: the lower PS), or -1.
static int hap_tables(const CascadeWorker *cw, const Call *c, int g0, int g1,
                      int32_t pss[MAXPS], long t[MAXPS][2][2]) {
    int nps = 0;
    // reads starting at or before pos: binary search, then back while they may still cover it
    size_t lo = 0, hi = cw->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cw->r[mid].beg <= c->pos) lo = mid + 1;
        else hi = mid;
    }
    for (size_t k = lo; k-- > 0;) {
        const BufRead *r = &cw->r[k];
        if (r->beg + cw->max_span <= c->pos) break;
        if (r->end <= c->pos || r->hp < 1 || r->hp > 2) continue;
        int a = cascade_read_allele(r->b, c);
        if (a != g0 && a != g1) continue;
        int j = 0;
        while (j < nps && pss[j] != r->ps) j++;
        if (j == nps) {
            if (nps == MAXPS) continue;
            pss[nps] = r->ps;
            memset(t[nps], 0, sizeof t[nps]);
            nps++;
        }
        t[j][r->hp - 1][a == g1]++;
    }
    int best = -1;
    long best_n = 0;
    for (int j = 0; j < nps; j++) {
        long n = t[j][0][0] + t[j][0][1] + t[j][1][0] + t[j][1][1];
        if (best < 0 || n > best_n || (n == best_n && pss[j] < pss[best])) best = j, best_n = n;
    }
    return best;
}

// A het call's phase from the haplotypes of the reads showing its two alleles.
static int vote_phase(const CascadeWorker *cw, const CascadeParams *p, Call *c) {
    int32_t pss[MAXPS];
    long t[MAXPS][2][2];
    int best = hap_tables(cw, c, c->gt[0], c->gt[1], pss, t);
    if (best < 0) return 0;
    // votes: gt[0] on haplotype 1 (a) or on haplotype 2 (b)
    long va = t[best][0][0] + t[best][1][1], vb = t[best][0][1] + t[best][1][0];
    long tot = va + vb, top = va > vb ? va : vb;
    if (tot < p->phase_min_reads || (double)top < p->phase_min_frac * (double)tot) return 0;
    if (vb > va) {
        int g = c->gt[0];
        c->gt[0] = c->gt[1], c->gt[1] = g;
    }
    c->phased = 1;
    c->ps = pss[best];
    return 1;
}

long cascade_hap_table(const CascadeWorker *cw, const Call *c, long t[2][2]) {
    int32_t pss[MAXPS];
    long tab[MAXPS][2][2];
    int best = hap_tables(cw, c, 0, 1, pss, tab);
    if (best < 0) {
        memset(t, 0, 4 * sizeof(long));
        return 0;
    }
    memcpy(t, tab[best], 4 * sizeof(long));
    return t[0][0] + t[0][1] + t[1][0] + t[1][1];
}

// The haplotype check (cascade.h) on the chunk's PASS het indel calls REF/ALT.
static long hap_check(const CascadeWorker *cw, const CascadeParams *p, const CascadeChunk *cc) {
    long n = 0;
    for (size_t i = 0; i < cc->n; i++) {
        Call *c = &cc->calls[i];
        if (cc->active && !cc->active[i]) continue;
        if (c->filter != FILTER_PASS || c->vcf_skip || c->haploid || c->n_alt != 1 ||
            c->gt[0] != 0 || c->gt[1] != 1 || strlen(c->ref) == strlen(c->alt[0]))
            continue;
        long t[2][2];
        if (cascade_hap_table(cw, c, t) < p->hap_min_reads) continue;
        long h1 = t[0][0] + t[0][1], h2 = t[1][0] + t[1][1];
        long ref = t[0][0] + t[1][0], alt = t[0][1] + t[1][1];
        if (!h1 || !h2 || !ref || !alt) continue;  // one haplotype or one allele: no information
        if (alt >= HAP_HOM_SHARE * (ref + alt)) continue;  // a hom-alt signal, not noise
        if (fisher_2x2_p(t[0][0], t[0][1], t[1][0], t[1][1]) > p->hap_p) {
            c->filter = FILTER_HAPNOISE;
            n++;
        }
    }
    return n;
}

// The spellings of a stretch that reads show, counted (the span check's second ALT).
typedef struct {
    char (*s)[SPANCHK_MAX_WIN + 1];
    int *len;
    long *n;
    int k, cap;
} SegTally;

static void tally_add(SegTally *t, const char *seg, int len) {
    for (int i = 0; i < t->k; i++)
        if (t->len[i] == len && memcmp(t->s[i], seg, (size_t)len) == 0) {
            t->n[i]++;
            return;
        }
    if (t->k == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 16;
        t->s = xrealloc(t->s, (size_t)t->cap * sizeof *t->s);
        t->len = xrealloc(t->len, (size_t)t->cap * sizeof *t->len);
        t->n = xrealloc(t->n, (size_t)t->cap * sizeof *t->n);
    }
    memcpy(t->s[t->k], seg, (size_t)len + 1);
    t->len[t->k] = len;
    t->n[t->k++] = 1;
}

// Counts the reads of w's haplotypes among the chunk's reads covering its stretch (cnt[0, w->nh));
// with t, also tallies the spellings of the stretch that are neither REF nor the ALT, and counts
// in *n_span the reads that spell it (cover it) and in *n_alt those that spell it as the ALT.
static void span_count(const CascadeWorker *cw, const CascadeParams *p, const SpanWindow *w,
                       long *cnt, SegTally *t, long *n_span, long *n_alt) {
    char seg[SPANCHK_MAX_WIN + 1];
    // the reads starting at or before the stretch: binary search, then back while they may still
    // reach its end
    size_t lo = 0, hi = cw->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cw->r[mid].beg <= w->beg) lo = mid + 1;
        else hi = mid;
    }
    for (int k = 0; k < w->nh; k++) cnt[k] = 0;
    if (n_span) *n_span = *n_alt = 0;
    for (size_t k = lo; k-- > 0;) {
        const BufRead *r = &cw->r[k];
        if (r->beg + cw->max_span < w->end) break;
        if (r->end < w->end || r->b->core.qual < p->span.min_mapq ||
            (r->b->core.flag & p->span.excl_flags))
            continue;
        int ls;
        int a = spanchk_read_allele(w, r->b, t ? seg : NULL, &ls);
        if (a >= 0) cnt[a]++;
        if (!t || ls <= 0) continue;
        (*n_span)++;
        if (ls == w->lh[1] && memcmp(seg, w->h[1], (size_t)ls) == 0) (*n_alt)++;
        else if (!(ls == w->lh[0] && memcmp(seg, w->h[0], (size_t)ls) == 0)) tally_add(t, seg, ls);
    }
}

// The 1/2 call of the span check: the commonest other spelling of the stretch as a second ALT
// when min_ref reads and frac of those spelling the stretch show it, the reads fitted again to
// the three, and 1/2 the likeliest genotype with min_ref reads and frac for each ALT. Returns 1
// when c became that call.
static int span_second(const CascadeWorker *cw, const CascadeParams *p, const CascadeChunk *cc,
                      SpanWindow *w, const SegTally *t, long n_span, Call *c) {
    int best = -1;
    for (int k = 0; k < t->k; k++)
        if (best < 0 || t->n[k] > t->n[best]) best = k;
    if (best < 0 || t->n[best] < p->span.min_ref || (double)t->n[best] < p->span.frac * (double)n_span)
        return 0;
    char *ref2 = NULL, *alt1 = NULL, *alt2 = NULL;
    if (spanchk_second_allele(w, c, cc->ref, cc->ref_beg, t->s[best], t->len[best], &ref2, &alt1,
                             &alt2) < 0)
        return 0;
    memcpy(w->h[2], t->s[best], (size_t)t->len[best] + 1);
    w->lh[2] = t->len[best];
    w->nh = 3;
    long c3[3];
    span_count(cw, p, w, c3, NULL, NULL, NULL);
    w->nh = 2;
    double ll[6];
    spanchk_gl(c3, 3, ll);
    long tot = c3[0] + c3[1] + c3[2];
    int top = 0;
    for (int g = 1; g < 6; g++)
        if (ll[g] > ll[top]) top = g;
    if (top != 4 || c3[1] < p->span.min_ref || c3[2] < p->span.min_ref ||
        (double)c3[1] < p->span.frac * (double)tot || (double)c3[2] < p->span.frac * (double)tot) {
        free(ref2), free(alt1), free(alt2);
        return 0;
    }
    spanchk_apply_12(c, c3, ref2, alt1, alt2);
    return 1;
}

// The span check (spancheck.h) on the chunk's PASS 0/1 and 1/1 indel calls. Returns the calls
// changed, with *n12 those made 1/2 and *n11 those made 1/1.
static long span_check(const CascadeWorker *cw, const CascadeParams *p, const CascadeChunk *cc,
                       long *n12, long *n11) {
    long n = 0;
    *n12 = *n11 = 0;
    SpanWindow *w = xmalloc(sizeof *w);
    SegTally t = {0};
    for (size_t i = 0; i < cc->n; i++) {
        Call *c = &cc->calls[i];
        if (cc->active && !cc->active[i]) continue;
        if (c->filter != FILTER_PASS || c->vcf_skip || c->haploid || c->n_alt != 1 ||
            c->gt[1] != 1)
            continue;
        const int het = c->gt[0] == 0;  // 0/1: a second ALT, or 1/1
        if (spanchk_window(w, c, cc->ref, cc->ref_beg, cc->ref_len) < 0) continue;
        if (spanchk_exempt(&p->span, w)) continue;
        long cnt[2], n_span, n_alt;
        t.k = 0;
        span_count(cw, p, w, cnt, &t, &n_span, &n_alt);
        if (span_second(cw, p, cc, w, &t, n_span, c)) {
            n++, (*n12)++;
        } else if (het && spanchk_promote(&p->span, w, cnt[0], cnt[1], n_span, n_alt)) {
            spanchk_apply_hom(c, cnt[0], cnt[1]);
            n++, (*n11)++;
        } else if (!het && spanchk_demote(&p->span, w, cnt[0], cnt[1])) {
            spanchk_apply(c, cnt[0], cnt[1]);
            n++;
        }
    }
    free(t.s), free(t.len), free(t.n);
    free(w);
    return n;
}

static long phase_calls(const CascadeWorker *cw, const CascadeParams *p, const CascadeChunk *cc,
                        const PhaseResult *pr) {
    long n = 0;
    for (size_t i = 0; i < cc->n; i++) {
        Call *c = &cc->calls[i];
        if (cc->active && !cc->active[i]) continue;
        if (c->n_alt == 0 || c->haploid || c->gt[0] == c->gt[1] || c->vcf_skip) continue;
        if (c->filter == FILTER_HAPNOISE) continue;  // not a het of either haplotype
        if (c->n_alt == 1 && c->gt[0] == 0 && strlen(c->ref) == 1 && strlen(c->alt[0]) == 1) {
            int k = phase_result_find(pr, c->pos);
            if (k >= 0) {
                const PhasedSite *s = &pr->sites[k];
                if (s->ref == c->ref[0] && s->alt == c->alt[0][0] && s->ps > 0 && s->hap1 >= 0) {
                    c->gt[0] = s->hap1 == 0 ? 0 : 1;
                    c->gt[1] = 1 - c->gt[0];
                    c->phased = 1, c->ps = s->ps;
                    n++;
                    continue;
                }
            }
        }
        n += vote_phase(cw, p, c);
    }
    return n;
}

// ---- the full-alignment model ----

static int hp_of_current(void *ud, const bam1_t *b) {
    const CascadeWorker *cw = ud;
    (void)b;
    return cw->r[cw->cur].hp;
}

static void run_batch(CascadeWorker *cw) {
    if (cw->nb == 0) return;
    Model *m = cw->fa;
    if (cw->fwd)
        cw->fwd(cw->fwd_ud, m, cw->x, cw->nb);
    else
        model_forward(m, cw->x, NULL, cw->nb, 0);
    for (int k = 0; k < cw->nb; k++)
        cw->cc->decide(cw->cc->ud, cw->idx[k], m->out + (size_t)k * m->n_out, cw->nr[k]);
    cw->nb = 0;
}

typedef struct {
    CascadeWorker *cw;
    const size_t *pick;  // call index of each window candidate
} EmitUd;

static int fa_emit(void *ud, int i, const int8_t *feat, int n_reads) {
    EmitUd *e = ud;
    CascadeWorker *cw = e->cw;
    const int n = cw->fa->n_pos * cw->fa->n_chan;
    float *x = cw->x + (size_t)cw->nb * n;
    for (int k = 0; k < n; k++) x[k] = (float)feat[k] / 100.0f;  // model_input_from_features
    cw->idx[cw->nb] = e->pick[i];
    cw->nr[cw->nb] = n_reads;
    if (++cw->nb == cw->batch) run_batch(cw);
    return 0;
}

int cascade_chunk(CascadeWorker *cw, const CascadeParams *p, const CascadeChunk *cc,
                  CascadeStats *st) {
    memset(st, 0, sizeof *st);
    // 1. the cut-offs over the chunk's calls
    double *qv = xmalloc((cc->n ? cc->n : 1) * sizeof *qv), *qr = xmalloc((cc->n ? cc->n : 1) * sizeof *qr);
    size_t nv = 0, nr = 0;
    for (size_t i = 0; i < cc->n; i++) {
        if (cc->active && !cc->active[i]) continue;
        if (cascade_is_ref(&cc->calls[i])) qr[nr++] = cc->calls[i].qual;
        else qv[nv++] = cc->calls[i].qual;
    }
    st->qv = cascade_cutoff(qv, nv, p->var_pct);
    st->qr = cascade_cutoff(qr, nr, p->ref_pct);
    free(qv);
    free(qr);
    size_t *pick = xmalloc((cc->n ? cc->n : 1) * sizeof *pick);
    int64_t *pos = xmalloc((cc->n ? cc->n : 1) * sizeof *pos);
    size_t np = 0;
    for (size_t i = 0; i < cc->n && cw->fa; i++)
        if ((!cc->active || cc->active[i]) && cascade_picked(&cc->calls[i], st->qv, st->qr)) {
            if (np && cc->calls[i].pos == pos[np - 1]) continue;  // one window per position
            pick[np] = i, pos[np] = cc->calls[i].pos;
            np++;
        }
    st->n_picked = (long)np;
    // 2. phasing from the chunk's confident het SNPs
    PhaseResult *pr = NULL;
    if (p->phasing) {
        pr = phase_chunk(cw, p, cc, &st->n_hets);
        for (int k = 0; k < pr->n_sites; k++)
            if (pr->sites[k].ps > 0) st->n_phased_sites++;
    }
    // 3. full-alignment tensors of the picked calls, through the model
    if (np > 0) {
        FaParams fp = cw->fp;
        fp.read_hp = p->phasing ? hp_of_current : NULL;
        fp.hp_ud = cw;
        EmitUd e = {cw, pick};
        cw->cc = cc;
        cw->nb = 0;
        FaWindow *w = fa_window_new(&fp, cc->tid, pos, (int)np, cc->ref, cc->ref_beg, cc->ref_len,
                                    fa_emit, &e);
        for (size_t i = 0; i < cw->n; i++) {
            cw->cur = i;
            fa_window_add(w, cw->r[i].b);
        }
        fa_window_finish(w);
        fa_window_free(w);
        run_batch(cw);
        cw->cc = NULL;
    }
    // 4. the haplotype check, the span check, then phased genotypes
    if (pr && p->hap_p < 1) st->n_hapnoise = hap_check(cw, p, cc);
    if (p->span.frac > 0)
        st->n_spanchk = span_check(cw, p, cc, &st->n_spanchk12, &st->n_spanchk11);
    if (pr) {
        st->n_phased_calls = phase_calls(cw, p, cc, pr);
        phase_result_free(pr);
    }
    free(pick);
    free(pos);
    return 0;
}
