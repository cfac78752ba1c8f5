// phase_regions.h — phase the het SNPs of a list of regions of an indexed BAM/CRAM, regions in
// parallel (one region per task, each thread with its own file handles), the results per contig.
// Each region is phased on its own (a block never crosses a region edge), so the result depends
// on the regions and inputs only, not on the thread count.
#ifndef CALLA_PHASING_PHASE_REGIONS_H
#define CALLA_PHASING_PHASE_REGIONS_H
#include "phasing/hetsites.h"
#include "phasing/phasing.h"
#include "reads/regions.h"

typedef struct {
    long regions_done, n_regions;
} PhaseProgress;

// regs: sorted, non-overlapping (regions_build). n_tid: contigs in the BAM header. On success
// *by_tid (n_tid entries, free with phase_results_free) holds one PhaseResult per contig that
// has het SNPs in a region, NULL for the others. progress_interval > 0: a progress line on stderr
// at most that often. Returns 0, or -1 after a one-line error.
int phase_regions(const char *bam_path, const char *ref_path, const Region *regs, int n_regs,
                  int n_tid, char *const *tid_names, const HetSet *het, const PhaseParams *p,
                  int threads, double progress_interval, PhaseResult ***by_tid);
void phase_results_free(PhaseResult **by_tid, int n_tid);

#endif
