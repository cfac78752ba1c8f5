// unify.c — representation unification of truth labels without phasing (see unify.h and
// docs/tensors.md "Representation unification").
//
// Steps (clair3.md §4.3, adapted: no haplotags, no read-level haplotypes):
//  1. Lock: a candidate at the position of a truth variant whose called non-reference alleles
//     (suffix-trimmed) are all among the candidate's kept alleles keeps today's label; both leave
//     the grouping.
//  2. Group the remaining truth variants and candidates by position: a member starting more than
//     max_gap bp after the end of the group so far starts a new group. Only groups with a usable truth
//     variant and a candidate are unified (counted); a group over max_per_side truth variants or
//     candidates, over max_truth_combos truth haplotype pairs or max_nodes tried assignments,
//     holding an unusable truth record, or reaching past the reference given is skipped.
//  3. Truth side: every unphased assignment of the het truth variants to the two haplotypes (the
//     first het fixed, the swap is covered by the candidate side), each built on the reference
//     over the group's span; a variant overlapping an earlier one on its haplotype makes the
//     assignment invalid.
//  4. Candidate side: a depth-first search over the candidates in position order, each taking an
//     ordered pair of alleles (reference or a kept allele) for the two haplotypes; the haplotypes
//     are extended on the reference up to the next candidate and a branch is cut as soon as they
//     stop being prefixes of the truth pair. A complete assignment whose haplotypes equal the
//     truth pair is a match.
//  5. Rank: the match whose genotypes fit the read evidence best (sum over candidates and their
//     reference + kept alleles of |observed fraction - expected fraction|, the expected fraction
//     being 0, 0.5 or 1 from the genotype), then the one with fewer variant candidates, then the
//     first found (candidates in position order, reference first, alleles by count).
#include "tensors/unify.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"
#include "tensors/labels.h"

void ru_params_default(RuParams *p) {
    p->min_af = 0.08;
    p->max_alleles = 3;
    p->max_gap = 100;
    p->max_per_side = 15;
    p->max_truth_combos = 10000;
    p->max_nodes = 1000000;
}

typedef struct {
    int n;
    int idx[RU_MAX_ALLELES];  // kept alleles (indices into alleles[]), by count descending
    int64_t end;              // end of the longest kept REF
} Kept;

static void keep_alleles(const RuParams *p, const RuCand *c, const char *ref, int64_t ref_beg,
                         int64_t ref_len, Kept *k) {
    int max = p->max_alleles < RU_MAX_ALLELES ? p->max_alleles : RU_MAX_ALLELES;
    k->n = 0;
    k->end = c->pos + 1;
    if (c->depth <= 0) return;
    for (int i = 0; i < c->n_alleles; i++) {
        const RuAllele *a = &c->alleles[i];
        if ((double)a->count / c->depth < p->min_af) continue;
        // The allele's REF must be the reference (else it is not a usable allele).
        size_t lr = strlen(a->ref);
        if (lr == 0 || !a->alt[0] || c->pos - ref_beg < 0 ||
            c->pos + (int64_t)lr > ref_beg + ref_len ||
            strncasecmp(a->ref, ref + (c->pos - ref_beg), lr))
            continue;
        // insert by count, descending (stable)
        int j = k->n < max ? k->n : max;
        while (j > 0 && c->alleles[k->idx[j - 1]].count < a->count) j--;
        if (j >= max) continue;
        int last = k->n < max ? k->n : max - 1;
        for (int m = last; m > j; m--) k->idx[m] = k->idx[m - 1];
        k->idx[j] = i;
        if (k->n < max) k->n++;
    }
    for (int i = 0; i < k->n; i++) {
        int64_t e = c->pos + (int64_t)strlen(c->alleles[k->idx[i]].ref);
        if (e > k->end) k->end = e;
    }
}

