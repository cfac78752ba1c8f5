// overlap.h — calls that start inside a homozygous deletion. A deletion called 1/1 removes its
// bases from both haplotypes, so no other variant can start on them; the pileup model still
// scores the candidates there (every read shows the deletion) and can call one of them 1/1 from a
// single read's allele (AD alt 1 of ~50). Such a call with a lower QUAL than the deletion's gets
// FILTER Overlap; one with a higher QUAL is left alone (docs/calling.md, "Calls inside a
// homozygous deletion"). Only the deletion reaching furthest right is tracked.
#ifndef CALLA_OVERLAP_H
#define CALLA_OVERLAP_H
#include <stdint.h>

#include "calling/genotype.h"

typedef struct {
    int contig;        // -1: no deletion yet
    int64_t beg, end;  // the deleted bases of the last PASS 1/1 deletion, 0-based [beg, end)
    double qual;
} HomDelSpan;

void homdel_init(HomDelSpan *s);

// The deleted bases of c when it is a PASS homozygous (or haploid) deletion: REF less the
// longest common prefix with the ALT, then less the longest common suffix of the rest; 0 when c
// is anything else (SNP, insertion, complex allele, het, filtered).
int homdel_span(const Call *c, int64_t *beg, int64_t *end);

// Feed the calls of the output in order (contig index, then position). Filters c (FILTER_OVERLAP)
// when it is a PASS variant call starting inside the current span with a lower QUAL and returns
// 1; otherwise returns 0, and a PASS homozygous deletion reaching past the current span becomes
// the span.
int homdel_filter(HomDelSpan *s, int contig, Call *c);
#endif
