// hard.c — hard-case variants planted around existing ones (hard.h).
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "sim/hard.h"

static int acgt(char c) { return c == 'A' || c == 'C' || c == 'G' || c == 'T'; }

static char other_base(Rng *r, char b, char not2) {
    for (;;) {
        char c = "ACGT"[rng_below(r, 4)];
        if (c != b && c != not2) return c;
    }
}

// A homopolymer (unit 1, >= 5 copies) or tandem repeat (unit 2-6, >= 3 copies, >= 8 bp) starting
// at y; the unit is not itself a run of one base.
static int repeat_here(const char *s, int64_t y, int64_t end, int *unit, int *copies) {
    for (int u = 1; u <= 6; u++) {
        if (y + 2 * u > end) break;
        int ok = 1;
        for (int i = 0; i < u; i++) ok &= acgt(s[y + i]);
        if (!ok) continue;
        if (u > 1) {
            int single = 1;
            for (int i = 1; i < u; i++) single &= s[y + i] == s[y];
            if (single) continue;
        }
        int c = 1;
        while (y + (int64_t)(c + 1) * u <= end && memcmp(s + y, s + y + (int64_t)c * u, (size_t)u) == 0)
            c++;
        if ((u == 1 && c >= 5) || (u > 1 && c >= 3 && c * u >= 8)) {
            *unit = u;
            *copies = c;
            return 1;
        }
    }
    return 0;
}

static void push(SimVars *vs, int tid, int64_t pos, const char **al, int n, int g0, int g1) {
    if (vs->n == vs->m) {
        vs->m = vs->m ? vs->m * 2 : 256;
        vs->v = xrealloc(vs->v, (size_t)vs->m * sizeof *vs->v);
    }
    SimVar *v = &vs->v[vs->n++];
    v->tid = tid;
    v->pos = pos;
    v->n_allele = n;
    v->alleles = xmalloc((size_t)n * sizeof(char *));
    for (int i = 0; i < n; i++) v->alleles[i] = xstrdup(al[i]);
    v->gt[0] = g0;
    v->gt[1] = g1;
}

// Occupied spans [beg, end) of the variants, widened by SIM_HARD_GAP, kept sorted and disjoint
// (overlapping ones merged), so a binary search answers whether a range is free.
typedef struct {
    int64_t *beg, *end;
    int64_t n, m;
} Spans;

static int free_at(const Spans *o, int64_t beg, int64_t end) {
    int64_t lo = 0, hi = o->n;  // first span with end > beg
    while (lo < hi) {
        int64_t mid = (lo + hi) / 2;
        if (o->end[mid] <= beg) lo = mid + 1;
        else hi = mid;
    }
    return lo == o->n || o->beg[lo] >= end;
}

static void occupy(Spans *o, int64_t beg, int64_t end) {
    beg -= SIM_HARD_GAP, end += SIM_HARD_GAP;
    if (o->n == o->m) {
        o->m = o->m ? 2 * o->m : 256;
        o->beg = xrealloc(o->beg, (size_t)o->m * sizeof *o->beg);
        o->end = xrealloc(o->end, (size_t)o->m * sizeof *o->end);
    }
    int64_t i = o->n++;  // insertion by beg: spans arrive mostly in order
    while (i > 0 && o->beg[i - 1] > beg) {
        o->beg[i] = o->beg[i - 1], o->end[i] = o->end[i - 1];
        i--;
    }
    o->beg[i] = beg, o->end[i] = end;
    // merge with the neighbours it overlaps
    int64_t j = i > 0 ? i - 1 : 0, w = j;
    for (int64_t k = j + 1; k < o->n; k++) {
        if (o->beg[k] <= o->end[w]) {
            if (o->end[k] > o->end[w]) o->end[w] = o->end[k];
        } else {
            w++;
            o->beg[w] = o->beg[k], o->end[w] = o->end[k];
        }
    }
    o->n = w + 1;
}

