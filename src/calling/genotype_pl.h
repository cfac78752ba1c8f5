// genotype_pl.h — phred-scaled genotype likelihoods (FORMAT/PL) from a model's genotype
// probabilities, the `<*>` (any other allele) genotypes of gVCF records, and the haploid folding
// of --haploid-contigs (docs/calling.md, "PL" and "Haploid contigs").
#ifndef CALLA_GENOTYPE_PL_H
#define CALLA_GENOTYPE_PL_H
#include "calling/genotype.h"

#define PL_CAP 999  // PL values are capped here (a probability of 0 has no finite phred value)

typedef enum { GL_CLAIR3 = 0, GL_CLAIRVOYANTE = 1 } GlModel;
typedef enum { HAPLOID_OFF = 0, HAPLOID_PRECISE = 1, HAPLOID_SENSITIVE = 2 } HaploidMode;

// Number of genotypes for n alleles: n(n+1)/2 diploid, n haploid (VCF Number=G).
int n_genotypes(int n_alleles, int haploid);

// Diploid genotype scores (proportional to the model's probabilities) of the call's alleles
// (REF, its ALTs, then `<*>` when star), in VCF order: genotype j/k (j <= k) at k(k+1)/2 + j.
// probs: the model's outputs for the candidate (Clair3 pileup: gt21[21] + zygosity[3];
// Clairvoyante: its 16 outputs). ref_base: the reference base at the candidate. Returns the count.
int genotype_scores(GlModel m, const float *probs, const Call *c, char ref_base, int star,
                    double *score);

// The `<*>`/`<*>` scores split by kind: *hom the best pair of one unused label twice (the
// haploid `<*>`), *het the best pair of two different unused labels (a heterozygous genotype).
void star_pair_scores(GlModel m, const float *probs, const Call *c, char ref_base, double *hom,
                      double *het);

// PL from scores: -10 log10(score / max score), rounded, capped at PL_CAP; the best is 0.
void pl_from_scores(const double *score, int n, int *pl);

// Haploid scores from diploid ones (n alleles): hap[i] = score(i/i); in sensitive mode each het
// score(j/k) is added to its non-reference allele (0/k -> k; j/k with j, k > 0 -> the one of the
// larger hom score, j on a tie). Precise mode drops het scores.
void haploid_fold(const double *score, int n_alleles, HaploidMode mode, double *hap);

// Fills c->pl / c->n_pl (site alleles) and c->pl_star / c->n_pl_star (site alleles + <*>) from the
// model's probabilities. With a haploid mode, the call becomes haploid: GT = the allele of the
// largest folded score, QUAL = the Clair3 formula of its normalised folded score, GQ = int(QUAL),
// FILTER RefCall when that allele is REF, else LowQual below min_qual, else PASS.
void call_set_likelihoods(Call *c, GlModel m, const float *probs, char ref_base, HaploidMode mode,
                          double min_qual);

#endif
