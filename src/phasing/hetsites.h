// hetsites.h — the heterozygous SNPs to phase, read from a VCF/BCF (e.g. `calla call` output):
// biallelic SNPs (REF and ALT one of A/C/G/T), GT 0/1 or 1/0 (phased or not: input phasing is
// ignored, the sites are phased again from the reads), FILTER PASS or missing, QUAL >= min_qual
// or missing, in one sample. Read whole and sequentially (no index needed); records must be
// sorted by position within each contig.
#ifndef CALLA_PHASING_HETSITES_H
#define CALLA_PHASING_HETSITES_H
#include "phasing/phasing.h"

typedef struct {
    char *name;
    HetSite *v;  // sorted by pos
    int n, cap;
} HetContig;

typedef struct {
    int n_ctg;
    HetContig *ctg;   // in the order first seen in the VCF
    char *sample;     // the sample used
    long n_records, n_het;  // records read; het SNPs kept
    long n_filtered;  // het SNPs dropped by FILTER or QUAL
    long n_pct;       // het SNPs dropped by var_pct
} HetSet;

// sample: name, or NULL for the first sample. var_pct in (0, 1]: after the filters, keep only the
// het SNPs whose QUAL is at least that of the lowest (1 - var_pct) fraction's top (Clair3's
// var_pct_phasing, clair3.md §2; missing QUAL ranks highest); 1 keeps all. Returns 0, or -1 after a one-line error naming the
// file (unreadable, no samples, unknown sample, unsorted records).
int hetsites_read(const char *path, const char *sample, double min_qual, double var_pct,
                  HetSet *out);
const HetContig *hetsites_contig(const HetSet *h, const char *name);
void hetsites_free(HetSet *h);

#endif
