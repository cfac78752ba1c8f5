// cmd_model_import.c — `calla model import-clair3`: a Clair3 pileup model (its PyTorch state_dict,
// converted to safetensors by the one-liner of docs/models.md) -> a calla model file that
// `calla call -m` runs with Clair3's own tensor encoding (metadata pileup_compat).
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "common/util.h"
#include "reads/candidates.h"
#include "training/import_clair3.h"
#include "training/modelfile.h"
#include "training/safetensors.h"

static void usage(FILE *out) {
    fprintf(out,
            "\nUsage: calla model import-clair3 [options] -o OUT.safetensors --platform P IN.safetensors\n\n"
            "Converts a Clair3 pileup model (the state_dict of Clair3's pileup.pt, saved as\n"
            "safetensors; see docs/models.md) into a calla clair3-pileup model.\n\n"
            "Options:\n"
            "  -o FILE            output model (written atomically)\n"
            "  --platform P       ilmn, hifi or ont: the platform the Clair3 model is for (required)\n"
            "  --compat MODE      tensor encoding recorded for `calla call` (pileup_compat):\n"
            "                     clair3, clair3-c, clair3-mpileup or calla [clair3]\n"
            "  --store TYPE       f32, f16 or bf16 [f32]\n"
            "  -h, --help         this text\n\n");
}

int main_model_import_clair3(int argc, char **argv) {
    calla_set_cmd("model import-clair3");
    enum { OPT_PLATFORM = 256, OPT_COMPAT, OPT_STORE };
    static const struct option lopts[] = {{"platform", required_argument, NULL, OPT_PLATFORM},
                                          {"compat", required_argument, NULL, OPT_COMPAT},
                                          {"store", required_argument, NULL, OPT_STORE},
                                          {"output", required_argument, NULL, 'o'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    const char *out = NULL, *platform_s = NULL, *compat = "clair3", *store_s = "f32";
    StDtype store = ST_F32;
    int c, bad = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", lopts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'h': usage(stdout); return 0;
        case OPT_PLATFORM: platform_s = optarg; break;
        case OPT_COMPAT: compat = optarg; break;
        case OPT_STORE:
            store_s = optarg;
            if (!strcmp(optarg, "f32")) store = ST_F32;
            else if (!strcmp(optarg, "f16")) store = ST_F16;
            else if (!strcmp(optarg, "bf16")) store = ST_BF16;
            else {
                calla_err("--store must be f32, f16 or bf16, not \"%s\"", optarg);
                bad = 1;
            }
            break;
        default: bad = 1; break;
        }
    }
    Platform platform = PLATFORM_ILMN;
    ScanParams sp;
    if (!bad && optind != argc - 1) {
        calla_err(optind >= argc ? "no input checkpoint given" : "one input checkpoint at a time");
        bad = 1;
    }
    if (!bad && !out) {
        calla_err("-o OUT is required");
        bad = 1;
    }
    if (!bad && (!platform_s || platform_parse(platform_s, &platform) < 0)) {
        calla_err("--platform ilmn, hifi or ont is required%s%s%s", platform_s ? " (not \"" : "",
                  platform_s ? platform_s : "", platform_s ? "\")" : "");
        bad = 1;
    }
    if (!bad) {
        scan_params_default(&sp, platform, FEAT_CLAIR3_PILEUP);
        if (scan_params_compat(&sp, compat) < 0) {
            calla_err("unknown --compat \"%s\" (clair3, clair3-c, clair3-mpileup or calla)", compat);
            bad = 1;
        }
    }
    if (bad) {
        usage(stderr);
        return CALLA_EXIT_USAGE;
    }
    const char *in = argv[optind];
    StFile f;
    if (st_open(&f, in) < 0) return CALLA_EXIT_RUNTIME;
    Model m;
    int ret = CALLA_EXIT_RUNTIME, skipped = 0;
    if (model_create(&m, ARCH_CLAIR3_PILEUP, 1) < 0) {
        calla_err("cannot create a clair3-pileup model");
        st_close(&f);
        return ret;
    }
    if (clair3_import(&f, &m, &skipped) == 0) {
        const char *base = strrchr(in, '/') ? strrchr(in, '/') + 1 : in;
        char source[512];
        snprintf(source, sizeof source, "Clair3 pileup state_dict %s (calla model import-clair3)", base);
        StMeta meta[] = {{"architecture", model_arch_name(m.arch)},
                         {"feature_kind", feature_kind_name(m.feature_kind)},
                         {"calla_version", CALLA_VERSION},
                         {"platform", platform_name(platform)},
                         {"pileup_compat", compat},
                         {"source", source},
                         {"storage", store_s}};
        StTensorOut *t = modelfile_tensors(&m, store);
        int r = st_write(out, t, modelfile_n_tensors(&m), meta, (int)(sizeof meta / sizeof *meta));
        free(t);
        if (r == 0) {
            if (skipped)
                calla_info("skipped %d tensors of the indel-length heads (not part of calla's model)",
                           skipped);
            calla_info("wrote \"%s\" (%zu parameters, %s, pileup_compat=%s)", out, m.n_params,
                       store_s, compat);
            ret = 0;
        }
    }
    model_free(&m);
    st_close(&f);
    return ret;
}
