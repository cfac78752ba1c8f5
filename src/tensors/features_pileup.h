// features_pileup.h — per-position pileup counts and the two pileup feature encodings:
// Clair3 pileup 33x18 (clair3.md §1.2, §1.4) and Clairvoyante 33x4x4 (clairvoyante.md §1.1-1.2).
// The functions are pure: counts in, int16 tensor out, so tests can feed hand-made counts.
#ifndef CALLA_FEATURES_PILEUP_H
#define CALLA_FEATURES_PILEUP_H
#include <stdint.h>

// Counts of one reference position; index 0 = forward strand, 1 = reverse strand.
typedef struct {
    int32_t base[2][4];   // reads whose aligned base is A, C, G, T (N read bases are skipped)
    int32_t ins[2];       // reads with an insertion right after this position (anchor)
    int32_t ins_best[2];  // reads carrying the most frequent insertion sequence (per strand)
    int32_t del[2];       // reads whose deletion starts right after this position (anchor)
    int32_t del_best[2];  // reads carrying the most frequent deletion length (per strand)
    int32_t delcov[2];    // reads with a deletion covering this position (* and #)
    int32_t nbase;        // reads whose aligned base is not A/C/G/T (N), both strands
    int32_t n_next;       // the same at the next position (Clair3's C pileup credits them here)
} PileupCol;

// 0..3 for A/C/G/T (either case), -1 otherwise.
int base_code(char c);
// Reads at the column: aligned A/C/G/T bases plus deletion-covered reads (N bases excluded).
int pileup_depth(const PileupCol *c);

// Clair3 pileup: out[p * 18 + ch], ch in A C G T I I1 D D1 * a c g t i i1 d d1 #.
// cols[0..32] are the window positions (all-zero for padding beyond the contig ends), ref[0..32]
// their reference bases ('N' or 0 for padding). The reference-base channel of each strand holds
// -(A+C+G+T) of that strand. When depth > 1.5 * max_depth the whole tensor is divided by
// depth / max_depth and truncated toward zero (clair3.md §1.4); max_depth <= 0 disables it.
// Returns the number of values that had to be saturated to the int16 range (0 in practice).
int features_clair3(const PileupCol *cols, const char *ref, int depth, int max_depth, int16_t *out);
// The same with Clair3-parity switches (docs/tensors.md "Clair3 parity"):
//   C3F_REF_AS_A    a reference base other than A/C/G/T takes the A channels (-(A+C+G+T) in A and
//                   -(a+c+g+t) in a), as both of Clair3's pileup paths do;
//   C3F_N_PREV_DEL  '#' of column p also counts cols[p].n_next (Clair3's C pileup indexes read N
//                   at -1, i.e. the previous column's last channel).
enum { C3F_REF_AS_A = 1, C3F_N_PREV_DEL = 2 };
int features_clair3_ex(const PileupCol *cols, const char *ref, int depth, int max_depth, int flags,
                       int16_t *out);

// Clairvoyante: out[p * 16 + 4 * base + ch] after "channels 1..3 minus channel 0".
// ins_bases[p][b]: inserted read bases b that the counting table puts in column p (the k-th base of
// an insertion whose following reference base is column c goes to column min(c + k, 32)).
// Returns the number of saturated values.
int features_clairvoyante(const PileupCol *cols, const char *ref, const int32_t (*ins_bases)[4],
                          int16_t *out);

#endif
