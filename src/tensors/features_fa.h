// features_fa.h — Clair3 full-alignment (FA) tensors (clair3.md §2): per candidate, up to `rows`
// reads x 33 positions x 8 channels of Clair3's int8 codes, from the reads overlapping
// [centre-16, centre+16]. Decisions where the spec is open or Clair3's C and Python paths differ
// are in docs/tensors.md "Full-alignment tensors".
//
// Output layout (the tensor file's, tensorfile.h): out[p * rows * 8 + r * 8 + c], p = window
// position 0..32, r = row 0..rows-1, c = channel:
//   0 reference base (A 100, C 25, G 75, T 50, other 100 = N)
//   1 this read's event: -50 insertion after this base, -100 deletion after this base, else the
//     read base's code when it differs from the reference (N 100, other IUPAC 0), 0 on a match
//   2 strand: forward 100, reverse 50
//   3 mapping quality int(100 * min(MQ, 60) / 60)
//   4 base quality int(100 * min(BQ, 40) / 40)
//   5 per-read candidate allele fraction: the read's event at the centre (insertion sequence,
//     deletion length or mismatching base, in that priority) over the centre depth of all eligible
//     reads, int(100 * AF) (float32 as Clair3); 0 when the read shows the reference at the centre
//   6 inserted bases: an insertion b1..bk anchored at column p < 32 writes code(b_{i+1}) to
//     column p+i, i = 0..min(k, 33-p)-1 (only channel 6; columns p+1.. keep their other values)
//   7 haplotype: HP1 30, HP2 90, unknown 60
// A deleted base (or a reference skip) is all zero, as is every cell outside the read's span and
// every padding row; channel 5 is written only in cells where the read has a base.
#ifndef CALLA_FEATURES_FA_H
#define CALLA_FEATURES_FA_H
#include <stdint.h>

struct bam1_t;

// The haplotype of a read: 1 or 2, or 0 for unknown/unphased (any other value counts as 0).
// Called once for each eligible read when it enters the window (coordinate order); `b` is valid
// only during the call. ud is FaParams.hp_ud.
typedef int (*FaReadHpFn)(void *ud, const struct bam1_t *b);
// The default: the read's BAM `HP` aux tag (integer 1 or 2; absent or anything else: 0).
int fa_hp_from_tag(void *ud, const struct bam1_t *b);

typedef struct {
    int rows;             // matrix depth (TF_FA_ROWS_* per platform)
    int min_mapq;         // reads with MAPQ below are not eligible (5)
    unsigned excl_flags;  // reads with any of these flags are not eligible (2316 = Clair3's C path)
    uint64_t seed;        // subsampling seed (with the contig and the position)
    FaReadHpFn read_hp;   // NULL: every read unknown (60), i.e. --no-phasing
    void *hp_ud;
} FaParams;
// rows for the platform, min_mapq 5, excl_flags 2316, seed 0, read_hp = fa_hp_from_tag.
void fa_params_default(FaParams *p, int rows);

// Values per candidate: 33 * rows * 8.
static inline int fa_nfeat(int rows) { return 33 * rows * 8; }

// A read decoded along the reference, ready for any number of windows.
typedef struct FaRead FaRead;
// Decodes an eligible read; returns NULL when the read is not eligible (flags, MAPQ, unmapped,
// no sequence, no reference-consuming operation) or does not overlap [lo, hi). hp: 0, 1 or 2.
// order: its rank in coordinate order (the tie-break of the row sort). Only the part inside
// [lo, hi) is kept (windows must lie inside it; INT64_MIN, INT64_MAX keeps the whole read).
FaRead *fa_read_new(const struct bam1_t *b, const FaParams *p, int hp, int64_t order, int64_t lo,
                    int64_t hi);
void fa_read_free(FaRead *r);
int64_t fa_read_beg(const FaRead *r);  // first reference position kept (0-based)
int64_t fa_read_end(const FaRead *r);  // one past the last

// Scratch space of the encoder (reused across candidates; one per thread).
typedef struct FaScratch FaScratch;
FaScratch *fa_scratch_new(void);
void fa_scratch_free(FaScratch *s);

// Encodes the candidate at `centre` of contig `tid` from reads[0..n), in coordinate order (the
// `order` they were decoded with increasing); reads not overlapping [centre-16, centre+16] are
// ignored, and of reads sharing a name only the first overlapping one is used.
// ref: the reference bases of [centre-16, centre+16] (33 chars, upper or lower case; anything
// outside the contig may be 'N'). out: fa_nfeat(p->rows) values.
// Returns the number of eligible reads overlapping the window (before subsampling to rows).
int fa_encode(const FaParams *p, FaScratch *s, FaRead *const *reads, int n, const char *ref,
              int tid, int64_t centre, int8_t *out);

#endif
