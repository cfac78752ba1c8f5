// cmd_tensors.c — `calla tensors`: BAM + reference -> pileup tensor file (.ctf), for calling
// (every candidate, unlabelled) or training (truth variants + a seeded sample of non-variants).
//
// Work is split into fixed chunks of --chunk-size positions, numbered in region order; workers
// process a batch of 2 x threads chunks and the batch is written in chunk order (a bounded
// reorder buffer). Non-variant sampling draws from an RNG stream derived from (seed, chunk index),
// so the output is byte-identical for any -@.
#include <getopt.h>
#include <htslib/hts.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cli/commands.h"
#include "common/rng.h"
#include "common/util.h"
#include "reads/candidates.h"
#include "tensors/labels.h"
#include "tensors/tensorfile.h"

#define DEFAULT_CHUNK 20000

static void usage(FILE *fp) {
    fprintf(fp,
            "Usage: calla tensors -b in.bam -f ref.fa --platform ilmn|hifi|ont -o out.ctf [options]\n"
            "Builds pileup tensors at candidate sites (calling), or labelled training tensors with "
            "--truth.\n\n"
            "Input/output:\n"
            "  -b, --bam FILE            coordinate-sorted, indexed BAM/CRAM\n"
            "  -f, --ref FILE            reference FASTA with .fai\n"
            "  -r, --region REG          chr, chr:beg or chr:beg-end (1-based, inclusive); repeatable\n"
            "  -R, --regions-file BED    regions from a BED file (0-based, half-open)\n"
            "  -o, --output FILE         output tensor file (.ctf), written atomically\n"
            "  -@, --threads N           worker threads [1]\n"
            "Features and candidates:\n"
            "  --platform ilmn|hifi|ont  sets the allele-frequency defaults (required)\n"
            "  --features KIND           clair3-pileup (33x18) or clairvoyante (33x4x4) [clair3-pileup]\n"
            "  --snp-af F                minimum SNP allele frequency [0.08]\n"
            "  --indel-af F              minimum indel allele frequency [ont 0.15, else 0.08]\n"
            "  --min-depth N             minimum depth at the candidate [2]\n"
            "  --min-mapq N              drop reads with MAPQ below N [5]\n"
            "  --max-depth N             clair3-pileup rescale cap: depth > 1.5N is scaled to N [144]\n"
            "Training:\n"
            "  --truth VCF               bgzipped, indexed truth VCF (enables training mode)\n"
            "  --confident BED           confident regions of the truth set\n"
            "  --nonvariant-ratio R      non-variants kept per truth variant, per chunk\n"
            "                            [5 clair3-pileup, 2 clairvoyante]\n"
            "  --seed S                  sampling seed [0]\n"
            "Debugging:\n"
            "  --chunk-size N            positions per work chunk [%d] (changes the sampling)\n"
            "  --dump-counts             write per-position per-strand counts instead of tensors\n"
            "  -h, --help                this help\n",
            DEFAULT_CHUNK);
}

typedef struct {
    int tid;
    int64_t beg, end;
} Region;

typedef struct {
    int tid;
    int64_t beg, end;
    uint64_t index;
} Chunk;

