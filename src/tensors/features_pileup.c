// features_pileup.c — Clair3 pileup and Clairvoyante tensors from per-position counts.
#include "tensors/features_pileup.h"

#include "tensors/tensorfile.h"

int base_code(char c) {
    switch (c) {
    case 'A': case 'a': return 0;
    case 'C': case 'c': return 1;
    case 'G': case 'g': return 2;
    case 'T': case 't': return 3;
    default: return -1;
    }
}

int pileup_depth(const PileupCol *c) {
    int d = c->delcov[0] + c->delcov[1];
    for (int s = 0; s < 2; s++)
        for (int b = 0; b < 4; b++) d += c->base[s][b];
    return d;
}

static int16_t sat16(long v, int *n_sat) {
    if (v > INT16_MAX) { (*n_sat)++; return INT16_MAX; }
    if (v < INT16_MIN) { (*n_sat)++; return INT16_MIN; }
    return (int16_t)v;
}

int features_clair3(const PileupCol *cols, const char *ref, int depth, int max_depth, int16_t *out) {
    return features_clair3_ex(cols, ref, depth, max_depth, 0, out);
}

int features_clair3_ex(const PileupCol *cols, const char *ref, int depth, int max_depth, int flags,
                       int16_t *out) {
    int n_sat = 0;
    // Rescale factor of clair3.md §1.4: only when depth > 1.5 * max_depth.
    double factor = 1.0;
    if (max_depth > 0 && depth * 2 > 3 * max_depth) factor = (double)depth / max_depth;
    for (int p = 0; p < TF_NPOS; p++) {
        const PileupCol *c = &cols[p];
        int r = ref ? base_code(ref[p]) : -1;
        if (r < 0 && (flags & C3F_REF_AS_A)) r = 0;
        long v[TF_CLAIR3_NCHAN];
        for (int s = 0; s < 2; s++) {
            long *o = v + 9 * s, sum = 0;
            for (int b = 0; b < 4; b++) {
                o[b] = c->base[s][b];
                sum += c->base[s][b];
            }
            if (r >= 0) o[r] = -sum;
            o[4] = c->ins[s];
            o[5] = c->ins_best[s];
            o[6] = c->del[s];
            o[7] = c->del_best[s];
            o[8] = c->delcov[s];
        }
        if (flags & C3F_N_PREV_DEL) v[17] += c->n_next;
        for (int ch = 0; ch < TF_CLAIR3_NCHAN; ch++) {
            long x = v[ch];
            if (factor != 1.0) x = (long)(x / factor);  // C cast truncates toward zero
            out[p * TF_CLAIR3_NCHAN + ch] = sat16(x, &n_sat);
        }
    }
    return n_sat;
}

int features_clairvoyante(const PileupCol *cols, const char *ref, const int32_t (*ins_bases)[4],
                          int16_t *out) {
    int n_sat = 0;
    for (int p = 0; p < TF_NPOS; p++) {
        const PileupCol *c = &cols[p];
        int r = ref ? base_code(ref[p]) : -1;
        long aligned[4] = {0, 0, 0, 0}, total = 0, delcov = 0;
        // Pairs whose reference base is not ACGT are skipped by the counting table.
        if (r >= 0) {
            for (int b = 0; b < 4; b++) {
                aligned[b] = c->base[0][b] + c->base[1][b];
                total += aligned[b];
            }
            delcov = c->delcov[0] + c->delcov[1];
        }
        for (int b = 0; b < 4; b++) {
            long ch0 = b == r ? total : 0;
            long raw1 = aligned[b] + (ins_bases ? ins_bases[p][b] : 0);
            long raw2 = b == r ? total + delcov : 0;
            long raw3 = aligned[b];
            int16_t *o = out + p * TF_CLV_NCHAN + 4 * b;
            o[0] = sat16(ch0, &n_sat);
            o[1] = sat16(raw1 - ch0, &n_sat);
            o[2] = sat16(raw2 - ch0, &n_sat);
            o[3] = sat16(raw3 - ch0, &n_sat);
        }
    }
    return n_sat;
}
