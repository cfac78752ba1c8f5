// genotype_pl.c — see genotype_pl.h.
//
// Every allele of a site gets a label the model's classes speak of: for the Clair3 pileup model
// the gt21 partial labels (the SNP base; 'I' for an allele longer than REF, 'D' for a shorter
// one; REF is the reference base), for Clairvoyante its variant type ('R' REF, 'S' same length as
// REF, 'I' longer, 'D' shorter). `<*>` stands for every label the site's alleles do not use.
// A genotype's score is the model's joint score of the pair of labels (the best pair for `<*>`):
// Clair3: P_zygosity[z] * P_gt21[class] (the scores of genotype_clair3's outcomes); Clairvoyante:
// P_type[REF] for 0/0, P_type[t] * P_zygosity[HET] for REF/t, P_type[t] * P_zygosity[HOM] for a
// homozygous t, P_zygosity[HET] * min(P_type[t1], P_type[t2]) for two different non-REF alleles.
#include "calling/genotype_pl.h"

#include <math.h>
#include <string.h>

#include "calling/genotype_clairvoyante.h"

#define MAX_LABELS 6

int n_genotypes(int n_alleles, int haploid) {
    return haploid ? n_alleles : n_alleles * (n_alleles + 1) / 2;
}

static char allele_label(GlModel m, const char *ref, const char *alt, char ref_base) {
    size_t lr = strlen(ref), la = alt ? strlen(alt) : lr;
    if (!alt) return m == GL_CLAIR3 ? ref_base : 'R';
    if (la > lr) return 'I';
    if (la < lr) return 'D';
    return m == GL_CLAIR3 ? alt[0] : 'S';
}

static int type_index(char l) { return l == 'R' ? 0 : l == 'S' ? 1 : l == 'I' ? 2 : 3; }

static double pair_score(GlModel m, const float *p, char a, char b, int same, char ref_base) {
    if (m == GL_CLAIR3) {
        int cls = gt21_index(a, b);
        if (cls < 0) return 0.0;
        int zyg = (same && a == b) ? (a == ref_base ? 0 : 1) : 2;
        return (double)p[21 + zyg] * p[cls];
    }
    const float *pt = p + CLV_OUT_TYPE, *pz = p + CLV_OUT_ZYG;  // zygosity: HET, HOM
    if (a == 'R' && b == 'R') return pt[0];
    if (a == 'R' || b == 'R') return (double)pt[type_index(a == 'R' ? b : a)] * pz[0];
    if (same && a == b) return (double)pt[type_index(a)] * pz[1];
    double ta = pt[type_index(a)], tb = pt[type_index(b)];
    return pz[0] * (ta < tb ? ta : tb);
}

// The label sets of the call's alleles (one label each) and, when star, of `<*>` (every label
// no allele uses); returns the number of alleles.
static int label_sets(GlModel m, const Call *c, char ref_base, int star, char sets[4][MAX_LABELS],
                      int nset[4]) {
    int n = 1 + c->n_alt + (star ? 1 : 0);
    memset(nset, 0, 4 * sizeof *nset);
    sets[0][nset[0]++] = allele_label(m, c->ref, NULL, ref_base);
    for (int a = 0; a < c->n_alt; a++) sets[a + 1][nset[a + 1]++] = allele_label(m, c->ref, c->alt[a], ref_base);
    if (star) {
        const char *all = m == GL_CLAIR3 ? "ACGTID" : "SID";
        int s = n - 1;
        for (const char *l = all; *l; l++) {
            int used = 0;
            for (int a = 0; a < n - 1; a++)
                if (sets[a][0] == *l) used = 1;
            if (!used) sets[s][nset[s]++] = *l;
        }
    }
    return n;
}

void star_pair_scores(GlModel m, const float *probs, const Call *c, char ref_base, double *hom,
                      double *het) {
    char sets[4][MAX_LABELS];
    int nset[4];
    int s = label_sets(m, c, ref_base, 1, sets, nset) - 1;
    *hom = *het = 0.0;
    for (int x = 0; x < nset[s]; x++)
        for (int y = 0; y < nset[s]; y++) {
            double v = pair_score(m, probs, sets[s][x], sets[s][y], x == y, ref_base);
            double *to = x == y ? hom : het;
            if (v > *to) *to = v;
        }
}