static int region_cmp(const void *a, const void *b) {
    const Region *x = a, *y = b;
    if (x->tid != y->tid) return x->tid < y->tid ? -1 : 1;
    if (x->beg != y->beg) return x->beg < y->beg ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

static int parse_pos(const char *s, const char *e, int64_t *out) {
    int64_t v = 0;
    int nd = 0;
    for (; s < e; s++) {
        if (*s == ',') continue;
        if (*s < '0' || *s > '9') return -1;
        v = v * 10 + (*s - '0');
        nd++;
    }
    if (!nd) return -1;
    *out = v;
    return 0;
}

static int check_region(const ScanInputs *in, const char *what, const char *name, int64_t beg,
                        int64_t end, Region *r) {
    int tid = scan_inputs_tid(in, name);
    if (tid < 0) {
        calla_err("contig \"%s\" of %s is not in \"%s\"", name, what, scan_inputs_bam_path(in));
        return -1;
    }
    if (!scan_inputs_contig_in_ref(in, tid)) {
        calla_err("contig \"%s\" of %s is absent from reference \"%s\"", name, what,
                  scan_inputs_ref_path(in));
        return -1;
    }
    int64_t len = scan_inputs_contig_len(in, tid);
    if (end < 0) end = len;
    if (beg < 0 || beg >= end || end > len) {
        calla_err("%s is outside contig \"%s\" (length %lld) or empty", what, name, (long long)len);
        return -1;
    }
    r->tid = tid;
    r->beg = beg;
    r->end = end;
    return 0;
}

// samtools syntax: chr, chr:beg, chr:beg-, chr:beg-end (1-based inclusive, commas allowed).
static int parse_region_arg(const ScanInputs *in, const char *arg, Region *r) {
    char what[512];
    snprintf(what, sizeof what, "region \"%s\"", arg);
    const char *colon = strrchr(arg, ':');
    int64_t beg = 0, end = -1;
    size_t nlen = strlen(arg);
    if (colon && scan_inputs_tid(in, arg) < 0) {
        const char *dash = strchr(colon + 1, '-');
        const char *e1 = dash ? dash : colon + 1 + strlen(colon + 1);
        int64_t b1;
        if (parse_pos(colon + 1, e1, &b1) < 0 || b1 < 1) {
            calla_err("malformed region \"%s\"", arg);
            return -2;
        }
        beg = b1 - 1;
        if (dash && dash[1]) {
            int64_t e2;
            if (parse_pos(dash + 1, dash + strlen(dash), &e2) < 0 || e2 < b1) {
                calla_err("malformed region \"%s\"", arg);
                return -2;
            }
            end = e2;
        }
        nlen = (size_t)(colon - arg);
    }
    char *name = xmalloc(nlen + 1);
    memcpy(name, arg, nlen);
    name[nlen] = 0;
    int rc = check_region(in, what, name, beg, end, r);
    free(name);
    return rc;
}

static int read_bed(const ScanInputs *in, const char *path, Region **regs, int *n, int *cap) {
    FILE *fp = fopen(path, "r");
    if (!fp) {
        calla_err("failed to open \"%s\": %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t lcap = 0;
    long lineno = 0;
    int rc = 0;
    while (getline(&line, &lcap, fp) > 0) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n' || line[0] == '\r' || !strncmp(line, "track", 5) ||
            !strncmp(line, "browser", 7))
            continue;
        char name[1024];
        long long b, e;
        if (sscanf(line, "%1023s %lld %lld", name, &b, &e) != 3) {
            calla_err("malformed BED line %ld in \"%s\"", lineno, path);
            rc = -1;
            break;
        }
        char what[1200];
        snprintf(what, sizeof what, "BED line %ld of \"%s\"", lineno, path);
        if (*n == *cap) {
            *cap = *cap ? 2 * *cap : 64;
            *regs = xrealloc(*regs, *cap * sizeof **regs);
        }
        if (check_region(in, what, name, b, e, &(*regs)[*n]) < 0) {
            rc = -1;
            break;
        }
        (*n)++;
    }
    if (rc == 0 && ferror(fp)) {
        calla_err("failed to read \"%s\": %s", path, strerror(errno));
        rc = -1;
    }
    free(line);
    fclose(fp);
    return rc;
}

// ---- per-chunk work ----

typedef struct {
    int64_t pos;
    int32_t tid;
    char ref;
    uint8_t labelled, keep, variant;
} RecHead;

typedef struct {
    uint8_t *data;
    size_t n, cap;  // records
    size_t rec_bytes;
    int n_labels, n_feat;
    const TruthRegion *truth;
    FeatureKind kind;
    long n_cand;
    int err;
} ChunkOut;

static int chunk_emit(const Candidate *c, void *ud) {
    ChunkOut *o = ud;
    o->n_cand++;
    float labels[TF_CLV_NLABELS > TF_CLAIR3_NLABELS ? TF_CLV_NLABELS : TF_CLAIR3_NLABELS];
    RecHead h = {c->pos, c->tid, c->ref, 0, 1, 0, };
    if (o->truth) {
        int lab = truth_region_label(o->truth, o->kind, c->pos, c->ref, labels);
        if (lab < 0) return 0;
        h.labelled = 1;
        h.variant = lab == 1;
        h.keep = h.variant;  // non-variants are sampled after the chunk
    }
    if (o->n == o->cap) {
        o->cap = o->cap ? 2 * o->cap : 256;
        o->data = xrealloc(o->data, o->cap * o->rec_bytes);
    }
    uint8_t *r = o->data + o->n * o->rec_bytes;
    memcpy(r, &h, sizeof h);
    if (h.labelled) memcpy(r + sizeof h, labels, 4 * (size_t)o->n_labels);
    memcpy(r + sizeof h + 4 * (size_t)o->n_labels, c->features, 2 * (size_t)o->n_feat);
    o->n++;
    return 0;
}

typedef struct {
    ScanParams prm;
    const TruthSet *truth;
    double nv_ratio;
    uint64_t seed;
} Job;

static void process_chunk(const Job *job, ScanInputs *in, const Chunk *ch, ChunkOut *o) {
    TruthRegion *tr = NULL;
    const int64_t *force = NULL;
    int n_force = 0;
    if (job->truth) {
        tr = truth_region_load(job->truth, scan_inputs_contig_name(in, ch->tid), ch->beg, ch->end);
        if (!tr) {
            o->err = 1;
            return;
        }
        force = truth_region_pos(tr);
        n_force = truth_region_npos(tr);
    }
    o->truth = tr;
    if (scan_region(in, &job->prm, ch->tid, ch->beg, ch->end, force, n_force, chunk_emit, o) < 0)
        o->err = 1;
    if (tr && !o->err) {
        // Keep min(#non-variants, floor(R x #variants)) non-variants, chosen uniformly.
        size_t nv = 0, nn = 0;
        for (size_t i = 0; i < o->n; i++) {
            const RecHead *h = (const RecHead *)(o->data + i * o->rec_bytes);
            if (h->variant) nv++;
            else nn++;
        }
        size_t k = (size_t)floor(job->nv_ratio * (double)nv);
        if (k > nn) k = nn;
        if (k > 0) {
            size_t *idx = xmalloc(nn * sizeof *idx), m = 0;
            for (size_t i = 0; i < o->n; i++)
                if (!((const RecHead *)(o->data + i * o->rec_bytes))->variant) idx[m++] = i;
            Rng rng;
            rng_seed_stream(&rng, job->seed, ch->index);
            for (size_t i = 0; i < k; i++) {  // partial Fisher-Yates
                size_t j = i + (size_t)rng_below(&rng, nn - i);
                size_t t = idx[i];
                idx[i] = idx[j];
                idx[j] = t;
                ((RecHead *)(o->data + idx[i] * o->rec_bytes))->keep = 1;
            }
            free(idx);
        }
    }
    o->truth = NULL;
    truth_region_free(tr);
}

// The command line stored in the file, without -@/--threads so that the output is byte-identical
// for any thread count.
static char *join_args(int argc, char **argv) {
    size_t n = 1;
    for (int i = 0; i < argc; i++) n += strlen(argv[i]) + 1;
    char *s = xmalloc(n), *p = s;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if ((!strcmp(a, "-@") || !strcmp(a, "--threads")) && i + 1 < argc) {
            i++;
            continue;
        }
        if (!strncmp(a, "-@", 2) || !strncmp(a, "--threads=", 10)) continue;
        p += sprintf(p, p > s ? " %s" : "%s", a);
    }
    *p = 0;
    return s;
}

