// reads.h — read-length and sequencing-error models for Illumina, PacBio HiFi and ONT R10.4.1,
// and read sampling from haplotype sequences into FASTQ.
#ifndef CALLA_SIM_READS_H
#define CALLA_SIM_READS_H
#include <stdint.h>
#include <stdio.h>

#include "common/rng.h"

typedef enum { SIM_ILMN = 0, SIM_HIFI = 1, SIM_ONT = 2 } SimPlatform;

#define SIM_QN 64  // Phred values 0..63
#define SIM_HPK 16  // per-run homopolymer probabilities for k = 0..SIM_HPK (longer runs: SIM_HPK)

// A distribution of Phred values: cumulative weights over Q = 0..SIM_QN-1 (last = 1) and the
// mean error probability E[10^(-Q/10)] under it.
typedef struct {
    double cum[SIM_QN];
    double mean_p;
} SimQDist;

// Sets d from weights w[0..SIM_QN) (any scale, at least one > 0).
void sim_qdist_set(SimQDist *d, const double *w);
int sim_qdist_draw(const SimQDist *d, Rng *r);

typedef struct {
    SimPlatform platform;
    int paired;  // Illumina-style pairs (interleaved FASTQ)
    double len_mean;  // read length (paired: fixed) or mean of the lognormal (long reads)
    double len_sigma;  // lognormal sigma of long-read lengths
    int64_t len_min;  // shorter draws are redrawn (long reads)
    double insert_mean, insert_sd;  // fragment length ~ N(mean, sd), paired only
    // Error model (docs/simulate.md): each base draws its Phred Q from one of three components
    // and is wrong with probability 10^(-Q/10), so qualities are calibrated by construction.
    //   hp: bases of homopolymer runs, with the probability that makes the per-run length-change
    //       probability hp_run[k]; an error there lengthens or shortens the run by one base;
    //   lo: low-quality tail, share w_low * read multiplier * position ramp; errors are
    //       substitution / insertion / deletion in proportion f_sub / f_ins / f_del;
    //   hi: the high mode (all other bases), same error types as lo.
    SimQDist q_hi, q_lo, q_hp;
    double w_low;  // share of bases in the low tail for a median read at mid-read
    double ramp;  // position ramp of w_low: factor (1 - ramp) + 3*ramp*x^2, x = pos in [0,1]
    double f_sub, f_ins, f_del;  // error type mix outside homopolymer events (sum 1)
    double len_p[3];  // indel length: P(1), P(2), P(3); the rest is 4 + Geometric(len_geo)
    double len_geo;  // P(one more base) for indels of length >= 4
    double hp_run[SIM_HPK + 1];  // P(run of length k changes length), per (run, read)
    double hp_short;  // share of homopolymer errors that shorten the run
    double read_sd;  // per-read multiplier of w_low: lognormal, median 1, sigma read_sd ...
    double bad_frac, bad_mult;  // ... times bad_mult for a bad_frac share of reads
    int q_max;
    // Systematic, sequence-specific errors (Illumina's GGC-type motifs, ONT's strand-specific
    // k-mer errors): a fixed hash of the SIM_HOT_K template bases ending at a position, read in
    // the read's own direction, makes that position a hotspot with probability hot_rate; there
    // every read errs with probability p in [hot_pmin, hot_pmax] (also from the hash), always
    // the same way (a substitution to one base, or with probability hot_del a 1-bp deletion).
    // The context is strand-specific, so a hotspot's errors sit on one strand only: the noise
    // candidates with strand bias that real data have and a caller must learn to reject.
    double hot_rate, hot_pmin, hot_pmax, hot_del;
} SimReadModel;

#define SIM_HOT_K 12  // context length (bases) of a systematic-error hotspot

// The hotspot at template position i (i >= SIM_HOT_K-1, context t[i-K+1..i] all ACGT): returns
// its error probability (0 when i is not a hotspot) and sets *alt to the substituted base, or
// to '-' for a deletion.
double sim_hotspot(const SimReadModel *m, const char *t, int64_t i, char *alt);

int sim_platform_parse(const char *s, SimPlatform *p);
const char *sim_platform_name(SimPlatform p);
void sim_read_model_defaults(SimReadModel *m, SimPlatform p);

int64_t sim_draw_read_length(const SimReadModel *m, Rng *r);
int64_t sim_draw_insert(const SimReadModel *m, Rng *r);
// Length (>= 1) of one random insertion or deletion event.
int sim_draw_indel_len(const SimReadModel *m, Rng *r);
// The model's per-run length-change probability for a homopolymer of length k.
double sim_hp_run_prob(const SimReadModel *m, int64_t k);

typedef struct {
    int64_t bases;  // template bases processed
    int64_t subs, ins, dels, hp_ins, hp_dels;
    int64_t hot_errs;  // errors at systematic-error hotspots (also counted in subs / dels)
    double sum_p;  // sum of the per-base error probabilities used
    int64_t q_n[100], q_err[100];  // template bases / error events by assigned quality
} SimErrStats;

// Copies template t[0..n) to seq/qual (Phred+33) with sequencing errors; buffers must hold
// 2n+64 (insertions are capped to fit).
// The Phred value of each base is drawn first and the error decided with probability
// 10^(-Q/10), so qualities are calibrated by construction. Errors of one homopolymer run all
// go the same way (all lengthen or all shorten it). Returns the output length.
int64_t sim_apply_errors(const SimReadModel *m, const char *t, int64_t n, Rng *r, char *seq,
                         char *qual, SimErrStats *st);

void sim_revcomp(char *s, int64_t n);

// Samples reads from one haplotype sequence to `depth` (bases / non-N length) and writes FASTQ
// (pairs interleaved). Names: <prefix>_h<hap>_<start>_<f|r>_<n>. Returns 0 or -1 (write error).
int sim_reads_fastq(FILE *fq, const SimReadModel *m, const char *prefix, int hap, const char *hseq,
                    int64_t hlen, double depth, Rng *r, SimErrStats *st, int64_t *n_reads,
                    int64_t *n_bases);

#endif
