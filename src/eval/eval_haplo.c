// eval_haplo.c — see eval_haplo.h.
#include "eval/eval_haplo.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

typedef struct {
    EvalVar **v;        // the side's variants in the group, in position order
    int n, n_het;
    char **a, **b;      // its haplotype pairs (a <= b), one per valid phasing
    int n_pair;
} Side;

// Haplotype h (0/1) of the side under phasing mask (bit k: the k-th het variant on haplotype 1)
// over ref[beg, end) into *out; -1 when two variants on it overlap.
static int spell(const Side *s, unsigned mask, int h, const char *ref, int64_t beg, int64_t end,
                 kstring_t *out) {
    out->l = 0;
    int64_t cur = beg;
    for (int i = 0, k = 0; i < s->n; i++) {
        const EvalVar *v = s->v[i];
        int on = v->zyg == EVAL_HOM || (int)((mask >> k) & 1) == h;
        if (v->zyg != EVAL_HOM) k++;
        if (!on) continue;
        if (v->pos < cur) return -1;
        kputsn(ref + (cur - beg), (size_t)(v->pos - cur), out);
        kputs(v->alt, out);
        cur = v->pos + (int64_t)strlen(v->ref);
    }
    kputsn(ref + (cur - beg), (size_t)(end - cur), out);
    return 0;
}

static void side_pairs(Side *s, const char *ref, int64_t beg, int64_t end) {
    unsigned n_mask = s->n_het ? 1u << (s->n_het - 1) : 1;  // the first het fixed on haplotype 0
    s->a = xmalloc(n_mask * sizeof *s->a);
    s->b = xmalloc(n_mask * sizeof *s->b);
    s->n_pair = 0;
    kstring_t h0 = {0, 0, NULL}, h1 = {0, 0, NULL};
    for (unsigned m = 0; m < n_mask; m++) {
        unsigned mask = m << 1;
        if (spell(s, mask, 0, ref, beg, end, &h0) < 0 || spell(s, mask, 1, ref, beg, end, &h1) < 0)
            continue;
        int swap = strcmp(h0.s, h1.s) > 0;
        s->a[s->n_pair] = xstrdup(swap ? h1.s : h0.s);
        s->b[s->n_pair] = xstrdup(swap ? h0.s : h1.s);
        s->n_pair++;
    }
    free(h0.s);
    free(h1.s);
}

static void side_free(Side *s) {
    for (int i = 0; i < s->n_pair; i++) free(s->a[i]), free(s->b[i]);
    free(s->a);
    free(s->b);
}

// The same non-reference haplotypes (as a set): the alleles agree, the zygosity may not.
static int same_alt_set(const char *a1, const char *b1, const char *a2, const char *b2,
                        const char *r) {
    const char *x[2], *y[2];
    int nx = 0, ny = 0;
    if (strcmp(a1, r)) x[nx++] = a1;
    if (strcmp(b1, r) && (!nx || strcmp(b1, x[0]))) x[nx++] = b1;
    if (strcmp(a2, r)) y[ny++] = a2;
    if (strcmp(b2, r) && (!ny || strcmp(b2, y[0]))) y[ny++] = b2;
    if (nx != ny || nx == 0) return 0;
    for (int i = 0; i < nx; i++) {
        int found = 0;
        for (int j = 0; j < ny; j++) found |= !strcmp(x[i], y[j]);
        if (!found) return 0;
    }
    return 1;
}

// Adds the match bits to the side's variants; 1 when one of them gained a bit.
static int mark(const Side *s, uint8_t bits) {
    int changed = 0;
    for (int i = 0; i < s->n; i++) {
        changed |= (s->v[i]->match | bits) != s->v[i]->match;
        s->v[i]->match |= bits;
    }
    return changed;
}

// One group: [beg, end) on contig ctg, the variants of both sides.
static int group(EvalRef *ref, int ctg, int64_t beg, int64_t end, Side *t, Side *q,
                 EvalHaploStats *st) {
    int open = 0;
    for (int i = 0; i < t->n; i++) open |= !(t->v[i]->match & EVAL_MATCH_GENOTYPE);
    for (int i = 0; i < q->n; i++) open |= !(q->v[i]->match & EVAL_MATCH_GENOTYPE);
    if (!open) return 0;
    st->groups++;
    if (t->n_het > EVAL_HAPLO_MAX_HET || q->n_het > EVAL_HAPLO_MAX_HET ||
        end - beg > EVAL_HAPLO_MAX_SPAN) {
        st->too_complex++;
        return 0;
    }
    const char *seq = eval_ref_seq(ref, ctg, beg, end);
    if (!seq) return -1;
    char *r = xmalloc((size_t)(end - beg) + 1);  // seq runs on past end: no NUL there
    memcpy(r, seq, (size_t)(end - beg));
    r[end - beg] = 0;
    side_pairs(t, r, beg, end);
    side_pairs(q, r, beg, end);
    int gt = 0, al = 0;
    for (int i = 0; i < t->n_pair && !gt; i++)
        for (int j = 0; j < q->n_pair && !gt; j++) {
            if (!strcmp(t->a[i], q->a[j]) && !strcmp(t->b[i], q->b[j])) gt = 1;
            else if (!al) al = same_alt_set(t->a[i], t->b[i], q->a[j], q->b[j], r);
        }
    uint8_t bits = gt ? EVAL_MATCH_ALLELE | EVAL_MATCH_GENOTYPE : al ? EVAL_MATCH_ALLELE : 0;
    int changed = mark(t, bits) | mark(q, bits);  // counted only when a variant gains a bit
    if (changed) {
        if (gt) st->genotype++;
        else st->allele++;
    }
    side_free(t);
    side_free(q);
    free(r);
    return 0;
}

int eval_haplotype_match(EvalRef *ref, EvalVarSet *truth, EvalVarSet *query, EvalHaploStats *st) {
    memset(st, 0, sizeof *st);
    size_t nt = truth->n, nq = query->n, i = 0, j = 0;
    Side t = {xmalloc((nt + 1) * sizeof *t.v), 0, 0, NULL, NULL, 0};
    Side q = {xmalloc((nq + 1) * sizeof *q.v), 0, 0, NULL, NULL, 0};
    int ctg = -1, rc = 0;
    int64_t beg = 0, end = 0;
    while (rc == 0) {
        EvalVar *v = NULL;
        int side = 0;
        if (i < nt && (j == nq || truth->v[i].ctg < query->v[j].ctg ||
                       (truth->v[i].ctg == query->v[j].ctg && truth->v[i].pos <= query->v[j].pos)))
            v = &truth->v[i++];
        else if (j < nq)
            v = &query->v[j++], side = 1;
        int64_t vend = v ? v->pos + (int64_t)strlen(v->ref) : 0;
        if (!v || v->ctg != ctg || v->pos > end + EVAL_HAPLO_GAP) {
            if (t.n + q.n) rc = group(ref, ctg, beg, end, &t, &q, st);
            t.n = t.n_het = q.n = q.n_het = 0;
            if (!v) break;
            ctg = v->ctg, beg = v->pos, end = vend;
        }
        if (vend > end) end = vend;
        Side *s = side ? &q : &t;
        s->v[s->n++] = v;
        if (v->zyg != EVAL_HOM) s->n_het++;
    }
    free(t.v);
    free(q.v);
    return rc;
}
