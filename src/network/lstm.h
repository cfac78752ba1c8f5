// lstm.h — LSTM over a whole sequence, Keras semantics (CPU, OpenBLAS + OpenMP).
// Gate order i, f, c(=g), o; sigmoid gates, tanh cell input and output; ONE bias per gate set
// (Keras; PyTorch's second bias b_hh only adds to b_ih and is redundant, see docs/network.md).
//   z_t = x_t @ Wk + h_{t-1} @ Wr + b,  Wk [C_in, 4H], Wr [H, 4H], b [4H]
//   i = σ(z_i)  f = σ(z_f)  g = tanh(z_g)  o = σ(z_o);  c_t = f c_{t-1} + i g;  h_t = o tanh(c_t)
// h_{-1} = c_{-1} = 0. Returns the whole sequence of h.
//
// Layouts: x [B, T, C_in] contiguous. The output h of sample b, step t starts at
// h[(b*T + t) * ldh]: ldh = H for a plain [B, T, H] output, 2H when the two directions of a
// bidirectional layer write their halves of a [B, T, 2H] output in place. Saved activations for
// backward: c [B, T, H] (cell states) and gates [B, T, 4H] (post-nonlinearity i, f, g, o).
// reverse != 0 runs the recurrence from t = T-1 down to 0 (the backward direction of a
// bidirectional layer); outputs stay indexed by time, as Keras's Bidirectional returns them.
// Gradient convention as in dense.h: dWk, dWr, db accumulate; dx is overwritten (may be NULL).
#ifndef CALLA_LSTM_H
#define CALLA_LSTM_H
#include "network/infer_bf16.h"

typedef struct {
    const float *Wk, *Wr, *b;  // [C_in,4H], [H,4H], [4H]
} LstmParams;

typedef struct {
    float *dWk, *dWr, *db;
} LstmGrads;

void lstm_forward(float *h, float *c, float *gates, const float *x, LstmParams p, int B, int T,
                  int C_in, int H, int reverse, int ldh);
// dh: gradient wrt h, same layout as h. dgates: scratch [B, T, 4H]; scratch: [2, B, H].
// dx_beta: 0 overwrites dx, 1 adds to it (used by the bidirectional wrapper).
void lstm_backward(float *dx, LstmGrads g, float *dgates, float *scratch, const float *dh,
                   const float *h, const float *c, const float *gates, const float *x, LstmParams p,
                   int B, int T, int C_in, int H, int reverse, int ldh, float dx_beta);

// Bidirectional, concatenated output [B, T, 2H]: forward direction in [0, H), backward in
// [H, 2H) (Keras Bidirectional merge_mode="concat"). c and gates hold both directions:
// c [2][B,T,H], gates [2][B,T,4H]; dgates scratch [B,T,4H]; scratch [2,B,H]. dx overwritten.
void lstm_bi_forward(float *out, float *c, float *gates, const float *x, LstmParams fwd,
                     LstmParams bwd, int B, int T, int C_in, int H);
void lstm_bi_backward(float *dx, LstmGrads gf, LstmGrads gb, float *dgates, float *scratch,
                      const float *dout, const float *out, const float *c, const float *gates,
                      const float *x, LstmParams fwd, LstmParams bwd, int B, int T, int C_in,
                      int H);

// ---- Inference only (src/network/lstm_infer.c): no saved activations, the elementwise gate
// work fused into one pass per step (sigmoid/tanh, cell update, output, and for bf16 the
// rounding of h_t for the next step's product).
// fp32: the same GEMM calls and the same per-element arithmetic as lstm_bi_forward, so `out` is
// bit-identical to it (tests/unit/test_lstm_infer.c). c, gates: scratch of the sizes above.
void lstm_bi_forward_infer(float *out, float *c, float *gates, const float *x, LstmParams fwd,
                           LstmParams bwd, int B, int T, int C_in, int H);

// bf16 (network/infer_bf16.h): per step one product [x_t | h_{t-1}] [Wk; Wr] + b, with x_t and
// h_{t-1} rounded to bf16 and the stacked weights packed once; gates, cell state and output in
// fp32. Cp = C_in rounded up to even, so x_t and h start on a bf16 pair.
typedef struct {
    Bf16Mat w;       // [Cp + H, 4H]: Wk rows, a zero row if C_in is odd, Wr rows
    const float *b;  // [4H], fp32: the caller's bias (p.b), not copied
    int C_in, H;
} LstmBf16;
int lstm_bf16_pack(LstmBf16 *q, LstmParams p, int C_in, int H);  // 0, or -1 on a bad shape
void lstm_bf16_free(LstmBf16 *q);
// out and x as lstm_bi_forward_infer; gates: scratch [B, T, 4H] (T >= 2); xbuf: scratch of
// B T ceil(C_in / 2) floats (x as bf16 pairs, packed once for both directions); simd as bf16_gemm's.
void lstm_bi_forward_bf16(float *out, float *xbuf, float *gates, const float *x, const LstmBf16 *fwd,
                          const LstmBf16 *bwd, int B, int T, int simd);

#endif
