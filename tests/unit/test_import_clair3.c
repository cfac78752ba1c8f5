// clair3_import on a synthetic Clair3 pileup state_dict with known values
// (tests/tools/clair3_ckpt_synth.h):
// - every calla parameter equals its PyTorch source element: dense and LSTM weights transposed
//   ([out, in] -> [in, out]), LSTM biases = bias_ih + bias_hh, no gate permutation;
// - the imported first BiLSTM layer, run by calla's lstm_bi_forward, gives the output of the
//   PyTorch nn.LSTM equations written here from PyTorch's documentation (gates i, f, g, o stacked
//   in weight_ih / weight_hh; reverse direction over t = T-1..0), computed in double from the
//   state_dict values;
// - "module." prefixes and the indel-length heads are accepted, a missing tensor, a wrong shape
//   and an unknown tensor are one-line errors.
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "network/lstm.h"
#include "testlib.h"
#include "tools/clair3_ckpt_synth.h"
#include "training/import_clair3.h"

static const ParamTensor *ptensor(const Model *m, const char *name) {
    for (int i = 0; i < m->n_tensors; i++)
        if (!strcmp(m->tensors[i].name, name)) return &m->tensors[i];
    return NULL;
}

// Counts mismatches between calla tensor cname [in, out] and torch tensor tname [out, in].
static long check_t(const Model *m, const char *cname, const char *tname) {
    const ParamTensor *p = ptensor(m, cname);
    int k = clair3_synth_index(tname);
    if (!p || k < 0 || p->shape[1] != CLAIR3_SYNTH[k].rows || p->shape[0] != CLAIR3_SYNTH[k].cols)
        return -1;
    long bad = 0;
    const int in = p->shape[0], out = p->shape[1];
    for (int i = 0; i < in; i++)
        for (int o = 0; o < out; o++)
            bad += m->params[p->offset + (size_t)i * out + o] != clair3_synth_value(k, (int64_t)o * in + i);
    return bad;
}

static long check_bias(const Model *m, const char *cname, const char *t1, const char *t2) {
    const ParamTensor *p = ptensor(m, cname);
    int k1 = clair3_synth_index(t1), k2 = t2 ? clair3_synth_index(t2) : -1;
    if (!p || k1 < 0 || (t2 && k2 < 0) || p->shape[0] != CLAIR3_SYNTH[k1].rows) return -1;
    long bad = 0;
    for (int i = 0; i < p->shape[0]; i++) {
        float want = clair3_synth_value(k1, i) + (t2 ? clair3_synth_value(k2, i) : 0.0f);
        bad += m->params[p->offset + i] != want;
    }
    return bad;
}

static double sigm(double x) { return 1.0 / (1.0 + exp(-x)); }

// PyTorch nn.LSTM, one direction, from the state_dict tensors of layer 1 (input 18, hidden 128).
static void torch_lstm(const float *x, int T, int reverse, double *h_out /* [T][128] */) {
    const int C = 18, H = 128;
    const char *sfx = reverse ? "_reverse" : "";
    char n[64];
    snprintf(n, sizeof n, "LSTM1.weight_ih_l0%s", sfx);
    int kih = clair3_synth_index(n);
    snprintf(n, sizeof n, "LSTM1.weight_hh_l0%s", sfx);
    int khh = clair3_synth_index(n);
    snprintf(n, sizeof n, "LSTM1.bias_ih_l0%s", sfx);
    int kbi = clair3_synth_index(n);
    snprintf(n, sizeof n, "LSTM1.bias_hh_l0%s", sfx);
    int kbh = clair3_synth_index(n);
    double h[128] = {0}, c[128] = {0}, z[512];
    for (int s = 0; s < T; s++) {
        int t = reverse ? T - 1 - s : s;
        for (int r = 0; r < 4 * H; r++) {  // rows: W_ii | W_if | W_ig | W_io
            double acc = clair3_synth_value(kbi, r) + (double)clair3_synth_value(kbh, r);
            for (int j = 0; j < C; j++) acc += (double)clair3_synth_value(kih, (int64_t)r * C + j) * x[t * C + j];
            for (int j = 0; j < H; j++) acc += (double)clair3_synth_value(khh, (int64_t)r * H + j) * h[j];
            z[r] = acc;
        }
        for (int u = 0; u < H; u++) {
            double i = sigm(z[u]), f = sigm(z[H + u]), g = tanh(z[2 * H + u]), o = sigm(z[3 * H + u]);
            c[u] = f * c[u] + i * g;
            h[u] = o * tanh(c[u]);
            h_out[t * H + u] = h[u];
        }
    }
}