// Suffix-trimmed lengths of (ref, alt): both keep at least one base.
static void trim_suffix(const char *ref, const char *alt, size_t *lr, size_t *la) {
    *lr = strlen(ref);
    *la = strlen(alt);
    while (*lr > 1 && *la > 1 &&
           toupper((unsigned char)ref[*lr - 1]) == toupper((unsigned char)alt[*la - 1])) {
        (*lr)--;
        (*la)--;
    }
}

static int truth_locks(const RuTruth *t, const RuCand *c, const Kept *k) {
    if (!t->usable || t->pos != c->pos) return 0;
    const char *al[3] = {t->ref, t->alt[0], t->alt[1]};
    int g[2] = {t->g1, t->g2};
    for (int h = 0; h < 2; h++) {
        if (g[h] == 0) continue;
        size_t lr, la;
        trim_suffix(al[0], al[g[h]], &lr, &la);
        int found = 0;
        for (int i = 0; i < k->n && !found; i++) {
            const RuAllele *a = &c->alleles[k->idx[i]];
            found = strlen(a->ref) == lr && strlen(a->alt) == la &&
                    strncasecmp(a->ref, al[0], lr) == 0 && strncasecmp(a->alt, al[g[h]], la) == 0;
        }
        if (!found) return 0;
    }
    return 1;
}

// ---- haplotype buffers ----
typedef struct {
    char *s;
    size_t n, cap;
    int64_t cov;  // reference consumed up to here (exclusive)
} Hap;

static void hap_put(Hap *h, const char *x, size_t n) {
    if (h->n + n + 1 > h->cap) {
        while (h->n + n + 1 > h->cap) h->cap = h->cap ? 2 * h->cap : 256;
        h->s = xrealloc(h->s, h->cap);
    }
    for (size_t i = 0; i < n; i++) h->s[h->n + i] = (char)toupper((unsigned char)x[i]);
    h->n += n;
}

typedef struct {
    const char *ref;
    int64_t ref_beg;
} RefView;

// Extends h with the reference up to `to` (nothing when already past it).
static void hap_extend(Hap *h, const RefView *rv, int64_t to) {
    if (to > h->cov) {
        hap_put(h, rv->ref + (h->cov - rv->ref_beg), (size_t)(to - h->cov));
        h->cov = to;
    }
}

// Applies the allele (REF length lr, ALT alt) at pos; 0, or -1 when it overlaps the haplotype's
// previous allele.
static int hap_apply(Hap *h, const RefView *rv, int64_t pos, size_t lr, const char *alt, size_t la) {
    if (pos < h->cov) return -1;
    hap_extend(h, rv, pos);
    hap_put(h, alt, la);
    h->cov = pos + (int64_t)lr;
    return 0;
}

// ---- the candidate search for one group ----
typedef struct {
    const RuCand *c;
    const Kept *k;
    int n;                 // candidates in the group
    int64_t gend;          // span end
    RefView rv;
    const Hap *T;          // the truth pair being matched (T[0], T[1])
    Hap h[2];
    int *cur_a, *cur_b;    // current assignment (allele index, -1 ref) per candidate and haplotype
    int *best_a, *best_b;  // best unordered genotype so far (a <= b)
    double best_fit;
    int best_nvar, found;
    long nodes, max_nodes;
    int over;
} Search;

static int is_prefix(const Hap *h, const Hap *t) {
    return h->n == 0 || (h->n <= t->n && memcmp(h->s, t->s, h->n) == 0);
}

static double fit(const RuCand *c, const Kept *k, int a, int b) {
    if (c->depth <= 0) return 0;
    double d = 0, e;
    e = ((a == -1) + (b == -1)) / 2.0;
    d += fabs((double)c->ref_count / c->depth - e);
    for (int i = 0; i < k->n; i++) {
        int x = k->idx[i];
        e = ((a == x) + (b == x)) / 2.0;
        d += fabs((double)c->alleles[x].count / c->depth - e);
    }
    return d;
}

