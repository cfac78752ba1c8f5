// vcf_writer.h — the VCF/BCF output of `calla call` (VCF 4.2): to a file, written under a
// temporary name and renamed (with its index) on success, or to stdout ("-"). Output types as in
// bcftools -O: v (VCF), z (bgzipped VCF, .tbi index), b (BCF, .csi index), u (uncompressed BCF).
// A gVCF writer adds the <*> allele to every variant record and writes reference blocks.
#ifndef CALLA_VCF_WRITER_H
#define CALLA_VCF_WRITER_H
#include <stdint.h>

#include "calling/genotype.h"

typedef struct VcfWriter VcfWriter;

// The output type of a file name: .vcf.gz/.vcf.bgz/.gz 'z', .bcf 'b', .vcf 'v', "-" 'v'.
// Returns 0, or -1 for any other name.
int vcf_type_from_name(const char *path, char *type);

// Flags for the `gvcf` argument of the open functions (0/1 keep their old meaning):
#define VCFW_GVCF 1     // <*> on variant records, reference blocks, the gVCF header lines
#define VCFW_CASCADE 2  // header lines of the full-alignment cascade: INFO/F, FORMAT/PS
#define VCFW_HAPCHECK 4  // FILTER HapNoise (the haplotype check, calling/cascade.h)
#define VCFW_PHASED 8    // FORMAT/PS alone (phased GTs without the full-alignment model)
#define VCFW_SPANCHK 16  // INFO/SPANCHK (the span check, calling/spancheck.h)

// contigs/lens: the reference's contigs in order. type: v, z, b or u (z and b files are indexed).
// gvcf: VCFW_* flags (1: a gVCF). Prints a one-line error
// and returns NULL on failure (e.g. unwritable path).
VcfWriter *vcfwriter_open_ex(const char *path, char type, int gvcf, const char *sample,
                             int n_contigs, char *const *contigs, const int64_t *lens,
                             const char *cmdline, const char *model_desc);
// The same with one more header line after ##calla_command (e.g. `calla call --shard`'s
// ##calla_shard line; calling/shard.h); extra_line may be NULL.
VcfWriter *vcfwriter_open_extra(const char *path, char type, int gvcf, const char *sample,
                                int n_contigs, char *const *contigs, const int64_t *lens,
                                const char *cmdline, const char *model_desc,
                                const char *extra_line);
// A bgzipped, tabix-indexed VCF ('z', not a gVCF).
VcfWriter *vcfwriter_open(const char *path, const char *sample, int n_contigs,
                          char *const *contigs, const int64_t *lens, const char *cmdline,
                          const char *model_desc);
// Records must arrive sorted by (contig, position). Returns 0 or -1 (error printed).
int vcfwriter_write(VcfWriter *w, int contig, const Call *c);
// gVCF reference block [pos, end] (0-based, inclusive): REF ref, ALT <*>, INFO/END, GT 0/0 (0
// when haploid), GQ, MIN_DP, PL (n_pl values: 3 diploid, 2 haploid). Returns 0 or -1.
int vcfwriter_write_block(VcfWriter *w, int contig, int64_t pos, int64_t end, char ref, int gq,
                          int min_dp, const int *pl, int n_pl, int haploid);
// Closes, builds the index (z, b files), renames both. Returns 0 or -1. Frees w either way.
int vcfwriter_close(VcfWriter *w);
void vcfwriter_abort(VcfWriter *w);

#endif
