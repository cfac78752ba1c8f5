// cmd_simulate.c — `calla simulate`: a genome (synthetic or given), truth variants (planted or
// given), reads from the two haplotypes for one platform, aligned with the real aligner.
// Models: src/sim/*.c; description: docs/simulate.md.
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <htslib/faidx.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/commands.h"
#include "common/rng.h"
#include "common/region.h"
#include "common/util.h"
#include "sim/align.h"
#include "sim/genome.h"
#include "sim/hard.h"
#include "sim/reads.h"
#include "sim/variants.h"

static void usage(FILE *f) {
    fprintf(f,
            "\nUsage: calla simulate -o OUTDIR (-f ref.fa | --genome-size N) --platform P --depth "
            "D [options]\n\n"
            "Writes OUTDIR/ref.fa(.fai), truth.vcf.gz(.tbi), confident.bed, reads.bam(.bai).\n\n"
            "  -o, --output DIR    output directory (created if absent)\n"
            "  -f, --ref FILE      reference FASTA (else a synthetic genome); or --fasta-ref\n"
            "  --genome-size N     synthetic genome size, suffix k/m allowed (e.g. 50k)\n"
            "  --contigs N         synthetic contigs sim1..simN [2]\n"
            "  --truth FILE        variants to apply (VCF/BCF with GT; needs -f)\n"
            "  --snp-rate F        planted SNPs per base [0.001]\n"
            "  --indel-rate F      planted indels per base [0.0001]\n"
            "  --hard-rate F       also plant hard cases per base, around the other variants (also\n"
            "                      with --truth): repeat indels of 1-50 bp, 1/2 sites, long indels,\n"
            "                      indel+SNP clusters (docs/simulate.md) [0]\n"
            "  -r, --region REGION simulate only CHR or CHR:BEG-END (1-based, inclusive)\n"
            "  --platform P        ilmn (2x150 pairs) | hifi | ont\n"
            "  --depth D           mean depth over both haplotypes\n"
            "  --read-length L     read length (ilmn) or mean read length (hifi, ont)\n"
            "  --margin N          bases left out of confident.bed at each end [1000]\n"
            "  --sample NAME       sample name in the VCF and read group [SIM]\n"
            "  --seed S            random seed [1]\n"
            "  -@, --threads INT   aligner and sort threads [1]\n"
            "  --aligner A         auto | bwa | minimap2 [auto: bwa for ilmn, minimap2 otherwise]\n"
            "  --keep-fastq        also keep OUTDIR/reads.fq (interleaved pairs for ilmn)\n"
            "  -h, --help          this text\n\n");
}

// "50k", "1.5m", "2000"
static int parse_size(const char *s, int64_t *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v <= 0) return -1;
    if (*end == 'k' || *end == 'K')
        v *= 1e3, end++;
    else if (*end == 'm' || *end == 'M')
        v *= 1e6, end++;
    else if (*end == 'g' || *end == 'G')
        v *= 1e9, end++;
    if (*end) return -1;
    *out = (int64_t)(v + 0.5);
    return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

