// cmd_eval.c — `calla eval`: compare a query VCF against a truth VCF (docs/eval.md).
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <htslib/hts.h>

#include "cli/commands.h"
#include "common/util.h"
#include "eval/eval.h"
#include "calling/gq_calib.h"
#include "eval/eval_bed.h"
#include "eval/eval_calib.h"
#include "eval/eval_haplo.h"
#include "eval/eval_report.h"
#include "eval/eval_ref.h"
#include "eval/eval_strat.h"
#include "eval/eval_vcf.h"

static void usage(FILE *out) {
    fprintf(out,
            "\nUsage: calla eval -t truth.vcf.gz -q calls.vcf.gz -f ref.fa [options]\n\n"
            "Compares normalised calls against a truth set (split multi-allelics, left-aligned and\n"
            "trimmed indels, MNPs split into SNPs) and prints TP/FP/FN, precision, recall and F1\n"
            "for SNPs and indels at allele and genotype level. See docs/eval.md.\n\n"
            "Options:\n"
            "  -t, --truth FILE        truth VCF/BCF (.vcf, .vcf.gz, .bcf; no index needed)\n"
            "  -q, --query FILE        query (calls) VCF/BCF\n"
            "  -f, --ref FILE          reference FASTA with .fai (bgzipped: also .gzi);\n"
            "                          --fasta-ref is the same\n"
            "  -R, --regions-file FILE confident-region BED (.bed or .bed.gz): only records whose\n"
            "                          REF span overlaps it are read (through the index when the\n"
            "                          VCF has one), and only variants whose whole normalised REF\n"
            "                          span lies inside it are counted (both sides); intervals\n"
            "                          past a contig's end or on contigs not in the reference are\n"
            "                          clipped or dropped, with one warning\n"
            "      --json FILE         also write the counts (and the strata) as JSON; '-': the\n"
            "                          JSON goes to standard output and the tables to standard error\n"
            "      --strat NAME=BED    add a stratum: variants overlapping the BED (e.g. a GIAB\n"
            "                          stratification .bed.gz); repeatable\n"
            "      --calibration SVG   print the GQ calibration table (genotype errors per GQ bin\n"
            "                          against the errors the GQs promise) and plot it as SVG\n"
            "                          (a file: \"-\" is refused)\n"
            "      --fit-calibration FILE  fit a GQ calibration map on these calls (made by a model\n"
            "                          without one) and write it to FILE, for `calla model M\n"
            "                          --meta gq_calibration=$(cat FILE) -o M2` (docs/calling.md;\n"
            "                          a file: \"-\" is refused)\n"
            "      --fit-min-calls N   calls per block of the fit [50]\n"
            "      --haplotypes        also match groups of nearby variants that spell the same\n"
            "                          haplotype sequences in truth and query (as vcfeval and\n"
            "                          hap.py judge equivalence; docs/eval.md); precision then uses\n"
            "                          the query's TPs (\"tp_query\" in the JSON)\n"
            "      --no-strata         do not print the per-stratum table (homopolymer,\n"
            "                          tandem_repeat, low_complexity, non_repeat, multiallelic,\n"
            "                          indel length bins; docs/eval.md)\n"
            "      --pass-only         count only query records with FILTER PASS or '.' (default)\n"
            "      --include-filtered  count query records whatever their FILTER\n"
            "      --sample NAME       query sample (default: the first)\n"
            "      --truth-sample NAME truth sample (default: the first)\n"
            "  -h, --help              this text\n\n");
}

// One-line error for a missing or unreadable input, before htslib sees it.
static int check_readable(const char *what, const char *path) {
    if (access(path, R_OK) != 0) {
        calla_err("failed to open %s \"%s\": %s", what, path, strerror(errno));
        return -1;
    }
    return 0;
}

static void print_stats(const char *side, const char *path, const EvalReadStats *s) {
    calla_info("%s \"%s\": %ld records (%ld outside the regions), %ld filtered, %ld without ALT "
               "genotype, %ld symbolic ALTs skipped; %ld variants kept, %ld outside the regions",
               side, path, s->records, s->outside_records, s->filtered, s->no_alt, s->skipped,
               s->kept, s->outside);
}

