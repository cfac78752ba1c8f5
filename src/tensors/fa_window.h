// fa_window.h — full-alignment tensors of a sorted list of candidates on one contig from one pass
// over the reads (a sliding window): the caller streams the reads of [first - 16, last + 17) in
// coordinate order (e.g. from a FaReadBuf filled during the chunk's scan); each read is decoded once when it
// enters, each candidate is encoded as soon as no later read can overlap its window, and reads
// that end before the next candidate's window are freed. Memory: the reads overlapping the
// current window (plus long reads still spanning it).
#ifndef CALLA_FA_WINDOW_H
#define CALLA_FA_WINDOW_H
#include <stdint.h>

#include "tensors/features_fa.h"

// Called once per candidate, in list order: i is its index in pos[], feat its fa_nfeat(rows)
// values (valid during the call), n_reads the eligible reads overlapping its window. Returns 0 to
// go on, non-zero to stop (returned by fa_window_add / fa_window_finish).
typedef int (*FaEmitFn)(void *ud, int i, const int8_t *feat, int n_reads);

typedef struct FaWindow FaWindow;
// pos[0..n): candidate positions (0-based, ascending, on contig tid); ref: upper- or lower-case
// reference of [ref_beg, ref_beg + ref_len) (positions outside read as 'N'). The arrays must
// outlive the window. p is copied.
FaWindow *fa_window_new(const FaParams *p, int tid, const int64_t *pos, int n, const char *ref,
                        int64_t ref_beg, int64_t ref_len, FaEmitFn emit, void *ud);
// Adds the next read (coordinate order). Returns 0, or the emit callback's non-zero value.
int fa_window_add(FaWindow *w, const struct bam1_t *b);
// Encodes the candidates still pending (after the last read). Returns 0 or emit's non-zero value.
int fa_window_finish(FaWindow *w);
// Number of reads decoded so far (eligible reads that reached the window).
long fa_window_reads(const FaWindow *w);
void fa_window_free(FaWindow *w);

// A buffer of raw alignments for the window: the eligible reads (FaParams flags and MAPQ)
// overlapping [lo, hi), copied as they stream past once (e.g. during the pileup scan of a work
// chunk: reads/candidates.h scan_region_reads), fed to a window later. Reused across chunks.
typedef struct FaReadBuf FaReadBuf;
FaReadBuf *fa_readbuf_new(void);
// Empties the buffer and sets what it keeps. p must outlive the filling.
void fa_readbuf_reset(FaReadBuf *rb, const FaParams *p, int64_t lo, int64_t hi);
// Keeps a copy of b when it is eligible and overlaps [lo, hi); rb is a FaReadBuf. Returns 0.
int fa_readbuf_add(void *rb, const struct bam1_t *b);
// Hands the buffered reads, in the order they came, to fa_window_add; returns its first
// non-zero value, else 0.
int fa_readbuf_feed(const FaReadBuf *rb, FaWindow *w);
void fa_readbuf_free(FaReadBuf *rb);

#endif
