// genotype.c — see genotype.h. The decision follows clair3.md §7.2 with the pileup model's two
// heads (no indel-length heads, so every outcome has one score).
#include "calling/genotype.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

// gt21 classes in the order of clair3.md §4.1, as pairs of partial labels.
static const char GT21[21][2] = {
    {'A', 'A'}, {'A', 'C'}, {'A', 'G'}, {'A', 'T'}, {'C', 'C'}, {'C', 'G'}, {'C', 'T'},
    {'G', 'G'}, {'G', 'T'}, {'T', 'T'}, {'D', 'D'}, {'A', 'D'}, {'C', 'D'}, {'G', 'D'},
    {'T', 'D'}, {'I', 'I'}, {'A', 'I'}, {'C', 'I'}, {'G', 'I'}, {'T', 'I'}, {'I', 'D'},
};

static int is_base(char x) { return x == 'A' || x == 'C' || x == 'G' || x == 'T'; }

int gt21_index(char a, char b) {
    if (!(is_base(a) || a == 'I' || a == 'D') || !(is_base(b) || b == 'I' || b == 'D')) return -1;
    // order: bases first (sorted), then the indel; Ins before Del for InsDel
    if (!is_base(a) && is_base(b)) { char t = a; a = b; b = t; }
    if (is_base(a) && is_base(b) && a > b) { char t = a; a = b; b = t; }
    if (a == 'D' && b == 'I') { a = 'I'; b = 'D'; }
    for (int k = 0; k < 21; k++)
        if (GT21[k][0] == a && GT21[k][1] == b) return k;
    return -1;
}

static int base_index(char b) {
    switch (b) {
        case 'A': return 0;
        case 'C': return 1;
        case 'G': return 2;
        case 'T': return 3;
        default: return -1;
    }
}

double call_qual(double p) {
    double q = 10.0 * log10((p + 1e-10) / (1.0 - p + 1e-10)) + 10.0;
    if (q < 0) q = 0;
    return round(q * 100.0) / 100.0;
}

double call_gq_phred(double p) {
    double q = -10.0 * log10(1.0 - p + 1e-10);
    return q < 0 ? 0 : q > 100 ? 100 : q;
}

int call_gq(double phred) {
    long g = lround(phred);
    return g < 0 ? 0 : g > 99 ? 99 : (int)g;
}

void call_free(Call *c) {
    free(c->ref);
    for (int i = 0; i < 2; i++) free(c->alt[i]);
    memset(c, 0, sizeof *c);
}

// The k-th most frequent indel allele of a kind ('I' or 'D'), or NULL.
static const IndelAllele *nth_indel(const Candidate *c, char kind, int k) {
    for (int i = 0; i < c->n_indels; i++)
        if (c->indels[i].kind == kind && c->indels[i].count > 0 && k-- == 0) return &c->indels[i];
    return NULL;
}

static char *str_cat3(const char *a, size_t na, const char *b, size_t nb, const char *c, size_t nc) {
    char *s = xmalloc(na + nb + nc + 1);
    memcpy(s, a, na);
    memcpy(s + na, b, nb);
    memcpy(s + na + nb, c, nc);
    s[na + nb + nc] = 0;
    return s;
}

// The SNP base the reads support best when the network's base has >= 9 fewer reads (§7.2).
static char realise_snp_base(const Candidate *c, char net) {
    int top = -1;
    for (int b = 0; b < 4; b++) {
        if ("ACGT"[b] == c->ref) continue;
        if (top < 0 || c->base_count[b] > c->base_count[top]) top = b;
    }
    int ni = base_index(net);
    if (top >= 0 && ni >= 0 && c->base_count[top] - c->base_count[ni] >= 9) return "ACGT"[top];
    return net;
}

typedef struct {
    int cls;       // gt21 class
    int zyg;       // 0 hom-ref, 1 hom-alt, 2 het
    double score;  // joint probability
} Outcome;

// Builds REF/ALTs for an outcome. Returns 0, or -1 if the reads do not support it.
static int realise(const Outcome *o, const Candidate *c, const char *ref_seq, Call *out) {
    return genotype_realise(o->cls, o->zyg, c, ref_seq, out);
}

