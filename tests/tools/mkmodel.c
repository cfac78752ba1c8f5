// mkmodel.c — test helper: writes a calla model file whose parameters are all zero except the
// entries named on the command line, so that every output is a chosen constant whatever the
// input (e.g. softmax(SELU(bias)) for Clair3's heads). Used by tests/cli/test_call_*.sh.
//
// usage: mkmodel OUT ARCH [KEY=VALUE | KEY= | -KEY | bias:TENSOR:INDEX=VALUE]...
//   ARCH                       clair3-pileup | clairvoyante (model_create: names and shapes)
//   KEY=VALUE                  sets a metadata entry (defaults: platform=ilmn); KEY= sets it to ""
//   -KEY                       drops the metadata entry KEY
//   bias:TENSOR:INDEX=VALUE    sets element INDEX (flat, 0-based) of TENSOR (any tensor)
// The file is written by modelfile_save (the real writer) unless "architecture" or
// "feature_kind" (or "calla_version") is overridden or dropped, which the writer would not allow: then the same
// tensors and metadata go through st_write directly (deliberately inconsistent files).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "network/model.h"
#include "training/modelfile.h"
#include "training/safetensors.h"

#define MAX_META 32

typedef struct {
    char *key, *value;  // value NULL: dropped
} Meta;

static Meta g_meta[MAX_META];
static int g_n_meta;

static void set_meta(const char *key, const char *value) {
    for (int i = 0; i < g_n_meta; i++)
        if (strcmp(g_meta[i].key, key) == 0) {
            free(g_meta[i].value);
            g_meta[i].value = value ? xstrdup(value) : NULL;
            return;
        }
    if (g_n_meta == MAX_META) calla_die("more than %d metadata entries", MAX_META);
    g_meta[g_n_meta].key = xstrdup(key);
    g_meta[g_n_meta].value = value ? xstrdup(value) : NULL;
    g_n_meta++;
}

static const Meta *find_meta(const char *key) {
    for (int i = 0; i < g_n_meta; i++)
        if (strcmp(g_meta[i].key, key) == 0) return &g_meta[i];
    return NULL;
}

// "bias:TENSOR:INDEX=VALUE"
static int set_param(Model *m, const char *arg) {
    char *s = xstrdup(arg + 5);
    char *eq = strrchr(s, '='), *colon = strrchr(s, ':');
    long idx;
    double v;
    int t;
    if (!eq || !colon || colon > eq) goto bad;
    *eq = 0;
    *colon = 0;
    if (parse_int(colon + 1, &idx) != 0 || parse_double(eq + 1, &v) != 0) goto bad;
    if ((t = model_find_tensor(m, s)) < 0) {
        calla_err("\"%s\": no tensor \"%s\" in a %s model", arg, s, model_arch_name(m->arch));
        free(s);
        return -1;
    }
    if (idx < 0 || (size_t)idx >= m->tensors[t].numel) {
        calla_err("\"%s\": index %ld outside tensor \"%s\" of %zu elements", arg, idx, s,
                  m->tensors[t].numel);
        free(s);
        return -1;
    }
    m->params[m->tensors[t].offset + (size_t)idx] = (float)v;
    free(s);
    return 0;
bad:
    calla_err("malformed parameter \"%s\" (expected bias:TENSOR:INDEX=VALUE)", arg);
    free(s);
    return -1;
}

int main(int argc, char **argv) {
    calla_set_cmd("mkmodel");
    if (argc < 3) {
        fprintf(stderr, "usage: mkmodel OUT ARCH [KEY=VALUE | KEY= | -KEY | "
                        "bias:TENSOR:INDEX=VALUE]...\n");
        return 2;
    }
    const char *out = argv[1];
    ModelArch arch;
    if (model_arch_parse(argv[2], &arch) < 0) {
        calla_err("unknown architecture \"%s\"", argv[2]);
        return 2;
    }
    Model m;
    if (model_create(&m, arch, 1) < 0) {
        calla_err("model_create failed for %s", argv[2]);
        return 1;
    }
    set_meta("platform", "ilmn");
    int rc = 0;
    for (int i = 3; i < argc && rc == 0; i++) {
        const char *a = argv[i];
        if (strncmp(a, "bias:", 5) == 0) {
            if (set_param(&m, a) < 0) rc = 2;
        } else if (a[0] == '-' && a[1]) {
            set_meta(a + 1, NULL);
        } else if (strchr(a, '=') && a[0] != '=') {
            char *k = xstrdup(a);
            char *eq = strchr(k, '=');
            *eq = 0;
            set_meta(k, eq + 1);
            free(k);
        } else {
            calla_err("malformed argument \"%s\"", a);
            rc = 2;
        }
    }
    if (rc) {
        model_free(&m);
        return rc;
    }
    const Meta *am = find_meta("architecture"), *fm = find_meta("feature_kind");
    const Meta *vm = find_meta("calla_version");
    StMeta md[MAX_META + 3];
    int nm = 0;
    if (!am && !fm && !vm) {  // the real writer adds architecture, feature_kind, calla_version
        for (int i = 0; i < g_n_meta; i++)
            if (g_meta[i].value) md[nm++] = (StMeta){g_meta[i].key, g_meta[i].value};
        rc = modelfile_save(out, &m, md, nm, NULL, 0) < 0;
    } else {
        if (!am) md[nm++] = (StMeta){"architecture", model_arch_name(arch)};
        if (!fm) md[nm++] = (StMeta){"feature_kind", feature_kind_name(m.feature_kind)};
        if (!vm) md[nm++] = (StMeta){"calla_version", "test"};
        for (int i = 0; i < g_n_meta; i++)
            if (g_meta[i].value) md[nm++] = (StMeta){g_meta[i].key, g_meta[i].value};
        StTensorOut *t = modelfile_tensors(&m, ST_F32);
        rc = st_write(out, t, modelfile_n_tensors(&m), md, nm) < 0;
        free(t);
    }
    for (int i = 0; i < g_n_meta; i++) {
        free(g_meta[i].key);
        free(g_meta[i].value);
    }
    model_free(&m);
    return rc;
}
