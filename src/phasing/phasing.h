// phasing.h — read-based phasing of heterozygous SNPs and haplotagging of reads (WhatsHap style,
// clair3.md §2.4), the library behind `calla haplotag` and the caller's haplotype channel.
// docs/phasing.md describes the method; in short:
//   1. each read's allele at each het SNP it overlaps: its bases over the SNP ±10 reference bases
//      compared by edit distance with the reference and the alternative haplotype (allele.c);
//   2. a read × site allele matrix (reads with >= 2 informative sites, depth capped per site);
//   3. minimum-error-correction phasing of that matrix (mec.c): consecutive sites linked by cis /
//      trans read votes into blocks, then local moves (flip a site, switch a block's suffix) while
//      the number of read/haplotype disagreements falls; PS = 1-based position of a block's first
//      SNP;
//   4. a read's haplotype: per phase set +1 for each site agreeing with haplotype 1, -1 otherwise;
//      HP 1/2 from the phase set with the largest |score| (untagged when 0).
// Everything is deterministic: the result depends on the reads and sites only, never on threads.
//
// Use from another module (reads streamed by the caller, in coordinate order, one contig region):
//   PhaseBuilder *pb = phase_builder_new(&params, sites, n, ref, ref_beg, ref_len);
//   for each read: phase_builder_add_read(pb, b);
//   PhaseResult *pr = phase_builder_finish(pb);       // pb is freed
//   int ps; int hp = phasing_read_hp(pr, b, &ps);    // any read of that contig, any order
//   ... phase_result_free(pr);
// A PhaseResult holds copies of the reference windows it needs, so phasing_read_hp reads no
// reference and is safe to call from several threads at once.
#ifndef CALLA_PHASING_H
#define CALLA_PHASING_H
#include <stdint.h>

#include <htslib/sam.h>

// Reference bases each side of a SNP compared with the read (Clair3/WhatsHap overhang = 10: the
// window is [pos - 10, pos + 10], 21 bases, clipped to the read's aligned span).
#define PHASE_FLANK 10
#define PHASE_WIN (2 * PHASE_FLANK + 1)

typedef struct {
    int64_t pos;  // 0-based
    char ref, alt;  // upper-case A/C/G/T
    float qual;     // the VCF's QUAL (HUGE_VALF when missing); not used by the phasing itself
} HetSite;

typedef struct {
    int min_mapq;       // reads below are neither used nor tagged [20]
    unsigned excl_flags;  // reads with any of these flags are neither used nor tagged [0xF04]
    int max_coverage;   // reads kept per site for phasing (tagging uses every read) [20]
} PhaseParams;
void phase_params_default(PhaseParams *p);

typedef struct {
    int64_t pos;   // 0-based
    char ref, alt;
    int8_t hap1;   // allele on haplotype 1: 0 (ref; GT 0|1), 1 (alt; GT 1|0), -1 unphased
    int32_t ps;    // phase set: 1-based position of the block's first SNP; 0 unphased
    int64_t win_beg;  // reference window [win_beg, win_beg + win_len) around pos
    int win_len;
    char win[PHASE_WIN];
} PhasedSite;

typedef struct {
    int tid;            // contig the sites are on (the caller's numbering; -1 when unknown)
    int n_sites;
    PhasedSite *sites;  // sorted by pos
    PhaseParams params;
    // statistics of the phasing run
    long n_reads_used;  // fragments in the allele matrix (a read, or both mates of a pair)
    long n_reads_capped;  // informative reads left out by max_coverage
    long mec_cost;      // disagreements between the used reads and the phased haplotypes
    int n_ref_mismatch;  // sites dropped: VCF REF differs from the reference
} PhaseResult;

typedef struct PhaseBuilder PhaseBuilder;
// sites: sorted by position, on one contig; ref: reference bases [ref_beg, ref_beg + ref_len)
// (upper or lower case), which should extend PHASE_FLANK beyond the outer sites (windows are
// clipped to it). Sites whose REF differs from the reference are dropped (counted in
// n_ref_mismatch). The builder copies what it needs: sites and ref may be freed afterwards.
PhaseBuilder *phase_builder_new(const PhaseParams *p, int tid, const HetSite *sites, int n_sites,
                                const char *ref, int64_t ref_beg, int64_t ref_len);
// Reads must come sorted by position (as from a BAM iterator); filtered reads are ignored.
// Returns 1 when the read entered the allele matrix, else 0.
int phase_builder_add_read(PhaseBuilder *pb, const bam1_t *b);
// Phases, frees the builder and returns the result (never NULL).
PhaseResult *phase_builder_finish(PhaseBuilder *pb);
void phase_result_free(PhaseResult *r);
// Appends src's sites (all after dst's last site) to dst, adding the statistics.
void phase_result_append(PhaseResult *dst, const PhaseResult *src);

// A read's haplotype: 1 or 2 with *ps its phase set, or 0 (filtered read, no phased SNP, or a
// zero score) with *ps = 0. The read must be on the result's contig (its tid is not checked).
int phasing_read_hp(const PhaseResult *r, const bam1_t *b, int *ps);

// Index of the site at pos, or -1.
int phase_result_find(const PhaseResult *r, int64_t pos);

#endif
