// layers.cu — dense, activations, softmax, dropout and losses on the device, each a per-element
// or per-row body mirroring the CPU function of the same name in src/network (cuda_layers.h).
#include "cuda/cu_internal.cuh"

#define SELU_ALPHA_F 1.6732632423543772
#define SELU_SCALE_F 1.0507009873554805
#define FOCAL_EPS_D 1e-9
#define SELU_DROPOUT_ALPHA_D (-1.7580993408473766)

void cu_dense_forward(CuCtx *c, float *out, const float *in, const float *W, const float *b, int B,
                      int C_in, int C_out) {
    float beta = 0.0f;
    if (b) {
        const size_t n = (size_t)B * C_out;
        launch(n, c->stream, [=] CALLA_HD(size_t i) { out[i] = b[i % C_out]; });
        beta = 1.0f;
    }
    cu_gemm(c, 0, 0, B, C_out, C_in, 1.0f, in, C_in, W, C_out, beta, out, C_out);
}

void cu_dense_backward(CuCtx *c, float *din, float *dW, float *db, const float *dout,
                       const float *in, const float *W, int B, int C_in, int C_out) {
    if (dW) cu_gemm(c, 1, 0, C_in, C_out, B, 1.0f, in, C_in, dout, C_out, 1.0f, dW, C_out);
    if (db) cu_colsum_add(c, db, dout, B, C_out, C_out);
    if (din) cu_gemm(c, 0, 1, B, C_in, C_out, 1.0f, dout, C_out, W, C_out, 0.0f, din, C_in);
}

void cu_selu_forward(CuCtx *c, float *out, const float *in, size_t n) {
    const float a = (float)(SELU_ALPHA_F * SELU_SCALE_F), s = (float)SELU_SCALE_F;
    launch(n, c->stream, [=] CALLA_HD(size_t i) {
        float x = in[i];
        out[i] = x >= 0.0f ? s * x : a * (expf(x) - 1.0f);
    });
}

void cu_selu_backward(CuCtx *c, float *din, const float *dout, const float *out, size_t n) {
    const float sa = (float)(SELU_ALPHA_F * SELU_SCALE_F), s = (float)SELU_SCALE_F;
    launch(n, c->stream, [=] CALLA_HD(size_t i) {
        float y = out[i];
        din[i] = dout[i] * (y >= 0.0f ? s : y + sa);
    });
}

void cu_relu_forward(CuCtx *c, float *out, const float *in, size_t n) {
    launch(n, c->stream, [=] CALLA_HD(size_t i) { out[i] = in[i] > 0.0f ? in[i] : 0.0f; });
}

void cu_relu_backward(CuCtx *c, float *din, const float *dout, const float *out, size_t n) {
    launch(n, c->stream, [=] CALLA_HD(size_t i) { din[i] = out[i] > 0.0f ? dout[i] : 0.0f; });
}

void cu_sigmoid_forward(CuCtx *c, float *out, const float *in, size_t n) {
    launch(n, c->stream, [=] CALLA_HD(size_t i) { out[i] = 1.0f / (1.0f + expf(-in[i])); });
}

void cu_sigmoid_backward(CuCtx *c, float *din, const float *dout, const float *out, size_t n) {
    launch(n, c->stream,
           [=] CALLA_HD(size_t i) { din[i] = dout[i] * out[i] * (1.0f - out[i]); });
}

void cu_tanh_forward(CuCtx *c, float *out, const float *in, size_t n) {
    launch(n, c->stream, [=] CALLA_HD(size_t i) { out[i] = tanhf(in[i]); });
}

void cu_tanh_backward(CuCtx *c, float *din, const float *dout, const float *out, size_t n) {
    launch(n, c->stream,
           [=] CALLA_HD(size_t i) { din[i] = dout[i] * (1.0f - out[i] * out[i]); });
}

void cu_add(CuCtx *c, float *d, const float *s, size_t n) {
    launch(n, c->stream, [=] CALLA_HD(size_t i) { d[i] += s[i]; });
}

