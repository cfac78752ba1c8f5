// cmd_model_create.c — `calla model create`: a freshly initialised model file of any
// architecture (the spec's initialisation, docs/network.md), e.g. a clair3-fa model for a given
// number of read rows, to inspect with `calla model` or to start training from.
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "common/util.h"
#include "training/modelfile.h"

static void usage(FILE *out) {
    fprintf(out,
            "\nUsage: calla model create --arch A [options] -o OUT.safetensors\n\n"
            "Writes a freshly initialised model.\n\n"
            "Options:\n"
            "  --arch A        clair3-pileup, clairvoyante or clair3-fa (required)\n"
            "  --rows N        clair3-fa: read rows of the input, 1..%d [%d; Clair3: 55 for\n"
            "                  ilmn and hifi, 89 for ont]\n"
            "  --seed N        initialisation seed [1]\n"
            "  --platform P    platform recorded in the metadata (ilmn, hifi, ont) [none]\n"
            "  -o FILE         output model (written atomically)\n"
            "  -h, --help      this text\n\n",
            MODEL_FA_ROWS_MAX, MODEL_FA_ROWS_DEFAULT);
}

int main_model_create(int argc, char **argv) {
    calla_set_cmd("model create");
    enum { OPT_ARCH = 256, OPT_ROWS, OPT_SEED, OPT_PLATFORM };
    static const struct option lopts[] = {{"arch", required_argument, NULL, OPT_ARCH},
                                          {"rows", required_argument, NULL, OPT_ROWS},
                                          {"seed", required_argument, NULL, OPT_SEED},
                                          {"platform", required_argument, NULL, OPT_PLATFORM},
                                          {"output", required_argument, NULL, 'o'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    const char *out = NULL, *platform = NULL;
    ModelArch arch = 0;
    long rows = MODEL_FA_ROWS_DEFAULT;
    unsigned long long seed = 1;
    int c, bad = 0, have_rows = 0;
    char *end;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", lopts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'h': usage(stdout); return 0;
        case OPT_ARCH:
            if (model_arch_parse(optarg, &arch) < 0) {
                calla_err("--arch must be clair3-pileup, clairvoyante or clair3-fa, not \"%s\"",
                          optarg);
                bad = 1;
            }
            break;
        case OPT_ROWS:
            rows = strtol(optarg, &end, 10);
            have_rows = 1;
            if (end == optarg || *end || rows < 1 || rows > MODEL_FA_ROWS_MAX) {
                calla_err("--rows must be an integer in [1, %d], not \"%s\"", MODEL_FA_ROWS_MAX,
                          optarg);
                bad = 1;
            }
            break;
        case OPT_SEED:
            seed = strtoull(optarg, &end, 10);
            if (end == optarg || *end || optarg[0] == '-') {
                calla_err("--seed must be a non-negative integer, not \"%s\"", optarg);
                bad = 1;
            }
            break;
        case OPT_PLATFORM:
            if (strcmp(optarg, "ilmn") && strcmp(optarg, "hifi") && strcmp(optarg, "ont")) {
                calla_err("--platform must be ilmn, hifi or ont, not \"%s\"", optarg);
                bad = 1;
            }
            platform = optarg;
            break;
        default: bad = 1; break;
        }
    }
    if (!bad && !arch) calla_err("--arch is required"), bad = 1;
    if (!bad && !out) calla_err("-o FILE is required"), bad = 1;
    if (!bad && out && strcmp(out, "-") == 0)
        calla_err("-o -: a model cannot go to standard output; give a file name"), bad = 1;
    if (!bad && have_rows && arch != ARCH_CLAIR3_FA)
        calla_err("--rows applies to clair3-fa only"), bad = 1;
    if (!bad && optind != argc) calla_err("unexpected argument \"%s\"", argv[optind]), bad = 1;
    if (bad) return CALLA_EXIT_USAGE;  // one line, as every refused argument (--help: usage)
    Model m;
    if (model_create_rows(&m, arch, (int)rows, 1) < 0) {
        calla_err("cannot create a %s model", model_arch_name(arch));
        return CALLA_EXIT_RUNTIME;
    }
    model_init_params(&m, seed);
    char seed_s[32];
    snprintf(seed_s, sizeof seed_s, "%llu", seed);
    StMeta meta[2] = {{"init_seed", seed_s}, {"platform", platform}};
    int r = modelfile_save(out, &m, meta, platform ? 2 : 1, NULL, 0);
    if (r == 0)
        calla_info("wrote \"%s\" (%s, %zu parameters%s)", out, model_arch_name(arch), m.n_params,
                   arch == ARCH_CLAIR3_FA ? ", batch-norm statistics at their initial values" : "");
    model_free(&m);
    return r == 0 ? 0 : CALLA_EXIT_RUNTIME;
}