static void genotype(Rng *r, int *g0, int *g1) {
    *g0 = *g1 = 1;
    if (rng_uniform(r) < 0.6) {  // het, on either haplotype
        if (rng_below(r, 2)) *g0 = 0;
        else *g1 = 0;
    }
}

void sim_plant_hard(const SimGenome *g, const SimTarget *t, double rate, Rng *rng, SimVars *vars,
                    SimHardStats *st) {
    memset(st, 0, sizeof(*st));
    sim_vars_sort(vars);
    if (rate <= 0) return;
    const char *s = g->ctg[t->tid].seq;
    Spans occ = {0};
    for (int64_t i = 0; i < vars->n; i++)
        if (vars->v[i].tid == t->tid)
            occupy(&occ, vars->v[i].pos, vars->v[i].pos + (int64_t)strlen(vars->v[i].alleles[0]));
    const int64_t lo = t->beg + 64, hi = t->end - 128;
    const size_t cap = 4 * SIM_HARD_MAX_INDEL + 64;
    char *ref = xmalloc(cap), *a1 = xmalloc(cap), *a2 = xmalloc(cap);
    int64_t x = lo;
    for (;;) {
        x += 1 + (int64_t)(-log(1.0 - rng_uniform(rng)) / rate);
        if (x >= hi) break;
        double u = rng_uniform(rng);
        SimHardKind kind = u < 0.35   ? HARD_REPEAT_INDEL
                           : u < 0.55 ? HARD_REPEAT_MULTI
                           : u < 0.70 ? HARD_LONG_INDEL
                           : u < 0.85 ? HARD_CLUSTER
                                      : HARD_SNP_MULTI;
        int64_t pos, y = x;
        int unit = 0, copies = 0, g0, g1;
        if (kind == HARD_REPEAT_INDEL || kind == HARD_REPEAT_MULTI) {
            int found = 0;
            for (y = x; y < x + 400 && y + 16 < hi; y++)
                // the repeat starts at y: the base before cannot shift an indel of whole units left
                if (acgt(s[y - 1]) && repeat_here(s, y, hi, &unit, &copies) && s[y - 1] != s[y + unit - 1]) {
                    found = 1;
                    break;
                }
            if (!found) {
                st->skipped++;
                continue;
            }
            // Unit counts: deletions of 1..copies-1 units, insertions of 1..; at most 50 bp.
            int maxk = SIM_HARD_MAX_INDEL / unit;
            int kdel = copies - 1 < maxk ? copies - 1 : maxk;
            int k1, k2 = 0;  // signed unit changes (negative: deletion)
            int mag = rng_uniform(rng) < 0.7 ? 1 + (int)rng_below(rng, 2) : 1 + (int)rng_below(rng, (uint64_t)maxk);
            if (mag > maxk) mag = maxk;
            int del = kdel >= 1 && rng_below(rng, 2);
            if (del && mag > kdel) mag = kdel;
            k1 = del ? -mag : mag;
            while (kind == HARD_REPEAT_MULTI && (k2 == 0 || k2 == k1)) {
                int m2 = 1 + (int)rng_below(rng, 3), d2 = kdel >= 1 && rng_below(rng, 2);
                if (m2 > maxk) m2 = maxk;
                if (d2 && m2 > kdel) m2 = kdel;
                k2 = d2 ? -m2 : m2;
            }
            int D = 0;  // units deleted by the longest deletion
            if (k1 < 0) D = -k1;
            if (kind == HARD_REPEAT_MULTI && k2 < 0 && -k2 > D) D = -k2;
            int64_t dl = (int64_t)D * unit;
            pos = y - 1;
            ref[0] = s[pos];
            memcpy(ref + 1, s + y, (size_t)dl);
            ref[1 + dl] = 0;
            char *alts[2] = {a1, a2};
            int ks[2] = {k1, k2};
            for (int j = 0; j < (kind == HARD_REPEAT_MULTI ? 2 : 1); j++) {
                char *a = alts[j];
                int64_t n = 0;
                a[n++] = s[pos];
                if (ks[j] > 0)
                    for (int c = 0; c < ks[j]; c++) memcpy(a + n, s + y, (size_t)unit), n += unit;
                int64_t from = ks[j] < 0 ? (int64_t)(-ks[j]) * unit : 0;  // keep REF[1+from..]
                memcpy(a + n, s + y + from, (size_t)(dl - from));
                n += dl - from;
                a[n] = 0;
            }
            int64_t rl = 1 + dl;
            if (!free_at(&occ, pos, pos + rl + 1) || pos + rl >= hi) {
                st->skipped++;
                continue;
            }
            if (kind == HARD_REPEAT_MULTI) {
                const char *al[3] = {ref, a1, a2};
                push(vars, t->tid, pos, al, 3, 1, 2);
            } else {
                genotype(rng, &g0, &g1);
                const char *al[2] = {ref, a1};
                push(vars, t->tid, pos, al, 2, g0, g1);
            }
            occupy(&occ, pos, pos + rl);
            st->planted[kind]++;
            x = pos + rl;
            continue;
        }
        if (kind == HARD_SNP_MULTI) {
            if (!acgt(s[x]) || !free_at(&occ, x, x + 1)) {
                st->skipped++;
                continue;
            }
            ref[0] = s[x], ref[1] = 0;
            a1[0] = other_base(rng, s[x], 0), a1[1] = 0;
            a2[0] = other_base(rng, s[x], a1[0]), a2[1] = 0;
            const char *al[3] = {ref, a1, a2};
            push(vars, t->tid, x, al, 3, 1, 2);
            occupy(&occ, x, x + 1);
            st->planted[kind]++;
            continue;
        }
        // Long indel (16-50 bp) or a cluster's 1-5 bp indel, anchored at x - 1, left-aligned.
        int L = kind == HARD_LONG_INDEL ? 16 + (int)rng_below(rng, SIM_HARD_MAX_INDEL - 15)
                                        : 1 + (int)rng_below(rng, 5);
        int ins = rng_below(rng, 2);
        int ok = 1;
        for (int64_t i = x - 1; i < x + L + 12 && i < hi; i++) ok &= acgt(s[i]);
        if (!ok) {
            st->skipped++;
            continue;
        }
        ref[0] = a1[0] = s[x - 1];
        if (ins) {
            for (int i = 0; i < L; i++) a1[1 + i] = "ACGT"[rng_below(rng, 4)];
            a1[1 + L] = 0, ref[1] = 0;
        } else {
            memcpy(ref + 1, s + x, (size_t)L);
            ref[1 + L] = 0, a1[1] = 0;
        }
        pos = sim_left_align(s, x - 1, ref, a1);
        int64_t rl = (int64_t)strlen(ref);
        // The cluster's SNP: 2-10 bases after the indel's REF span.
        int64_t sp = pos + rl + 1 + (int64_t)rng_below(rng, 9);
        int64_t span_end = kind == HARD_CLUSTER ? sp + 1 : pos + rl + 1;
        if (pos < lo || span_end >= hi || !free_at(&occ, pos, span_end) ||
            (kind == HARD_CLUSTER && !acgt(s[sp]))) {
            st->skipped++;
            continue;
        }
        genotype(rng, &g0, &g1);
        const char *al[2] = {ref, a1};
        push(vars, t->tid, pos, al, 2, g0, g1);
        if (kind == HARD_CLUSTER) {
            char r1[2] = {s[sp], 0}, b1[2] = {other_base(rng, s[sp], 0), 0};
            const char *bl[2] = {r1, b1};
            int h0, h1;
            genotype(rng, &h0, &h1);
            push(vars, t->tid, sp, bl, 2, h0, h1);
        }
        occupy(&occ, pos, span_end);
        st->planted[kind]++;
        x = span_end;
    }
    free(ref);
    free(a1);
    free(a2);
    free(occ.beg);
    free(occ.end);
    sim_vars_sort(vars);
}
