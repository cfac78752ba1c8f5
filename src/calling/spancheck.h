// spancheck.h — the span check of indel calls in repeats (`calla call --span-check`;
// docs/calling.md "The span check").
//
// The models genotype from the allele counts of their tensors, where a read that ends inside a
// repeat counts as REF although it cannot tell the alleles apart. This check counts only the
// reads that can: each read spanning the indel's repeat tract and a few flanking bases on both
// sides is aligned to the haplotypes of that stretch (REF and the ALT spelled out) and sides with
// the one it fits better (edit distance, the haplotype fitted anywhere inside the read's bases
// there: phase_fit_distance, phasing/allele.h). For a PASS call of one indel ALT, 0/1 or 1/1:
// - a second ALT: the commonest spelling of the stretch among the reads that spell neither REF
//   nor the ALT, shown by min_ref reads and frac of those spelling it, is added (the reads of a
//   1/2 site's other ALT fit REF better than the called ALT, or tie); the reads are fitted again
//   to the three, and the call becomes 1/2 where that is the likeliest genotype and each ALT has
//   min_ref reads and frac of them (spanchk_second_allele, spanchk_apply_12);
// - else a 1/1 call becomes 0/1 when at least min_ref reads fit REF and they are at least frac of
//   those that fit either (spanchk_demote), and a 0/1 call becomes 1/1 when nearly every read
//   spelling the stretch spells the ALT (spanchk_promote).
// Homopolymer length changes in runs of hp_run bases or more are left alone: every platform slips
// there, so REF reads are expected at a hom-alt (for ONT the run counts the bases an insertion
// adds).
#ifndef CALLA_SPANCHECK_H
#define CALLA_SPANCHECK_H
#include <stdint.h>

#include <htslib/sam.h>

#include "calling/genotype.h"

#define SPANCHK_FLANK 5       // reference bases each side of the repeat tract a read must cover
#define SPANCHK_MAX_WIN 300   // longer windows (tract + flanks + the longer allele) are not checked
#define SPANCHK_ERR 0.01      // per-read error rate of the PL written for a changed call

typedef struct {
    double frac;  // 0: no check
    int min_ref;  // [5]
    int hp_run;   // [8]
    int hp_alt;   // 1: an insertion's bases count in the run (ont's slips grow with the run the
                  // reads spell) [ont 1, else 0]
    int min_mapq; // reads below are not counted
    unsigned excl_flags;  // reads with any of these SAM flags are not counted (the pileup's)
} SpanCheckParams;

// The stretch a call is judged on: [beg, end) of the reference, its two spellings (h[0] REF,
// h[1] the ALT), and the repeat: the indel's sequence has period `unit`, and the tract of its
// copies in the reference spans `run` bases.
typedef struct {
    int64_t beg, end;
    char h[3][SPANCHK_MAX_WIN + 1];
    int lh[3];
    int nh;              // haplotypes in h: 2 (REF, ALT), 3 with a second ALT
                         // (spanchk_second_allele)
    int unit, run, pad;  // pad: read bases taken beyond the stretch on each side
    int ins;             // bases the ALT inserts (0 for a deletion)
    int64_t tract_beg, tract_end;  // the repeat tract, [beg, end) (empty at the indel: no repeat)
} SpanWindow;

// 1 when the homopolymer exception leaves the call alone: period 1 and a run of p->hp_run bases
// or more (the reference's tract, plus the inserted bases with p->hp_alt).
int spanchk_exempt(const SpanCheckParams *p, const SpanWindow *w);

// Fills w for call c (one ALT that changes the length; the shorter allele a prefix of the longer)
// from the reference ref of [ref_beg, ref_beg + ref_len) (upper case): h[0] REF, h[1] the ALT,
// nh 2. Returns 0, or -1 when the call is not of that kind or its stretch does not fit in the
// reference or SPANCHK_MAX_WIN.
int spanchk_window(SpanWindow *w, const Call *c, const char *ref, int64_t ref_beg, int64_t ref_len);

