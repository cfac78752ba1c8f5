// hard.h — "hard case" variants for training data (issue #13): indels of 1-50 bp in homopolymers
// and tandem repeats, multi-allelic (1/2) repeat and SNP sites, long indels, and clusters of an
// indel with a nearby SNP, planted between the variants already in a set (e.g. HG002's truth),
// on both haplotypes (docs/simulate.md, "Hard cases").
#ifndef CALLA_SIM_HARD_H
#define CALLA_SIM_HARD_H
#include "common/rng.h"
#include "sim/genome.h"
#include "sim/variants.h"

#define SIM_HARD_MAX_INDEL 50
#define SIM_HARD_GAP 10  // bases kept free around every variant (existing or planted)

typedef enum {
    HARD_REPEAT_INDEL = 0,  // whole units added to or removed from a repeat, 1-50 bp
    HARD_REPEAT_MULTI,      // two different unit counts in one repeat, genotype 1/2
    HARD_LONG_INDEL,        // 16-50 bp, random sequence or deleted reference
    HARD_CLUSTER,           // a 1-5 bp indel and a SNP 2-10 bp after it
    HARD_SNP_MULTI,         // two different ALT bases, genotype 1/2
    HARD_NKINDS
} SimHardKind;

typedef struct {
    long planted[HARD_NKINDS];  // sites of each kind (a cluster counts once)
    long skipped;               // draws without room or without a repeat nearby
} SimHardStats;

// Plants hard cases at `rate` sites per base within t, away (SIM_HARD_GAP) from every variant
// already in vars (which may be unsorted; it is sorted on return). Planted indels are left-aligned
// and every REF matches the genome. Kinds are drawn 35/20/15/15/15%.
void sim_plant_hard(const SimGenome *g, const SimTarget *t, double rate, Rng *rng, SimVars *vars,
                    SimHardStats *st);

#endif
