// zero.c — see zero.h.
#include "training/zero.h"

#include <string.h>

#include "common/util.h"
#include "training/dist.h"

size_t zero_shard_size(size_t n, int world, size_t align) {
    if (world < 1) world = 1;
    if (align < 1) align = 1;
    size_t per = (n + (size_t)world - 1) / (size_t)world;
    return (per + align - 1) / align * align;
}

void zero_shard_range(size_t n, int world, int rank, size_t align, size_t *lo, size_t *hi) {
    size_t s = zero_shard_size(n, world, align);
    size_t a = (size_t)rank * s, b = a + s;
    *lo = a < n ? a : n;
    *hi = b < n ? b : n;
}

size_t zero_padded_len(size_t n, int world, size_t align) {
    return zero_shard_size(n, world, align) * (size_t)(world < 1 ? 1 : world);
}

int zero_bucket_counts(size_t n, int world, size_t align, size_t blo, size_t bhi, size_t *counts) {
    int first = world;
    if (bhi > n) bhi = n;
    for (int r = 0; r < world; r++) {
        size_t lo, hi;
        zero_shard_range(n, world, r, align, &lo, &hi);
        size_t a = lo > blo ? lo : blo, b = hi < bhi ? hi : bhi;
        counts[r] = b > a ? b - a : 0;
        if (counts[r] && first == world) first = r;
    }
    return first;
}

void zero_optim_slice(Optimizer *shard, const Optimizer *full, size_t lo, size_t hi) {
    if (hi < lo || hi > full->n)
        calla_die("optimizer shard [%zu, %zu) outside the %zu-element state", lo, hi, full->n);
    size_t k = hi - lo;
    *shard = *full;
    shard->n = k;
    shard->m = xmalloc((k ? k : 1) * sizeof(float));
    shard->v = xmalloc((k ? k : 1) * sizeof(float));
    memcpy(shard->m, full->m + lo, k * sizeof(float));
    memcpy(shard->v, full->v + lo, k * sizeof(float));
    shard->slow = NULL;
    if (full->slow) {
        shard->slow = xmalloc((k ? k : 1) * sizeof(float));
        memcpy(shard->slow, full->slow + lo, k * sizeof(float));
    }
}

void zero_optim_gather(const Optimizer *shard, Optimizer *full, size_t n, int root) {
    const int R = dist_rank();
    memset(full, 0, sizeof *full);
    if (R == root) {
        *full = *shard;
        full->n = n;
        full->m = xcalloc(n ? n : 1, sizeof(float));
        full->v = xcalloc(n ? n : 1, sizeof(float));
        full->slow = shard->slow ? xcalloc(n ? n : 1, sizeof(float)) : NULL;
    }
    dist_shard_gather(shard->m, full->m, n, root, "optimizer state gather (m)");
    dist_shard_gather(shard->v, full->v, n, root, "optimizer state gather (v)");
    if (shard->slow)
        dist_shard_gather(shard->slow, full->slow, n, root, "optimizer state gather (slow)");
}
