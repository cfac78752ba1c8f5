// dist_nccl.h — the NCCL backend of the gradient reducer (dist.h, DIST_NCCL); compiled only with
// CALLA_NCCL (MPI + CUDA + libnccl). Called from dist.c only. One communicator per process over
// all ranks, created on first use; device buffers; every operation is queued on a communication
// stream that first waits (event) for the work queued so far on the caller's compute stream.
#ifndef CALLA_DIST_NCCL_H
#define CALLA_DIST_NCCL_H
#include <stddef.h>

// Selects device dist_device_index(count), then rank 0's ncclGetUniqueId, MPI_Bcast,
// ncclCommInitRank. Idempotent.
void dist_nccl_init(void);
// Sum of grads[blo, bhi) over ranks: in place (shard == NULL, ncclAllReduce), or (ZeRO-1) every
// rank's piece of the bucket reduced onto its owner, landing in the owner's shard buffer at its
// place (grouped ncclReduce, root = owner; NCCL has no reduce-scatter with per-rank counts).
void dist_nccl_reduce_bucket(float *grads, float *shard, size_t n, size_t blo, size_t bhi,
                             void *stream);
// The compute stream waits (event) for every queued collective; checks asynchronous errors.
void dist_nccl_finish(void *stream);
// ZeRO-1: ncclAllGather in place of the equal shards; params holds zero_padded_len() floats.
void dist_nccl_allgather(float *params, size_t n, void *stream);
// Device-to-device copy of n floats on `stream` (the one-rank ZeRO-1 case).
void dist_nccl_copy(float *dst, const float *src, size_t n, void *stream);
// Destroys the communicator, stream and events (from dist_finalize).
void dist_nccl_finalize(void);

#endif
