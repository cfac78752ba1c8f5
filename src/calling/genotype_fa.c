// genotype_fa.c — see genotype_fa.h. The outcome table of clair3.md §7.2 with the length heads;
// alleles are realised by genotype_realise on a view of the candidate that holds only the indel
// alleles the outcome names.
#include "calling/genotype_fa.h"

#include <stdlib.h>
#include <string.h>

#include "common/stats.h"
#include "common/util.h"

#define LMAX 16  // length classes 1..16 each way (16: 16 bases or more)

typedef struct {
    int cls, zyg;
    double score;
    const IndelAllele *a1, *a2;  // the indel alleles of the outcome (in genotype_realise's order)
} FaOutcome;

typedef struct {
    FaOutcome *v;
    int n, cap;
} Outcomes;

static void add(Outcomes *o, int cls, int zyg, double score, const IndelAllele *a1,
                const IndelAllele *a2) {
    if (!(score > 0)) return;
    if (o->n == o->cap) {
        o->cap = o->cap ? 2 * o->cap : 128;
        o->v = xrealloc(o->v, (size_t)o->cap * sizeof *o->v);
    }
    o->v[o->n++] = (FaOutcome){cls, zyg, score, a1, a2};
}

// The k-th (0-based) most frequent indel allele of a kind and length class (1..16; 16: >= 16).
static const IndelAllele *indel_of_len(const Candidate *c, char kind, int len, int k) {
    for (int i = 0; i < c->n_indels; i++) {
        const IndelAllele *a = &c->indels[i];
        if (a->kind != kind || a->count <= 0) continue;
        int l = (int)strlen(a->seq);
        if ((len < LMAX ? l == len : l >= LMAX) && k-- == 0) return a;
    }
    return NULL;
}

// genotype_realise on the candidate as the outcome names it: only the outcome's indel alleles,
// in order (for InsDel the insertion is looked up as the first 'I', the deletion as the first
// 'D'). 0, or -1 if no read supports it.
static int realise(const FaOutcome *o, const Candidate *c, const char *ref_seq, double snp_af,
                   Call *out) {
    Candidate view = *c;
    IndelAllele al[2];
    view.n_indels = 0;
    if (o->a1) al[view.n_indels++] = *o->a1;
    if (o->a2) al[view.n_indels++] = *o->a2;
    view.indels = al;
    if (genotype_realise(o->cls, o->zyg, &view, ref_seq, out) < 0) return -1;
    for (int k = 0; k < out->n_alt; k++)  // a SNP ALT below the candidate threshold
        if (strlen(out->alt[k]) == 1 && strlen(out->ref) == 1 &&
            out->ad[k + 1] < snp_af * c->depth)
            return -1;
    return 0;
}

int fa_het_unsupported(const Call *call, const Candidate *c, double het_p) {
    if (!(het_p > 0) || call->haploid || call->n_alt != 1 || call->gt[0] != 0 || call->gt[1] != 1)
        return 0;
    int d = (int)strlen(call->alt[0]) - (int)strlen(call->ref);
    if (d == 0 || abs(d) > FA_HET_MAXLEN) return 0;
    char kind = d > 0 ? 'I' : 'D';
    int k = 0, n = c->depth;
    for (int i = 0; i < c->n_indels; i++)
        if (c->indels[i].kind == kind && c->indels[i].count > 0) k += c->indels[i].count;
    if (n > FA_HET_MAX_DEPTH) {  // the same share of FA_HET_MAX_DEPTH reads (genotype_fa.h)
        k = (int)((double)k * FA_HET_MAX_DEPTH / n + 0.5);
        n = FA_HET_MAX_DEPTH;
    }
    return binom_half_cdf(k, n) < het_p;
}

