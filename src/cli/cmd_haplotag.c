// cmd_haplotag.c — `calla haplotag`: phase het SNPs from the reads and tag each read with its
// haplotype (HP/PS), like `whatshap phase` + `whatshap haplotag` (docs/phasing.md).
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <htslib/hts.h>

#include "calling/vcf_writer.h"
#include "cli/commands.h"
#include "common/util.h"
#include "phasing/haplotag_bam.h"
#include "phasing/hetsites.h"
#include "phasing/phase_regions.h"
#include "phasing/phased_vcf.h"
#include "reads/candidates.h"
#include "reads/regions.h"

static void usage(FILE *out) {
    fprintf(out,
            "\nUsage: calla haplotag -f ref.fa -v calls.vcf.gz [options] in.bam|in.cram\n\n"
            "Phases the heterozygous SNPs of the VCF from the reads (read-based, minimum error\n"
            "correction; blocks get PS = 1-based position of their first SNP) and writes the\n"
            "reads with HP:i:1/2 and PS:i tags, like whatshap phase + haplotag. Every read is\n"
            "kept, in input order; reads without a decisive haplotype are written without HP/PS.\n"
            "See docs/phasing.md.\n\n"
            "Options:\n"
            "  -f, --ref FILE          reference FASTA with .fai\n"
            "  -v, --vcf FILE          het SNPs to phase (VCF/BCF, e.g. `calla call` output; no\n"
            "                          index needed): biallelic SNPs with GT 0/1 (input phasing is\n"
            "                          ignored), FILTER PASS or '.', QUAL >= --min-qual or '.'\n"
            "  -o, --output FILE       tagged reads [-: BAM on standard output]\n"
            "  -O, --output-fmt b|c|s  BAM, CRAM or SAM [from the name: .cram CRAM, .sam SAM,\n"
            "                          else BAM]\n"
            "      --write-index       index the output (.csi for BAM, .crai for CRAM; not with -o -)\n"
            "      --output-phased-vcf FILE  the input VCF with phased GT (0|1, 1|0) and FORMAT/PS\n"
            "                          (.vcf.gz bgzipped + .tbi, .bcf + .csi, .vcf plain)\n"
            "  -r, --region REG        phase only in REG (chr, chr:beg-end; repeatable); reads\n"
            "                          elsewhere are written untagged\n"
            "  -R, --regions-file BED  phase only in the BED's intervals\n"
            "      --sample NAME       VCF sample [the first]\n"
            "      --min-qual Q        het SNPs with QUAL below Q are not used [10]\n"
            "      --var-pct F         then use only the top fraction F of the het SNPs by QUAL\n"
            "                          (Clair3's var_pct_phasing, e.g. 0.7) [1: all]\n"
            "      --min-mapq Q        reads with MAPQ below Q are neither used nor tagged [20]\n"
            "      --max-coverage N    reads used for phasing per SNP (first in position order;\n"
            "                          tagging uses every read) [20]\n"
            "  -@, --threads N         threads [1]; the output is the same for any N\n"
            "      --quiet             no progress or information lines\n"
            "  -h, --help              this text\n\n"
            "Reads that are unmapped, secondary, supplementary, QC-failed, duplicates or have no\n"
            "SEQ are neither used nor tagged. HP/PS tags already in the input are removed from\n"
            "every read (a warning counts them) so that all tags come from this run.\n\n");
}

