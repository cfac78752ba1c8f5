// cmd_model.c — `calla model`: describe a model file (architecture, platform, parameters,
// storage, metadata), list the shipped models, or rewrite a model with another storage type
// (fp16/bf16 halve the size of a shipped model; the values are rounded to nearest even).
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <limits.h>

#include "calling/gq_calib.h"
#include "calling/shipped.h"
#include "cli/commands.h"
#include "common/util.h"
#include "training/modelfile.h"
#include "training/safetensors.h"

static void usage(FILE *out) {
    fprintf(out,
            "\nUsage: calla model [options] MODEL\n"
            "       calla model --list\n"
            "       calla model import-clair3 -o OUT --platform P IN   (see its --help)\n"
            "       calla model create --arch A [--rows N] -o OUT      (see its --help)\n\n"
            "Describes a model (a .safetensors file or a shipped model name): architecture,\n"
            "platform, parameter count, storage type and the metadata recorded by `calla train`.\n\n"
            "Options:\n"
            "  --list          list the shipped models and where they were found\n"
            "  -o, --output FILE  write a copy of the model (atomically; a file, not '-') ...\n"
            "  --store TYPE    ... with its tensors stored as f32, f16 or bf16 [f32]\n"
            "  --meta KEY=VAL  ... with this metadata entry added or replaced (repeatable)\n"
            "  -h, --help      this text\n\n");
}

static const char *dtype_name(StDtype d) { return d == ST_F32 ? "f32" : d == ST_F16 ? "f16" : "bf16"; }

static int list_models(void) {
    char dir[PATH_MAX + 128];
    if (shipped_models_dir(dir, sizeof dir) < 0) {
        calla_err("no models directory: looked for %s", dir);
        return CALLA_EXIT_RUNTIME;
    }
    DIR *d = opendir(dir);
    if (!d) {
        calla_err("cannot read the models directory \"%s\"", dir);
        return CALLA_EXIT_RUNTIME;
    }
    printf("# shipped models in %s\n", dir);
    struct dirent *e;
    char **names = NULL;
    int n = 0;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l > 12 && strcmp(e->d_name + l - 12, ".safetensors") == 0) {
            names = xrealloc(names, (size_t)(n + 1) * sizeof *names);
            names[n++] = xstrdup(e->d_name);
        }
    }
    closedir(d);
    for (int i = 0; i < n; i++)  // sorted, for a stable listing
        for (int j = i + 1; j < n; j++)
            if (strcmp(names[j], names[i]) < 0) {
                char *t = names[i];
                names[i] = names[j], names[j] = t;
            }
    int ret = 0;
    for (int i = 0; i < n; i++) {
        char path[PATH_MAX + 256];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        StFile f;
        names[i][strlen(names[i]) - 12] = 0;
        if (st_open(&f, path) < 0) {
            ret = CALLA_EXIT_RUNTIME;
        } else {
            const char *a = st_meta(&f, "architecture"), *p = st_meta(&f, "platform");
            printf("%-20s %-14s %-5s %s\n", names[i], a ? a : "?", p ? p : "?",
                   f.n ? dtype_name(f.t[0].dtype) : "-");
            st_close(&f);
        }
        free(names[i]);
    }
    free(names);
    return ret;
}

