// test_dist_zero.c — ZeRO-1 shard arithmetic (training/zero.h), optimizer state sliced into
// shards and stepped shard by shard (must equal the unsharded step bit for bit, every optimizer
// kind, Lookahead synchronisation included), and the one-rank reducer for every host-side
// backend.
// The multi-rank collectives are checked by tests/tools/zerocheck.c under mpirun
// (tests/cli/test_mpi_zero.sh).
#include <string.h>

#include "common/rng.h"
#include "common/util.h"
#include "testlib.h"
#include "training/dist.h"
#include "training/optim.h"
#include "training/zero.h"

static void range(size_t n, int w, int r, size_t a, size_t *lo, size_t *hi) {
    zero_shard_range(n, w, r, a, lo, hi);
}

// Hand-computed cases.
static void test_examples(void) {
    size_t lo, hi;
    // Clair3 pileup on 64 ranks: ceil(2,072,216 / 64) = 32,378 (32,377.75 rounded up), rounded up
    // to a multiple of 16: 32,384; rank 63 starts at 63 x 32,384 = 2,040,192 and holds 32,024.
    T_EQ_INT(zero_shard_size(2072216, 64, 16), 32384);
    range(2072216, 64, 63, 16, &lo, &hi);
    T_EQ_INT(lo, 2040192);
    T_EQ_INT(hi, 2072216);
    T_EQ_INT(zero_padded_len(2072216, 64, 16), 2072576);
    // Clairvoyante on 2 ranks: 1,631,496 / 2 = 815,748 = 16 x 50,984.25 -> 815,760.
    T_EQ_INT(zero_shard_size(1631496, 2, 16), 815760);
    range(1631496, 2, 1, 16, &lo, &hi);
    T_EQ_INT(lo, 815760);
    T_EQ_INT(hi, 1631496);
    // 10 floats, 3 ranks, align 4: ceil(10/3) = 4 -> [0,4) [4,8) [8,10).
    range(10, 3, 2, 4, &lo, &hi);
    T_EQ_INT(lo, 8);
    T_EQ_INT(hi, 10);
    // 5 floats on 4 ranks, align 16: rank 0 holds everything, the rest are empty at the end.
    range(5, 4, 0, 16, &lo, &hi);
    T_EQ_INT(lo, 0);
    T_EQ_INT(hi, 5);
    range(5, 4, 3, 16, &lo, &hi);
    T_EQ_INT(lo, 5);
    T_EQ_INT(hi, 5);
    // One rank: everything.
    range(1003, 1, 0, 16, &lo, &hi);
    T_EQ_INT(lo, 0);
    T_EQ_INT(hi, 1003);
    T_EQ_INT(zero_shard_size(0, 3, 16), 0);
    // Bucket [6, 13) of 20 floats on 3 ranks, align 2: S = 8 -> shards [0,8) [8,16) [16,20);
    // pieces 2, 5, 0; first rank 0.
    size_t c[3];
    T_EQ_INT(zero_bucket_counts(20, 3, 2, 6, 13, c), 0);
    T_EQ_INT(c[0], 2);
    T_EQ_INT(c[1], 5);
    T_EQ_INT(c[2], 0);
    T_EQ_INT(zero_bucket_counts(20, 3, 2, 17, 20, c), 2);
    T_EQ_INT(c[0] + c[1], 0);
    T_EQ_INT(c[2], 3);
}

// Invariants over a sweep: shards tile [0, n) in rank order, each at most S floats, S a
// multiple of align, boundaries aligned (except n), imbalance (padding) below world x align, and
// the pieces of any bucket add up to it and lie inside their owner's shard.
static void test_sweep(void) {
    const size_t ns[] = {0, 1, 15, 16, 17, 1000, 1003, 4096, 65537, 2072216, 1631496};
    const size_t aligns[] = {1, 4, 16};
    for (size_t ni = 0; ni < sizeof ns / sizeof ns[0]; ni++)
        for (size_t ai = 0; ai < 3; ai++)
            for (int w = 1; w <= 67; w += (w < 9 ? 1 : 29)) {
                size_t n = ns[ni], a = aligns[ai], s = zero_shard_size(n, w, a), prev = 0;
                T_CHECK(s % a == 0);
                T_CHECK(s * (size_t)w >= n);
                T_CHECK(n == 0 || s * (size_t)w - n < (size_t)w * a);
                for (int r = 0; r < w; r++) {
                    size_t lo, hi;
                    range(n, w, r, a, &lo, &hi);
                    if (lo != prev || hi < lo || hi - lo > s || (lo != n && lo % a)) {
                        fprintf(stderr, "n %zu w %d align %zu rank %d: [%zu, %zu) after %zu\n", n,
                                w, a, r, lo, hi, prev);
                        t_failures++;
                    }
                    prev = hi;
                }
                T_CHECK(prev == n);
                size_t c[67], blo = n / 3, bhi = n - n / 5, sum = 0;
                int first = zero_bucket_counts(n, w, a, blo, bhi, c);
                for (int r = 0; r < w; r++) {
                    size_t lo, hi;
                    range(n, w, r, a, &lo, &hi);
                    size_t x = lo > blo ? lo : blo, y = hi < bhi ? hi : bhi;
                    T_EQ_INT(c[r], y > x ? y - x : 0);
                    if (r < first) T_EQ_INT(c[r], 0);
                    sum += c[r];
                }
                T_EQ_INT(sum, bhi - blo);
            }
}

