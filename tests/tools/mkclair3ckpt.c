// mkclair3ckpt.c — test helper: writes a synthetic Clair3 pileup state_dict as safetensors
// (tests/tools/clair3_ckpt_synth.h) for tests/cli/test_model_import.sh.
// usage: mkclair3ckpt OUT [module] [indel-heads] [skip=NAME] [extra=NAME] [short=NAME]
#include <stdio.h>
#include <string.h>

#include "tools/clair3_ckpt_synth.h"

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: mkclair3ckpt OUT [module] [indel-heads] [skip=NAME] [extra=NAME] [short=NAME]\n");
        return 2;
    }
    const char *prefix = NULL, *skip = NULL, *extra = NULL, *bad = NULL;
    int n = CLAIR3_SYNTH_CORE;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "module")) prefix = "module.";
        else if (!strcmp(argv[i], "indel-heads")) n = CLAIR3_SYNTH_N;
        else if (!strncmp(argv[i], "skip=", 5)) skip = argv[i] + 5;
        else if (!strncmp(argv[i], "extra=", 6)) extra = argv[i] + 6;
        else if (!strncmp(argv[i], "short=", 6)) bad = argv[i] + 6;
        else {
            fprintf(stderr, "mkclair3ckpt: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    return clair3_synth_write(argv[1], prefix, n, skip, extra, bad) == 0 ? 0 : 1;
}