int main(void) {
    char dir[] = "/tmp/calla-imp-XXXXXX", path[64];
    if (!mkdtemp(dir)) T_SKIP("mkdtemp");
    snprintf(path, sizeof path, "%s/c.safetensors", dir);
    Model m;
    int skipped = -1;
    StFile f;

    // 1. the full state_dict, "module." prefixed, with two indel-length heads (4 tensors).
    T_EQ_INT(clair3_synth_write(path, "module.", CLAIR3_SYNTH_N, NULL, NULL, NULL), 0);
    T_EQ_INT(st_open(&f, path), 0);
    T_EQ_INT(model_create(&m, ARCH_CLAIR3_PILEUP, 1), 0);
    T_EQ_INT(clair3_import(&f, &m, &skipped), 0);
    T_EQ_INT(skipped, CLAIR3_SYNTH_N - CLAIR3_SYNTH_CORE);
    st_close(&f);
    const char *dirs[2] = {"fwd", "bwd"}, *sfx[2] = {"", "_reverse"};
    char cn[64], tn[64], tn2[64];
    for (int l = 1; l <= 2; l++)
        for (int d = 0; d < 2; d++) {
            snprintf(cn, sizeof cn, "lstm%d.%s.kernel", l, dirs[d]);
            snprintf(tn, sizeof tn, "LSTM%d.weight_ih_l0%s", l, sfx[d]);
            T_EQ_INT(check_t(&m, cn, tn), 0);
            snprintf(cn, sizeof cn, "lstm%d.%s.recurrent_kernel", l, dirs[d]);
            snprintf(tn, sizeof tn, "LSTM%d.weight_hh_l0%s", l, sfx[d]);
            T_EQ_INT(check_t(&m, cn, tn), 0);
            snprintf(cn, sizeof cn, "lstm%d.%s.bias", l, dirs[d]);
            snprintf(tn, sizeof tn, "LSTM%d.bias_ih_l0%s", l, sfx[d]);
            snprintf(tn2, sizeof tn2, "LSTM%d.bias_hh_l0%s", l, sfx[d]);
            T_EQ_INT(check_bias(&m, cn, tn, tn2), 0);
        }
    static const char *dense[][2] = {{"l4", "L4"}, {"l5_1", "L5_1"}, {"gt21", "Y_gt21_logits"},
                                     {"l5_2", "L5_2"}, {"zygosity", "Y_genotype_logits"}};
    for (int k = 0; k < 5; k++) {
        snprintf(cn, sizeof cn, "%s.kernel", dense[k][0]);
        snprintf(tn, sizeof tn, "%s.weight", dense[k][1]);
        T_EQ_INT(check_t(&m, cn, tn), 0);
        snprintf(cn, sizeof cn, "%s.bias", dense[k][0]);
        snprintf(tn, sizeof tn, "%s.bias", dense[k][1]);
        T_EQ_INT(check_bias(&m, cn, tn, NULL), 0);
    }
    // Spot value worked out by hand: l4.kernel[i=1][o=0] = L4.weight[0][1], tensor 16, flat 1:
    // (16*7919 + 31) % 4093 = 126735 % 4093 = 3945; (3945 - 2046) / 16384.
    const ParamTensor *l4 = ptensor(&m, "l4.kernel");
    T_CHECK(l4 && m.params[l4->offset + 128] == 1899.0f / 16384.0f);

    // 2. the first BiLSTM layer against PyTorch's equations on a pileup-like input.
    {
        enum { T = 33, C = 18, H = 128 };
        float x[T * C];
        for (int i = 0; i < T * C; i++) x[i] = (float)((i * 37) % 11 - 5);
        float out[T * 2 * H], cell[2 * T * H], gates[2 * T * 4 * H];
        const ParamTensor *p = ptensor(&m, "lstm1.fwd.kernel");
        const ParamTensor *q = ptensor(&m, "lstm1.bwd.kernel");
        LstmParams fw = {m.params + p[0].offset, m.params + p[1].offset, m.params + p[2].offset};
        LstmParams bw = {m.params + q[0].offset, m.params + q[1].offset, m.params + q[2].offset};
        lstm_bi_forward(out, cell, gates, x, fw, bw, 1, T, C, H);
        static double ref[2][T * H];
        torch_lstm(x, T, 0, ref[0]);
        torch_lstm(x, T, 1, ref[1]);
        double maxerr = 0;
        for (int t = 0; t < T; t++)
            for (int u = 0; u < H; u++)
                for (int d = 0; d < 2; d++) {
                    double e = fabs(out[t * 2 * H + d * H + u] - ref[d][t * H + u]);
                    if (e > maxerr) maxerr = e;
                }
        T_NEAR(maxerr, 0, 1e-5, 0);
    }
    model_free(&m);

    // 3. errors: missing tensor, wrong shape, unknown tensor.
    const char *cases[3][3] = {{"LSTM2.bias_hh_l0_reverse", NULL, NULL},
                               {NULL, NULL, "L5_2.weight"},
                               {NULL, "LSTM3.weight_ih_l0", NULL}};
    for (int k = 0; k < 3; k++) {
        T_EQ_INT(clair3_synth_write(path, NULL, CLAIR3_SYNTH_CORE, cases[k][0], cases[k][1], cases[k][2]), 0);
        T_EQ_INT(st_open(&f, path), 0);
        T_EQ_INT(model_create(&m, ARCH_CLAIR3_PILEUP, 1), 0);
        T_EQ_INT(clair3_import(&f, &m, &skipped), -1);
        model_free(&m);
        st_close(&f);
    }
    unlink(path);
    rmdir(dir);
    T_DONE();
}
