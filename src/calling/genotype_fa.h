// genotype_fa.h — the genotype decision of the Clair3 full-alignment model (clair3.md §7.2 with
// the two indel-length heads; docs/calling.md "The cascade").
#ifndef CALLA_GENOTYPE_FA_H
#define CALLA_GENOTYPE_FA_H
#include "calling/genotype.h"

// Length-head classes: len(alt) - len(ref) clipped to [-16, 16], class = value + 16.
#define FA_LEN_CLASSES 33
// Outputs of a clair3-fa model: gt21[21], zygosity[3], indel_length1[33], indel_length2[33].
#define FA_N_OUT (21 + 3 + 2 * FA_LEN_CLASSES)

// The decision from the four heads. Every outcome's joint score multiplies the gt21 and zygosity
// probabilities with the two length heads' probabilities of its (sorted) allele lengths: 0 for a
// reference or SNP allele, +i for an insertion of i bases, -i for a deletion (|i| clipped at 16).
// An indel outcome of length i < 16 is realised with the candidate's most frequent read allele of
// exactly that length, length 16 with the most frequent one of 16 bases or more; an outcome no read
// supports falls through to the next best, and so does one whose SNP ALT base has fewer reads
// than snp_af of the candidate's depth (an allele the candidate finder would not have proposed;
// `calla call` passes its --snp-af). QUAL/GQ from the winner's share of the outcomes the reads
// support (docs/calling.md); source 'F'. Returns 0 and fills *out, or -1 (no outcome
// realisable: a reference call).
int genotype_clair3_fa(const float *probs, const Candidate *c, const char *ref_seq,
                       double min_qual, double snp_af, Call *out);

// The het rule of the cascade (`calla call --fa-het-p`; docs/calling.md, "The het rule"): 1 when
// call is a het REF/ALT whose ALT is an indel of 1..FA_HET_MAXLEN bases and the reads showing an
// indel of its kind at the candidate (insertions or deletions, any length: stutter spreads one
// allele over several lengths) are too few for a het: P(X <= k | X ~ Binomial(depth, 1/2)) <
// het_p. Else 0 (also for het_p <= 0). Longer indels are exempt: reads that end inside a long
// insertion do not show it, so its count undercounts.
int fa_het_unsupported(const Call *call, const Candidate *c, double het_p);
#define FA_HET_P_DEFAULT 1e-3  // a Phred-30 test
#define FA_HET_MAXLEN 2
// Above this depth the test takes the same share of FA_HET_MAX_DEPTH reads: a plain binomial at
// 1000x would ask a het for 45% of the reads, and real hets are often less balanced (amplicons).
// At 100 reads the bar is 35% (P(X <= 34) = 0.00089).
#define FA_HET_MAX_DEPTH 100

#endif
