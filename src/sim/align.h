// align.h — runs the real aligners (bwa mem, minimap2) piped into samtools sort, then samtools
// index, checking every exit status.
#ifndef CALLA_SIM_ALIGN_H
#define CALLA_SIM_ALIGN_H
#include "sim/reads.h"

typedef enum { SIM_ALIGNER_AUTO = 0, SIM_ALIGNER_BWA, SIM_ALIGNER_MINIMAP2 } SimAligner;

int sim_aligner_parse(const char *s, SimAligner *a);
// auto: bwa for Illumina, minimap2 for long reads.
SimAligner sim_aligner_resolve(SimAligner a, SimPlatform p);
const char *sim_aligner_program(SimAligner a);

// 1 when `prog` is an executable file in $PATH.
int sim_in_path(const char *prog);

// In directory `dir` (which holds ref.fa and the FASTQ named `fastq`), aligns with the aligner
// and writes dir/reads.bam (coordinate-sorted) and dir/reads.bam.bai. Each subprocess's stderr
// goes to dir/<program>.log. Paths are relative to dir so that the @PG lines do not depend on it.
// Returns 0, or -1 after one error line naming the failing program.
int sim_align(const char *dir, const char *fastq, SimAligner a, SimPlatform p, int paired,
              const char *sample, int threads);

// Sends sig to the aligner/samtools processes now running (for signal handlers).
void sim_align_kill_children(int sig);

#endif