// One thread per row (rows have <= 21 classes in both models).
void cu_softmax_forward(CuCtx *c, float *out, const float *in, int B, int C) {
    launch((size_t)B, c->stream, [=] CALLA_HD(size_t b) {
        const float *x = in + b * C;
        float *y = out + b * C;
        float mx = x[0];
        for (int k = 1; k < C; k++) mx = x[k] > mx ? x[k] : mx;
        double sum = 0.0;
        for (int k = 0; k < C; k++) sum += (y[k] = expf(x[k] - mx));
        float inv = (float)(1.0 / sum);
        for (int k = 0; k < C; k++) y[k] *= inv;
    });
}

void cu_softmax_backward(CuCtx *c, float *din, const float *dout, const float *p, int B, int C) {
    launch((size_t)B, c->stream, [=] CALLA_HD(size_t b) {
        const float *d = dout + b * C, *pb = p + b * C;
        float *o = din + b * C;
        double dot = 0.0;
        for (int k = 0; k < C; k++) dot += (double)d[k] * pb[k];
        for (int k = 0; k < C; k++) o[k] = pb[k] * (float)(d[k] - dot);
    });
}

// Dropout: one thread per row draws that row's mask from its own stream, exactly as
// draw_masks() in dropout.c (two 32-bit uniforms per 64-bit draw); a second, per-element body
// applies it (coalesced). alpha != 0 selects alpha-dropout's output (kept: mask*in + fb,
// dropped: fdrop).
static void dropout_rows(CuCtx *c, float *out, float *mask, const float *in, size_t rows,
                         size_t cols, float rate, float kept, const uint64_t *seedp,
                         uint64_t layer, int64_t row0, int alpha, float fb, float fdrop) {
    launch(rows, c->stream, [=] CALLA_HD(size_t i) {
        DevRng r;
        dev_rng_seed_stream(&r, *seedp, (layer << 40) | (uint64_t)(row0 + (int64_t)i));
        float *mk = mask + i * cols;
        const float inv24 = 1.0f / 16777216.0f;
        for (size_t j = 0; j < cols; j += 2) {
            uint64_t v = dev_rng_u64(&r);
            mk[j] = (float)((uint32_t)v >> 8) * inv24 < rate ? 0.0f : kept;
            if (j + 1 < cols)
                mk[j + 1] = (float)((uint32_t)(v >> 32) >> 8) * inv24 < rate ? 0.0f : kept;
        }
    });
    launch(rows * cols, c->stream, [=] CALLA_HD(size_t i) {
        if (alpha)
            out[i] = mask[i] != 0.0f ? mask[i] * in[i] + fb : fdrop;
        else
            out[i] = in[i] * mask[i];
    });
}

static void dropout_identity(CuCtx *c, float *out, float *mask, const float *in, size_t n) {
    launch(n, c->stream, [=] CALLA_HD(size_t i) {
        out[i] = in[i];
        mask[i] = 1.0f;
    });
}

const uint64_t *cu_seed(CuCtx *c, uint64_t seed) {
    return (const uint64_t *)cu_scalars(c, CU_SLOT_SEED, &seed, sizeof seed);
}

void cu_dropout_forward(CuCtx *c, float *out, float *mask, const float *in, size_t rows,
                        size_t cols, float rate, const uint64_t *seed, uint64_t layer,
                        int64_t row0) {
    if (rate <= 0.0f) return dropout_identity(c, out, mask, in, rows * cols);
    dropout_rows(c, out, mask, in, rows, cols, rate, 1.0f / (1.0f - rate), seed, layer, row0, 0,
                 0.0f, 0.0f);
}

void cu_alpha_dropout_forward(CuCtx *c, float *out, float *mask, const float *in, size_t rows,
                              size_t cols, float rate, const uint64_t *seed, uint64_t layer,
                              int64_t row0) {
    if (rate <= 0.0f) return dropout_identity(c, out, mask, in, rows * cols);
    const double q = 1.0 - rate, al = SELU_DROPOUT_ALPHA_D;
    const double a = 1.0 / sqrt(q * (1.0 + (1.0 - q) * al * al)), b = -a * (1.0 - q) * al;
    dropout_rows(c, out, mask, in, rows, cols, rate, (float)a, seed, layer, row0, 1, (float)b,
                 (float)(a * al + b));
}

void cu_dropout_backward(CuCtx *c, float *din, const float *dout, const float *mask, size_t n) {
    launch(n, c->stream, [=] CALLA_HD(size_t i) { din[i] = dout[i] * mask[i]; });
}

// --- losses: one thread per row, double accumulation as losses.c ---