int main_model(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "import-clair3") == 0)
        return main_model_import_clair3(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "create") == 0) return main_model_create(argc - 1, argv + 1);
    calla_set_cmd("model");
    enum { OPT_LIST = 256, OPT_STORE, OPT_META };
    static const struct option lopts[] = {{"list", no_argument, NULL, OPT_LIST},
                                          {"store", required_argument, NULL, OPT_STORE},
                                          {"meta", required_argument, NULL, OPT_META},
                                          {"output", required_argument, NULL, 'o'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    const char *out = NULL;
    int list = 0, c, bad = 0, n_extra = 0;
    char **extra = xcalloc((size_t)argc + 1, sizeof *extra);  // KEY=VAL strings from --meta
    StDtype store = ST_F32;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", lopts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'h': usage(stdout); free(extra); return 0;
        case OPT_LIST: list = 1; break;
        case OPT_META:
            if (!strchr(optarg, '=') || optarg[0] == '=' ||
                strncmp(optarg, "architecture=", 13) == 0 || strncmp(optarg, "feature_kind=", 13) == 0) {
                calla_err("--meta needs KEY=VALUE (architecture and feature_kind cannot be changed), not \"%s\"",
                          optarg);
                bad = 1;
            } else if (strncmp(optarg, "gq_calibration=", 15) == 0 && optarg[15]) {  // "": none
                GqCalib g;
                char why[160];
                if (gq_calib_parse(optarg + 15, &g, why, sizeof why) < 0) {
                    calla_err("--meta gq_calibration: %s", why);
                    bad = 1;
                } else {
                    extra[n_extra++] = optarg;
                }
            } else {
                extra[n_extra++] = optarg;
            }
            break;
        case OPT_STORE:
            if (strcmp(optarg, "f32") == 0) store = ST_F32;
            else if (strcmp(optarg, "f16") == 0) store = ST_F16;
            else if (strcmp(optarg, "bf16") == 0) store = ST_BF16;
            else {
                calla_err("--store must be f32, f16 or bf16, not \"%s\"", optarg);
                bad = 1;
            }
            break;
        default: bad = 1; break;
        }
    }
    if (!bad && !list && optind != argc - 1) {
        calla_err(optind >= argc ? "no model given" : "one model at a time");
        bad = 1;
    }
    if (!bad && out && strcmp(out, "-") == 0) {
        calla_err("-o -: the model copy cannot go to standard output (the description does); "
                  "give a file name");
        bad = 1;
    }
    if (!bad && n_extra && !out) {
        calla_err("--meta needs -o FILE");
        bad = 1;
    }
    if (bad) {
        usage(stderr);
        free(extra);
        return CALLA_EXIT_USAGE;
    }
    if (list) {
        free(extra);
        return list_models();
    }

    char *path = shipped_model_resolve(argv[optind], NULL);
    StFile f;
    if (!path || st_open(&f, path) < 0) {
        free(path);
        free(extra);
        return CALLA_EXIT_RUNTIME;
    }
    int ret = CALLA_EXIT_RUNTIME;
    // Loading it as a model checks the architecture, every tensor's presence and shape.
    Model m;
    if (modelfile_load_st(&f, &m, 1, 0) < 0) goto done;
    for (int i = 0; i < f.n; i++)
        if (strncmp(f.t[i].name, "optim.", 6) == 0) {
            calla_err("\"%s\" is a training checkpoint, not a model (use the model file `calla "
                      "train -o` wrote)",
                      path);
            model_free(&m);
            goto done;
        }
    size_t bytes = 0;
    for (int i = 0; i < f.n; i++) bytes += f.t[i].end - f.t[i].begin;
    printf("file\t%s\n", path);
    printf("architecture\t%s\n", model_arch_name(m.arch));
    printf("parameters\t%zu in %d tensors\n", m.n_params, m.n_tensors);
    if (m.arch == ARCH_CLAIR3_FA) {
        printf("input\t%d read rows x %d positions x %d channels\n", m.fa_rows, m.n_pos,
               m.n_chan / m.fa_rows);
        printf("state\t%zu batch-norm running statistics in %d tensors (not trained)\n",
               m.n_state, m.n_state_tensors);
    }
    printf("storage\t%s, %.2f MiB of tensor data\n", f.n ? dtype_name(f.t[0].dtype) : "-",
           bytes / 1048576.0);
    for (int i = 0; i < f.n_meta; i++) {
        if (strcmp(f.meta_keys[i], "architecture") == 0) continue;
        printf("meta.%s\t%s\n", f.meta_keys[i], f.meta_vals[i]);
    }
    if (out) {
        StTensorOut *t = modelfile_tensors(&m, store);
        StMeta *meta = xcalloc((size_t)f.n_meta + (size_t)n_extra + 1, sizeof *meta);
        int nm = 0;
        for (int k = 0; k < n_extra; k++) *strchr(extra[k], '=') = 0;  // KEY\0VALUE
        for (int i = 0; i < f.n_meta; i++) {
            int replaced = strcmp(f.meta_keys[i], "storage") == 0;
            for (int k = 0; k < n_extra && !replaced; k++) replaced = strcmp(f.meta_keys[i], extra[k]) == 0;
            if (!replaced) meta[nm++] = (StMeta){f.meta_keys[i], f.meta_vals[i]};
        }
        for (int k = 0; k < n_extra; k++) {
            int dup = 0;  // the last --meta of a key wins
            for (int j = k + 1; j < n_extra; j++) dup |= strcmp(extra[k], extra[j]) == 0;
            if (!dup) meta[nm++] = (StMeta){extra[k], extra[k] + strlen(extra[k]) + 1};
        }
        meta[nm++] = (StMeta){"storage", dtype_name(store)};
        int r = st_write(out, t, modelfile_n_tensors(&m), meta, nm);
        free(t);
        free(meta);
        if (r < 0) {
            model_free(&m);
            goto done;
        }
        calla_info("wrote \"%s\" (%s storage)", out, dtype_name(store));
    }
    model_free(&m);
    ret = 0;
done:
    st_close(&f);
    free(path);
    free(extra);
    return ret;
}
