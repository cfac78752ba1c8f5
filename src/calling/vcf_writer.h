// vcf_writer.h — a bgzipped, tabix-indexed VCF 4.2 written under a temporary name and renamed
// (with its index) on success.
#ifndef CALLA_VCF_WRITER_H
#define CALLA_VCF_WRITER_H
#include <stdint.h>

#include "calling/genotype.h"

typedef struct VcfWriter VcfWriter;

// contigs/lens: the reference's contigs in order. Prints a one-line error and returns NULL on
// failure (e.g. unwritable path).
VcfWriter *vcfwriter_open(const char *path, const char *sample, int n_contigs,
                          char *const *contigs, const int64_t *lens, const char *cmdline,
                          const char *model_desc);
// Records must arrive sorted by (contig, position). Returns 0 or -1 (error printed).
int vcfwriter_write(VcfWriter *w, int contig, const Call *c);
// Closes, builds the .tbi index, renames both. Returns 0 or -1. Frees w either way.
int vcfwriter_close(VcfWriter *w);
void vcfwriter_abort(VcfWriter *w);

#endif