int main_eval(int argc, char **argv) {
    enum { OPT_JSON = 1000, OPT_PASS, OPT_ALL, OPT_SAMPLE, OPT_TSAMPLE, OPT_STRAT, OPT_NOSTRAT, OPT_CALIB, OPT_FIT, OPT_FITMIN, OPT_HAPLO };
    static const struct option LONG[] = {
        {"truth", required_argument, NULL, 't'},
        {"query", required_argument, NULL, 'q'},
        {"ref", required_argument, NULL, 'f'},
        {"fasta-ref", required_argument, NULL, 'f'},
        {"regions-file", required_argument, NULL, 'R'},
        {"regions", required_argument, NULL, 'R'},  // the original name, kept
        {"json", required_argument, NULL, OPT_JSON},
        {"pass-only", no_argument, NULL, OPT_PASS},
        {"include-filtered", no_argument, NULL, OPT_ALL},
        {"sample", required_argument, NULL, OPT_SAMPLE},
        {"truth-sample", required_argument, NULL, OPT_TSAMPLE},
        {"strat", required_argument, NULL, OPT_STRAT},
        {"no-strata", no_argument, NULL, OPT_NOSTRAT},
        {"haplotypes", no_argument, NULL, OPT_HAPLO},
        {"calibration", required_argument, NULL, OPT_CALIB},
        {"fit-calibration", required_argument, NULL, OPT_FIT},
        {"fit-min-calls", required_argument, NULL, OPT_FITMIN},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *truth_path = NULL, *query_path = NULL, *ref_path = NULL, *bed_path = NULL;
    const char *json_path = NULL, *sample = NULL, *truth_sample = NULL, *calib_path = NULL, *fit_path = NULL;
    long fit_min = 50;
    int pass_only = 1, print_strata = 1, haplo = 0, c, nstrat = 0;
    const char **strat_specs = xcalloc(argc, sizeof(*strat_specs));
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "t:q:f:R:h", LONG, NULL)) >= 0) {
        switch (c) {
        case 't': truth_path = optarg; break;
        case 'q': query_path = optarg; break;
        case 'f': ref_path = optarg; break;
        case 'R': bed_path = optarg; break;
        case OPT_JSON: json_path = optarg; break;
        case OPT_PASS: pass_only = 1; break;
        case OPT_ALL: pass_only = 0; break;
        case OPT_SAMPLE: sample = optarg; break;
        case OPT_TSAMPLE: truth_sample = optarg; break;
        case OPT_STRAT:
            if (!strchr(optarg, '=') || optarg[0] == '=' || strchr(optarg, '=')[1] == '\0') {
                calla_err("--strat expects NAME=FILE.bed, got \"%s\"", optarg);
                free(strat_specs);
                return CALLA_EXIT_USAGE;
            }
            strat_specs[nstrat++] = optarg;
            break;
        case OPT_NOSTRAT: print_strata = 0; break;
        case OPT_HAPLO: haplo = 1; break;
        case OPT_CALIB: calib_path = optarg; break;
        case OPT_FIT: fit_path = optarg; break;
        case OPT_FITMIN: {
            char *end;
            fit_min = strtol(optarg, &end, 10);
            if (*end || end == optarg || fit_min < 1 || fit_min > 1000000) {
                calla_err("--fit-min-calls must be an integer in 1..1000000, not \"%s\"", optarg);
                free(strat_specs);
                return CALLA_EXIT_USAGE;
            }
            break;
        }
        case 'h': usage(stdout); free(strat_specs); return 0;
        default:
            calla_err("unknown option or missing value: \"%s\"", argv[optind - 1]);
            usage(stderr);
            free(strat_specs);
            return CALLA_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        calla_err("unexpected argument \"%s\"", argv[optind]);
        usage(stderr);
        free(strat_specs);
        return CALLA_EXIT_USAGE;
    }
    // The table goes to stdout, so neither file may go there too ("-" would be a file named "-").
    if ((calib_path && strcmp(calib_path, "-") == 0) || (fit_path && strcmp(fit_path, "-") == 0)) {
        calla_err("--%s needs a file name: stdout (\"-\") carries the table",
                  calib_path && strcmp(calib_path, "-") == 0 ? "calibration" : "fit-calibration");
        free(strat_specs);
        return CALLA_EXIT_USAGE;
    }
    if (!truth_path || !query_path || !ref_path) {
        calla_err("-t truth, -q query and -f reference are required");
        usage(stderr);
        free(strat_specs);
        return CALLA_EXIT_USAGE;
    }
    if (check_readable("truth VCF", truth_path) < 0 || check_readable("query VCF", query_path) < 0 ||
        check_readable("reference", ref_path) < 0 ||
        (bed_path && check_readable("BED", bed_path) < 0)) {
        free(strat_specs);
        return CALLA_EXIT_RUNTIME;
    }
    // Our messages name the culprit in one line; htslib's own would add more lines.
    hts_set_log_level(HTS_LOG_OFF);

    int rc = CALLA_EXIT_RUNTIME;
    EvalBed *bed = NULL;
    EvalVarSet truth = {0}, query = {0};
    EvalStrata *strata = eval_strata_new();
    EvalResult *sres = NULL;
    EvalRef *ref = NULL;
    for (int i = 0; i < nstrat; i++)
        if (eval_strata_add_bed(strata, strat_specs[i]) < 0) goto done;
    if (!(ref = eval_ref_open(ref_path))) goto done;
    if (bed_path && !(bed = eval_bed_read(bed_path, ref))) goto done;
    // Statistics are printed only on success, so that a failure is a single line on stderr.
    EvalReadStats st_truth, st_query;
    EvalReadOpts o_truth = {truth_sample, 0, bed};
    if (eval_read_vcf(truth_path, ref, &o_truth, &truth, &st_truth) < 0) goto done;
    EvalReadOpts o_query = {sample, pass_only, bed};
    if (eval_read_vcf(query_path, ref, &o_query, &query, &st_query) < 0) goto done;

    EvalResult res;
    eval_compare(&truth, &query, &res);
    EvalHaploStats hst = {0};
    if (haplo) {
        if (eval_haplotype_match(ref, &truth, &query, &hst) < 0) goto done;
        eval_count(&truth, &query, &res);
        res.tp_query = 1;
    }
    sres = xcalloc(eval_strata_n(strata), sizeof(*sres));
    if (eval_strata_count(strata, ref, &truth, &query, sres) < 0) goto done;
    for (int i = 0; i < eval_strata_n(strata); i++) sres[i].tp_query = haplo;
    EvalCalib calib;
    eval_calib_count(&query, &calib);
    if (calib_path) {
        char title[600];
        snprintf(title, sizeof title, "GQ calibration: %.560s", query_path);
        if (eval_calib_svg(calib_path, &calib, title) < 0) goto done;
    }
    if (fit_path) {
        long rn[100], re[100];
        eval_calib_raw_counts(&query, rn, re);
        GqCalib map;
        if (gq_calib_fit(rn, re, (int)fit_min, &map) == 0) {
            calla_err("--fit-calibration: the query \"%s\" has no called variant with a GQ",
                      query_path);
            goto done;
        }
        kstring_t ks = {0, 0, NULL};
        AtomicOut ao;
        if (gq_calib_format(&map, &ks) < 0 || atomic_begin(&ao, fit_path) < 0) {
            free(ks.s);
            goto done;
        }
        FILE *f = fopen(ao.tmp, "w");
        int bad = !f || fprintf(f, "%s\n", ks.s) < 0;
        if (f && fclose(f) != 0) bad = 1;
        free(ks.s);
        if (bad) {
            calla_err("failed to write the calibration map \"%s\": %s", fit_path, strerror(errno));
            atomic_abort(&ao);
            goto done;
        }
        if (atomic_commit(&ao) < 0) goto done;
        calla_info("GQ calibration map with %d knots written to \"%s\"", map.n, fit_path);
    }
    const int json_stdout = json_path && strcmp(json_path, "-") == 0;
    if (json_stdout) {
        if (eval_write_json(stdout, &res, strata, sres, &calib) < 0 || fflush(stdout) != 0) {
            calla_err("failed to write JSON to standard output: %s", strerror(errno));
            goto done;
        }
    } else if (json_path) {
        AtomicOut ao;
        if (atomic_begin(&ao, json_path) < 0) goto done;
        FILE *f = fopen(ao.tmp, "w");
        int bad = !f || eval_write_json(f, &res, strata, sres, &calib) < 0;
        if (f && fclose(f) != 0) bad = 1;
        if (bad) {
            calla_err("failed to write JSON \"%s\": %s", json_path, strerror(errno));
            atomic_abort(&ao);
            goto done;
        }
        if (atomic_commit(&ao) < 0) goto done;
    }
    FILE *table = json_stdout ? stderr : stdout;
    eval_print_table(table, &res);
    if (print_strata) eval_strata_print(table, strata, sres);
    if (calib_path) eval_calib_print(table, &calib);
    if (fflush(table) != 0) {
        calla_err("failed to write the table to %s: %s", json_stdout ? "stderr" : "stdout",
                  strerror(errno));
        goto done;
    }
    print_stats("truth", truth_path, &st_truth);
    print_stats("query", query_path, &st_query);
    if (haplo)
        calla_info("haplotype matching: %ld groups held a variant without a genotype match; %ld "
                   "now match as genotypes, %ld as alleles only, %ld too complex to try",
                   hst.groups, hst.genotype, hst.allele, hst.too_complex);
    rc = 0;
done:
    evalset_free(&truth);
    evalset_free(&query);
    eval_strata_free(strata);
    free(sres);
    free(strat_specs);
    eval_bed_free(bed);
    eval_ref_close(ref);
    return rc;
}
