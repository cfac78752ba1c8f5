// cmd_merge_shards.c — `calla merge-shards`: the shards of one `calla call --shard I/N` run ->
// one sorted, indexed VCF whose records are those of a one-process run (calling/shard.h).
#include <getopt.h>
#include <htslib/hts.h>
#include <stdio.h>
#include <string.h>

#include "calling/shard.h"
#include "calling/vcf_writer.h"
#include "cli/commands.h"
#include "common/util.h"

static void usage(FILE *fp) {
    fprintf(fp,
            "Usage: calla merge-shards -o calls.vcf.gz SHARD.vcf.gz...\n"
            "Merges the N shards of one `calla call --shard I/N` run (any order) into one VCF.\n"
            "Checks that all N shards of the same command are present, each once, with the same\n"
            "header, and that their records do not overlap; the output has the records of a\n"
            "one-process run and the first shard's header without its ##calla_shard line\n"
            "(FILTER Overlap is checked again across shard boundaries).\n\n"
            "  -o, --output FILE         output VCF/BCF, written atomically; \"-\": stdout\n"
            "  -O, --output-type v|z|b|u VCF, bgzipped VCF (+ .tbi), BCF (+ .csi), uncompressed BCF\n"
            "                            [from the name: .vcf v, .vcf.gz z, .bcf b; stdout v]\n"
            "  -h, --help                this help\n");
}

int main_merge_shards(int argc, char **argv) {
    calla_set_cmd("merge-shards");
    static const struct option lopts[] = {{"output", required_argument, NULL, 'o'},
                                          {"output-type", required_argument, NULL, 'O'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    const char *out_path = NULL;
    char out_type = 0;
    int c, bad = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:O:h", lopts, NULL)) != -1) {
        switch (c) {
        case 'o': out_path = optarg; break;
        case 'O':
            if (strlen(optarg) != 1 || !strchr("vzbu", optarg[0])) {
                calla_err("bad output type \"%s\" (v, z, b or u)", optarg);
                bad = 1;
            } else out_type = optarg[0];
            break;
        case 'h': usage(stdout); return 0;
        default: bad = 1; break;
        }
    }
    if (!bad && !out_path) {
        calla_err("-o OUTPUT is required");
        bad = 1;
    }
    if (!bad && optind >= argc) {
        calla_err("no shards given");
        bad = 1;
    }
    if (!bad && !out_type && vcf_type_from_name(out_path, &out_type) < 0) {
        calla_err("output \"%s\": unknown type (name it .vcf, .vcf.gz or .bcf, or give -O)",
                  out_path);
        bad = 1;
    }
    for (int i = optind; !bad && i < argc; i++)
        if (strcmp(argv[i], out_path) == 0) {
            calla_err("the output \"%s\" is also a shard", out_path);
            bad = 1;
        }
    if (bad) {
        usage(stderr);
        return CALLA_EXIT_USAGE;
    }
    hts_set_log_level(HTS_LOG_OFF);  // our own one-line errors name the file and the problem
    return shard_merge(out_path, out_type, argv + optind, argc - optind) == 0 ? 0
                                                                             : CALLA_EXIT_RUNTIME;
}
