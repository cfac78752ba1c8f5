// conv.cu — 2-D convolution (stride 1, TF "same" padding, NHWC) and max pooling on the device.
// Convolution is the general im2col + GEMM path of network/conv2d.c (the CPU's full-width
// banded path is a CPU speed trick; results agree up to float rounding); col2im and the pooling
// backward are gathers (one thread per input element summing what reaches it), so no atomics.
#include "cuda/cu_internal.cuh"

void cu_conv2d_forward(CuCtx *c, float *out, float *cols, const float *x, const float *W,
                       const float *b, int N, int H, int Wd, int C_in, int C_out, int kh, int kw) {
    const int pt = (kh - 1) / 2, pl = (kw - 1) / 2, K = kh * kw * C_in;
    const size_t rows = (size_t)N * H * Wd;
    launch(rows * K, c->stream, [=] CALLA_HD(size_t i) {
        const size_t r = i / K;
        const int col = (int)(i % K), tap = col / C_in, ci = col % C_in;
        const int ky = tap / kw, kx = tap % kw;
        const int xx = (int)(r % Wd), y = (int)(r / Wd % H);
        const size_t n = r / ((size_t)Wd * H);
        const int iy = y + ky - pt, ix = xx + kx - pl;
        cols[i] = iy < 0 || iy >= H || ix < 0 || ix >= Wd
                      ? 0.0f
                      : x[((n * H + iy) * Wd + ix) * C_in + ci];
    });
    launch(rows * C_out, c->stream, [=] CALLA_HD(size_t i) { out[i] = b[i % C_out]; });
    cu_gemm(c, 0, 0, (int)rows, C_out, K, 1.0f, cols, K, W, C_out, 1.0f, out, C_out);
}

void cu_conv2d_backward(CuCtx *c, float *dx, float *dW, float *db, float *dcols, const float *dout,
                        const float *cols, const float *W, int N, int H, int Wd, int C_in,
                        int C_out, int kh, int kw) {
    const int pt = (kh - 1) / 2, pl = (kw - 1) / 2, K = kh * kw * C_in;
    const size_t rows = (size_t)N * H * Wd;
    cu_gemm(c, 1, 0, K, C_out, (int)rows, 1.0f, cols, K, dout, C_out, 1.0f, dW, C_out);
    cu_colsum_add(c, db, dout, (int)rows, C_out, C_out);
    if (!dx) return;
    cu_gemm(c, 0, 1, (int)rows, K, C_out, 1.0f, dout, C_out, W, C_out, 0.0f, dcols, K);
    launch(rows * C_in, c->stream, [=] CALLA_HD(size_t i) {  // col2im as a gather
        const int ci = (int)(i % C_in);
        const size_t pix = i / C_in;
        const int ix = (int)(pix % Wd), iy = (int)(pix / Wd % H);
        const size_t n = pix / ((size_t)Wd * H);
        float s = 0.0f;
        for (int ky = 0; ky < kh; ky++) {
            const int y = iy - ky + pt;
            if (y < 0 || y >= H) continue;
            for (int kx = 0; kx < kw; kx++) {
                const int xx = ix - kx + pl;
                if (xx < 0 || xx >= Wd) continue;
                s += dcols[((n * H + y) * Wd + xx) * K + (ky * kw + kx) * C_in + ci];
            }
        }
        dx[i] = s;
    });
}

void cu_maxpool_forward(CuCtx *c, float *out, int *argmax, const float *x, int N, int H, int W,
                        int C, int ph, int pw, int sh, int sw) {
    const int Ho = (H - ph) / sh + 1, Wo = (W - pw) / sw + 1;
    launch((size_t)N * Ho * Wo * C, c->stream, [=] CALLA_HD(size_t i) {
        const int ch = (int)(i % C), xx = (int)(i / C % Wo), y = (int)(i / C / Wo % Ho);
        const int n = (int)(i / ((size_t)C * Wo * Ho));
        float best = 0.0f;
        int arg = -1;
        for (int py = 0; py < ph; py++)  // row-major window order: the first maximum wins
            for (int px = 0; px < pw; px++) {
                const int idx = ((n * H + y * sh + py) * W + xx * sw + px) * C + ch;
                if (arg < 0 || x[idx] > best) best = x[idx], arg = idx;
            }
        out[i] = best;
        argmax[i] = arg;
    });
}

void cu_maxpool_backward(CuCtx *c, float *dx, const float *dout, const int *argmax, int N, int H,
                         int W, int C, int ph, int pw, int sh, int sw) {
    const int Ho = (H - ph) / sh + 1, Wo = (W - pw) / sw + 1;
    launch((size_t)N * H * W * C, c->stream, [=] CALLA_HD(size_t i) {
        const int ch = (int)(i % C), ix = (int)(i / C % W), iy = (int)(i / C / W % H);
        const int n = (int)(i / ((size_t)C * W * H));
        float s = 0.0f;
        // Outputs whose window holds (iy, ix), in increasing output order (as the CPU adds).
        for (int py = ph - 1; py >= 0; py--) {
            const int ys = iy - py;
            if (ys < 0 || ys % sh) continue;
            const int y = ys / sh;
            if (y >= Ho) continue;
            for (int px = pw - 1; px >= 0; px--) {
                const int xs = ix - px;
                if (xs < 0 || xs % sw) continue;
                const int xx = xs / sw;
                if (xx >= Wo) continue;
                const size_t o = (((size_t)n * Ho + y) * Wo + xx) * C + ch;
                if (argmax[o] == (int)i) s += dout[o];
            }
        }
        dx[i] = s;
    });
}
