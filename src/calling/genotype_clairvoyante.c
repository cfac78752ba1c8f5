// genotype_clairvoyante.c — see genotype_clairvoyante.h.
//
// Departures from clairvoyante.md §5.2, all because calla has the reads at hand when it calls:
// - Indel bases come from the candidate's read alleles (the most frequent insertion/deletion of
//   the predicted length; for the ">=5" class the most frequent one of length >= 5; when none has
//   that length, the most frequent one of any length) instead of being read off the tensor
//   columns, so no "<INS>"/"<DEL>" symbolic alleles or LENGUESS are written.
// - DP/AD/AF are the candidate's read counts (the same numbers the Clair3 path writes), not sums
//   over tensor channels.
// - A REF prediction is a 0/0 RefCall record (written only with --ref-calls, like --showRef).
#include "calling/genotype_clairvoyante.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

static int argmax(const float *p, int n) {
    int b = 0;
    for (int i = 1; i < n; i++)
        if (p[i] > p[b]) b = i;
    return b;
}

// Best and second-best value of a head.
static void top2(const float *p, int n, double *p1, double *p2) {
    int b = argmax(p, n), s = -1;
    for (int i = 0; i < n; i++)
        if (i != b && (s < 0 || p[i] > p[s])) s = i;
    *p1 = p[b];
    *p2 = s >= 0 ? p[s] : 0.0;
}

int clv_qual(const float *probs) {
    double a1, a2, b1, b2, c1, c2;
    top2(probs + CLV_OUT_ZYG, 2, &a1, &a2);
    top2(probs + CLV_OUT_TYPE, 4, &b1, &b2);
    top2(probs + CLV_OUT_LEN, 6, &c1, &c2);
    double num = a1 * b1 * c1, den = a2 * b2 * c2;
    if (!(den > 0)) return num > 0 ? 999 : 0;  // cannot happen with softmax outputs
    double q = 10.0 * log10(num / den);
    return q > 0 ? (int)q : 0;
}

static char *dup_n(const char *s, size_t n) {
    char *d = xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

// The indel allele of `kind` for length class lc (1..4 exact, 5 means >= 5).
static const IndelAllele *pick_indel(const Candidate *c, char kind, int lc) {
    const IndelAllele *any = NULL;
    for (int i = 0; i < c->n_indels; i++) {  // sorted by count, descending
        const IndelAllele *a = &c->indels[i];
        if (a->kind != kind || a->count <= 0) continue;
        int len = (int)strlen(a->seq);
        if (lc < 5 ? len == lc : len >= 5) return a;
        if (!any) any = a;
    }
    return any;
}

static int base_idx(char b) {
    const char *p = strchr("ACGT", b);
    return b && p ? (int)(p - "ACGT") : -1;
}

int genotype_clairvoyante(const float *probs, const Candidate *c, const char *ref_seq,
                          double min_qual, Call *out) {
    memset(out, 0, sizeof *out);
    int vt = argmax(probs + CLV_OUT_TYPE, 4);
    int hom = argmax(probs + CLV_OUT_ZYG, 2) == 1;
    int lc = argmax(probs + CLV_OUT_LEN, 6);
    int q = clv_qual(probs);
    char r = c->ref;
    if (base_idx(r) < 0) return -1;
    out->pos = c->pos;
    out->dp = c->depth;
    out->ad[0] = c->ref_count;
    out->qual = q;
    out->gq = q;
    out->gq_phred = q;  // Clairvoyante: its QUAL (clairvoyante.md §5.2)
    out->source = 'V';
    if (vt == 0) {  // REF
        out->ref = dup_n(&r, 1);
        out->filter = FILTER_REFCALL;
        return 0;
    }
    if (vt == 1) {  // SNP: the best base change, or the second best when the best is the reference
        const float *bc = probs + CLV_OUT_BASE;
        int b = argmax(bc, 4);
        if ("ACGT"[b] == r) {
            int s = -1;
            for (int i = 0; i < 4; i++)
                if (i != b && (s < 0 || bc[i] > bc[s])) s = i;
            b = s;
        }
        char x = "ACGT"[b];
        out->ref = dup_n(&r, 1);
        out->alt[0] = dup_n(&x, 1);
        out->ad[1] = c->base_count[b];
    } else {
        if (lc == 0) lc = 1;  // a length class of 0 is forced to 1
        const IndelAllele *a = pick_indel(c, vt == 2 ? 'I' : 'D', lc);
        if (!a) return -1;
        size_t l = strlen(a->seq);
        if (vt == 2) {
            out->ref = dup_n(&r, 1);
            out->alt[0] = xmalloc(l + 2);
            out->alt[0][0] = r;
            memcpy(out->alt[0] + 1, a->seq, l + 1);
        } else {
            if (strlen(ref_seq) < l + 1) return -1;
            out->ref = dup_n(ref_seq, l + 1);
            out->alt[0] = dup_n(&r, 1);
        }
        out->ad[1] = a->count;
    }
    out->n_alt = 1;
    out->gt[0] = hom ? 1 : 0;
    out->gt[1] = 1;
    double af = c->depth > 0 ? (double)out->ad[1] / c->depth : 0.0;
    out->af[0] = af > 1.0 ? 1.0 : af;
    out->filter = q >= min_qual ? FILTER_PASS : FILTER_LOWQUAL;
    return 0;
}