int genotype_clair3_fa(const float *probs, const Candidate *c, const char *ref_seq,
                       double min_qual, double snp_af, Call *out) {
    const float *G = probs, *Pz = probs + 21, *L1 = probs + 24, *L2 = probs + 24 + FA_LEN_CLASSES;
    const int Z = LMAX;  // length class of 0
    memset(out, 0, sizeof *out);
    int refref = gt21_index(c->ref, c->ref);
    if (refref < 0) return -1;
    const double l0 = (double)L1[Z] * L2[Z];
    if (Pz[0] >= 0.5f && G[refref] >= 0.5f && L1[Z] >= 0.5f && L2[Z] >= 0.5f) {
        // early reference exit
        if (genotype_realise(refref, 0, c, ref_seq, out) < 0) return -1;
        genotype_finish(out, (double)Pz[0] * G[refref] * l0, min_qual, c);
        out->source = 'F';
        return 0;
    }
    Outcomes oc = {NULL, 0, 0};
    const char *B = "ACGT";
    for (int x = 0; x < 4; x++)
        for (int y = x; y < 4; y++) {  // reference and SNP outcomes
            int k = gt21_index(B[x], B[y]);
            int zyg = x != y ? 2 : (B[x] == c->ref ? 0 : 1);
            add(&oc, k, zyg, (double)Pz[zyg] * G[k] * l0, NULL, NULL);
        }
    const int II = gt21_index('I', 'I'), DD = gt21_index('D', 'D'), ID = gt21_index('I', 'D');
    for (int i = 1; i <= LMAX; i++) {
        const IndelAllele *ins = indel_of_len(c, 'I', i, 0), *del = indel_of_len(c, 'D', i, 0);
        if (ins) {
            add(&oc, II, 1, (double)Pz[1] * G[II] * L1[Z + i] * L2[Z + i], ins, NULL);
            for (int b = 0; b < 4; b++) {
                int k = gt21_index(B[b], 'I');
                add(&oc, k, 2, (double)Pz[2] * G[k] * L1[Z] * L2[Z + i], ins, NULL);
            }
            for (int j = i; j <= LMAX; j++) {  // two insertions, lengths i <= j
                const IndelAllele *ins2 = indel_of_len(c, 'I', j, j == i ? 1 : 0);
                if (ins2) add(&oc, II, 2, (double)Pz[2] * G[II] * L1[Z + i] * L2[Z + j], ins, ins2);
            }
            for (int j = 1; j <= LMAX; j++) {  // an insertion of i with a deletion of j
                const IndelAllele *d = indel_of_len(c, 'D', j, 0);
                if (d) add(&oc, ID, 2, (double)Pz[2] * G[ID] * L1[Z - j] * L2[Z + i], ins, d);
            }
        }
        if (del) {
            add(&oc, DD, 1, (double)Pz[1] * G[DD] * L1[Z - i] * L2[Z - i], del, NULL);
            for (int b = 0; b < 4; b++) {
                int k = gt21_index(B[b], 'D');
                add(&oc, k, 2, (double)Pz[2] * G[k] * L1[Z - i] * L2[Z], del, NULL);
            }
            // two deletions: i the longer (head 1 holds the smaller value), j < i; or both 16+
            for (int j = 1; j <= i; j++) {
                if (j == i && i != LMAX) continue;
                const IndelAllele *d2 = indel_of_len(c, 'D', j, j == i ? 1 : 0);
                if (d2) add(&oc, DD, 2, (double)Pz[2] * G[DD] * L1[Z - i] * L2[Z - j], del, d2);
            }
        }
    }
    int ret = -1;
    for (;;) {
        int best = -1;
        for (int i = 0; i < oc.n; i++)
            if (oc.v[i].score > 0 && (best < 0 || oc.v[i].score > oc.v[best].score)) best = i;
        if (best < 0) break;
        const FaOutcome *o = &oc.v[best];
        if (realise(o, c, ref_seq, snp_af, out) == 0) {
            // QUAL from the winner's share of the outcomes the reads support (Clair3 takes the
            // bare joint score; docs/calling.md, "The full-alignment decision", says why not)
            double tot = o->score;
            for (int i = 0; i < oc.n; i++) {
                Call tmp = {0};
                if (i != best && oc.v[i].score > 0 && realise(&oc.v[i], c, ref_seq, snp_af, &tmp) == 0)
                    tot += oc.v[i].score;
                call_free(&tmp);
            }
            genotype_finish(out, o->score / tot, min_qual, c);
            out->source = 'F';
            ret = 0;
            break;
        }
        call_free(out);
        oc.v[best].score = 0;  // no read supports it: the next best
    }
    free(oc.v);
    return ret;
}
