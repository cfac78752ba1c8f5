// stdiff.c — test helper: compares the tensors two safetensors files share by name (e.g. models
// trained with different rank counts) and prints, over all of them,
//   max_abs=<max |a-b|> max_rel=<max |a-b| / max(|a|,|b|,1e-3)> rel_l2=<||a-b|| / ||a||> n=<floats>
// and the name of the tensor with the largest absolute difference. Tensors present in only one
// file, or with different shapes, are an error (exit 1).
// usage: stdiff A.safetensors B.safetensors [PREFIX]   (only tensors whose name starts with PREFIX;
//        -PREFIX: all tensors except those)
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "training/safetensors.h"

int main(int argc, char **argv) {
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: stdiff A.safetensors B.safetensors [PREFIX]\n");
        return 2;
    }
    const char *prefix = argc == 4 ? argv[3] : "";
    StFile a, b;
    if (st_open(&a, argv[1]) < 0) return 1;
    if (st_open(&b, argv[2]) < 0) return 1;
    double max_abs = 0, max_rel = 0, d2 = 0, a2 = 0;
    size_t n = 0;
    const char *worst = "";
    int rc = 0;
    for (int i = 0; i < a.n && !rc; i++) {
        const StEntry *ea = &a.t[i];
        if (prefix[0] == '-' ? !strncmp(ea->name, prefix + 1, strlen(prefix + 1))
                             : strncmp(ea->name, prefix, strlen(prefix)) != 0)
            continue;
        const StEntry *eb = st_find(&b, ea->name);
        if (!eb || eb->numel != ea->numel) {
            fprintf(stderr, "stdiff: tensor %s missing or reshaped in %s\n", ea->name, argv[2]);
            rc = 1;
            break;
        }
        float *x = malloc(ea->numel * sizeof *x + 1), *y = malloc(ea->numel * sizeof *y + 1);
        if (st_read_f32(&a, ea->name, ea->ndim, ea->shape, x) < 0 ||
            st_read_f32(&b, ea->name, ea->ndim, ea->shape, y) < 0)
            rc = 1;
        for (size_t j = 0; !rc && j < ea->numel; j++) {
            double d = fabs((double)x[j] - y[j]);
            double den = fmax(fmax(fabs(x[j]), fabs(y[j])), 1e-3);
            if (d > max_abs) max_abs = d, worst = ea->name;
            if (d / den > max_rel) max_rel = d / den;
            d2 += d * d;
            a2 += (double)x[j] * x[j];
        }
        n += ea->numel;
        free(x);
        free(y);
    }
    if (!rc)
        printf("max_abs=%.9g max_rel=%.9g rel_l2=%.9g n=%zu worst=%s\n", max_abs, max_rel,
               a2 > 0 ? sqrt(d2 / a2) : sqrt(d2), n, worst);
    st_close(&a);
    st_close(&b);
    return rc;
}