static void rm_tree(const char *dir) { nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

// The temporary directory is removed when the run is interrupted. nftw is not async-signal-safe;
// the process is about to die, so the worst case is a directory left behind, as without this.
static char g_tmp_dir[2048];

static void on_signal(int sig) {
    sim_align_kill_children(SIGTERM);
    if (g_tmp_dir[0]) rm_tree(g_tmp_dir);
    signal(sig, SIG_DFL);
    raise(sig);
}

// confident.bed: each target less `margin` at both ends, less runs of N.
static int write_confident(const char *path, const SimGenome *g, const SimTarget *t, int nt,
                           int64_t margin) {
    FILE *f = fopen(path, "w");
    if (!f) {
        calla_err("failed to write \"%s\": %s", path, strerror(errno));
        return -1;
    }
    for (int i = 0; i < nt; i++) {
        int64_t m = margin, len = t[i].end - t[i].beg;
        if (4 * m > len) m = len / 10;  // small targets keep most of their length
        int64_t b = t[i].beg + m, e = t[i].end - m;
        const char *s = g->ctg[t[i].tid].seq;
        int64_t run = -1;
        for (int64_t x = b; x <= e; x++) {
            int good = x < e && s[x] != 'N';
            if (good && run < 0) run = x;
            if (!good && run >= 0) {
                fprintf(f, "%s\t%lld\t%lld\n", g->ctg[t[i].tid].name, (long long)run, (long long)x);
                run = -1;
            }
        }
    }
    if (ferror(f) | (fclose(f) != 0)) {
        calla_err("failed to write \"%s\": %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

enum {
    OPT_GENOME_SIZE = 256,
    OPT_CONTIGS,
    OPT_TRUTH,
    OPT_SNP,
    OPT_INDEL,
    OPT_PLATFORM,
    OPT_DEPTH,
    OPT_READLEN,
    OPT_SEED,
    OPT_ALIGNER,
    OPT_SAMPLE,
    OPT_KEEP_FASTQ,
    OPT_MARGIN,
    OPT_HARD
};

typedef struct {
    const char *outdir, *ref, *truth, *region, *sample;
    int64_t genome_size, margin;
    long contigs, threads;
    int keep_fastq, have_rates;
    uint64_t seed;
    double depth, read_length;
    SimPlantParams plant;
    double hard_rate;  // --hard-rate: hard-case sites per base (sim/hard.h)
    SimPlatform platform;
    int have_platform;
    SimAligner aligner;
} Opts;

static int bad_usage(const char *fmt, const char *arg) {
    char msg[512];
    snprintf(msg, sizeof msg, fmt, arg);
    calla_err("%s", msg);
    usage(stderr);
    return CALLA_EXIT_USAGE;
}

// Renames tmp/name to outdir/name.
static int publish(const char *tmp, const char *outdir, const char *name) {
    char a[4096], b[4096];
    snprintf(a, sizeof a, "%s/%s", tmp, name);
    snprintf(b, sizeof b, "%s/%s", outdir, name);
    if (rename(a, b) != 0) {
        calla_err("failed to rename \"%s\" to \"%s\": %s", a, b, strerror(errno));
        return -1;
    }
    return 0;
}

static int run(const Opts *o, const char *tmp) {
    SimGenome g = {0};
    SimVars vars = {0};
    SimTarget *targets = NULL;
    int nt = 0, rc = -1;
    char path[4096];
    char *rname = NULL;
    int64_t rbeg = 0, rend = INT64_MAX;
    FILE *fq = NULL;
    char *hap = NULL;

    if (o->region && region_parse_name(o->region, &rname, &rbeg, &rend) != 0) {
        calla_err("malformed region \"%s\"", o->region);
        goto done;
    }
    if (o->ref) {
        calla_info("loading %s%s%s", o->ref, rname ? " contig " : "", rname ? rname : "");
        if (sim_genome_load(&g, o->ref, rname) != 0) goto done;
    } else {
        Rng r;
        rng_seed_stream(&r, o->seed, 1);
        calla_info("generating a %lld bp synthetic genome in %ld contig(s)",
                   (long long)o->genome_size, o->contigs);
        sim_genome_synthetic(&g, o->genome_size, (int)o->contigs, &r);
        int keep = rname ? sim_genome_find(&g, rname) : -1;
        if (keep >= 0) {  // as with -f: ref.fa holds only the region's contig
            for (int i = 0; i < g.n; i++)
                if (i != keep) free(g.ctg[i].name), free(g.ctg[i].seq);
            g.ctg[0] = g.ctg[keep];
            g.n = 1;
        }
    }
    if (rname) {
        int tid = sim_genome_find(&g, rname);
        if (tid < 0) {
            calla_err("region contig \"%s\" is not in the genome", rname);
            goto done;
        }
        if (rbeg >= g.ctg[tid].len) {
            calla_err("region \"%s\" starts past the end of %s (%lld bp)", o->region, rname,
                      (long long)g.ctg[tid].len);
            goto done;
        }
        targets = xmalloc(sizeof *targets);
        targets[0] = (SimTarget){tid, rbeg, rend < g.ctg[tid].len ? rend : g.ctg[tid].len};
        nt = 1;
    } else {
        targets = xmalloc((size_t)g.n * sizeof *targets);
        for (int i = 0; i < g.n; i++) targets[nt++] = (SimTarget){i, 0, g.ctg[i].len};
    }

    Rng vr;
    rng_seed_stream(&vr, o->seed, 2);
    for (int i = 0; i < nt; i++) {
        if (o->truth) {
            if (sim_vars_read_vcf(o->truth, &g, &targets[i], &vr, &vars) != 0) goto done;
        } else {
            sim_plant(&g, &targets[i], &o->plant, &vr, &vars);
        }
    }
    if (o->hard_rate > 0) {  // its own RNG stream: the other variants do not depend on it
        Rng hr;
        rng_seed_stream(&hr, o->seed, 3);
        SimHardStats hs, tot = {{0}, 0};
        for (int i = 0; i < nt; i++) {
            sim_plant_hard(&g, &targets[i], o->hard_rate, &hr, &vars, &hs);
            for (int k = 0; k < HARD_NKINDS; k++) tot.planted[k] += hs.planted[k];
            tot.skipped += hs.skipped;
        }
        calla_info("hard cases planted: %ld repeat indels, %ld multi-allelic repeat sites, %ld long "
                   "indels, %ld indel+SNP clusters, %ld multi-allelic SNPs (%ld draws without room)",
                   tot.planted[HARD_REPEAT_INDEL], tot.planted[HARD_REPEAT_MULTI],
                   tot.planted[HARD_LONG_INDEL], tot.planted[HARD_CLUSTER],
                   tot.planted[HARD_SNP_MULTI], tot.skipped);
    }
    sim_vars_sort(&vars);
    int64_t nsnp = 0, nhom = 0;
    for (int64_t i = 0; i < vars.n; i++) {
        nsnp += strlen(vars.v[i].alleles[0]) == 1 && strlen(vars.v[i].alleles[1]) == 1;
        nhom += vars.v[i].gt[0] == vars.v[i].gt[1];
    }
    calla_info("%lld variants (%lld SNPs, %lld other; %lld homozygous)", (long long)vars.n,
               (long long)nsnp, (long long)(vars.n - nsnp), (long long)nhom);

    snprintf(path, sizeof path, "%s/ref.fa", tmp);
    if (sim_genome_write_fasta(&g, path) != 0) goto done;
    if (fai_build(path) != 0) {
        calla_err("failed to index \"%s\"", path);
        goto done;
    }
    snprintf(path, sizeof path, "%s/truth.vcf.gz", tmp);
    if (sim_vars_write_vcf(&vars, &g, o->sample, path) != 0) goto done;
    snprintf(path, sizeof path, "%s/confident.bed", tmp);
    if (write_confident(path, &g, targets, nt, o->margin) != 0) goto done;

    SimReadModel m;
    sim_read_model_defaults(&m, o->platform);
    if (o->read_length > 0) m.len_mean = o->read_length;
    snprintf(path, sizeof path, "%s/reads.fq", tmp);
    fq = fopen(path, "w");
    if (!fq) {
        calla_err("failed to write \"%s\": %s", path, strerror(errno));
        goto done;
    }
    SimErrStats st = {0};
    int64_t n_reads = 0, n_bases = 0;
    for (int i = 0; i < nt; i++) {
        for (int h = 0; h < 2; h++) {
            int64_t hlen;
            hap = sim_haplotype(&g, &targets[i], &vars, h, &hlen);
            Rng rr;
            rng_seed_stream(&rr, o->seed, 100 + 2 * (uint64_t)i + (uint64_t)h);
            if (sim_reads_fastq(fq, &m, g.ctg[targets[i].tid].name, h, hap, hlen, o->depth / 2, &rr,
                                &st, &n_reads, &n_bases) != 0) {
                calla_err("failed to write \"%s\": %s", path, strerror(errno));
                goto done;
            }
            free(hap);
            hap = NULL;
        }
    }
    if (ferror(fq) | (fclose(fq) != 0)) {
        fq = NULL;
        calla_err("failed to write \"%s\": %s", path, strerror(errno));
        goto done;
    }
    fq = NULL;
    calla_info(
        "%lld %s reads, %lld bases; simulated error rate %.4f (%lld sub, %lld ins, %lld del, "
        "%lld homopolymer; %lld of them at systematic-error hotspots)",
        (long long)n_reads, sim_platform_name(o->platform), (long long)n_bases,
        st.bases ? (double)(st.subs + st.ins + st.dels + st.hp_ins + st.hp_dels) / (double)st.bases
                 : 0.0,
        (long long)st.subs, (long long)st.ins, (long long)st.dels,
        (long long)(st.hp_ins + st.hp_dels), (long long)st.hot_errs);

    if (sim_align(tmp, "reads.fq", o->aligner, o->platform, m.paired, o->sample, (int)o->threads) !=
        0)
        goto done;

    static const char *OUTPUTS[] = {
        "ref.fa",        "ref.fa.fai", "truth.vcf.gz",  "truth.vcf.gz.tbi",
        "confident.bed", "reads.bam",  "reads.bam.bai", NULL};
    for (const char **n = OUTPUTS; *n; n++)
        if (publish(tmp, o->outdir, *n) != 0) goto done;
    if (o->keep_fastq && publish(tmp, o->outdir, "reads.fq") != 0) goto done;
    calla_info("wrote %s/{ref.fa,truth.vcf.gz,confident.bed,reads.bam}", o->outdir);
    rc = 0;
done:
    if (fq) fclose(fq);
    free(hap);
    free(rname);
    free(targets);
    sim_vars_free(&vars);
    sim_genome_free(&g);
    return rc;
}

int main_simulate(int argc, char **argv) {
    static const struct option longopts[] = {
        {"genome-size", required_argument, NULL, OPT_GENOME_SIZE},
        {"contigs", required_argument, NULL, OPT_CONTIGS},
        {"truth", required_argument, NULL, OPT_TRUTH},
        {"snp-rate", required_argument, NULL, OPT_SNP},
        {"indel-rate", required_argument, NULL, OPT_INDEL},
        {"hard-rate", required_argument, NULL, OPT_HARD},
        {"platform", required_argument, NULL, OPT_PLATFORM},
        {"depth", required_argument, NULL, OPT_DEPTH},
        {"read-length", required_argument, NULL, OPT_READLEN},
        {"seed", required_argument, NULL, OPT_SEED},
        {"aligner", required_argument, NULL, OPT_ALIGNER},
        {"sample", required_argument, NULL, OPT_SAMPLE},
        {"keep-fastq", no_argument, NULL, OPT_KEEP_FASTQ},
        {"margin", required_argument, NULL, OPT_MARGIN},
        {"help", no_argument, NULL, 'h'},
        {"output", required_argument, NULL, 'o'},
        {"ref", required_argument, NULL, 'f'},
        {"fasta-ref", required_argument, NULL, 'f'},
        {"region", required_argument, NULL, 'r'},
        {"regions", required_argument, NULL, 'r'},
        {"threads", required_argument, NULL, '@'},
        {NULL, 0, NULL, 0},
    };
    Opts o = {0};
    o.sample = "SIM";
    o.contigs = 2;
    o.threads = 1;
    o.seed = 1;
    o.margin = 1000;
    o.depth = -1;
    sim_plant_defaults(&o.plant);
    int c;
    long v;
    double d;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:f:r:@:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            if (strcmp(optarg, "-") == 0)
                return bad_usage("-o %s: simulate writes a directory of files; give a directory name", optarg);
            o.outdir = optarg;
            break;
        case 'f': o.ref = optarg; break;
        case 'r': o.region = optarg; break;
        case '@':
            if (parse_int(optarg, &v) != 0 || v < 1)
                return bad_usage("bad thread count \"%s\"", optarg);
            o.threads = v;
            break;
        case 'h': usage(stdout); return 0;
        case OPT_GENOME_SIZE:
            if (parse_size(optarg, &o.genome_size) != 0 || o.genome_size < 1000)
                return bad_usage("bad --genome-size \"%s\" (at least 1000)", optarg);
            break;
        case OPT_CONTIGS:
            if (parse_int(optarg, &v) != 0 || v < 1 || v > 1000)
                return bad_usage("bad --contigs \"%s\"", optarg);
            o.contigs = v;
            break;
        case OPT_TRUTH: o.truth = optarg; break;
        case OPT_SNP:
        case OPT_INDEL:
            if (parse_double(optarg, &d) != 0 || d < 0 || d > 0.1)
                return bad_usage("bad variant rate \"%s\" (0 to 0.1)", optarg);
            if (c == OPT_SNP)
                o.plant.snp_rate = d;
            else
                o.plant.indel_rate = d;
            o.have_rates = 1;
            break;
        case OPT_HARD:
            if (parse_double(optarg, &d) != 0 || d < 0 || d > 0.01)
                return bad_usage("bad --hard-rate \"%s\" (0 to 0.01)", optarg);
            o.hard_rate = d;
            break;
        case OPT_PLATFORM:
            if (sim_platform_parse(optarg, &o.platform) != 0)
                return bad_usage("unknown --platform \"%s\" (ilmn, hifi or ont)", optarg);
            o.have_platform = 1;
            break;
        case OPT_DEPTH:
            if (parse_double(optarg, &o.depth) != 0 || o.depth <= 0 || o.depth > 10000)
                return bad_usage("bad --depth \"%s\"", optarg);
            break;
        case OPT_READLEN:
            if (parse_double(optarg, &o.read_length) != 0 || o.read_length < 30 ||
                o.read_length > 1e7)
                return bad_usage("bad --read-length \"%s\" (30 or more)", optarg);
            break;
        case OPT_SEED:
            if (parse_int(optarg, &v) != 0 || v < 0) return bad_usage("bad --seed \"%s\"", optarg);
            o.seed = (uint64_t)v;
            break;
        case OPT_ALIGNER:
            if (sim_aligner_parse(optarg, &o.aligner) != 0)
                return bad_usage("unknown --aligner \"%s\" (auto, bwa or minimap2)", optarg);
            break;
        case OPT_SAMPLE: o.sample = optarg; break;
        case OPT_KEEP_FASTQ: o.keep_fastq = 1; break;
        case OPT_MARGIN:
            if (parse_int(optarg, &v) != 0 || v < 0)
                return bad_usage("bad --margin \"%s\"", optarg);
            o.margin = v;
            break;
        default: usage(stderr); return CALLA_EXIT_USAGE;
        }
    }
    if (optind < argc) return bad_usage("unexpected argument \"%s\"", argv[optind]);
    if (!o.outdir) return bad_usage("%s", "missing -o OUTDIR");
    if (!o.ref == !o.genome_size)
        return bad_usage("%s", "give exactly one of -f FASTA and --genome-size N");
    if (o.truth && !o.ref)
        return bad_usage("%s", "--truth needs the reference it was called against (-f)");
    if (o.truth && o.have_rates)
        return bad_usage("%s", "--truth and --snp-rate/--indel-rate exclude each other");
    if (!o.have_platform) return bad_usage("%s", "missing --platform ilmn|hifi|ont");
    if (o.depth <= 0) return bad_usage("%s", "missing --depth D");
    o.aligner = sim_aligner_resolve(o.aligner, o.platform);
    if (o.aligner == SIM_ALIGNER_BWA && o.platform != SIM_ILMN)
        return bad_usage("bwa mem is for short reads; use --aligner minimap2 for %s",
                         sim_platform_name(o.platform));
    const char *prog = sim_aligner_program(o.aligner);
    if (!sim_in_path(prog)) {
        calla_err("aligner \"%s\" not found in PATH", prog);
        return CALLA_EXIT_RUNTIME;
    }
    if (!sim_in_path("samtools")) {
        calla_err("\"samtools\" not found in PATH");
        return CALLA_EXIT_RUNTIME;
    }
    if (mkdir(o.outdir, 0777) != 0 && errno != EEXIST) {
        calla_err("failed to create \"%s\": %s", o.outdir, strerror(errno));
        return CALLA_EXIT_RUNTIME;
    }
    if (strlen(o.outdir) > 1900) {
        calla_err("output directory name too long");
        return CALLA_EXIT_RUNTIME;
    }
    char tmp[2048];
    snprintf(tmp, sizeof tmp, "%s/.simulate.tmp.%ld", o.outdir, (long)getpid());
    if (mkdir(tmp, 0777) != 0) {
        calla_err("failed to create \"%s\": %s", tmp, strerror(errno));
        return CALLA_EXIT_RUNTIME;
    }
    snprintf(g_tmp_dir, sizeof g_tmp_dir, "%s", tmp);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    int rc = run(&o, tmp);
    rm_tree(tmp);
    g_tmp_dir[0] = 0;
    return rc == 0 ? 0 : CALLA_EXIT_RUNTIME;
}