int genotype_realise(int cls, int zyg, const Candidate *c, const char *ref_seq, Call *out) {
    const Outcome oo = {cls, zyg, 0}, *o = &oo;
    char a = GT21[o->cls][0], b = GT21[o->cls][1];
    char r = c->ref;
    size_t reflen = strlen(ref_seq);
    memset(out, 0, sizeof *out);
    out->pos = c->pos;
    out->dp = c->depth;
    out->ad[0] = c->ref_count;
    if (is_base(a) && is_base(b)) {
        if (a == b && a == r) {  // hom-ref
            out->ref = str_cat3(&r, 1, "", 0, "", 0);
            out->n_alt = 0;
            out->gt[0] = out->gt[1] = 0;
            return 0;
        }
        out->ref = str_cat3(&r, 1, "", 0, "", 0);
        // A SNP allele must be seen in at least one read; otherwise the outcome falls through
        // (clair3.md §7.2 does this for indel alleles; calla applies it to bases too, so that no
        // ALT without read support is ever written).
        if (a == b) {  // hom SNP
            char x = realise_snp_base(c, a);
            if (x == r || c->base_count[base_index(x)] == 0) return -1;
            out->alt[0] = str_cat3(&x, 1, "", 0, "", 0);
            out->n_alt = 1;
            out->gt[0] = out->gt[1] = 1;
            out->ad[1] = c->base_count[base_index(x)];
            return 0;
        }
        if (a == r || b == r) {  // het SNP 0/1
            char x = realise_snp_base(c, a == r ? b : a);
            if (x == r || c->base_count[base_index(x)] == 0) return -1;
            out->alt[0] = str_cat3(&x, 1, "", 0, "", 0);
            out->n_alt = 1;
            out->gt[0] = 0, out->gt[1] = 1;
            out->ad[1] = c->base_count[base_index(x)];
            return 0;
        }
        // 1/2: two non-reference bases
        if (c->base_count[base_index(a)] == 0 || c->base_count[base_index(b)] == 0) return -1;
        out->alt[0] = str_cat3(&a, 1, "", 0, "", 0);
        out->alt[1] = str_cat3(&b, 1, "", 0, "", 0);
        out->n_alt = 2;
        out->gt[0] = 1, out->gt[1] = 2;
        out->ad[1] = c->base_count[base_index(a)];
        out->ad[2] = c->base_count[base_index(b)];
        return 0;
    }
    // classes with indels
    if (a == 'I' && b == 'I') {
        const IndelAllele *i1 = nth_indel(c, 'I', 0), *i2 = nth_indel(c, 'I', 1);
        if (!i1) return -1;
        out->ref = str_cat3(&r, 1, "", 0, "", 0);
        out->alt[0] = str_cat3(&r, 1, i1->seq, strlen(i1->seq), "", 0);
        out->ad[1] = i1->count;
        if (o->zyg == 1) {
            out->n_alt = 1, out->gt[0] = out->gt[1] = 1;
            return 0;
        }
        if (!i2) return -1;
        out->alt[1] = str_cat3(&r, 1, i2->seq, strlen(i2->seq), "", 0);
        out->ad[2] = i2->count;
        out->n_alt = 2, out->gt[0] = 1, out->gt[1] = 2;
        return 0;
    }
    if (a == 'D' && b == 'D') {
        const IndelAllele *d1 = nth_indel(c, 'D', 0), *d2 = nth_indel(c, 'D', 1);
        if (!d1) return -1;
        size_t l1 = strlen(d1->seq);
        if (o->zyg == 1) {
            if (l1 + 1 > reflen) return -1;
            out->ref = str_cat3(ref_seq, l1 + 1, "", 0, "", 0);
            out->alt[0] = str_cat3(&r, 1, "", 0, "", 0);
            out->ad[1] = d1->count;
            out->n_alt = 1, out->gt[0] = out->gt[1] = 1;
            return 0;
        }
        if (!d2) return -1;
        size_t l2 = strlen(d2->seq);
        size_t lmax = l1 > l2 ? l1 : l2;
        if (lmax + 1 > reflen) return -1;
        out->ref = str_cat3(ref_seq, lmax + 1, "", 0, "", 0);
        out->alt[0] = str_cat3(&r, 1, ref_seq + 1 + l1, lmax - l1, "", 0);
        out->alt[1] = str_cat3(&r, 1, ref_seq + 1 + l2, lmax - l2, "", 0);
        out->ad[1] = d1->count, out->ad[2] = d2->count;
        out->n_alt = 2, out->gt[0] = 1, out->gt[1] = 2;
        return 0;
    }
    if (a == 'I' && b == 'D') {
        const IndelAllele *in = nth_indel(c, 'I', 0), *d = nth_indel(c, 'D', 0);
        if (!in || !d) return -1;
        size_t ld = strlen(d->seq);
        if (ld + 1 > reflen) return -1;
        out->ref = str_cat3(ref_seq, ld + 1, "", 0, "", 0);
        out->alt[0] = str_cat3(&r, 1, "", 0, "", 0);  // the deletion
        out->alt[1] = str_cat3(&r, 1, in->seq, strlen(in->seq), ref_seq + 1, ld);  // the insertion
        out->ad[1] = d->count, out->ad[2] = in->count;
        out->n_alt = 2, out->gt[0] = 1, out->gt[1] = 2;
        return 0;
    }
    // a base with an insertion or a deletion (het)
    char base = a;
    if (b == 'I') {
        const IndelAllele *in = nth_indel(c, 'I', 0);
        if (!in) return -1;
        out->ref = str_cat3(&r, 1, "", 0, "", 0);
        out->alt[0] = str_cat3(&r, 1, in->seq, strlen(in->seq), "", 0);
        out->ad[1] = in->count;
        if (base == r) {
            out->n_alt = 1, out->gt[0] = 0, out->gt[1] = 1;
            return 0;
        }
        if (c->base_count[base_index(base)] == 0) return -1;
        out->alt[1] = out->alt[0];  // SNP first, then the insertion
        out->alt[0] = str_cat3(&base, 1, "", 0, "", 0);
        out->ad[2] = out->ad[1];
        out->ad[1] = c->base_count[base_index(base)];
        out->n_alt = 2, out->gt[0] = 1, out->gt[1] = 2;
        return 0;
    }
    // b == 'D'
    const IndelAllele *d = nth_indel(c, 'D', 0);
    if (!d) return -1;
    size_t ld = strlen(d->seq);
    if (ld + 1 > reflen) return -1;
    out->ref = str_cat3(ref_seq, ld + 1, "", 0, "", 0);
    out->alt[0] = str_cat3(&r, 1, "", 0, "", 0);
    out->ad[1] = d->count;
    if (base == r) {
        out->n_alt = 1, out->gt[0] = 0, out->gt[1] = 1;
        return 0;
    }
    if (c->base_count[base_index(base)] == 0) return -1;
    out->alt[1] = str_cat3(&base, 1, ref_seq + 1, ld, "", 0);  // SNP written over the deleted span
    out->ad[2] = c->base_count[base_index(base)];
    out->n_alt = 2, out->gt[0] = 1, out->gt[1] = 2;
    return 0;
}