enum {
    OPT_PLATFORM = 1000, OPT_FEATURES, OPT_SNP_AF, OPT_INDEL_AF, OPT_MIN_DEPTH, OPT_MIN_MAPQ,
    OPT_MAX_DEPTH, OPT_TRUTH, OPT_CONFIDENT, OPT_NV_RATIO, OPT_SEED, OPT_CHUNK, OPT_DUMP
};

int main_tensors(int argc, char **argv) {
    calla_set_cmd("tensors");
    static const struct option lopts[] = {
        {"bam", required_argument, NULL, 'b'},
        {"ref", required_argument, NULL, 'f'},
        {"region", required_argument, NULL, 'r'},
        {"regions-file", required_argument, NULL, 'R'},
        {"output", required_argument, NULL, 'o'},
        {"threads", required_argument, NULL, '@'},
        {"help", no_argument, NULL, 'h'},
        {"platform", required_argument, NULL, OPT_PLATFORM},
        {"features", required_argument, NULL, OPT_FEATURES},
        {"snp-af", required_argument, NULL, OPT_SNP_AF},
        {"indel-af", required_argument, NULL, OPT_INDEL_AF},
        {"min-depth", required_argument, NULL, OPT_MIN_DEPTH},
        {"min-mapq", required_argument, NULL, OPT_MIN_MAPQ},
        {"max-depth", required_argument, NULL, OPT_MAX_DEPTH},
        {"truth", required_argument, NULL, OPT_TRUTH},
        {"confident", required_argument, NULL, OPT_CONFIDENT},
        {"nonvariant-ratio", required_argument, NULL, OPT_NV_RATIO},
        {"seed", required_argument, NULL, OPT_SEED},
        {"chunk-size", required_argument, NULL, OPT_CHUNK},
        {"dump-counts", no_argument, NULL, OPT_DUMP},
        {NULL, 0, NULL, 0}};
    const char *bam_path = NULL, *ref_path = NULL, *out_path = NULL, *bed_path = NULL;
    const char *truth_path = NULL, *conf_path = NULL, *platform_s = NULL;
    char **region_args = xcalloc(argc + 1, sizeof(char *));
    int n_region_args = 0, dump = 0;
    long threads = 1, chunk = DEFAULT_CHUNK, seed = 0;
    long min_depth = -1, min_mapq = -1, max_depth = -1;
    double snp_af = -1, indel_af = -1, nv_ratio = -1;
    FeatureKind kind = FEAT_CLAIR3_PILEUP;
    int c, bad = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "b:f:r:R:o:@:h", lopts, NULL)) != -1) {
        long v;
        double d;
        switch (c) {
        case 'b': bam_path = optarg; break;
        case 'f': ref_path = optarg; break;
        case 'r': region_args[n_region_args++] = optarg; break;
        case 'R': bed_path = optarg; break;
        case 'o': out_path = optarg; break;
        case '@':
            if (parse_int(optarg, &threads) < 0 || threads < 1 || threads > 1024) {
                calla_err("bad thread count \"%s\"", optarg);
                bad = 1;
            }
            break;
        case 'h': usage(stdout); free(region_args); return 0;
        case OPT_PLATFORM: platform_s = optarg; break;
        case OPT_FEATURES:
            if (feature_kind_parse(optarg, &kind) < 0) {
                calla_err("unknown feature kind \"%s\" (clair3-pileup or clairvoyante)", optarg);
                bad = 1;
            }
            break;
        case OPT_SNP_AF: case OPT_INDEL_AF: case OPT_NV_RATIO:
            if (parse_double(optarg, &d) < 0 || d < 0 || (c != OPT_NV_RATIO && d > 1)) {
                calla_err("bad value \"%s\" for --%s", optarg,
                          c == OPT_SNP_AF ? "snp-af" : c == OPT_INDEL_AF ? "indel-af" : "nonvariant-ratio");
                bad = 1;
            } else if (c == OPT_SNP_AF) snp_af = d;
            else if (c == OPT_INDEL_AF) indel_af = d;
            else nv_ratio = d;
            break;
        case OPT_MIN_DEPTH: case OPT_MIN_MAPQ: case OPT_MAX_DEPTH: case OPT_SEED: case OPT_CHUNK:
            if (parse_int(optarg, &v) < 0 || v < 0 || (c == OPT_CHUNK && v < 1)) {
                calla_err("bad integer \"%s\"", optarg);
                bad = 1;
            } else if (c == OPT_MIN_DEPTH) min_depth = v;
            else if (c == OPT_MIN_MAPQ) min_mapq = v;
            else if (c == OPT_MAX_DEPTH) max_depth = v;
            else if (c == OPT_SEED) seed = v;
            else chunk = v;
            break;
        case OPT_TRUTH: truth_path = optarg; break;
        case OPT_CONFIDENT: conf_path = optarg; break;
        case OPT_DUMP: dump = 1; break;
        default: bad = 1; break;
        }
    }
    Platform platform = PLATFORM_ILMN;
    if (!bad && optind < argc) {
        calla_err("unexpected argument \"%s\"", argv[optind]);
        bad = 1;
    }
    if (!bad && (!bam_path || !ref_path)) {
        calla_err("-b BAM and -f FASTA are required");
        bad = 1;
    }
    if (!bad && !out_path && !dump) {
        calla_err("-o OUTPUT is required");
        bad = 1;
    }
    if (!bad && !platform_s) {
        calla_err("--platform ilmn|hifi|ont is required");
        bad = 1;
    }
    if (!bad && platform_parse(platform_s, &platform) < 0) {
        calla_err("unknown platform \"%s\" (ilmn, hifi or ont)", platform_s);
        bad = 1;
    }
    if (!bad && conf_path && !truth_path) {
        calla_err("--confident needs --truth");
        bad = 1;
    }
    if (bad) {
        usage(stderr);
        free(region_args);
        return CALLA_EXIT_USAGE;
    }
    hts_set_log_level(HTS_LOG_OFF);  // our own one-line errors name the file and the problem

    ScanParams prm;
    scan_params_default(&prm, platform, kind);
    if (snp_af >= 0) prm.snp_af = snp_af;
    if (indel_af >= 0) prm.indel_af = indel_af;
    if (min_depth >= 0) prm.min_depth = (int)min_depth;
    if (min_mapq >= 0) prm.min_mapq = (int)min_mapq;
    if (max_depth >= 0) prm.max_depth = (int)max_depth;
    if (nv_ratio < 0) nv_ratio = kind == FEAT_CLAIR3_PILEUP ? 5 : 2;

    int ret = CALLA_EXIT_RUNTIME;
    ScanInputs **ins = xcalloc(threads, sizeof *ins);
    Region *regs = NULL;
    Chunk *chunks = NULL;
    ChunkOut *outs = NULL;
    TruthSet *truth = NULL;
    TensorWriter *w = NULL;
    char *cmdline = NULL;
    char **cnames = NULL;
    int64_t *clens = NULL;
    int n_regs = 0, cap_regs = 0;

    ins[0] = scan_inputs_open(bam_path, ref_path);
    if (!ins[0]) goto out;
    for (int i = 0; i < n_region_args; i++) {
        if (n_regs == cap_regs) {
            cap_regs = cap_regs ? 2 * cap_regs : 16;
            regs = xrealloc(regs, cap_regs * sizeof *regs);
        }
        int rc = parse_region_arg(ins[0], region_args[i], &regs[n_regs]);
        if (rc == -2) { ret = CALLA_EXIT_USAGE; goto out; }
        if (rc < 0) goto out;
        n_regs++;
    }
    if (bed_path && read_bed(ins[0], bed_path, &regs, &n_regs, &cap_regs) < 0) goto out;
    if (!n_region_args && !bed_path) {
        int nc = scan_inputs_ncontigs(ins[0]), skipped = 0;
        regs = xmalloc((nc ? nc : 1) * sizeof *regs);
        for (int t = 0; t < nc; t++) {
            if (!scan_inputs_contig_in_ref(ins[0], t)) { skipped++; continue; }
            regs[n_regs++] = (Region){t, 0, scan_inputs_contig_len(ins[0], t)};
        }
        if (skipped)
            calla_warn("%d contig(s) of \"%s\" are absent from \"%s\" and are skipped", skipped,
                       bam_path, ref_path);
    }
    // Sort and merge overlapping regions so that no position is scanned twice.
    qsort(regs, n_regs, sizeof *regs, region_cmp);
    int m = 0;
    for (int i = 0; i < n_regs; i++) {
        if (m > 0 && regs[m - 1].tid == regs[i].tid && regs[i].beg <= regs[m - 1].end) {
            if (regs[i].end > regs[m - 1].end) regs[m - 1].end = regs[i].end;
        } else regs[m++] = regs[i];
    }
    n_regs = m;

    if (dump) {
        FILE *fp = out_path ? fopen(out_path, "w") : stdout;
        if (!fp) {
            calla_err("failed to open \"%s\": %s", out_path, strerror(errno));
            goto out;
        }
        int rc = 0;
        for (int i = 0; i < n_regs && rc == 0; i++)
            rc = scan_region_counts(ins[0], &prm, regs[i].tid, regs[i].beg, regs[i].end, fp);
        if (out_path && fclose(fp) != 0) rc = -1;
        if (rc == 0) ret = 0;
        goto out;
    }

    if (truth_path) {
        truth = truth_open(truth_path, conf_path);
        if (!truth) goto out;
    }
    for (long t = 1; t < threads; t++) {
        ins[t] = scan_inputs_open(bam_path, ref_path);
        if (!ins[t]) goto out;
    }

    // Chunks, numbered in region order.
    size_t n_chunks = 0, cap_chunks = 0;
    int64_t total_pos = 0;
    for (int i = 0; i < n_regs; i++) {
        total_pos += regs[i].end - regs[i].beg;
        for (int64_t b = regs[i].beg; b < regs[i].end; b += chunk) {
            if (n_chunks == cap_chunks) {
                cap_chunks = cap_chunks ? 2 * cap_chunks : 64;
                chunks = xrealloc(chunks, cap_chunks * sizeof *chunks);
            }
            int64_t e = b + chunk < regs[i].end ? b + chunk : regs[i].end;
            chunks[n_chunks] = (Chunk){regs[i].tid, b, e, n_chunks};
            n_chunks++;
        }
    }

    int nc = scan_inputs_ncontigs(ins[0]);
    cnames = xcalloc(nc ? nc : 1, sizeof *cnames);
    clens = xcalloc(nc ? nc : 1, sizeof *clens);
    for (int t = 0; t < nc; t++) {
        cnames[t] = (char *)scan_inputs_contig_name(ins[0], t);
        clens[t] = scan_inputs_contig_len(ins[0], t);
    }
    cmdline = join_args(argc, argv);
    TensorFileMeta meta = {kind, TF_NPOS, feature_kind_nchan(kind), feature_kind_nlabels(kind),
                           tensorfile_record_bytes(kind), nc, cnames, clens,
                           (char *)platform_name(platform), cmdline};
    w = tensorwriter_open(out_path, &meta);
    if (!w) goto out;

    Job job = {prm, truth, nv_ratio, (uint64_t)seed};
    int nl = feature_kind_nlabels(kind), nf = TF_NPOS * feature_kind_nchan(kind);
    size_t rec_bytes = (sizeof(RecHead) + 4 * (size_t)nl + 2 * (size_t)nf + 7) & ~(size_t)7;
    size_t batch = 2 * (size_t)threads;
    outs = xcalloc(batch, sizeof *outs);
    Progress prog;
    progress_init(&prog, 1.0);
    int64_t done_pos = 0;
    long n_written = 0, n_cand = 0;
    int failed = 0;
    for (size_t b0 = 0; b0 < n_chunks && !failed; b0 += batch) {
        size_t nb = n_chunks - b0 < batch ? n_chunks - b0 : batch;
        for (size_t i = 0; i < nb; i++) {
            outs[i].n = 0;
            outs[i].rec_bytes = rec_bytes;
            outs[i].n_labels = nl;
            outs[i].n_feat = nf;
            outs[i].kind = kind;
            outs[i].n_cand = 0;
            outs[i].err = 0;
        }
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
#endif
        for (size_t i = 0; i < nb; i++) {
            int t = 0;
#ifdef _OPENMP
            t = omp_get_thread_num();
#endif
            process_chunk(&job, ins[t], &chunks[b0 + i], &outs[i]);
        }
        for (size_t i = 0; i < nb && !failed; i++) {
            if (outs[i].err) { failed = 1; break; }
            n_cand += outs[i].n_cand;
            done_pos += chunks[b0 + i].end - chunks[b0 + i].beg;
            for (size_t k = 0; k < outs[i].n; k++) {
                const uint8_t *r = outs[i].data + k * rec_bytes;
                RecHead h;
                memcpy(&h, r, sizeof h);
                if (!h.keep) continue;
                const float *lab = h.labelled ? (const float *)(r + sizeof h) : NULL;
                if (tensorwriter_append(w, h.tid, h.pos, h.ref, lab,
                                        (const int16_t *)(r + sizeof h + 4 * (size_t)nl)) < 0) {
                    failed = 1;
                    break;
                }
                n_written++;
            }
        }
        if (!failed && progress_due(&prog)) {
            double dt = now_seconds() - prog.start;
            calla_info("%lld/%lld positions (%.0f positions/s), %ld candidates, %ld records",
                       (long long)done_pos, (long long)total_pos, dt > 0 ? done_pos / dt : 0.0,
                       n_cand, n_written);
        }
    }
    long sat = 0;
    for (long t = 0; t < threads; t++) sat += scan_inputs_saturated(ins[t]);
    if (sat)
        calla_warn("%ld feature values exceeded the int16 range and were saturated", sat);
    if (failed) {
        tensorwriter_abort(w);
        w = NULL;
        goto out;
    }
    int rc = tensorwriter_close(w);
    w = NULL;
    if (rc < 0) goto out;
    double dt = now_seconds() - prog.start;
    calla_info("done: %lld positions in %.2f s (%.0f positions/s), %ld candidates, %ld records "
               "written to \"%s\"",
               (long long)total_pos, dt, dt > 0 ? total_pos / dt : 0.0, n_cand, n_written, out_path);
    ret = 0;
out:
    if (w) tensorwriter_abort(w);
    if (outs)
        for (size_t i = 0; i < 2 * (size_t)threads; i++) free(outs[i].data);
    free(outs);
    for (long t = 0; t < threads; t++) scan_inputs_close(ins[t]);
    free(ins);
    if (truth) truth_close(truth);
    free(regs);
    free(chunks);
    free(cnames);
    free(clens);
    free(cmdline);
    free(region_args);
    return ret;
}
