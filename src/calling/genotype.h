// genotype.h — turn a model's output probabilities and the read evidence at a candidate into a
// diploid call (clair3.md §7.2–7.3 for the Clair3 pileup model, clairvoyante.md §5.2).
#ifndef CALLA_GENOTYPE_H
#define CALLA_GENOTYPE_H
#include <stdint.h>

#include "reads/candidates.h"

#define CALL_MAX_ALLELE 512

// FILTER_OVERLAP: starts inside a homozygous deletion with a higher QUAL (calling/overlap.h)
// FILTER_HAPNOISE: a het indel whose ALT reads do not follow the read haplotypes (calling/cascade.h)
typedef enum {
    FILTER_PASS = 0, FILTER_REFCALL = 1, FILTER_LOWQUAL = 2, FILTER_OVERLAP = 3, FILTER_HAPNOISE = 4
} CallFilter;

typedef struct {
    int64_t pos;    // 0-based position of REF's first base
    char *ref;      // REF allele (owned)
    char *alt[2];   // ALT alleles (owned); n_alt of them
    int n_alt;      // 0 for a reference call
    int gt[2];      // allele indices, gt[0] <= gt[1]
    double qual;    // rounded to 2 decimals
    int gq;         // round(gq_phred) capped at 99, or its calibrated value (gq_calib.h)
    double gq_phred;  // -10 log10(1 - p) of the called genotype's probability p
    int dp;
    int ad[3];      // REF, ALT1, ALT2 read counts
    double af[2];   // per ALT, capped at 1
    CallFilter filter;
    char source;    // 'P' pileup model, 'F' full-alignment model (the cascade), 'V' Clairvoyante
    int haploid;    // 1: GT is the single allele gt[0] (--haploid-contigs)
    int n_pl;       // PL values for REF + ALTs (VCF Number=G order); 0: not computed
    int pl[6];
    int n_pl_star;  // the same with the gVCF allele <*> appended (calling/genotype_pl.h)
    int pl_star[10];
    int vcf_skip;   // a reference call kept only for the gVCF (not written to the VCF)
    int phased;     // 1: GT written gt[0]|gt[1] (haplotype 1 first; gt[0] > gt[1] allowed), PS ps
    int32_t ps;     // phase set (1-based position of its first SNP) when phased
    int spanchk;    // 1: changed by the span check (calling/spancheck.h): 1/1 to 0/1, or to 1/2
} Call;

void call_free(Call *c);

// QUAL from the winning joint probability p (clair3.md §7.3), rounded to 2 decimals.
double call_qual(double p);
// The Phred of a genotype with probability p of being right: -10 log10(1 - p), at most 100.
double call_gq_phred(double p);
// FORMAT/GQ from a Phred value: rounded, within [0, 99].
int call_gq(double phred);

// The Clair3 pileup decision. probs: gt21[21] followed by zygosity[3]. ref_seq: the reference from
// the candidate position onwards (at least max_indel_len + 2 bases or to the contig end),
// upper case. min_qual: LowQual below. Returns 0 and fills *out; returns -1 if no outcome could be
// realised from the reads (treated as a reference call by the caller).
int genotype_clair3(const float *probs, const Candidate *c, const char *ref_seq, double min_qual,
                    Call *out);

// The building blocks of the decision, shared with the full-alignment decision (genotype_fa.h):
// REF/ALT of the outcome (gt21 class cls, zygosity zyg: 0 hom-ref, 1 hom-alt, 2 het) realised from
// the candidate's read evidence (its indel alleles: the most frequent of each kind first); returns
// 0, or -1 when the reads do not support it (out is then to be freed). genotype_finish sets QUAL,
// GQ, AF and FILTER from the outcome's joint probability p (source 'P').
int genotype_realise(int cls, int zyg, const Candidate *c, const char *ref_seq, Call *out);
void genotype_finish(Call *out, double p, double min_qual, const Candidate *c);

// The gt21 class index of an unordered pair of partial labels (bases 'A','C','G','T', 'I' for an
// insertion, 'D' for a deletion); -1 if invalid. Shared with the label code's table.
int gt21_index(char a, char b);

#endif
