// reads.h — read-length and sequencing-error models for Illumina, PacBio HiFi and ONT R10.4.1,
// and read sampling from haplotype sequences into FASTQ.
#ifndef CALLA_SIM_READS_H
#define CALLA_SIM_READS_H
#include <stdint.h>
#include <stdio.h>

#include "common/rng.h"

typedef enum { SIM_ILMN = 0, SIM_HIFI = 1, SIM_ONT = 2 } SimPlatform;

typedef struct {
    SimPlatform platform;
    int paired;  // Illumina-style pairs (interleaved FASTQ)
    double len_mean;  // read length (paired: fixed) or mean of the lognormal (long reads)
    double len_sigma;  // lognormal sigma of long-read lengths
    int64_t len_min;  // shorter draws are redrawn (long reads)
    double insert_mean, insert_sd;  // fragment length ~ N(mean, sd), paired only
    // Error model, probabilities per template base before the per-read multiplier:
    double sub_start, sub_end;  // substitution probability, quadratic ramp from start to end
    double ins, del;  // random single-base insertion / deletion
    double hp_coef;  // base in a homopolymer run of length k >= 2: hp_coef*(k-1)
    double read_sd;  // lognormal sigma of a per-read error multiplier (mean 1)
    double q_jitter;  // sd of Gaussian noise on the Phred value before errors are drawn
    int q_max;
} SimReadModel;

int sim_platform_parse(const char *s, SimPlatform *p);
const char *sim_platform_name(SimPlatform p);
void sim_read_model_defaults(SimReadModel *m, SimPlatform p);

int64_t sim_draw_read_length(const SimReadModel *m, Rng *r);
int64_t sim_draw_insert(const SimReadModel *m, Rng *r);

typedef struct {
    int64_t bases;  // template bases processed
    int64_t subs, ins, dels, hp_ins, hp_dels;
    double sum_p;  // sum of the per-base error probabilities used
    int64_t q_n[100], q_err[100];  // template bases / error events by assigned quality
} SimErrStats;

// Copies template t[0..n) to seq/qual (Phred+33) with sequencing errors; buffers must hold 2n+1.
// The Phred value of each base is drawn first and the error decided with probability
// 10^(-Q/10), so qualities are calibrated by construction. Returns the output length.
int64_t sim_apply_errors(const SimReadModel *m, const char *t, int64_t n, Rng *r, char *seq,
                         char *qual, SimErrStats *st);

void sim_revcomp(char *s, int64_t n);

// Samples reads from one haplotype sequence to `depth` (bases / non-N length) and writes FASTQ
// (pairs interleaved). Names: <prefix>_h<hap>_<start>_<f|r>_<n>. Returns 0 or -1 (write error).
int sim_reads_fastq(FILE *fq, const SimReadModel *m, const char *prefix, int hap, const char *hseq,
                    int64_t hlen, double depth, Rng *r, SimErrStats *st, int64_t *n_reads,
                    int64_t *n_bases);

#endif
