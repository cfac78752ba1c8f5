// overlap.h — calls that start inside a homozygous deletion. A deletion called 1/1 removes its
// bases from both haplotypes, so no other variant can start on them; the pileup model still
// scores the candidates there (every read shows the deletion) and can call one of them 1/1 from a
// single read's allele (AD alt 1 of ~50). Such a call with a lower QUAL than a deletion it starts
// in gets FILTER Overlap; one with a higher QUAL is left alone (docs/calling.md, "Calls inside a
// homozygous deletion"). The check is a pure function of the PASS calls in output order, so
// re-running it over a stream in which some calls already carry Overlap (merge-shards, MPI rank 0)
// gives the one-process result when those calls are fed as PASS again.
#ifndef CALLA_OVERLAP_H
#define CALLA_OVERLAP_H
#include <stdint.h>

#include "calling/genotype.h"

// Deletions whose bases are still ahead of the stream: nested or overlapping PASS 1/1 deletions
// each count. Past HOMDEL_MAX at once (never seen), the one ending first (of those and the new
// one) is dropped.
#define HOMDEL_MAX 16

typedef struct {
    int contig;  // -1: no deletion yet
    int n;
    struct {
        int64_t beg, end;  // deleted bases, 0-based [beg, end)
        double qual;
    } d[HOMDEL_MAX];
} HomDelSpan;

void homdel_init(HomDelSpan *s);

// The deleted bases of c when it is a PASS homozygous (or haploid) deletion: REF less the
// longest common prefix with the ALT, then less the longest common suffix of the rest; 0 when c
// is anything else (SNP, insertion, complex allele, het, filtered).
int homdel_span(const Call *c, int64_t *beg, int64_t *end);

// Feed the calls of the output in order (contig index, then position). Filters c (FILTER_OVERLAP)
// when it is a PASS variant call starting inside a tracked deletion of higher QUAL and returns 1;
// otherwise returns 0, and c becomes a tracked deletion when it is a PASS homozygous deletion.
int homdel_filter(HomDelSpan *s, int contig, Call *c);
#endif
