// mec.h — read-based phasing of a read × site allele matrix by minimum error correction (MEC):
// find two complementary haplotypes and the blocks over which they are phased so that the number
// of read alleles disagreeing with the haplotype their read fragment is assigned to is small.
// Heuristic, deterministic (docs/phasing.md "Phasing"):
//   1. consecutive informative sites are linked by the reads holding both (cis: same allele
//      index, trans: different); a link with cis == trans (including no read) ends the block;
//      a block's orientation follows the majority of each link; one-site blocks stay unphased;
//   2. each read is split into one fragment per block; the cost of a fragment is
//      min(mismatches to haplotype 1, mismatches to haplotype 2);
//   3. local moves, in position order, accepted when they lower the total cost: flip one site;
//      flip the suffix of a block from a site on (a switch); repeated until neither helps.
#ifndef CALLA_PHASING_MEC_H
#define CALLA_PHASING_MEC_H
#include <stdint.h>

typedef struct {
    int n_reads, n_sites;
    const int *row_off;     // n_reads + 1 offsets into col/allele
    const int *col;         // site index, strictly ascending within a row
    const uint8_t *allele;  // 1 (ref) or 2 (alt); other values are ignored
} AlleleMatrix;

// hap1[s]: the allele (1 or 2) on haplotype 1, 0 for an unphased site; block[s]: index of the
// block's first site, -1 when unphased. Returns the MEC cost of the result (mec_cost).
long mec_phase(const AlleleMatrix *m, uint8_t *hap1, int *block);
// Cost of a phasing: over each read and each block it touches, min(disagreements with
// haplotype 1, with haplotype 2) over the read's alleles at the block's sites.
long mec_cost(const AlleleMatrix *m, const uint8_t *hap1, const int *block);

#endif