static int ends_with(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

// A one-line error now, before the work, when the output's folder cannot be written.
static int check_out_dir(const char *path) {
    if (strcmp(path, "-") == 0) return 0;
    char *d = xstrdup(path), *slash = strrchr(d, '/');
    const char *dir = slash ? (slash == d ? "/" : (*slash = 0, d)) : ".";
    int ok = access(dir, W_OK | X_OK) == 0;
    if (!ok) calla_err("cannot write \"%s\": folder \"%s\": %s", path, dir, strerror(errno));
    free(d);
    return ok ? 0 : -1;
}

static void remove_with_index(const char *path) {
    unlink(path);
    size_t l = strlen(path) + 8;
    char *idx = xmalloc(l);
    snprintf(idx, l, "%s.tbi", path);
    unlink(idx);
    snprintf(idx, l, "%s.csi", path);
    unlink(idx);
    free(idx);
}

int main_haplotag(int argc, char **argv) {
    enum { OPT_PVCF = 1000, OPT_WIDX, OPT_SAMPLE, OPT_MINQ, OPT_MAPQ, OPT_MAXCOV, OPT_QUIET, OPT_VARPCT };
    static const struct option LONG[] = {
        {"ref", required_argument, NULL, 'f'},
        {"fasta-ref", required_argument, NULL, 'f'},
        {"vcf", required_argument, NULL, 'v'},
        {"output", required_argument, NULL, 'o'},
        {"output-fmt", required_argument, NULL, 'O'},
        {"write-index", no_argument, NULL, OPT_WIDX},
        {"output-phased-vcf", required_argument, NULL, OPT_PVCF},
        {"region", required_argument, NULL, 'r'},
        {"regions-file", required_argument, NULL, 'R'},
        {"sample", required_argument, NULL, OPT_SAMPLE},
        {"min-qual", required_argument, NULL, OPT_MINQ},
        {"min-mapq", required_argument, NULL, OPT_MAPQ},
        {"var-pct", required_argument, NULL, OPT_VARPCT},
        {"max-coverage", required_argument, NULL, OPT_MAXCOV},
        {"threads", required_argument, NULL, '@'},
        {"quiet", no_argument, NULL, OPT_QUIET},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *ref = NULL, *vcf = NULL, *out_path = "-", *pvcf = NULL, *bed = NULL,
               *sample = NULL;
    char fmt = 0;
    int write_index = 0, quiet = 0, n_reg = 0;
    long threads = 1;
    double min_qual = 10, var_pct = 1;
    PhaseParams pp;
    phase_params_default(&pp);
    char **reg = xcalloc((size_t)argc + 1, sizeof *reg);
    int c, status = CALLA_EXIT_USAGE;
    long v;
    while ((c = getopt_long(argc, argv, "f:v:o:O:r:R:@:h", LONG, NULL)) != -1) {
        switch (c) {
        case 'f': ref = optarg; break;
        case 'v': vcf = optarg; break;
        case 'o': out_path = optarg; break;
        case 'O':
            if (strcmp(optarg, "b") && strcmp(optarg, "c") && strcmp(optarg, "s") &&
                strcmp(optarg, "bam") && strcmp(optarg, "cram") && strcmp(optarg, "sam")) {
                calla_err("-O must be b, c or s (BAM, CRAM, SAM), not \"%s\"", optarg);
                goto out;
            }
            fmt = optarg[0];
            break;
        case OPT_WIDX: write_index = 1; break;
        case OPT_PVCF: pvcf = optarg; break;
        case 'r': reg[n_reg++] = optarg; break;
        case 'R': bed = optarg; break;
        case OPT_SAMPLE: sample = optarg; break;
        case OPT_MINQ:
            if (parse_double(optarg, &min_qual) != 0) {
                calla_err("--min-qual needs a number, not \"%s\"", optarg);
                goto out;
            }
            break;
        case OPT_VARPCT:
            if (parse_double(optarg, &var_pct) != 0 || !(var_pct > 0 && var_pct <= 1)) {
                calla_err("--var-pct needs a number in (0, 1], not \"%s\"", optarg);
                goto out;
            }
            break;
        case OPT_MAPQ:
            if (parse_int(optarg, &v) != 0 || v < 0 || v > 255) {
                calla_err("--min-mapq needs an integer in 0-255, not \"%s\"", optarg);
                goto out;
            }
            pp.min_mapq = (int)v;
            break;
        case OPT_MAXCOV:
            if (parse_int(optarg, &v) != 0 || v < 2 || v > 100000) {
                calla_err("--max-coverage needs an integer in 2-100000, not \"%s\"", optarg);
                goto out;
            }
            pp.max_coverage = (int)v;
            break;
        case '@':
            if (parse_int(optarg, &threads) != 0 || threads < 1 || threads > 1024) {
                calla_err("-@ needs an integer in 1-1024, not \"%s\"", optarg);
                goto out;
            }
            break;
        case OPT_QUIET: quiet = 1; break;
        case 'h': usage(stdout); status = 0; goto out;
        default: usage(stderr); goto out;
        }
    }
    if (optind != argc - 1) {
        calla_err("%s", optind == argc ? "an input BAM/CRAM is required" : "only one input BAM/CRAM");
        goto out;
    }
    if (!ref || !vcf) {
        calla_err("%s is required", !ref ? "-f/--ref" : "-v/--vcf");
        goto out;
    }
    if (!fmt) fmt = ends_with(out_path, ".cram") ? 'c' : ends_with(out_path, ".sam") ? 's' : 'b';
    if (write_index && (strcmp(out_path, "-") == 0 || fmt == 's')) {
        calla_err("--write-index needs a BAM or CRAM output file (not \"-\" or SAM)");
        goto out;
    }
    if (pvcf && strcmp(pvcf, "-") == 0 && strcmp(out_path, "-") == 0) {
        calla_err("--output-phased-vcf - and -o - would both write to standard output");
        goto out;
    }
    char vtype;
    if (pvcf && vcf_type_from_name(pvcf, &vtype) != 0) {
        calla_err("--output-phased-vcf: cannot tell the type of \"%s\" from its name (.vcf, "
                  ".vcf.gz or .bcf)", pvcf);
        goto out;
    }
    const char *bam = argv[optind];
    status = CALLA_EXIT_RUNTIME;
    hts_set_log_level(HTS_LOG_OFF);  // our own one-line errors name the file and the problem
    if (check_out_dir(out_path) != 0 || (pvcf && check_out_dir(pvcf) != 0)) goto out;
    cleanup_install_signal_handlers();
    ScanInputs *in = scan_inputs_open(bam, ref);
    if (!in) goto out;
    Region *regs = NULL;
    int n_regs = 0;
    int rr = regions_build(in, reg, n_reg, bed, &regs, &n_regs);
    int n_tid = scan_inputs_ncontigs(in);
    char **names = xcalloc((size_t)n_tid + 1, sizeof *names);
    for (int t = 0; t < n_tid; t++) names[t] = xstrdup(scan_inputs_contig_name(in, t));
    scan_inputs_close(in);
    HetSet het = {0};
    PhaseResult **by_tid = NULL;
    char *cl = NULL;
    if (rr != 0) {
        if (rr == -2) status = CALLA_EXIT_USAGE;
        goto free_all;
    }
    if (hetsites_read(vcf, sample, min_qual, var_pct, &het) != 0) goto free_all;
    int shared = 0;
    for (int i = 0; i < het.n_ctg; i++)
        for (int t = 0; t < n_tid && !shared; t++) shared = strcmp(het.ctg[i].name, names[t]) == 0;
    if (het.n_het > 0 && !shared) {
        calla_err("no contig of \"%s\" is in \"%s\" (e.g. \"%s\"; different contig names?)", vcf,
                  bam, het.ctg[0].name);
        goto free_all;
    }
    if (het.n_het == 0)
        calla_warn("\"%s\" has no usable het SNP for sample %s (biallelic, GT 0/1, PASS, QUAL >= "
                   "%g): no read is tagged", vcf, het.sample, min_qual);
    else if (!quiet)
        calla_info("%ld het SNPs of sample %s from \"%s\" (%ld records; %ld het SNPs below "
                   "--min-qual or not PASS, %ld below the --var-pct cut)", het.n_het, het.sample,
                   vcf, het.n_records, het.n_filtered, het.n_pct);
    double t0 = now_seconds(), interval = quiet ? 0 : isatty(2) ? 1 : 10;
    if (phase_regions(bam, ref, regs, n_regs, n_tid, names, &het, &pp, (int)threads, interval,
                      &by_tid) != 0)
        goto free_all;
    long n_sites = 0, n_phased = 0, n_used = 0, n_capped = 0, cost = 0, n_blocks = 0, mism = 0;
    for (int t = 0; t < n_tid; t++) {
        const PhaseResult *r = by_tid[t];
        if (!r) continue;
        n_sites += r->n_sites;
        n_used += r->n_reads_used;
        n_capped += r->n_reads_capped;
        cost += r->mec_cost;
        mism += r->n_ref_mismatch;
        for (int i = 0; i < r->n_sites; i++) {
            n_phased += r->sites[i].hap1 >= 0;
            n_blocks += r->sites[i].hap1 >= 0 && r->sites[i].ps == r->sites[i].pos + 1;
        }
    }
    if (mism > 0)
        calla_warn("%ld het SNP(s) whose REF differs from reference \"%s\" were skipped (wrong "
                   "reference?)", mism, ref);
    if (!quiet)
        calla_info("phased %ld of %ld het SNPs in %ld blocks from %ld reads (%ld more left out "
                   "by --max-coverage); %ld read alleles disagree with their haplotype (%.1f s)",
                   n_phased, n_sites, n_blocks, n_used, n_capped, cost, now_seconds() - t0);
    cl = cmdline_without_threads(argc, argv);
    // the phased VCF first (small); removed again when the reads cannot be written
    if (pvcf) {
        long np = 0;
        if (phased_vcf_write(vcf, pvcf, het.sample, names, by_tid, n_tid, cl, &np) != 0)
            goto free_all;
        if (!quiet) calla_info("phased VCF \"%s\": %ld phased het SNPs", pvcf, np);
    }
    HaplotagOpts ho = {bam, ref, out_path, fmt, write_index, (int)threads, cl, interval};
    HaplotagStats hs;
    double t1 = now_seconds();
    if (haplotag_bam(&ho, by_tid, n_tid, &hs) != 0) {
        if (pvcf && strcmp(pvcf, "-") != 0) remove_with_index(pvcf);
        goto free_all;
    }
    double dt = now_seconds() - t1;
    if (hs.n_had_tags > 0)
        calla_warn("%ld read(s) of \"%s\" already carried HP/PS tags: replaced by this run's",
                   hs.n_had_tags, bam);
    if (het.n_het > 0 && hs.n_hp[1] + hs.n_hp[2] == 0)
        calla_warn("no read was tagged: no primary read with MAPQ >= %d and SEQ covers a phased "
                   "het SNP", pp.min_mapq);
    if (!quiet)
        calla_info("%ld reads written, %ld tagged (HP1 %ld, HP2 %ld), %.0f reads/s", hs.n_reads,
                   hs.n_hp[1] + hs.n_hp[2], hs.n_hp[1], hs.n_hp[2],
                   dt > 0 ? (double)hs.n_reads / dt : 0.0);
    status = 0;
free_all:
    free(cl);
    phase_results_free(by_tid, n_tid);
    hetsites_free(&het);
    for (int t = 0; t < n_tid; t++) free(names[t]);
    free(names);
    free(regs);
out:
    free(reg);
    return status;
}
