// lstm.cu — LSTM / BiLSTM on the device, the same algorithm as network/lstm.c over the whole
// batch at once: the input projection of all B*T rows is one GEMM; each step adds the recurrent
// term with one GEMM over the batch (rows strided by T*4H, no copies) and then runs a pointwise
// body over [B, H] (Keras gate order i, f, g, o). Backward mirrors lstm_backward: per step a
// pointwise body writes dz and the carried dL/dc, a GEMM gives the carried dL/dh; then dx, dWk,
// db and dWr are single GEMMs over all rows (dWr pairs each dz row with the h row one step
// earlier in processing order, the first step's dz rows zeroed so pairs across samples add 0).
#include "cuda/cu_internal.cuh"

// One cell j of one row (Keras gate order i, f, g, o), shared by the single-direction and the
// bidirectional kernels. Forward: z holds the row's 4H gate pre-activations and is overwritten
// with the activations; cprev is the previous step's cell state (NULL at the first step).
CALLA_HD static inline void cell_forward(float *z, int H, size_t j, const float *cprev, float *c,
                                         float *h) {
    float i = dev_sigmoid(z[j]), f = dev_sigmoid(z[H + j]), g = tanhf(z[2 * H + j]),
          o = dev_sigmoid(z[3 * H + j]);
    float cc = i * g;
    if (cprev) cc += f * *cprev;
    z[j] = i, z[H + j] = f, z[2 * H + j] = g, z[3 * H + j] = o;
    *c = cc;
    *h = o * tanhf(cc);
}

// Backward of cell j: z the row's gate activations, c its cell state, cprev as above, dh the
// gradient reaching h (output plus recurrent); dc_next carries dL/dc to the previous step.
CALLA_HD static inline void cell_backward(const float *z, float *dz, int H, size_t j, float c,
                                          const float *cprev, float dhj, float *dc_next) {
    float i = z[j], f = z[H + j], gg = z[2 * H + j], o = z[3 * H + j];
    float tc = tanhf(c);
    float dc = dhj * o * (1.0f - tc * tc) + *dc_next;
    float cp = cprev ? *cprev : 0.0f;
    dz[j] = dc * gg * i * (1.0f - i);
    dz[H + j] = dc * cp * f * (1.0f - f);
    dz[2 * H + j] = dc * i * (1.0f - gg * gg);
    dz[3 * H + j] = dhj * tc * o * (1.0f - o);
    *dc_next = dc * f;
}

void cu_lstm_forward(CuCtx *c, float *h, float *cs, float *gates, const float *x, LstmParams p,
                     int B, int T, int C_in, int H, int reverse, int ldh) {
    const int G = 4 * H;
    const size_t rows = (size_t)B * T;
    const float *bias = p.b;
    launch(rows * G, c->stream, [=] CALLA_HD(size_t i) { gates[i] = bias[i % G]; });
    cu_gemm(c, 0, 0, (int)rows, G, C_in, 1.0f, x, C_in, p.Wk, G, 1.0f, gates, G);
    for (int s = 0; s < T; s++) {
        const int t = reverse ? T - 1 - s : s;
        const int tp = reverse ? t + 1 : t - 1;  // previous step in processing order
        const int has_prev = s > 0;
        if (has_prev)
            cu_gemm(c, 0, 0, B, G, H, 1.0f, h + (size_t)tp * ldh, T * ldh, p.Wr, G, 1.0f,
                    gates + (size_t)t * G, T * G);
        launch((size_t)B * H, c->stream, [=] CALLA_HD(size_t k) {
            const size_t b = k / H, j = k % H;
            cell_forward(gates + (b * T + t) * G, H, j,
                         has_prev ? cs + (b * T + tp) * H + j : NULL, cs + (b * T + t) * H + j,
                         h + (b * T + t) * ldh + j);
        });
    }
}

