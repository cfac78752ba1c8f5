// variants.h — truth variants for simulation: planting random ones, reading a VCF, left-aligning,
// writing the bgzipped, tabix-indexed truth VCF.
#ifndef CALLA_SIM_VARIANTS_H
#define CALLA_SIM_VARIANTS_H
#include <stdint.h>

#include "common/rng.h"
#include "sim/genome.h"

typedef struct {
    int tid;  // contig index in the SimGenome
    int64_t pos;  // 0-based position of the first REF base
    char **alleles;  // alleles[0] = REF, then ALTs
    int n_allele;
    int gt[2];  // allele index carried by haplotype 0 and haplotype 1
} SimVar;

typedef struct {
    SimVar *v;
    int64_t n, m;
} SimVars;

// A stretch of one contig that variants and reads come from (0-based, half-open).
typedef struct {
    int tid;
    int64_t beg, end;
} SimTarget;

typedef struct {
    double snp_rate;  // SNPs per base
    double indel_rate;  // indels per base
    double titv;  // transition:transversion ratio of SNPs (default 2.05)
    double hom_frac;  // fraction of homozygous-ALT genotypes (default 0.37 = hom:het 1:1.7)
    double indel_geom_p;  // P(length = 1) of the geometric indel-length spectrum (default 0.45)
    int indel_max;  // longest indel (default 20)
    double repeat_frac;  // fraction of indels placed in a homopolymer / tandem repeat (0.35)
} SimPlantParams;

void sim_plant_defaults(SimPlantParams *p);

// Appends random variants in t (sorted, non-overlapping, left-aligned, at least one base apart).
void sim_plant(const SimGenome *g, const SimTarget *t, const SimPlantParams *p, Rng *rng,
               SimVars *out);

// Left-aligns an indel given as pos0/REF/ALT with a shared first base (VCF style) against seq.
// Returns the new 0-based position; ref/alt (NUL-terminated, same buffers) are rewritten.
// Other records are returned unchanged.
int64_t sim_left_align(const char *seq, int64_t pos, char *ref, char *alt);

// Reads diploid genotypes of the first sample from a VCF/BCF within t (records must lie wholly
// inside; overlapping records after the first are skipped with a warning). Unphased
// heterozygous genotypes are phased at random. REF must match the genome. Returns 0 or -1.
int sim_vars_read_vcf(const char *path, const SimGenome *g, const SimTarget *t, Rng *rng,
                      SimVars *out);

// Sorts by (contig index, position).
void sim_vars_sort(SimVars *vars);

// Writes sorted, bgzipped VCF with .tbi. Sorts vars in place first. Returns 0 or -1.
int sim_vars_write_vcf(SimVars *vars, const SimGenome *g, const char *sample, const char *path);

// The haplotype sequence (0 or 1) of target t with the variants applied; *len gets its length.
// vars must be sorted; only variants wholly inside t are applied.
char *sim_haplotype(const SimGenome *g, const SimTarget *t, const SimVars *vars, int hap,
                    int64_t *len);

void sim_vars_free(SimVars *vars);

#endif
