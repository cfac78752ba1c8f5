// mksynth.c — test helper: writes the synthetic, learnable tensor file of tests/unit/train_synth.h
// (three classes: hom-ref, het SNP, hom-alt SNP) for the command-line training tests.
// usage: mksynth OUT.ctf clair3-pileup|clairvoyante|clair3-fa N_RECORDS SEED [FA_ROWS]
#include <stdio.h>
#include <stdlib.h>

#include "network/model.h"
#include "unit/train_synth.h"

int main(int argc, char **argv) {
    ModelArch a;
    if ((argc != 5 && argc != 6) || model_arch_parse(argv[2], &a) < 0 || atoi(argv[3]) < 1 ||
        (argc == 6 && (a != ARCH_CLAIR3_FA || atoi(argv[5]) < 1 ||
                       atoi(argv[5]) > TF_FA_MAX_ROWS))) {
        fprintf(stderr, "usage: mksynth OUT.ctf clair3-pileup|clairvoyante|clair3-fa N_RECORDS "
                        "SEED [FA_ROWS]\n");
        return 2;
    }
    int rc = a == ARCH_CLAIR3_FA && argc == 6
                 ? synth_write_fa(argv[1], atoi(argv[5]), atoi(argv[3]), strtoull(argv[4], NULL, 10))
                 : synth_write(argv[1], model_arch_feature_kind(a), atoi(argv[3]),
                               strtoull(argv[4], NULL, 10));
    if (rc < 0) {
        fprintf(stderr, "mksynth: cannot write %s\n", argv[1]);
        return 1;
    }
    return 0;
}