// After the steps of a backward pass (dgates holds dL/dz of every row): dx, dWk, db and dWr as
// single GEMMs over all rows (dWr pairs each dz row with the h row one step earlier in
// processing order, the first step's dz rows zeroed so pairs across samples add 0).
static void weight_grads(CuCtx *c, float *dx, LstmGrads g, float *dgates, const float *h,
                         const float *x, LstmParams p, int B, int T, int C_in, int H, int reverse,
                         int ldh, float dx_beta) {
    const int G = 4 * H;
    const size_t rows = (size_t)B * T;
    if (dx) cu_gemm(c, 0, 1, (int)rows, C_in, G, 1.0f, dgates, G, p.Wk, G, dx_beta, dx, C_in);
    cu_gemm(c, 1, 0, C_in, G, (int)rows, 1.0f, x, C_in, dgates, G, 1.0f, g.dWk, G);
    cu_colsum_add(c, g.db, dgates, (int)rows, G, G);
    const int tfirst = reverse ? T - 1 : 0;
    launch((size_t)B * G, c->stream, [=] CALLA_HD(size_t k) {
        const size_t b = k / G, j = k % G;
        dgates[(b * T + tfirst) * G + j] = 0.0f;
    });
    if (rows > 1)
        cu_gemm(c, 1, 0, H, G, (int)rows - 1, 1.0f, reverse ? h + ldh : h, ldh,
                reverse ? dgates : dgates + G, G, 1.0f, g.dWr, G);
}

void cu_lstm_backward(CuCtx *c, float *dx, LstmGrads g, float *dgates, float *scratch,
                      const float *dh, const float *h, const float *cs, const float *gates,
                      const float *x, LstmParams p, int B, int T, int C_in, int H, int reverse,
                      int ldh, float dx_beta) {
    const int G = 4 * H;
    float *dh_rec = scratch;                   // [B, H]: dL/dh_t through step t+1
    float *dc_next = scratch + (size_t)B * H;  // [B, H]: dL/dc_t through step t+1
    cu_zero(c, scratch, sizeof(float) * 2 * (size_t)B * H);
    for (int s = T - 1; s >= 0; s--) {
        const int t = reverse ? T - 1 - s : s;
        const int tp = reverse ? t + 1 : t - 1;
        const int first = s == 0;
        launch((size_t)B * H, c->stream, [=] CALLA_HD(size_t k) {
            const size_t b = k / H, j = k % H, row = b * T + t;
            cell_backward(gates + row * G, dgates + row * G, H, j, cs[row * H + j],
                          first ? NULL : cs + (b * T + tp) * H + j, dh[row * ldh + j] + dh_rec[k],
                          dc_next + k);
        });
        if (!first)
            cu_gemm(c, 0, 1, B, H, G, 1.0f, dgates + (size_t)t * G, T * G, p.Wr, G, 0.0f, dh_rec,
                    H);
    }
    weight_grads(c, dx, g, dgates, h, x, p, B, T, C_in, H, reverse, ldh, dx_beta);
}

// ---- BiLSTM: both directions advance together ----
// The forward direction's step s and the reverse direction's step s are independent, so each
// step is one batched GEMM over both directions' recurrent terms (cublasGemmBatchedEx: twice the
// rows of work per launch, half the launches) and one pointwise body over both directions' [B, H]
// cells. The operand pointers of every step's GEMM are written once per pass by one small kernel
// into the context's pointer array (no host copies, no waits). Arithmetic per element is that of
// cu_lstm_forward / cu_lstm_backward (which stay for single directions).

void cu_lstm_bi_forward(CuCtx *c, float *out, float *cs, float *gates, const float *x,
                        LstmParams fwd, LstmParams bwd, int B, int T, int C_in, int H) {
    const int G = 4 * H, ldh = 2 * H;
    const size_t n = (size_t)B * T * H, rows = (size_t)B * T;
    float *const gf = gates, *const gb = gates + 4 * n, *const hf = out, *const hb = out + H;
    float *const cf = cs, *const cb = cs + n;
    const LstmParams pd[2] = {fwd, bwd};
    for (int d = 0; d < 2; d++) {  // input projections: gates = bias + x Wk (all rows at once)
        float *gd = d ? gb : gf;
        const float *bias = pd[d].b;
        launch(rows * G, c->stream, [=] CALLA_HD(size_t i) { gd[i] = bias[i % G]; });
        cu_gemm(c, 0, 0, (int)rows, G, C_in, 1.0f, x, C_in, pd[d].Wk, G, 1.0f, gd, G);
    }
    const float **pa = NULL, **pb = NULL, **pc = NULL;
    if (T > 1) {  // entry 2(s-1)+d: direction d's recurrent GEMM at step s
        const size_t np = 2 * (size_t)(T - 1);
        cu_ensure_ptrs(c, 3 * np);
        pa = c->ptrs, pb = pa + np, pc = pb + np;
        const float *wf = fwd.Wr, *wb = bwd.Wr;
        const float **a = pa, **w = pb, **z = pc;
        launch(np, c->stream, [=] CALLA_HD(size_t i) {
            const int s = (int)(i / 2) + 1, d = (int)(i % 2);
            const int t = d ? T - 1 - s : s, tp = d ? t + 1 : t - 1;
            a[i] = (d ? hb : hf) + (size_t)tp * ldh;
            w[i] = d ? wb : wf;
            z[i] = (d ? gb : gf) + (size_t)t * G;
        });
    }
    const size_t BH = (size_t)B * H;
    for (int s = 0; s < T; s++) {
        const int has_prev = s > 0;
        if (has_prev)
            cu_gemm_batched(c, 0, 0, B, G, H, 1.0f, pa + 2 * (s - 1), T * ldh, pb + 2 * (s - 1), G,
                            1.0f, (float *const *)(pc + 2 * (s - 1)), T * G, 2);
        launch(2 * BH, c->stream, [=] CALLA_HD(size_t kk) {
            const int d = kk >= BH;
            const size_t k = kk - (d ? BH : 0), b = k / H, j = k % H;
            const int t = d ? T - 1 - s : s, tp = d ? t + 1 : t - 1;
            float *cd = d ? cb : cf;
            cell_forward((d ? gb : gf) + (b * T + t) * G, H, j,
                         has_prev ? cd + (b * T + tp) * H + j : NULL, cd + (b * T + t) * H + j,
                         (d ? hb : hf) + (b * T + t) * ldh + j);
        });
    }
}

