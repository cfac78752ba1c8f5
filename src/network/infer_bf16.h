// infer_bf16.h — bf16 matrix products with fp32 accumulation, for inference only (calla call
// --precision bf16). Operands are rounded to bf16 (round to nearest, ties to even; NaN stays NaN)
// and multiplied in pairs along K exactly as the AVX-512-BF16 instruction vdpbf16ps does:
//   acc += a[2p+1]*b[2p+1];  acc += a[2p]*b[2p]   (each product exact in fp32, each add rounded
//   to nearest even; bf16 subnormal inputs read as zero, subnormal sums flushed to zero)
// Two implementations of that arithmetic: an AVX-512-BF16 kernel (compiled with a target
// attribute, used where the CPU has the instruction) and a portable scalar emulation that runs
// anywhere. tests/unit/test_infer_bf16.c checks them against each other (docs/network.md).
#ifndef CALLA_INFER_BF16_H
#define CALLA_INFER_BF16_H
#include <stdint.h>
#include <string.h>

// fp32 -> bf16 bits, round to nearest even (NaN kept, made quiet). Branch-free, so that loops
// over it vectorise.
static inline uint16_t bf16_from_f32(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    const uint32_t r = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16, n = (u >> 16) | 0x40u;
    const uint32_t nan = 0u - (uint32_t)((u & 0x7fffffffu) > 0x7f800000u);
    return (uint16_t)((n & nan) | (r & ~nan));
}
static inline float bf16_to_f32(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}
// Two consecutive K elements as one 32-bit pair (element 2p in the low half), as vdpbf16ps reads.
static inline uint32_t bf16_pair(float even, float odd) {
    return (uint32_t)bf16_from_f32(even) | (uint32_t)bf16_from_f32(odd) << 16;
}

// A [K, N] weight matrix in bf16, packed for the kernels: panels of BF16_NP columns, each panel
// [Kp/2][BF16_NP] pairs (Kp = K rounded up to even; padding rows and columns are zero).
#define BF16_NP 64
typedef struct {
    uint32_t *w;
    int K, N, kp2, npanels;  // kp2 = Kp / 2
} Bf16Mat;

// Packs row-major B [K, N] (leading dimension ldb); 0, or -1 on a bad shape.
int bf16mat_pack(Bf16Mat *m, const float *B, int K, int N, int ldb);
void bf16mat_free(Bf16Mat *m);
// Row r of A [M, K] (leading dimension lda) as kp2 pairs at out + r * ldo (ldo >= kp2, pairs).
void bf16_pack_rows(uint32_t *out, int ldo, const float *A, int M, int K, int lda);

// C[M, N] = bias + A2 * B (bias [N] broadcast over rows, or NULL for zero); A2 holds M rows of
// B->kp2 pairs with stride lda2 (pairs). simd != 0 uses the AVX-512-BF16 kernel, which the caller
// must have checked with bf16_simd_available(); 0 runs the scalar emulation.
void bf16_gemm(int M, const uint32_t *A2, int lda2, const Bf16Mat *B, const float *bias, float *C,
               int ldc, int simd);
// The same with the K pairs of each row in two pieces: [0, kx2) from Ax (row stride ldx), the
// rest from Ah (row stride ldh): the LSTM's [x_t | h_{t-1}] without copying x_t.
void bf16_gemm2(int M, const uint32_t *Ax, int ldx, int kx2, const uint32_t *Ah, int ldh,
                const Bf16Mat *B, const float *bias, float *C, int ldc, int simd);
// Whether this CPU (and this build) can run the AVX-512-BF16 kernel.
int bf16_simd_available(void);

#endif
