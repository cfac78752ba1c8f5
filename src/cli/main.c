// main.c — `calla <command> [options]`: dispatch table, --version, --help.
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "common/blas.h"
#include "common/util.h"
#include "common/version.h"

typedef struct {
    const char *name;
    int (*run)(int, char **);
    const char *help;
} Command;

static const Command COMMANDS[] = {
    {"tensors", main_tensors, "aligned reads (+ truth) -> training/calling tensor file"},
    {"view", main_view, "print a tensor file as text"},
    {"train", main_train, "train a model from tensor files"},
    {"plot", main_plot, "plot training curves from JSONL logs"},
    {"call", main_call, "call variants into a VCF/BCF (type from the name; .vcf.gz: bgzipped + indexed)"},
    {"merge-shards", main_merge_shards, "merge the shards of `calla call --shard` into one VCF"},
    {"eval", main_eval, "compare calls against a truth VCF"},
    {"haplotag", main_haplotag, "phase het SNPs from the reads; tag reads with HP/PS (BAM/CRAM out)"},
    {"simulate", main_simulate, "simulate a genome, variants and aligned reads"},
    {"model", main_model, "describe, list or convert models"},
    {NULL, NULL, NULL},
};

static void usage(FILE *out) {
    fprintf(out,
            "\nProgram: calla (deep-learning germline variant caller)\n"
            "Version: %s\n\n"
            "Usage:   calla <command> [options]\n\n"
            "Commands:\n",
            CALLA_VERSION);
    for (const Command *c = COMMANDS; c->name; c++) fprintf(out, "  %-10s %s\n", c->name, c->help);
    fprintf(out,
            "\n  --version  print the version and the build's components\n"
            "  --help     this text\n\n"
            "Run `calla <command> --help` for a command's options.\n");
}

int main(int argc, char **argv) {
    blas_select_coretype(argc, argv);
    if (argc < 2) {
        usage(stderr);
        return CALLA_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        version_print(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    for (const Command *c = COMMANDS; c->name; c++) {
        if (strcmp(argv[1], c->name) == 0) {
            calla_set_cmd(c->name);
            cleanup_install_signal_handlers();
            return c->run(argc - 1, argv + 1);
        }
    }
    calla_err("unrecognised command \"%s\"", argv[1]);
    usage(stderr);
    return CALLA_EXIT_USAGE;
}
