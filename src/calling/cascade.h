// cascade.h — Clair3's second stage in `calla call` (clair3.md §0, §3.2, §7.4; docs/calling.md
// "The cascade"): after the pileup model has called every candidate of a work chunk, the chunk's
// low-quality share (variant calls with QUAL below the var cut-off, reference calls below the ref
// cut-off, the cut-offs taken over the chunk's own calls) goes through the full-alignment model;
// the reads are phased from the chunk's confident pileup het SNPs first (phasing/phasing.h), which
// fills the tensors' haplotype channel and phases the het calls of the chunk.
//
// Everything here works on one chunk, from that chunk's reads and pileup calls only, so the result
// depends on the chunk list (regions and --chunk-size), never on threads, MPI ranks or shards.
#ifndef CALLA_CASCADE_H
#define CALLA_CASCADE_H
#include <stddef.h>
#include <stdint.h>

#include "calling/genotype.h"
#include "calling/spancheck.h"
#include "network/model.h"
#include "phasing/phasing.h"
#include "reads/candidates.h"
#include "tensors/features_fa.h"

typedef struct {
    double var_pct, ref_pct;  // Clair3's var_pct_full / ref_pct_full
    int phasing;              // 0: no phasing (HP channel 60 everywhere, no phased GTs)
    double phase_min_qual;    // het SNPs used for phasing: PASS, QUAL >= this [10]
    int phase_min_reads;      // other hets: phased reads that must vote [4]
    double phase_min_frac;    // ... and the share of them that must agree [0.9]
    // The haplotype check (`calla call --hap-p`; docs/calling.md "The haplotype check"): a PASS het
    // call REF/ALT whose ALT is an indel gets FILTER HapNoise when, among the reads of its phase
    // set with the most such reads, at least hap_min_reads carry a haplotype (HP 1/2) and one of
    // the two alleles, both haplotypes and both alleles are among them, the ALT has less than
    // HAP_HOM_SHARE of them (more looks hom-alt), and Fisher's exact test finds no association
    // between haplotype and allele: p > hap_p. Read noise
    // (homopolymer slips) shows on both haplotypes alike; a real het allele on one only.
    // hap_p >= 1: no check (the default here; `calla call` sets it).
    double hap_p;
    int hap_min_reads;        // [10]
    // The span check (calling/spancheck.h): frac 0.2, min_ref 5, hp_run 8, min_mapq 5; frac 0
    // turns it off. It runs after the full-alignment model and the haplotype check, before the
    // het calls are phased (so a call it turns to 0/1 or 1/2 is phased too).
    SpanCheckParams span;
} CascadeParams;
// ont 0.7 / 0.1, hifi and ilmn 0.3 / 0.3 (clair3.md §3.2); phasing on, 10, 4, 0.9; no
// haplotype check (hap_p 1), 10.
#define HAP_P_DEFAULT 0.05  // `calla call --hap-p` (ONT without a full-alignment model)
// Calls whose ALT has this share or more of the counted reads are not tested: a het expects 1/2,
// so such a call looks hom-alt (called het by the pileup model), not like noise.
#define HAP_HOM_SHARE 0.75
void cascade_params_default(CascadeParams *p, Platform platform);

// The QUAL cut-off of clair3.md §3.2: q sorted ascending, then the QUAL of the last of the lowest
// floor(pct * n) values (0 when there is none). Values strictly below it are picked.
double cascade_cutoff(double *q, size_t n, double pct);

// 1 when the call goes to the full-alignment model: a variant call with QUAL < qv or a reference
// call (FILTER RefCall: no ALT, or a haploid call of REF) with QUAL < qr.
static inline int cascade_is_ref(const Call *c) { return c->filter == FILTER_REFCALL; }
static inline int cascade_picked(const Call *c, double qv, double qr) {
    return cascade_is_ref(c) ? c->qual < qr : c->qual < qv;
}

// A read's allele at a call: the index (0 REF, 1.. ALT) of the allele whose first base and
// length difference to REF equal the read's base at c->pos and the indel the read starts right
// after it (+L insertion, -L deletion, 0 none); -1 when the read has no base there or matches no
// allele.
int cascade_read_allele(const struct bam1_t *b, const Call *c);

// Per-thread state: the full-alignment model and the chunk's buffered reads.
typedef struct CascadeWorker CascadeWorker;
// fa: a loaded clair3-fa model (batch_max >= batch), kept by the caller; or NULL: no
// full-alignment stage (nothing is picked), only the phasing and the haplotype check. fp: the
// tensor parameters (rows = the model's), copied; its read_hp is replaced by the phasing.
CascadeWorker *cascade_worker_new(Model *fa, int batch, const FaParams *fp);
// Another forward pass for the model (`calla call --device cuda`: the GPU's): fills fa->out for
// the B inputs x as model_forward(fa, x, NULL, B, 0) does. NULL: model_forward.
typedef void (*CascadeForwardFn)(void *ud, Model *fa, const float *x, int B);
void cascade_worker_set_forward(CascadeWorker *cw, CascadeForwardFn fn, void *ud);
void cascade_worker_free(CascadeWorker *cw);
// Starts a chunk: the reads kept are those overlapping [lo, hi).
void cascade_reads_reset(CascadeWorker *cw, int64_t lo, int64_t hi);
// ScanReadFn (reads/candidates.h) for scan_region_reads: keeps a copy of mapped primary reads.
int cascade_reads_add(void *cw, const struct bam1_t *b);

// Receives the model's outputs for call i (probs: the model's n_out values; n_reads: the reads
// in its window). Replaces calls[i] as it decides.
typedef void (*CascadeDecideFn)(void *ud, size_t i, const float *probs, int n_reads);

typedef struct {
    int tid;
    int64_t beg, end;  // the chunk
    const char *ref;   // reference of [ref_beg, ref_beg + ref_len), upper case
    int64_t ref_beg, ref_len;
    Call *calls;       // the chunk's pileup calls, sorted by position (reference calls included)
    size_t n;
    CascadeDecideFn decide;
    void *ud;
    // calls[i] is reported when active[i] (NULL: all are). The others (a gap between joined
    // regions, reads/regions.h) only lend their het SNPs to the phasing: they take no part in the
    // cut-offs, are never picked, checked or phased.
    const unsigned char *active;
} CascadeChunk;

typedef struct {
    double qv, qr;          // the cut-offs
    long n_picked, n_hets, n_phased_sites, n_phased_calls;
    long n_hapnoise;        // calls the haplotype check filtered
    long n_spanchk;         // indel calls the span check changed (to 0/1, 1/1 or 1/2)
    long n_spanchk12;       // ... of them to 1/2
    long n_spanchk11;       // ... of them from 0/1 to 1/1
} CascadeStats;

// The haplotype check's table for call c (a REF/ALT call): t[h][a] = the reads with HP h + 1
// showing allele a (0 REF, 1 ALT), in the phase set with the most such reads (ties: the lower
// PS). Returns the reads counted.
long cascade_hap_table(const CascadeWorker *cw, const Call *c, long t[2][2]);

// The cascade on one chunk, after its pileup calls: picks, phases, runs the full-alignment model
// on the picked calls (decide() replaces them), applies the haplotype check and the span check
// and then phases the het calls in place. Returns 0.
int cascade_chunk(CascadeWorker *cw, const CascadeParams *p, const CascadeChunk *cc,
                  CascadeStats *st);

#endif
