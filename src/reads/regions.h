// regions.h — the regions a command works on (-r list, -R BED, or every contig), validated against
// the BAM and the reference, sorted and merged; their split into fixed chunks; and a runner that
// processes chunks on N threads and hands the results back in chunk order, so that the output
// does not depend on the thread count. Shared by `calla tensors` and `calla call`.
#ifndef CALLA_REGIONS_H
#define CALLA_REGIONS_H
#include <stddef.h>
#include <stdint.h>

#include "reads/candidates.h"

typedef struct {
    int tid;  // BAM contig index
    int64_t beg, end;  // 0-based, half-open
} Region;

typedef struct {
    int tid;
    int64_t beg, end;
    uint64_t index;  // position in the chunk list (region order)
    // regions_chunks_joined: the regions that [beg, end) spans when it joins several (the rest of
    // [beg, end) is a gap between them, worked on but not reported); NULL, 0 when [beg, end) lies
    // inside one region
    const Region *iv;
    int n_iv;
} Chunk;

// Builds the work regions: each -r argument (samtools syntax chr, chr:beg, chr:beg-, chr:beg-end,
// {chr}:beg-end, 1-based inclusive, commas allowed: common/region.h) and each interval of bed_path
// (0-based half-open, plain or gzipped: tensors/bed.h; may be NULL); with
// neither, every BAM contig present in the reference (the others are skipped with one warning).
// Every region must name a contig of both the BAM and the reference and lie inside it.
// The result is sorted by (tid, beg) with overlapping regions merged.
// Returns 0; -1 after a one-line error (runtime error); -2 after a one-line error for a malformed
// -r argument (usage error).
int regions_build(const ScanInputs *in, char *const *region_args, int n_region_args,
                  const char *bed_path, Region **regs, int *n_regs);

// Splits the regions into chunks of at most chunk_size positions, numbered in region order.
// *total_pos: positions covered. Returns the array (free it), NULL when there are none.
Chunk *regions_chunks(const Region *regs, int n_regs, int64_t chunk_size, size_t *n_chunks,
                      int64_t *total_pos);

// The same, except that consecutive regions of one contig at most join_gap bases apart are first
// joined into one span (with the gaps), which is then split into chunks of at most chunk_size
// positions; a chunk of a span points to the span's regions that overlap it (Chunk.iv, into regs,
// which must outlive the chunks), and a chunk that overlaps none of them is left out.
// join_gap < 0: regions_chunks. *total_pos: the regions' positions only (the gaps not counted).
Chunk *regions_chunks_joined(const Region *regs, int n_regs, int64_t chunk_size, int64_t join_gap,
                             size_t *n_chunks, int64_t *total_pos);

// 1 when position pos of the chunk's contig is one to report: inside [beg, end) and, for a chunk
// of joined regions, inside one of them.
static inline int chunk_covers(const Chunk *ch, int64_t pos) {
    if (pos < ch->beg || pos >= ch->end) return 0;
    if (!ch->iv) return 1;
    for (int k = 0; k < ch->n_iv; k++)
        if (pos >= ch->iv[k].beg && pos < ch->iv[k].end) return 1;
    return 0;
}

// The positions of the chunk to report (end - beg less its gaps).
int64_t chunk_positions(const Chunk *ch);

// Ordered parallel runner. work() runs on chunks in parallel (thread = 0..threads-1) through a
// sliding window of 2 x threads slots (chunk i uses slot i % (2 x threads), at
// (char *)slots + slot * slot_size), and sink() is called for each chunk in chunk order as soon as
// it and all chunks before it are done. work/sink return 0, or -1 after printing an error; the run
// stops at the first failure (in chunk order). Returns 0 or -1.
typedef int (*ChunkWorkFn)(void *ud, int thread, const Chunk *ch, void *slot);
typedef int (*ChunkSinkFn)(void *ud, const Chunk *ch, void *slot);
int chunks_run(const Chunk *chunks, size_t n_chunks, int threads, void *slots, size_t slot_size,
               ChunkWorkFn work, ChunkSinkFn sink, void *ud);

// The command line as one string, without -@/--threads (so that outputs stay identical for any
// thread count). Free it.
char *cmdline_without_threads(int argc, char **argv);

#endif