static void search(Search *S, int i, double fit_sum, int nvar) {
    if (S->over) return;
    if (i == S->n) {
        for (int h = 0; h < 2; h++) hap_extend(&S->h[h], &S->rv, S->gend);
        if (S->h[0].n == S->T[0].n && S->h[1].n == S->T[1].n && is_prefix(&S->h[0], &S->T[0]) &&
            is_prefix(&S->h[1], &S->T[1])) {
            if (!S->found || fit_sum < S->best_fit - 1e-9 ||
                (fabs(fit_sum - S->best_fit) <= 1e-9 && nvar < S->best_nvar)) {
                S->found = 1;
                S->best_fit = fit_sum;
                S->best_nvar = nvar;
                for (int j = 0; j < S->n; j++) {
                    int a = S->cur_a[j], b = S->cur_b[j];
                    S->best_a[j] = a < b ? a : b;
                    S->best_b[j] = a < b ? b : a;
                }
            }
        }
        return;
    }
    const RuCand *c = &S->c[i];
    const Kept *k = &S->k[i];
    int64_t next = i + 1 < S->n ? S->c[i + 1].pos : S->gend;
    for (int x = -1; x < k->n; x++)
        for (int y = -1; y < k->n; y++) {
            if (++S->nodes > S->max_nodes) {
                S->over = 1;
                return;
            }
            int al[2] = {x < 0 ? -1 : k->idx[x], y < 0 ? -1 : k->idx[y]};
            size_t save_n[2] = {S->h[0].n, S->h[1].n};
            int64_t save_cov[2] = {S->h[0].cov, S->h[1].cov};
            int ok = 1;
            for (int h = 0; h < 2 && ok; h++) {
                if (al[h] >= 0) {
                    const RuAllele *a = &c->alleles[al[h]];
                    ok = hap_apply(&S->h[h], &S->rv, c->pos, strlen(a->ref), a->alt,
                                   strlen(a->alt)) == 0;
                }
                if (ok && next < S->gend) hap_extend(&S->h[h], &S->rv, next);
                if (ok) ok = is_prefix(&S->h[h], &S->T[h]);
            }
            if (ok) {
                S->cur_a[i] = al[0];
                S->cur_b[i] = al[1];
                search(S, i + 1, fit_sum + fit(c, k, al[0], al[1]),
                       nvar + (al[0] >= 0 || al[1] >= 0));
            }
            for (int h = 0; h < 2; h++) {
                S->h[h].n = save_n[h];
                S->h[h].cov = save_cov[h];
            }
            if (S->over) return;
        }
}

// Builds the truth haplotypes of unphased assignment `mask`: the first het variant keeps its
// genotype order (g1 on haplotype 0), het number k >= 1 is swapped when bit k-1 of mask is set.
// Returns 0, or -1 when two variants overlap on a haplotype.
static int build_truth(const RuTruth *t, int nt, long mask, const RefView *rv, int64_t gbeg,
                       int64_t gend, Hap T[2]) {
    for (int h = 0; h < 2; h++) {
        T[h].n = 0;
        T[h].cov = gbeg;
    }
    int het = 0;
    for (int j = 0; j < nt; j++) {
        const char *al[3] = {t[j].ref, t[j].alt[0], t[j].alt[1]};
        int g[2] = {t[j].g1, t[j].g2};
        if (g[0] != g[1]) {
            if (het > 0 && (mask >> (het - 1) & 1)) {
                int s = g[0];
                g[0] = g[1];
                g[1] = s;
            }
            het++;
        }
        size_t lr = strlen(al[0]);
        for (int h = 0; h < 2; h++) {
            if (g[h] == 0) continue;
            if (hap_apply(&T[h], rv, t[j].pos, lr, al[g[h]], strlen(al[g[h]])) < 0) return -1;
        }
    }
    for (int h = 0; h < 2; h++) hap_extend(&T[h], rv, gend);
    return 0;
}