int genotype_scores(GlModel m, const float *probs, const Call *c, char ref_base, int star,
                    double *score) {
    char sets[4][MAX_LABELS];
    int nset[4];
    int n = label_sets(m, c, ref_base, star, sets, nset);
    for (int k = 0; k < n; k++)
        for (int j = 0; j <= k; j++) {
            double best = 0.0;
            for (int x = 0; x < nset[j]; x++)
                for (int y = 0; y < nset[k]; y++) {
                    double v = pair_score(m, probs, sets[j][x], sets[k][y],
                                          j == k && sets[j][x] == sets[k][y], ref_base);
                    if (v > best) best = v;
                }
            score[k * (k + 1) / 2 + j] = best;
        }
    return n_genotypes(n, 0);
}

void pl_from_scores(const double *score, int n, int *pl) {
    double mx = 0.0;
    for (int i = 0; i < n; i++)
        if (score[i] > mx) mx = score[i];
    for (int i = 0; i < n; i++) {
        double v = mx > 0 && score[i] > 0 ? -10.0 * log10(score[i] / mx) : (mx > 0 ? PL_CAP : 0);
        long r = lround(v);
        pl[i] = r > PL_CAP ? PL_CAP : r < 0 ? 0 : (int)r;
    }
}

void haploid_fold(const double *score, int n_alleles, HaploidMode mode, double *hap) {
    for (int i = 0; i < n_alleles; i++) hap[i] = score[i * (i + 1) / 2 + i];
    if (mode != HAPLOID_SENSITIVE) return;
    for (int k = 1; k < n_alleles; k++)
        for (int j = 0; j < k; j++) {
            double het = score[k * (k + 1) / 2 + j];
            int to = j == 0 ? k : (score[k * (k + 1) / 2 + k] > score[j * (j + 1) / 2 + j] ? k : j);
            hap[to] += het;
        }
}

void call_set_likelihoods(Call *c, GlModel m, const float *probs, char ref_base, HaploidMode mode,
                          double min_qual) {
    double s[6], ss[10], hap[4];
    int n = 1 + c->n_alt;
    genotype_scores(m, probs, c, ref_base, 0, s);
    genotype_scores(m, probs, c, ref_base, 1, ss);
    if (mode == HAPLOID_OFF) {
        c->haploid = 0;
        c->n_pl = n_genotypes(n, 0);
        pl_from_scores(s, c->n_pl, c->pl);
        c->n_pl_star = n_genotypes(n + 1, 0);
        pl_from_scores(ss, c->n_pl_star, c->pl_star);
        return;
    }
    c->haploid = 1;
    // The haploid `<*>` is one other label: its score is the best homozygous pair of unused
    // labels; a het of two unused labels is a het like any other (precise: dropped; sensitive:
    // added to its non-reference allele, here `<*>` itself).
    double star_hom, star_het;
    star_pair_scores(m, probs, c, ref_base, &star_hom, &star_het);
    ss[n * (n + 1) / 2 + n] = star_hom;
    haploid_fold(ss, n + 1, mode, hap);
    if (mode == HAPLOID_SENSITIVE) hap[n] += star_het;
    c->n_pl_star = n + 1;
    pl_from_scores(hap, n + 1, c->pl_star);
    haploid_fold(s, n, mode, hap);
    c->n_pl = n;
    pl_from_scores(hap, n, c->pl);
    if (c->n_alt == 0) {  // a reference call stays one
        c->gt[0] = c->gt[1] = 0;
        return;
    }
    int best = 0;
    double tot = 0;
    for (int i = 0; i < n; i++) {
        tot += hap[i];
        if (hap[i] > hap[best]) best = i;
    }
    c->gt[0] = c->gt[1] = best;
    c->qual = call_qual(tot > 0 ? hap[best] / tot : 0.0);
    c->gq_phred = call_gq_phred(tot > 0 ? hap[best] / tot : 0.0);
    c->gq = call_gq(c->gq_phred);
    c->filter = best == 0 ? FILTER_REFCALL : c->qual < min_qual ? FILTER_LOWQUAL : FILTER_PASS;
}