static void finish(Call *out, double p, double min_qual, const Candidate *c) {
    genotype_finish(out, p, min_qual, c);
}

void genotype_finish(Call *out, double p, double min_qual, const Candidate *c) {
    out->qual = call_qual(p);
    out->gq_phred = call_gq_phred(p);
    out->gq = call_gq(out->gq_phred);
    out->source = 'P';
    for (int i = 0; i < out->n_alt; i++) {
        double af = c->depth > 0 ? (double)out->ad[i + 1] / c->depth : 0.0;
        out->af[i] = af > 1.0 ? 1.0 : af;
    }
    if (out->n_alt == 0)
        out->filter = FILTER_REFCALL;
    else if (out->qual < min_qual)
        out->filter = FILTER_LOWQUAL;
    else
        out->filter = FILTER_PASS;
}

int genotype_clair3(const float *probs, const Candidate *c, const char *ref_seq, double min_qual,
                    Call *out) {
    const float *G = probs, *Pz = probs + 21;
    int refref = gt21_index(c->ref, c->ref);
    memset(out, 0, sizeof *out);
    if (refref < 0) return -1;
    Outcome oc[23];
    int n = 0;
    for (int k = 0; k < 21; k++) {
        char a = GT21[k][0], b = GT21[k][1];
        if (is_base(a) && is_base(b)) {
            int zyg = a != b ? 2 : (a == c->ref ? 0 : 1);
            oc[n++] = (Outcome){k, zyg, (double)Pz[zyg] * G[k]};
        } else if (a == b) {  // InsIns, DelDel: homozygous or two different alleles
            oc[n++] = (Outcome){k, 1, (double)Pz[1] * G[k]};
            oc[n++] = (Outcome){k, 2, (double)Pz[2] * G[k]};
        } else {
            oc[n++] = (Outcome){k, 2, (double)Pz[2] * G[k]};
        }
    }
    if (Pz[0] >= 0.5f && G[refref] >= 0.5f) {  // early reference exit
        Outcome hr = {refref, 0, (double)Pz[0] * G[refref]};
        realise(&hr, c, ref_seq, out);
        finish(out, hr.score, min_qual, c);
        return 0;
    }
    for (;;) {
        int best = -1;
        for (int i = 0; i < n; i++)
            if (oc[i].score > 0 && (best < 0 || oc[i].score > oc[best].score)) best = i;
        if (best < 0) return -1;
        if (realise(&oc[best], c, ref_seq, out) == 0) {
            finish(out, oc[best].score, min_qual, c);
            return 0;
        }
        call_free(out);
        oc[best].score = 0;  // no read supports it: fall through to the next outcome
    }
}
