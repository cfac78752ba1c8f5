// phased_vcf.h — the input VCF again with the phasing result: every record copied; each het SNP
// of the chosen sample that was phased gets GT 0|1 or 1|0 (haplotype 1 first) and FORMAT/PS; a
// het SNP that was considered but left unphased gets an unphased GT (a stale input phase would
// contradict the new phase sets); every other record is unchanged. Output type from the name as
// `calla call` (.vcf.gz bgzipped + .tbi, .bcf + .csi, .vcf plain, "-" plain VCF on stdout);
// written under a temporary name and renamed with its index.
#ifndef CALLA_PHASING_PHASED_VCF_H
#define CALLA_PHASING_PHASED_VCF_H
#include "phasing/phasing.h"

// results[i]: the phasing of contig names[i] (NULL entries allowed). cmdline: written as
// ##calla_haplotagCommand. Returns 0, or -1 after a one-line error.
int phased_vcf_write(const char *in_path, const char *out_path, const char *sample,
                     char *const *names, PhaseResult *const *results, int n,
                     const char *cmdline, long *n_phased);

#endif
