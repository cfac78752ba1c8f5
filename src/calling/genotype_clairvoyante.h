// genotype_clairvoyante.h — the Clairvoyante decision (clairvoyante.md §5.2), with the alleles
// taken from the read evidence at the candidate rather than from the tensor.
#ifndef CALLA_GENOTYPE_CLAIRVOYANTE_H
#define CALLA_GENOTYPE_CLAIRVOYANTE_H
#include "calling/genotype.h"

// Output layout of the Clairvoyante model (network/model_clairvoyante.c): base change A,C,G,T
// (sigmoid), zygosity HET,HOM, variant type REF,SNP,INS,DEL, indel length 0,1,2,3,4,>=5.
#define CLV_OUT_BASE 0
#define CLV_OUT_ZYG 4
#define CLV_OUT_TYPE 6
#define CLV_OUT_LEN 10
#define CLV_NOUT 16

// QUAL = int(10 log10(prod best / prod second best)) over the zygosity, variant-type and
// indel-length heads (clairvoyante.md §5.2; uncapped, 0 when a head ties).
int clv_qual(const float *probs);

// probs: one sample's 16 outputs. ref_seq: the reference from the candidate position onwards
// (upper case, at least max_indel_len + 2 bases or to the contig end). min_qual: PASS at
// QUAL >= min_qual, else LowQual. A REF prediction gives a 0/0 call (n_alt 0, FILTER RefCall).
// Returns 0, or -1 when the predicted variant has no supporting read allele (no call).
int genotype_clairvoyante(const float *probs, const Candidate *c, const char *ref_seq,
                          double min_qual, Call *out);

#endif