static void fill(float *x, size_t n, uint64_t seed, float scale) {
    Rng r;
    rng_seed_stream(&r, seed, 0);
    for (size_t i = 0; i < n; i++) x[i] = scale * (float)(rng_uniform(&r) * 2 - 1);
}

// Each shard stepped alone from sliced state = the unsharded step, bit for bit, for 13 steps
// (Lookahead synchronises at 6 and 12); and the sliced shards reassemble to the full state.
static void test_optim_shards(void) {
    const size_t n = 1003;
    const int W = 3;
    for (int k = 0; k < 3; k++) {
        float *p_full = xmalloc(n * sizeof(float)), *p_sh = xmalloc(n * sizeof(float));
        float *g = xmalloc(n * sizeof(float));
        uint8_t *mask = xmalloc(n);
        fill(p_full, n, 11, 0.5f);
        memcpy(p_sh, p_full, n * sizeof(float));
        for (size_t i = 0; i < n; i++) mask[i] = i % 3 != 0;
        Optimizer full, sh[3];
        optim_init(&full, (OptKind)k, n, 1e-2, p_full);
        for (int r = 0; r < W; r++) {
            size_t lo, hi;
            range(n, W, r, 16, &lo, &hi);
            zero_optim_slice(&sh[r], &full, lo, hi);
            T_EQ_INT(sh[r].n, hi - lo);
        }
        for (int step = 1; step <= 13; step++) {
            fill(g, n, 100 + step, 1.0f);
            optim_step(&full, p_full, g, mask, 1e-2, 1.0);
            for (int r = 0; r < W; r++) {
                size_t lo, hi;
                range(n, W, r, 16, &lo, &hi);
                optim_step(&sh[r], p_sh + lo, g + lo, mask + lo, 1e-2, 1.0);
            }
        }
        T_CHECK(memcmp(p_full, p_sh, n * sizeof(float)) == 0);
        int64_t moved = 0;
        for (size_t i = 0; i < n; i++) moved += p_full[i] != p_sh[i] ? 1 : 0;
        T_EQ_INT(moved, 0);
        for (int r = 0; r < W; r++) {
            size_t lo, hi;
            range(n, W, r, 16, &lo, &hi);
            T_EQ_INT(sh[r].t, 13);
            T_CHECK(memcmp(sh[r].m, full.m + lo, (hi - lo) * sizeof(float)) == 0);
            T_CHECK(memcmp(sh[r].v, full.v + lo, (hi - lo) * sizeof(float)) == 0);
            if (k == OPT_RADAM_LOOKAHEAD)
                T_CHECK(memcmp(sh[r].slow, full.slow + lo, (hi - lo) * sizeof(float)) == 0);
            else
                T_CHECK(sh[r].slow == NULL);
            optim_free(&sh[r]);
        }
        // One rank: the gather is a copy of the whole state.
        Optimizer one, back;
        zero_optim_slice(&one, &full, 0, n);
        zero_optim_gather(&one, &back, n, 0);
        T_EQ_INT(back.n, n);
        T_EQ_INT(back.t, 13);
        T_CHECK(memcmp(back.m, full.m, n * sizeof(float)) == 0);
        T_CHECK(memcmp(back.v, full.v, n * sizeof(float)) == 0);
        optim_free(&one);
        optim_free(&back);
        optim_free(&full);
        free(p_full), free(p_sh), free(g), free(mask);
    }
}

static void to_host(void *ctx, float *host, const float *dev, size_t n) {
    (*(int *)ctx)++;
    memcpy(host, dev, n * sizeof(float));
}
static void to_device(void *ctx, float *dev, const float *host, size_t n) {
    (*(int *)ctx)++;
    memcpy(dev, host, n * sizeof(float));
}

// One rank: the all-reduce leaves the buffer alone; ZeRO-1 copies the whole buffer into the
// shard (host and host-staged backends); the parameter all-gather is a no-op.
static void test_reducer_one_rank(void) {
    const size_t n = 1003;
    float *g = xmalloc(n * sizeof(float)), *sh = xcalloc(n, sizeof(float));
    float *ref = xmalloc(n * sizeof(float));
    fill(g, n, 5, 2.0f);
    memcpy(ref, g, n * sizeof(float));
    int copies = 0;
    for (int b = 0; b < 2; b++)
        for (int z = 0; z < 2; z++) {
            DistReducerOpts o;
            memset(&o, 0, sizeof o);
            o.backend = b ? DIST_STAGED : DIST_HOST;
            o.zero = z;
            o.bucket = 100;
            o.copy = (DistDeviceCopy){to_host, to_device, &copies};
            memset(sh, 0, n * sizeof(float));
            DistReducer *r = dist_reducer_open(g, z ? sh : NULL, n, &o);
            T_EQ_INT(dist_reducer_buckets(r), 11);
            dist_reducer_ready(r, 500, n);
            dist_reducer_ready(r, 0, 500);
            dist_reducer_finish(r);
            dist_reducer_gather_params(r, g);
            T_CHECK(memcmp(g, ref, n * sizeof(float)) == 0);
            if (z) T_CHECK(memcmp(sh, ref, n * sizeof(float)) == 0);
            dist_reducer_free(r);
        }
    T_EQ_INT(copies, 2);  // staged, zero 1: one copy out, one back
    T_CHECK(!strcmp(dist_backend_name(DIST_NCCL), "nccl"));
    T_EQ_INT(dist_device_index(4), 0);
    free(g), free(sh), free(ref);
}

int main(void) {
    test_examples();
    test_sweep();
    test_optim_shards();
    test_reducer_one_rank();
    T_DONE();
}