// Unifies one group: truth t[0..nt), candidates c[0..nc) (with kept alleles k). Returns 1
// matched (calls filled), 0 unmatched, -1 skipped.
static int unify_group(const RuParams *p, const RuTruth *t, int nt, const RuCand *c, const Kept *k,
                       int nc, const RefView *rv, int64_t gbeg, int64_t gend, RuCall *calls) {
    int nhet = 0;
    for (int j = 0; j < nt; j++) {
        nhet += t[j].g1 != t[j].g2;
        // a truth REF that is not the reference (another build) cannot be unified
        size_t lr = strlen(t[j].ref);
        if (strncasecmp(t[j].ref, rv->ref + (t[j].pos - rv->ref_beg), lr)) return -1;
    }
    long combos = 1;
    for (int j = 1; j < nhet; j++) {
        combos *= 2;
        if (combos > p->max_truth_combos) return -1;
    }
    Search S;
    memset(&S, 0, sizeof S);
    S.c = c;
    S.k = k;
    S.n = nc;
    S.gend = gend;
    S.rv = *rv;
    S.max_nodes = p->max_nodes;
    S.cur_a = xmalloc(4 * sizeof(int) * (size_t)nc);
    S.cur_b = S.cur_a + nc;
    S.best_a = S.cur_b + nc;
    S.best_b = S.best_a + nc;
    Hap T[2];
    memset(T, 0, sizeof T);
    for (long m = 0; m < combos && !S.over; m++) {
        if (build_truth(t, nt, m, rv, gbeg, gend, T) < 0) continue;
        S.T = T;
        for (int h = 0; h < 2; h++) {
            S.h[h].n = 0;
            S.h[h].cov = gbeg;
            hap_extend(&S.h[h], rv, c[0].pos);
        }
        search(&S, 0, 0.0, 0);
    }
    int ret = S.over ? -1 : S.found ? 1 : 0;
    if (ret == 1)
        for (int i = 0; i < nc; i++) {
            calls[i].action = RU_SET;
            calls[i].a = S.best_a[i];
            calls[i].b = S.best_b[i];
        }
    free(S.cur_a);
    for (int h = 0; h < 2; h++) {
        free(T[h].s);
        free(S.h[h].s);
    }
    return ret;
}