CALLA_HD static inline double focal_clip(double p, int *inside) {
    *inside = 1;
    if (p < FOCAL_EPS_D) return *inside = 0, FOCAL_EPS_D;
    if (p > 1.0 - FOCAL_EPS_D) return *inside = 0, 1.0 - FOCAL_EPS_D;
    return p;
}

void cu_focal_loss_rows(CuCtx *c, double *rows, const float *p, const float *y, int B, int C,
                        double gamma) {
    launch((size_t)B, c->stream, [=] CALLA_HD(size_t b) {
        double loss = 0.0;
        for (int k = 0; k < C; k++) {
            const float yk = y[b * C + k];
            if (yk == 0.0f) continue;
            int in;
            double pc = focal_clip(p[b * C + k], &in);
            loss -= yk * pow(1.0 - pc, gamma) * log(pc);
        }
        rows[b] = loss;
    });
}

// g_c = dL/dp_c of losses.h; evaluated twice per class (for the dot and for the output) rather
// than kept in a per-thread array.
CALLA_HD static inline double focal_g(float pk, float yk, double gamma) {
    int in;
    double pc = focal_clip(pk, &in);
    if (yk == 0.0f || !in) return 0.0;
    return -yk * (pow(1.0 - pc, gamma) / pc - gamma * pow(1.0 - pc, gamma - 1.0) * log(pc));
}

void cu_focal_loss_backward(CuCtx *c, float *dlogits, const float *p, const float *y, int B,
                            int C, double gamma, double scale) {
    launch((size_t)B, c->stream, [=] CALLA_HD(size_t b) {
        const float *pb = p + b * C, *yb = y + b * C;
        double dot = 0.0;
        for (int k = 0; k < C; k++) dot += focal_g(pb[k], yb[k], gamma) * pb[k];
        for (int k = 0; k < C; k++)
            dlogits[b * C + k] = (float)(scale * pb[k] * (focal_g(pb[k], yb[k], gamma) - dot));
    });
}

void cu_softmax_xent_rows(CuCtx *c, double *rows, const float *z, const float *y, int B, int C) {
    launch((size_t)B, c->stream, [=] CALLA_HD(size_t b) {
        const float *zb = z + b * C, *yb = y + b * C;
        double mx = zb[0], s = 0.0, loss = 0.0;
        for (int k = 1; k < C; k++) mx = zb[k] > mx ? zb[k] : mx;
        for (int k = 0; k < C; k++) s += exp(zb[k] - mx);
        double lse = mx + log(s);
        for (int k = 0; k < C; k++)
            if (yb[k] != 0.0f) loss -= yb[k] * (zb[k] - lse);
        rows[b] = loss;
    });
}

void cu_softmax_xent_backward(CuCtx *c, float *dlogits, const float *p, const float *y, int B,
                              int C, double scale) {
    launch((size_t)B, c->stream, [=] CALLA_HD(size_t b) {
        const float *pb = p + b * C, *yb = y + b * C;
        double ys = 0.0;
        for (int k = 0; k < C; k++) ys += yb[k];
        for (int k = 0; k < C; k++) dlogits[b * C + k] = (float)(scale * (pb[k] * ys - yb[k]));
    });
}

void cu_sigmoid_sse_rows(CuCtx *c, double *rows, const float *s, const float *y, int B, int C) {
    launch((size_t)B, c->stream, [=] CALLA_HD(size_t b) {
        double loss = 0.0;
        for (int k = 0; k < C; k++) {
            double d = (double)s[b * C + k] - y[b * C + k];
            loss += d * d;
        }
        rows[b] = loss;
    });
}

void cu_sigmoid_sse_backward(CuCtx *c, float *dlogits, const float *s, const float *y, int B,
                             int C, double scale) {
    launch((size_t)B * C, c->stream, [=] CALLA_HD(size_t i) {
        dlogits[i] = (float)(scale * 2.0 * ((double)s[i] - y[i]) * s[i] * (1.0 - s[i]));
    });
}

void cu_sum_rows(CuCtx *c, double *out, const double *rows, int n, double scale) {
    launch(1, c->stream, [=] CALLA_HD(size_t) {
        double s = 0.0;
        for (int i = 0; i < n; i++) s += rows[i];
        out[0] = scale * s;
    });
}
