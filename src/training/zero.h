// zero.h — ZeRO-1 optimizer-state sharding (llmc.md §3.3, issue #8): the shard boundaries of the
// flat parameter buffer, and the optimizer state cut to a shard or gathered back for checkpoints.
//
// Shards. The n floats of the parameter (and gradient, and optimizer-state) buffer are cut into
// `world` contiguous shards of S = roundup(ceil(n / world), align) floats: rank r owns
//   [min(n, r*S), min(n, (r+1)*S)).
// Every shard is S floats except the last non-empty one (shorter) and, when n is small, trailing
// empty ones. Why this layout rather than the best balance (sizes differing by at most `align`):
// NCCL's ncclAllGather and ncclReduceScatter take ONE count for every rank, so the device path
// needs equal shards over a buffer padded to world*S floats (zero_padded_len); the host MPI path
// uses the same boundaries (MPI_Allgatherv / MPI_Reduce_scatter with per-rank counts) so that both
// backends give each rank the same elements. The imbalance is below world*align floats (Clair3,
// 64 ranks, align 16: 32,384 floats per shard, the last 32,024). align = 16 floats = 64 bytes, a
// cache line; also a multiple of NCCL's 16-byte alignment in fp32 and in bf16.
#ifndef CALLA_ZERO_H
#define CALLA_ZERO_H
#include <stddef.h>

#include "training/optim.h"

#define ZERO_ALIGN 16

// S: floats per shard (0 when n == 0). world >= 1, align >= 1.
size_t zero_shard_size(size_t n, int world, size_t align);
// Rank r's shard [*lo, *hi) (empty, lo == hi == n, past the end of the buffer).
void zero_shard_range(size_t n, int world, int rank, size_t align, size_t *lo, size_t *hi);
// world * S: the length a buffer needs for an in-place equal-count all-gather (NCCL).
size_t zero_padded_len(size_t n, int world, size_t align);
// Floats of [blo, bhi) that fall in each rank's shard: counts[world]; the pieces are contiguous
// and in rank order (they concatenate to [blo, bhi)). Returns the first rank with a non-empty
// piece (world if none).
int zero_bucket_counts(size_t n, int world, size_t align, size_t blo, size_t bhi, size_t *counts);

// A new optimizer holding elements [lo, hi) of `full` (same kind, hyper-parameters and step
// count; state copied). `full` is left unchanged.
void zero_optim_slice(Optimizer *shard, const Optimizer *full, size_t lo, size_t hi);
// Collective: gathers every rank's shard state (m, v, Lookahead slow weights) into `full` (n
// floats) on rank `root`, which must call optim_free on it; other ranks get a zeroed `full`.
void zero_optim_gather(const Optimizer *shard, Optimizer *full, size_t n, int root);

#endif