int ru_unify(const RuParams *p, const RuTruth *t, int nt, const RuCand *c, int nc,
             const char *ref, int64_t ref_beg, int64_t ref_len, int64_t own_beg, int64_t own_end,
             RuCall *calls, RuStats *st) {
    RuStats dummy;  // the counts of groups outside [own_beg, own_end)
    for (int i = 1; i < nc; i++)
        if (c[i].pos <= c[i - 1].pos) return -1;
    for (int j = 1; j < nt; j++)
        if (t[j].pos < t[j - 1].pos) return -1;
    for (int i = 0; i < nc; i++) calls[i] = (RuCall){RU_ASIS, -1, -1};
    if (nc == 0 || nt == 0) return 0;
    Kept *k = xmalloc(sizeof *k * (size_t)nc);
    for (int i = 0; i < nc; i++) keep_alleles(p, &c[i], ref, ref_beg, ref_len, &k[i]);
    // 1. lock
    uint8_t *tlock = xcalloc((size_t)nt, 1);
    for (int i = 0, j = 0; i < nc; i++) {
        while (j < nt && t[j].pos < c[i].pos) j++;
        for (int m = j; m < nt && t[m].pos == c[i].pos; m++)
            if (truth_locks(&t[m], &c[i], &k[i])) {
                calls[i].action = RU_LOCKED;
                tlock[m] = 1;
                if (c[i].pos >= own_beg && c[i].pos < own_end) st->locked++;
                break;
            }
    }
    // 2. group the unlocked members in position order
    int *gt = xmalloc(sizeof(int) * (size_t)nt), *gc = xmalloc(sizeof(int) * (size_t)nc);
    RuTruth *tt = xmalloc(sizeof *tt * (size_t)nt);
    RuCand *cc = xmalloc(sizeof *cc * (size_t)nc);
    Kept *kk = xmalloc(sizeof *kk * (size_t)nc);
    RuCall *gcalls = xmalloc(sizeof *gcalls * (size_t)nc);
    RefView rv = {ref, ref_beg};
    int i = 0, j = 0;
    while (i < nc || j < nt) {
        int ngt = 0, ngc = 0, bad = 0, nusable = 0;
        int64_t gbeg = -1, gend = -1;
        for (;;) {
            while (i < nc && calls[i].action == RU_LOCKED) i++;
            while (j < nt && tlock[j]) j++;
            int take_t = j < nt && (i >= nc || t[j].pos <= c[i].pos);
            if (!take_t && i >= nc) break;
            int64_t pos = take_t ? t[j].pos : c[i].pos;
            int64_t end = !take_t ? k[i].end : pos + (t[j].ref ? (int64_t)strlen(t[j].ref) : 1);
            if (gbeg >= 0 && pos > gend + p->max_gap) break;
            if (gbeg < 0) gbeg = pos;
            if (end > gend) gend = end;
            if (take_t) {
                if (!t[j].usable) bad = 1;
                else nusable++;
                gt[ngt++] = j++;
            } else {
                gc[ngc++] = i++;
            }
        }
        if (nusable == 0 || ngc == 0) continue;
        RuStats *gs = gbeg >= own_beg && gbeg < own_end ? st : &dummy;
        gs->groups++;
        if (bad || ngt > p->max_per_side || ngc > p->max_per_side || gbeg < ref_beg ||
            gend > ref_beg + ref_len) {
            gs->skipped++;
            continue;
        }
        for (int m = 0; m < ngt; m++) tt[m] = t[gt[m]];
        for (int m = 0; m < ngc; m++) {
            cc[m] = c[gc[m]];
            kk[m] = k[gc[m]];
        }
        int r = unify_group(p, tt, ngt, cc, kk, ngc, &rv, gbeg, gend, gcalls);
        if (r < 0) gs->skipped++;
        else if (r == 0) gs->unmatched++;
        else {
            gs->matched++;
            for (int m = 0; m < ngc; m++) calls[gc[m]] = gcalls[m];
        }
    }
    free(gt);
    free(gc);
    free(tt);
    free(cc);
    free(kk);
    free(gcalls);
    free(tlock);
    free(k);
    return 0;
}

int ru_call_labels(FeatureKind kind, const RuCand *c, const RuCall *call, float *labels) {
    if (call->action != RU_SET) return -1;
    if (call->a < 0 && call->b < 0) {
        labels_nonvariant(kind, c->ref_base, labels);
        return labels[0] < 0 ? -1 : 0;
    }
    const RuAllele *x = call->a >= 0 ? &c->alleles[call->a] : NULL;
    const RuAllele *y = &c->alleles[call->b];
    // Common REF: the longer of the two (both are the reference at pos, so one extends the other).
    const char *R = y->ref;
    if (x && strlen(x->ref) > strlen(R)) R = x->ref;
    size_t lR = strlen(R);
    char *ax = NULL, *ay;
    const RuAllele *src[2] = {x, y};
    char **dst[2] = {&ax, &ay};
    for (int h = 0; h < 2; h++) {
        if (!src[h]) continue;
        size_t lr = strlen(src[h]->ref), la = strlen(src[h]->alt);
        char *s = xmalloc(la + (lR - lr) + 1);
        memcpy(s, src[h]->alt, la);
        memcpy(s + la, R + lr, lR - lr + 1);
        *dst[h] = s;
    }
    int rc;
    if (!x) {
        const char *al[2] = {R, ay};
        rc = labels_from_alleles(kind, al, 2, 0, 1, labels);
    } else if (call->a == call->b) {
        const char *al[2] = {R, ay};
        rc = labels_from_alleles(kind, al, 2, 1, 1, labels);
    } else {
        const char *al[3] = {R, ax, ay};
        rc = labels_from_alleles(kind, al, 3, 1, 2, labels);
    }
    free(ax);
    free(ay);
    return rc;
}
