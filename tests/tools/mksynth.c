// mksynth.c — test helper: writes the synthetic, learnable tensor file of tests/unit/train_synth.h
// (three classes: hom-ref, het SNP, hom-alt SNP) for the command-line training tests.
// usage: mksynth OUT.ctf clair3-pileup|clairvoyante N_RECORDS SEED
#include <stdio.h>
#include <stdlib.h>

#include "network/model.h"
#include "unit/train_synth.h"

int main(int argc, char **argv) {
    ModelArch a;
    if (argc != 5 || model_arch_parse(argv[2], &a) < 0 || atoi(argv[3]) < 1) {
        fprintf(stderr, "usage: mksynth OUT.ctf clair3-pileup|clairvoyante N_RECORDS SEED\n");
        return 2;
    }
    if (a == ARCH_CLAIR3_FA) {
        fprintf(stderr, "mksynth: no synthetic clair3-fa tensors (pileup kinds only)\n");
        return 2;
    }
    if (synth_write(argv[1], model_arch_feature_kind(a), atoi(argv[3]),
                    strtoull(argv[4], NULL, 10)) < 0) {
        fprintf(stderr, "mksynth: cannot write %s\n", argv[1]);
        return 1;
    }
    return 0;
}