// The haplotype of w->h[0, w->nh) that read b fits best, or -1: it does not cover
// [w->beg, w->end) with aligned bases at both ends, has no SEQ, or fits two equally. seg (NULL,
// or room for SPANCHK_MAX_WIN + 1): the read's own spelling of the stretch, its bases from the one
// aligned to w->beg to the one aligned to w->end - 1, NUL-terminated, with *lseg its length (-1
// where the read does not cover the stretch or it is longer).
int spanchk_read_allele(const SpanWindow *w, const bam1_t *b, char *seg, int *lseg);

// Genotype log-likelihoods of allele counts cnt[0, n) (n = 2 to 4 alleles), in VCF order (j/k,
// j <= k, at k(k+1)/2 + j): each read shows allele a with probability (m/2)(1 - e) + e/n under a
// genotype with m copies of a, e = SPANCHK_ERR.
void spanchk_gl(const long *cnt, int n, double *ll);

// The decision on counts: 1 when a 1/1 call with nref REF-fitting and nalt ALT-fitting reads
// becomes 0/1 (the window's unit and run decide the homopolymer exception): also, 0/1 must be
// at least as likely as 0/0 and likelier than 1/1 (spanchk_gl), so that the PL written agrees.
int spanchk_demote(const SpanCheckParams *p, const SpanWindow *w, long nref, long nalt);

// The decision for a 0/1 call (no second ALT found), with n_span reads spelling the stretch,
// n_alt of them spelling it as the ALT: 1 when it becomes 1/1: not exempt, n_span at least
// 2 min_ref, n_alt at least (1 - frac) of n_span, and 1/1 likelier than 0/1 and 0/0 from the
// fitted counts nref, nalt (spanchk_gl). Needing the exact spelling from nearly every read keeps
// a het whose other haplotype carries another variant nearby (its reads spell neither) at 0/1.
int spanchk_promote(const SpanCheckParams *p, const SpanWindow *w, long nref, long nalt,
                    long n_span, long n_alt);

// Makes c a 1/1 call: GT, PL and GQ as spanchk_apply's, and marks it.
void spanchk_apply_hom(Call *c, long nref, long nalt);

// Makes c a 0/1 call: GT, PL (spanchk_gl of the counts; the gVCF's, with <*>, of the counts and
// none for <*>), GQ the second-lowest PL (at most 99), and marks it (spanchk).
void spanchk_apply(Call *c, long nref, long nalt);

// The second ALT a haplotype seg of w's stretch spells at the call's position: seg must keep the
// reference before c->pos and, past a REF of some length L >= strlen(c->ref), after it, and its
// allele must start with the reference base at c->pos and differ from REF's L bases by one block
// of bases inserted or deleted (not also a substitution, as a nearby SNP's reads spell) that can
// sit inside the repeat tract (or, without a tract, where the called indel sits: not a slip in
// the flank), be made of A, C, G and T, and differ in length from the called ALT (the same length
// with other bases: errors or a SNP on the ALT's haplotype, more likely than a second ALT of one
// length). Fills
// *ref2 (the reference's L bases), *alt1 (the call's ALT with the same bases appended) and *alt2
// (allocated). Returns 0, or -1 (none).
int spanchk_second_allele(const SpanWindow *w, const Call *c, const char *ref, int64_t ref_beg,
                         const char *seg, int lseg, char **ref2, char **alt1, char **alt2);

// Makes c the 1/2 call REF ref2, ALTs alt1 and alt2 (c takes them): GT 1/2, PL spanchk_gl of the
// counts cnt (REF, ALT1, ALT2 reads), GQ the second-lowest PL, AD the counts, AF each ALT's count
// over DP; the gVCF's PL as spanchk_apply's; marks it (spanchk).
void spanchk_apply_12(Call *c, const long cnt[3], char *ref2, char *alt1, char *alt2);

#endif
