// rng.h — seeded, portable pseudo-random numbers (xoshiro256**, seeded by splitmix64).
// The whole state is the struct, so checkpoints save and restore it exactly.
#ifndef CALLA_RNG_H
#define CALLA_RNG_H
#include <math.h>
#include <stdint.h>

typedef struct {
    uint64_t s[4];
} Rng;

static inline uint64_t rng_splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline void rng_seed(Rng *r, uint64_t seed) {
    for (int i = 0; i < 4; i++) r->s[i] = rng_splitmix64(&seed);
}

static inline uint64_t rng_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t rng_u64(Rng *r) {
    uint64_t *s = r->s;
    uint64_t result = rng_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rng_rotl(s[3], 45);
    return result;
}

// Uniform in [0, 1) with 53 random bits.
static inline double rng_uniform(Rng *r) { return (rng_u64(r) >> 11) * (1.0 / 9007199254740992.0); }

// Uniform integer in [0, n) (n > 0), without modulo bias worth worrying about for n << 2^64.
static inline uint64_t rng_below(Rng *r, uint64_t n) { return rng_u64(r) % n; }

// Standard normal by Box–Muller (no cached second value, so the state stays the struct).
static inline double rng_normal(Rng *r) {
    double u1 = rng_uniform(r), u2 = rng_uniform(r);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

// A child stream derived from a parent seed and an index (e.g. per region or per rank).
static inline void rng_seed_stream(Rng *r, uint64_t seed, uint64_t stream) {
    uint64_t x = seed ^ (0xd1b54a32d192ed03ULL * (stream + 1));
    rng_seed(r, rng_splitmix64(&x));
}

#endif
