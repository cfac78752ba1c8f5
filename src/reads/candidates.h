// candidates.h — walk the reads of a region, select candidate sites (clair3.md §3.1) and build
// their feature tensors. Shared by `calla tensors` (training/calling tensor files) and
// `calla call` (in-memory batches). Each thread opens its own ScanInputs.
#ifndef CALLA_CANDIDATES_H
#define CALLA_CANDIDATES_H
#include <stdint.h>
#include <stdio.h>

#include "tensors/tensorfile.h"

typedef enum { PLATFORM_ILMN = 0, PLATFORM_HIFI = 1, PLATFORM_ONT = 2 } Platform;
const char *platform_name(Platform p);
int platform_parse(const char *s, Platform *p);  // 0 ok, -1 unknown

typedef struct {
    Platform platform;
    FeatureKind kind;
    double snp_af;       // clair3.md §3.1 per platform
    double indel_af;
    int min_depth;       // min_coverage
    int min_mapq;        // reads with MAPQ below are dropped
    int max_indel_len;   // indel alleles longer than this are not reported as evidence
    int max_depth;       // depth cap for the §1.4 rescale (144; rescale when depth > 1.5 * cap)
    // Read filters (docs/tensors.md "Read walk").
    unsigned excl_flags; // reads with any of these SAM flags are dropped (default 0xF04)
    int drop_improper;   // drop paired reads without the proper-pair flag (samtools mpileup w/o -A)
    // Clair3 parity switches, set together by scan_params_compat (docs/tensors.md "Clair3 parity").
    int compat;          // 0: calla's encoding; 1: Clair3's (the pileup path of the platform)
    int ref_as_a;        // reference bases other than ACGT are encoded as A
    int n_quirk;         // read N: +1 in the previous column's '#' and counted in depth (C path)
    int indel_htslib;    // indels from htslib's pileup (next CIGAR op only; C path)
} ScanParams;
// Fills the platform's defaults (explicit options override afterwards).
void scan_params_default(ScanParams *p, Platform platform, FeatureKind kind);
// "calla" (defaults) or "clair3": Clair3's tensors for p->platform — ilmn: its samtools-mpileup
// path (read filter --excl-flags 2316 plus improper pairs dropped; non-ACGT reference as A);
// hifi/ont: its C pileup path (non-ACGT reference as A, read N in the previous '#', htslib indel
// attachment). "clair3-mpileup" / "clair3-c" pick one of the two paths whatever the platform.
// Call after scan_params_default. Returns 0, or -1 for an unknown name.
int scan_params_compat(ScanParams *p, const char *name);
// Parses a SAM flag set: a number (decimal, 0x hex or 0 octal) or comma-separated names as in
// samtools (UNMAP, SECONDARY, QCFAIL, DUP, SUPPLEMENTARY, PAIRED, PROPER_PAIR, MUNMAP, REVERSE,
// MREVERSE, READ1, READ2). Returns 0, or -1 if invalid.
int scan_parse_flags(const char *s, unsigned *flags);

typedef struct {
    char kind;      // 'I' insertion (seq = inserted bases) or 'D' deletion (seq = deleted ref bases)
    char *seq;
    int count;
} IndelAllele;

typedef struct {
    int tid;         // contig index (BAM header == reference order, checked at open)
    int64_t pos;     // 0-based
    char ref;        // reference base (upper case)
    int depth;       // reads at the column including deletion-covered ones
    int ref_count;   // reads showing the reference base (minus those starting an indel here)
    int base_count[4];  // A, C, G, T reads (both strands)
    int n_indels;
    IndelAllele *indels;  // sorted by count, descending
    int16_t *features;    // n_pos * n_chan, position-major (see tensorfile.h); NULL for clair3-fa
} Candidate;

typedef struct ScanInputs ScanInputs;
// Opens and validates a BAM/CRAM (index required) and a faidx-indexed FASTA. On failure prints a
// one-line error naming the file and the problem and returns NULL.
ScanInputs *scan_inputs_open(const char *bam_path, const char *ref_path);
void scan_inputs_close(ScanInputs *in);
int scan_inputs_ncontigs(const ScanInputs *in);
const char *scan_inputs_contig_name(const ScanInputs *in, int tid);
int64_t scan_inputs_contig_len(const ScanInputs *in, int tid);
// BAM contig index of `name`, or -1.
int scan_inputs_tid(const ScanInputs *in, const char *name);
// 1 when the BAM contig is in the reference's .fai (same length is checked at open), else 0.
int scan_inputs_contig_in_ref(const ScanInputs *in, int tid);
const char *scan_inputs_bam_path(const ScanInputs *in);
const char *scan_inputs_ref_path(const ScanInputs *in);

// Calls `emit` for each candidate in [beg, end) (0-based, half-open) of contig tid, in position
// order. Positions listed in `force` (sorted, may be NULL) are emitted whenever they are covered
// even if they fail the allele-frequency test (training mode: every truth variant).
// `emit` returns 0 to continue, non-zero to stop. Returns 0, or -1 after printing an error
// (e.g. truncated BAM). The Candidate and its arrays are only valid during the callback.
typedef int (*CandidateFn)(const Candidate *c, void *ud);
int scan_region(ScanInputs *in, const ScanParams *p, int tid, int64_t beg, int64_t end,
                const int64_t *force, int n_force, CandidateFn emit, void *ud);
// The same, also handing every alignment the scan reads to on_read(read_ud, b) — unfiltered, in
// file order, each once (a read spanning two scan blocks is not repeated), before the candidates
// of its block are emitted; `b` is valid during the call only. on_read returns 0 to go on,
// non-zero to stop (scan_region_reads then returns -1: the callback prints its error).
// The full-alignment tensors buffer the chunk's reads this way instead of reading them twice.
struct bam1_t;
typedef int (*ScanReadFn)(void *ud, const struct bam1_t *b);
int scan_region_reads(ScanInputs *in, const ScanParams *p, int tid, int64_t beg, int64_t end,
                      const int64_t *force, int n_force, CandidateFn emit, void *ud,
                      ScanReadFn on_read, void *read_ud);

// Debug/test aid: writes one line per position of [beg, end) with coverage:
// "contig pos(1-based) ref A C G T a c g t * # depth" (per-strand counts after the read filters).
int scan_region_counts(ScanInputs *in, const ScanParams *p, int tid, int64_t beg, int64_t end,
                       FILE *out);

// Upper-case reference bases of [beg, end) of contig tid (clipped to the contig); *len gets the
// length. Returns a malloc'ed string, or NULL after printing an error.
char *scan_inputs_fetch_ref(ScanInputs *in, int tid, int64_t beg, int64_t end, int64_t *len);

// Number of int16 values saturated so far by this ScanInputs (should stay 0).
long scan_inputs_saturated(const ScanInputs *in);

#endif