void cu_lstm_bi_backward(CuCtx *c, float *dx, LstmGrads gf, LstmGrads gb, float *dgates,
                         float *scratch, const float *dout, const float *out, const float *cs,
                         const float *gates, const float *x, LstmParams fwd, LstmParams bwd, int B,
                         int T, int C_in, int H) {
    const int G = 4 * H, ldh = 2 * H;
    const size_t n = (size_t)B * T * H, BH = (size_t)B * H;  // (dgates: [2][B*T*G])
    // per direction d: dgates + d*4n; scratch + d*2BH holds dL/dh_t through step t+1 [B, H], then
    // dL/dc_t through step t+1 [B, H]
    float *const dzf = dgates, *const dzb = dgates + 4 * n;
    const float *const zf = gates, *const zb = gates + 4 * n, *const cf = cs, *const cb = cs + n;
    float *const rf = scratch, *const rb = scratch + 2 * BH;
    cu_zero(c, scratch, sizeof(float) * 4 * BH);
    const float **pa = NULL, **pb = NULL, **pc = NULL;
    if (T > 1) {  // entry 2(s-1)+d: direction d's dh_rec = dz_t Wr^T at step s (s = T-1..1)
        const size_t np = 2 * (size_t)(T - 1);
        cu_ensure_ptrs(c, 3 * np);
        pa = c->ptrs, pb = pa + np, pc = pb + np;
        const float *wf = fwd.Wr, *wb = bwd.Wr;
        const float **a = pa, **w = pb, **z = pc;
        launch(np, c->stream, [=] CALLA_HD(size_t i) {
            const int s = (int)(i / 2) + 1, d = (int)(i % 2);
            const int t = d ? T - 1 - s : s;
            a[i] = (d ? dzb : dzf) + (size_t)t * G;
            w[i] = d ? wb : wf;
            z[i] = d ? rb : rf;
        });
    }
    for (int s = T - 1; s >= 0; s--) {
        const int first = s == 0;
        launch(2 * BH, c->stream, [=] CALLA_HD(size_t kk) {
            const int d = kk >= BH;
            const size_t k = kk - (d ? BH : 0), b = k / H, j = k % H;
            const int t = d ? T - 1 - s : s, tp = d ? t + 1 : t - 1;
            const size_t row = b * T + t;
            const float *cd = d ? cb : cf;
            float *dh_rec = d ? rb : rf;  // [B, H] dL/dh, then [B, H] dL/dc, through step t+1
            cell_backward((d ? zb : zf) + row * G, (d ? dzb : dzf) + row * G, H, j, cd[row * H + j],
                          first ? NULL : cd + (b * T + tp) * H + j,
                          dout[row * ldh + (d ? H : 0) + j] + dh_rec[k], dh_rec + BH + k);
        });
        if (!first)
            cu_gemm_batched(c, 0, 1, B, H, G, 1.0f, pa + 2 * (s - 1), T * G, pb + 2 * (s - 1), G,
                            0.0f, (float *const *)(pc + 2 * (s - 1)), H, 2);
    }
    weight_grads(c, dx, gf, dzf, out, x, fwd, B, T, C_in, H, 0, ldh, 0.0f);
    weight_grads(c, dx, gb, dzb, out + H, x, bwd, B, T, C_in, H, 1, ldh, 1.0f);
}
