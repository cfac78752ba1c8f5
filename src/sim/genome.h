// genome.h — the simulated (or loaded) reference: contigs as plain upper-case strings.
#ifndef CALLA_SIM_GENOME_H
#define CALLA_SIM_GENOME_H
#include <stdint.h>

#include "common/rng.h"

typedef struct {
    char *name;
    char *seq;  // upper case, NUL-terminated
    int64_t len;
} SimContig;

typedef struct {
    SimContig *ctg;
    int n;
} SimGenome;

// Random genome of `total_len` bases split into `n_contigs` contigs named sim1..simN, with
// human-like structure (GC ~41% with local variation, homopolymers, di/tri/tetra-nucleotide
// tandem repeats, diverged copies of a few interspersed repeat families). Deterministic in rng.
void sim_genome_synthetic(SimGenome *g, int64_t total_len, int n_contigs, Rng *rng);

// Loads contigs from an indexed (or indexable) FASTA. With `only` non-NULL, loads just that
// contig. Returns 0, or -1 with a message printed.
int sim_genome_load(SimGenome *g, const char *fasta, const char *only);

// Index of a contig by name, or -1.
int sim_genome_find(const SimGenome *g, const char *name);

// Writes FASTA (60 columns) to `path`. Returns 0 or -1 with a message printed.
int sim_genome_write_fasta(const SimGenome *g, const char *path);

// Watson-Crick complement of an upper-case base (N for anything else).
char sim_complement(char c);
void sim_genome_free(SimGenome *g);

// Fraction of G/C among A/C/G/T bases of s[0..n).
double sim_gc_fraction(const char *s, int64_t n);

#endif
