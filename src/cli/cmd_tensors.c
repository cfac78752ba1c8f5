// cmd_tensors.c — `calla tensors`: BAM + reference -> pileup tensor file (.ctf), for calling
// (every candidate, unlabelled) or training (truth variants + a seeded sample of non-variants).
//
// Work is split into fixed chunks of --chunk-size positions, numbered in region order; workers
// process a batch of 2 x threads chunks and the batch is written in chunk order (a bounded
// reorder buffer). Non-variant sampling draws from an RNG stream derived from (seed, chunk index),
// so the output is byte-identical for any -@.
//
// clair3-fa (full-alignment) tensors: the chunk's candidates, labels and sampling are those of the
// pileup kind; the scan also copies the chunk's eligible reads into a per-thread buffer, from which
// the tensors of the kept records are built after the sampling through a sliding window
// (tensors/fa_window.h); they are stored as int8 until written.
#include <getopt.h>
#include <htslib/hts.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "common/rng.h"
#include "common/util.h"
#include "reads/candidates.h"
#include "reads/regions.h"
#include "tensors/fa_window.h"
#include "tensors/labels.h"
#include "tensors/tensorfile.h"
#include "tensors/unify.h"

#define DEFAULT_CHUNK 20000
// --unify scans and unifies each chunk with this many positions more on both sides, so that a
// group cut by a chunk boundary is seen whole; only the chunk's own positions are written.
#define RU_MARGIN 1000

static void usage(FILE *fp) {
    fprintf(fp,
            "Usage: calla tensors -b in.bam -f ref.fa --platform ilmn|hifi|ont -o out.ctf [options]\n"
            "Builds pileup tensors at candidate sites (calling), or labelled training tensors with "
            "--truth.\n\n"
            "Input/output:\n"
            "  -b, --bam FILE            coordinate-sorted, indexed BAM/CRAM\n"
            "  -f, --ref FILE            reference FASTA with .fai (--fasta-ref is the same)\n"
            "  -r, --region REG          chr, chr:beg[-[end]] or {chr}:beg-end (samtools, 1-based,\n"
            "                            inclusive, commas allowed); repeatable (--regions is the same)\n"
            "  -R, --regions-file BED    regions from a BED file (.bed or .bed.gz; 0-based, half-open)\n"
            "  -o, --output FILE         output tensor file (.ctf), written atomically (not '-':\n"
            "                            the header is completed at the end); with --dump-counts\n"
            "                            '-' or no -o is standard output\n"
            "  -@, --threads N           worker threads [1]\n"
            "Features and candidates:\n"
            "  --platform ilmn|hifi|ont  sets the allele-frequency defaults (required)\n"
            "  --features KIND           clair3-pileup (33x18), clairvoyante (33x4x4) or clair3-fa\n"
            "                            (full alignment: rows x 33 x 8) [clair3-pileup]\n"
            "  --fa-rows N               clair3-fa reads per tensor [ilmn 55, hifi 55, ont 89]\n"
            "  --no-phasing              clair3-fa: every read unphased (HP channel 60); default:\n"
            "                            the reads' HP tags (1, 2; else unphased)\n"
            "  --snp-af F                minimum SNP allele frequency [0.08]\n"
            "  --indel-af F              minimum indel allele frequency [ont 0.15, else 0.08]\n"
            "  --min-depth N             minimum depth at the candidate [2]\n"
            "  --min-mapq N              drop reads with MAPQ below N [5]\n"
            "  --max-depth N             clair3-pileup rescale cap: depth > 1.5N is scaled to N [144]\n"
            "  --compat MODE             calla, or Clair3's tensors and read filters: clair3 (the\n"
            "                            platform's path), clair3-c, clair3-mpileup [calla]\n"
            "                            (docs/tensors.md \"Clair3 parity\")\n"
            "  --excl-flags FLAGS        drop reads with any of these SAM flags (number or names)\n"
            "                            [UNMAP,SECONDARY,QCFAIL,DUP,SUPPLEMENTARY]; clair3-fa\n"
            "                            rows always drop UNMAP,MUNMAP,SECONDARY,SUPPLEMENTARY\n"
            "  --drop-improper           drop paired reads not flagged as a proper pair\n"
            "Training:\n"
            "  --truth VCF               bgzipped, indexed truth VCF (enables training mode)\n"
            "  --confident BED           confident regions of the truth set\n"
            "  --nonvariant-ratio R      non-variants kept per truth variant, per chunk\n"
            "                            [5 clair3-pileup, 2 clairvoyante, 1 clair3-fa]\n"
            "  --seed S                  sampling seed (also clair3-fa read subsampling) [0]\n"
            "  --unify                   representation unification: a truth variant written\n"
            "                            differently from the reads (indel placement in repeats,\n"
            "                            MNP vs SNPs) labels the candidates the reads support\n"
            "                            (docs/tensors.md \"Representation unification\")\n"
            "Debugging:\n"
            "  --chunk-size N            positions per work chunk [%d] (changes the sampling)\n"
            "  --dump-counts             write per-position per-strand counts instead of tensors\n"
            "  -h, --help                this help\n",
            DEFAULT_CHUNK);
}

// ---- per-chunk work ----

typedef struct {
    int64_t pos;
    int32_t tid;
    char ref;
    uint8_t labelled, keep, variant;
} RecHead;

// A candidate kept for representation unification (--unify): its record and its alleles
// [al0, al0 + nal) in ChunkOut.ru_al.
typedef struct {
    size_t rec;
    int64_t pos;
    char ref;
    int depth, ref_count;
    size_t al0;
    int nal;
} RuRec;

// Label changes made by representation unification (summed over chunks).
typedef struct {
    RuStats st;
    long changed, to_variant, to_nonvariant, was_unlabelled;
} RuCounts;

typedef struct {
    uint8_t *data;
    size_t n, cap;  // records
    size_t rec_bytes;
    int n_labels, n_feat;
    const TruthRegion *truth;
    FeatureKind kind;  // the label kind (clair3-fa records carry clair3-pileup labels)
    long n_cand;
    int err;
    int64_t own_beg, own_end;  // the chunk; with --unify the scan covers margins around it
    // --unify: every candidate (also those without a label today) and its read alleles
    const RuParams *ru;
    RuRec *ru_c;
    size_t ru_nc, ru_cap_c;
    RuAllele *ru_al;
    size_t ru_nal, ru_cap_al;
    RuCounts ru_counts;
    // clair3-fa: the tensors of the kept records, in record order (n_fa x fa_nf int8 values)
    int8_t *fa_feat;
    size_t n_fa, cap_fa;
    int64_t *fa_pos;  // their positions
    size_t cap_fa_pos;
    long fa_reads;
} ChunkOut;

static void ru_add_allele(ChunkOut *o, char *ref, char *alt, int count) {
    if (o->ru_nal == o->ru_cap_al) {
        o->ru_cap_al = o->ru_cap_al ? 2 * o->ru_cap_al : 256;
        o->ru_al = xrealloc(o->ru_al, o->ru_cap_al * sizeof *o->ru_al);
    }
    o->ru_al[o->ru_nal++] = (RuAllele){ref, alt, count};
}

static char *str_cat(char a, const char *s) {
    size_t n = strlen(s);
    char *r = xmalloc(n + 2);
    r[0] = a;
    memcpy(r + 1, s, n + 1);
    return r;
}

// Keeps the candidate and its alleles at or above the minimum allele frequency for --unify.
static void ru_keep(ChunkOut *o, const Candidate *c, size_t rec) {
    if (o->ru_nc == o->ru_cap_c) {
        o->ru_cap_c = o->ru_cap_c ? 2 * o->ru_cap_c : 256;
        o->ru_c = xrealloc(o->ru_c, o->ru_cap_c * sizeof *o->ru_c);
    }
    RuRec *r = &o->ru_c[o->ru_nc++];
    *r = (RuRec){rec, c->pos, c->ref, c->depth, c->ref_count, o->ru_nal, 0};
    double need = o->ru->min_af * c->depth;
    char rs[2] = {c->ref, 0};
    for (int b = 0; b < 4; b++) {
        if ("ACGT"[b] == c->ref || c->base_count[b] <= 0 || c->base_count[b] < need) continue;
        char as[2] = {"ACGT"[b], 0};
        ru_add_allele(o, xstrdup(rs), xstrdup(as), c->base_count[b]);
    }
    for (int i = 0; i < c->n_indels; i++) {
        const IndelAllele *a = &c->indels[i];
        if (a->count <= 0 || a->count < need) continue;
        char *full = str_cat(c->ref, a->seq);
        if (a->kind == 'D') ru_add_allele(o, full, xstrdup(rs), a->count);
        else ru_add_allele(o, xstrdup(rs), full, a->count);
    }
    r->nal = (int)(o->ru_nal - r->al0);
}

static void ru_clear(ChunkOut *o) {
    for (size_t i = 0; i < o->ru_nal; i++) {
        free((char *)o->ru_al[i].ref);
        free((char *)o->ru_al[i].alt);
    }
    o->ru_nal = o->ru_nc = 0;
}

static int chunk_emit(const Candidate *c, void *ud) {
    ChunkOut *o = ud;
    if (c->pos >= o->own_beg && c->pos < o->own_end) o->n_cand++;
    float labels[TF_CLV_NLABELS > TF_CLAIR3_NLABELS ? TF_CLV_NLABELS : TF_CLAIR3_NLABELS];
    RecHead h = {c->pos, c->tid, c->ref, 0, 1, 0, };
    if (o->truth) {
        int lab = truth_region_label(o->truth, o->kind, c->pos, c->ref, labels);
        if (lab < 0 && !o->ru) return 0;
        if (o->ru) ru_keep(o, c, o->n);  // unlabelled ones too: unification may label them
        h.labelled = lab >= 0;
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
    if (c->features)  // NULL for clair3-fa (built after the sampling, fa_chunk)
        memcpy(r + sizeof h + 4 * (size_t)o->n_labels, c->features, 2 * (size_t)o->n_feat);
    o->n++;
    return 0;
}

typedef struct {
    ScanParams prm;
    const TruthSet *truth;
    double nv_ratio;
    uint64_t seed;
    const RuParams *ru;  // NULL: no representation unification
    int fa;              // clair3-fa tensors
    FaParams fa_prm;
    int fa_nf;           // values per clair3-fa tensor
} Job;

// ---- clair3-fa: tensors of the kept records from one pass over the chunk's reads ----

static int fa_emit(void *ud, int i, const int8_t *feat, int n_reads) {
    ChunkOut *o = ud;
    (void)n_reads;
    memcpy(o->fa_feat + (size_t)i * (size_t)o->n_feat, feat, (size_t)o->n_feat);
    return 0;
}

// The tensors of the chunk's kept records, from the reads the scan buffered in rb.
static int fa_chunk(const Job *job, ScanInputs *in, const Chunk *ch, ChunkOut *o,
                    const FaReadBuf *rb) {
    o->n_fa = 0;
    for (size_t i = 0; i < o->n; i++) {
        const RecHead *h = (const RecHead *)(o->data + i * o->rec_bytes);
        if (!h->keep) continue;
        if (o->n_fa == o->cap_fa_pos) {
            o->cap_fa_pos = o->cap_fa_pos ? 2 * o->cap_fa_pos : 256;
            o->fa_pos = xrealloc(o->fa_pos, sizeof *o->fa_pos * o->cap_fa_pos);
        }
        o->fa_pos[o->n_fa++] = h->pos;
    }
    if (o->n_fa == 0) return 0;
    if (o->n_fa > o->cap_fa) {
        o->cap_fa = o->n_fa;
        o->fa_feat = xrealloc(o->fa_feat, o->cap_fa * (size_t)o->n_feat);
    }
    int64_t beg = o->fa_pos[0] - TF_FLANK, end = o->fa_pos[o->n_fa - 1] + TF_FLANK + 1;
    int64_t ref_len = 0, rbeg = beg < 0 ? 0 : beg;
    char *ref = scan_inputs_fetch_ref(in, ch->tid, rbeg, end, &ref_len);
    if (!ref) return -1;
    FaWindow *w = fa_window_new(&job->fa_prm, ch->tid, o->fa_pos, (int)o->n_fa, ref, rbeg, ref_len,
                                fa_emit, o);
    int rc = fa_readbuf_feed(rb, w);
    if (rc == 0) rc = fa_window_finish(w);
    o->fa_reads += fa_window_reads(w);
    fa_window_free(w);
    free(ref);
    return rc ? -1 : 0;
}

// Representation unification of the chunk's labels (after the scan, before the sampling).
static int ru_apply(ScanInputs *in, const Chunk *ch, int64_t wbeg, const TruthRegion *tr,
                    ChunkOut *o) {
    int nv = truth_region_nvar(tr), nt = 0;
    RuTruth *t = xmalloc(sizeof *t * (size_t)(nv ? nv : 1));
    int64_t ref_end = o->own_end;
    for (int i = 0; i < nv; i++) {
        RuTruth *x = &t[nt];
        int u = truth_region_var(tr, i, &x->pos, &x->ref, x->alt, &x->n_alt, &x->g1, &x->g2);
        if (u < 0) continue;
        // Truth outside the confident regions is not trusted: it blocks its group.
        x->usable = u == 1 && truth_region_confident(tr, x->pos);
        if (x->ref && x->pos + (int64_t)strlen(x->ref) > ref_end)
            ref_end = x->pos + (int64_t)strlen(x->ref);
        nt++;
    }
    size_t nc = o->ru_nc;
    RuCand *c = xmalloc(sizeof *c * (nc ? nc : 1));
    for (size_t i = 0; i < nc; i++) {
        const RuRec *r = &o->ru_c[i];
        c[i] = (RuCand){r->pos, r->ref, r->depth, r->ref_count, r->nal, o->ru_al + r->al0};
        for (int k = 0; k < r->nal; k++) {
            int64_t e = r->pos + (int64_t)strlen(o->ru_al[r->al0 + k].ref);
            if (e > ref_end) ref_end = e;
        }
    }
    int64_t ref_len = 0;
    char *ref = scan_inputs_fetch_ref(in, ch->tid, wbeg, ref_end + 1, &ref_len);
    RuCall *calls = xmalloc(sizeof *calls * (nc ? nc : 1));
    int rc = -1;
    if (ref && ru_unify(o->ru, t, nt, c, (int)nc, ref, wbeg, ref_len, o->own_beg, o->own_end, calls,
                        &o->ru_counts.st) == 0)
        rc = 0;
    else if (ref)
        calla_err("representation unification: unsorted input at chunk %lld", (long long)ch->beg + 1);
    float lab[TF_CLV_NLABELS > TF_CLAIR3_NLABELS ? TF_CLV_NLABELS : TF_CLAIR3_NLABELS];
    size_t lbytes = 4 * (size_t)o->n_labels;
    for (size_t i = 0; rc == 0 && i < nc; i++) {
        if (calls[i].action != RU_SET || !truth_region_confident(tr, c[i].pos)) continue;
        if (c[i].pos < o->own_beg || c[i].pos >= o->own_end) continue;  // another chunk's
        if (ru_call_labels(o->kind, &c[i], &calls[i], lab) != 0) continue;
        uint8_t *r = o->data + o->ru_c[i].rec * o->rec_bytes;
        RecHead h;
        memcpy(&h, r, sizeof h);
        int variant = calls[i].a >= 0 || calls[i].b >= 0;
        if (h.labelled && memcmp(r + sizeof h, lab, lbytes) == 0) continue;
        RuCounts *k = &o->ru_counts;
        k->changed++;
        if (variant) k->to_variant++;
        else k->to_nonvariant++;
        if (!h.labelled) k->was_unlabelled++;
        h.labelled = 1;
        h.variant = (uint8_t)variant;
        h.keep = h.variant;
        memcpy(r, &h, sizeof h);
        memcpy(r + sizeof h, lab, lbytes);
    }
    free(calls);
    free(ref);
    free(c);
    free(t);
    return rc;
}

static void process_chunk(const Job *job, ScanInputs *in, const Chunk *ch, ChunkOut *o,
                          FaReadBuf *rb) {
    TruthRegion *tr = NULL;
    const int64_t *force = NULL;
    int n_force = 0;
    // The scanned window: the chunk, with margins for --unify (records outside are dropped).
    int64_t wbeg = ch->beg, wend = ch->end;
    if (job->truth && job->ru) {
        int64_t clen = scan_inputs_contig_len(in, ch->tid);
        wbeg = ch->beg - RU_MARGIN < 0 ? 0 : ch->beg - RU_MARGIN;
        wend = ch->end + RU_MARGIN > clen ? clen : ch->end + RU_MARGIN;
    }
    o->own_beg = ch->beg;
    o->own_end = ch->end;
    if (job->truth) {
        tr = truth_region_load_counted(job->truth, scan_inputs_contig_name(in, ch->tid), wbeg,
                                       wend, ch->beg, ch->end);
        if (!tr) {
            o->err = 1;
            return;
        }
        force = truth_region_pos(tr);
        n_force = truth_region_npos(tr);
    }
    o->truth = tr;
    o->ru = tr ? job->ru : NULL;
    // clair3-fa: keep the eligible reads reaching the windows of the chunk's own positions
    if (job->fa) fa_readbuf_reset(rb, &job->fa_prm, ch->beg - TF_FLANK, ch->end + TF_FLANK + 1);
    if (scan_region_reads(in, &job->prm, ch->tid, wbeg, wend, force, n_force, chunk_emit, o,
                          job->fa ? fa_readbuf_add : NULL, rb) < 0)
        o->err = 1;
    if (tr && o->ru && !o->err && ru_apply(in, ch, wbeg, tr, o) < 0) o->err = 1;
    if (o->ru) {
        ru_clear(o);
        for (size_t i = 0; i < o->n; i++) {  // the margins belong to the neighbouring chunks
            RecHead *h = (RecHead *)(o->data + i * o->rec_bytes);
            if (h->pos < ch->beg || h->pos >= ch->end) h->labelled = h->keep = h->variant = 0;
        }
    }
    if (tr && !o->err) {
        // Keep min(#non-variants, floor(R x #variants)) non-variants, chosen uniformly.
        size_t nv = 0, nn = 0;
        for (size_t i = 0; i < o->n; i++) {
            const RecHead *h = (const RecHead *)(o->data + i * o->rec_bytes);
            if (!h->labelled) continue;  // --unify keeps unlabelled candidates until here
            if (h->variant) nv++;
            else nn++;
        }
        size_t k = (size_t)floor(job->nv_ratio * (double)nv);
        if (k > nn) k = nn;
        if (k > 0) {
            size_t *idx = xmalloc(nn * sizeof *idx), m = 0;
            for (size_t i = 0; i < o->n; i++) {
                const RecHead *h = (const RecHead *)(o->data + i * o->rec_bytes);
                if (h->labelled && !h->variant) idx[m++] = i;
            }
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
    if (job->fa && !o->err && fa_chunk(job, in, ch, o, rb) < 0) o->err = 1;
    o->truth = NULL;
    truth_region_free(tr);
}

// State of one run for the ordered chunk runner (reads/regions.h).
typedef struct {
    Job job;
    ScanInputs **ins;  // one per thread
    FaReadBuf **fa_bufs;  // clair3-fa: one per thread
    TensorWriter *w;
    size_t rec_bytes;
    int nl, nf;     // nf: features per record (33 x channels)
    FeatureKind kind;  // label kind of the records
    int16_t *fa16;  // clair3-fa: one record's features widened to int16
    long fa_reads;
    Progress prog;
    int64_t done_pos, total_pos;
    long n_written, n_cand;
    RuCounts ru;
} Run;

static int run_work(void *ud, int thread, const Chunk *ch, void *slot) {
    Run *run = ud;
    ChunkOut *o = slot;
    o->n = 0;
    o->rec_bytes = run->rec_bytes;
    o->n_labels = run->nl;
    o->n_feat = run->nf;  // clair3-fa: int8 values per tensor in fa_feat (none in the record)
    o->fa_reads = 0;
    o->kind = run->kind;
    o->n_cand = 0;
    o->err = 0;
    memset(&o->ru_counts, 0, sizeof o->ru_counts);
    process_chunk(&run->job, run->ins[thread], ch, o, run->fa_bufs ? run->fa_bufs[thread] : NULL);
    return o->err ? -1 : 0;
}

static int run_sink(void *ud, const Chunk *ch, void *slot) {
    Run *run = ud;
    ChunkOut *o = slot;
    run->n_cand += o->n_cand;
    RuCounts *a = &run->ru, *b = &o->ru_counts;
    a->st.locked += b->st.locked;
    a->st.groups += b->st.groups;
    a->st.matched += b->st.matched;
    a->st.unmatched += b->st.unmatched;
    a->st.skipped += b->st.skipped;
    a->changed += b->changed;
    a->to_variant += b->to_variant;
    a->to_nonvariant += b->to_nonvariant;
    a->was_unlabelled += b->was_unlabelled;
    run->done_pos += ch->end - ch->beg;
    run->fa_reads += o->fa_reads;
    size_t kfa = 0;
    for (size_t k = 0; k < o->n; k++) {
        const uint8_t *r = o->data + k * run->rec_bytes;
        RecHead h;
        memcpy(&h, r, sizeof h);
        if (!h.keep) continue;
        const float *lab = h.labelled ? (const float *)(r + sizeof h) : NULL;
        const int16_t *feat = (const int16_t *)(r + sizeof h + 4 * (size_t)run->nl);
        if (run->fa16) {  // the k-th kept record's clair3-fa tensor
            const int8_t *f8 = o->fa_feat + kfa++ * (size_t)run->nf;
            for (int i = 0; i < run->nf; i++) run->fa16[i] = f8[i];
            feat = run->fa16;
        }
        if (tensorwriter_append(run->w, h.tid, h.pos, h.ref, lab, feat) < 0) return -1;
        run->n_written++;
    }
    if (progress_due(&run->prog)) {
        double dt = now_seconds() - run->prog.start;
        calla_info("%lld/%lld positions (%.0f positions/s), %ld candidates, %ld records",
                   (long long)run->done_pos, (long long)run->total_pos,
                   dt > 0 ? run->done_pos / dt : 0.0, run->n_cand, run->n_written);
    }
    return 0;
}

enum {
    OPT_PLATFORM = 1000, OPT_FEATURES, OPT_SNP_AF, OPT_INDEL_AF, OPT_MIN_DEPTH, OPT_MIN_MAPQ,
    OPT_MAX_DEPTH, OPT_TRUTH, OPT_CONFIDENT, OPT_NV_RATIO, OPT_SEED, OPT_CHUNK, OPT_DUMP,
    OPT_COMPAT, OPT_EXCL_FLAGS, OPT_DROP_IMPROPER, OPT_UNIFY, OPT_FA_ROWS, OPT_NO_PHASING
};

int main_tensors(int argc, char **argv) {
    calla_set_cmd("tensors");
    static const struct option lopts[] = {
        {"bam", required_argument, NULL, 'b'},
        {"ref", required_argument, NULL, 'f'},
        {"fasta-ref", required_argument, NULL, 'f'},
        {"region", required_argument, NULL, 'r'},
        {"regions", required_argument, NULL, 'r'},
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
        {"compat", required_argument, NULL, OPT_COMPAT},
        {"excl-flags", required_argument, NULL, OPT_EXCL_FLAGS},
        {"drop-improper", no_argument, NULL, OPT_DROP_IMPROPER},
        {"unify", no_argument, NULL, OPT_UNIFY},
        {"fa-rows", required_argument, NULL, OPT_FA_ROWS},
        {"no-phasing", no_argument, NULL, OPT_NO_PHASING},
        {NULL, 0, NULL, 0}};
    const char *bam_path = NULL, *ref_path = NULL, *out_path = NULL, *bed_path = NULL;
    const char *truth_path = NULL, *conf_path = NULL, *platform_s = NULL;
    char **region_args = xcalloc(argc + 1, sizeof(char *));
    int n_region_args = 0, dump = 0;
    long threads = 1, chunk = DEFAULT_CHUNK, seed = 0;
    long min_depth = -1, min_mapq = -1, max_depth = -1;
    double snp_af = -1, indel_af = -1, nv_ratio = -1;
    FeatureKind kind = FEAT_CLAIR3_PILEUP;
    int c, bad = 0, drop_improper = 0, have_excl = 0, unify = 0, no_phasing = 0;
    long fa_rows = -1;
    const char *compat = "calla";
    unsigned excl_flags = 0;
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
                calla_err("unknown feature kind \"%s\" (clair3-pileup, clairvoyante or clair3-fa)",
                          optarg);
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
        case OPT_COMPAT:
            if (strcmp(optarg, "calla") && strcmp(optarg, "clair3") && strcmp(optarg, "clair3-c") &&
                strcmp(optarg, "clair3-mpileup")) {
                calla_err("unknown --compat \"%s\" (calla, clair3, clair3-c or clair3-mpileup)", optarg);
                bad = 1;
            }
            compat = optarg;
            break;
        case OPT_EXCL_FLAGS:
            if (scan_parse_flags(optarg, &excl_flags) < 0) {
                calla_err("bad --excl-flags \"%s\" (a number or names such as UNMAP,DUP)", optarg);
                bad = 1;
            }
            have_excl = 1;
            break;
        case OPT_DROP_IMPROPER: drop_improper = 1; break;
        case OPT_UNIFY: unify = 1; break;
        case OPT_FA_ROWS:
            if (parse_int(optarg, &fa_rows) < 0 || fa_rows < 1 || fa_rows > TF_FA_MAX_ROWS) {
                calla_err("bad --fa-rows \"%s\" (1..%d)", optarg, TF_FA_MAX_ROWS);
                bad = 1;
            }
            break;
        case OPT_NO_PHASING: no_phasing = 1; break;
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
    if (!bad && out_path && strcmp(out_path, "-") == 0 && !dump) {
        calla_err("-o -: a tensor file cannot be written to standard output (its header is "
                  "completed at the end); give a file name, and read it with `calla view`");
        bad = 1;
    }
    if (dump && out_path && strcmp(out_path, "-") == 0) out_path = NULL;  // stdout
    if (!bad && !platform_s) {
        calla_err("--platform ilmn|hifi|ont is required");
        bad = 1;
    }
    if (!bad && platform_parse(platform_s, &platform) < 0) {
        calla_err("unknown platform \"%s\" (ilmn, hifi or ont)", platform_s);
        bad = 1;
    }
    if (!bad && unify && !truth_path) {
        calla_err("--unify needs --truth");
        bad = 1;
    }
    if (!bad && kind != FEAT_CLAIR3_FA && (fa_rows >= 0 || no_phasing)) {
        calla_err("--fa-rows and --no-phasing need --features clair3-fa");
        bad = 1;
    }
    if (!bad && kind == FEAT_CLAIR3_FA && dump) {
        calla_err("--dump-counts writes pileup counts; it does not take --features clair3-fa");
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
    scan_params_compat(&prm, compat);  // validated above
    if (have_excl) prm.excl_flags = excl_flags;
    if (drop_improper) prm.drop_improper = 1;
    if (nv_ratio < 0) nv_ratio = kind == FEAT_CLAIR3_PILEUP ? 5 : kind == FEAT_CLAIR3_FA ? 1 : 2;
    const int is_fa = kind == FEAT_CLAIR3_FA;
    if (fa_rows < 0)
        fa_rows = platform == PLATFORM_ONT ? TF_FA_ROWS_ONT
                  : platform == PLATFORM_HIFI ? TF_FA_ROWS_HIFI : TF_FA_ROWS_ILMN;
    FaParams fa_prm;
    fa_params_default(&fa_prm, (int)fa_rows);
    fa_prm.min_mapq = prm.min_mapq;
    fa_prm.seed = (uint64_t)seed;
    if (no_phasing) fa_prm.read_hp = NULL;
    const int n_chan = is_fa ? (int)fa_rows * TF_FA_CHAN_PER_ROW : feature_kind_nchan(kind);
    const FeatureKind label_kind = is_fa ? FEAT_CLAIR3_PILEUP : kind;

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
    int n_regs = 0;

    ins[0] = scan_inputs_open(bam_path, ref_path);
    if (!ins[0]) goto out;
    {
        int rc = regions_build(ins[0], region_args, n_region_args, bed_path, &regs, &n_regs);
        if (rc == -2) { ret = CALLA_EXIT_USAGE; goto out; }
        if (rc < 0) goto out;
    }

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
        if (!conf_path)
            calla_warn("no --confident BED: every covered position is treated as confident, so "
                       "candidates away from truth variants are labelled non-variant");
        // Confident intervals on contigs the BAM lacks cover nothing: say so once.
        const BedRegions *cb = truth_confident(truth);
        int absent = 0;
        const char *first = NULL;
        for (int i = 0; cb && i < cb->n_contigs; i++)
            if (scan_inputs_tid(ins[0], cb->contigs[i].name) < 0) {
                if (!absent++) first = cb->contigs[i].name;
            }
        if (absent)
            calla_warn("%d contig(s) of the confident BED \"%s\" are not in \"%s\" (e.g. \"%s\"); "
                       "their intervals are ignored",
                       absent, conf_path, bam_path, first);
    }
    for (long t = 1; t < threads; t++) {
        ins[t] = scan_inputs_open(bam_path, ref_path);
        if (!ins[t]) goto out;
    }

    // Chunks, numbered in region order.
    size_t n_chunks = 0;
    int64_t total_pos = 0;
    chunks = regions_chunks(regs, n_regs, chunk, &n_chunks, &total_pos);

    int nc = scan_inputs_ncontigs(ins[0]);
    cnames = xcalloc(nc ? nc : 1, sizeof *cnames);
    clens = xcalloc(nc ? nc : 1, sizeof *clens);
    for (int t = 0; t < nc; t++) {
        cnames[t] = (char *)scan_inputs_contig_name(ins[0], t);
        clens[t] = scan_inputs_contig_len(ins[0], t);
    }
    cmdline = cmdline_without_threads(argc, argv);
    TensorFileMeta meta = {kind, TF_NPOS, n_chan, feature_kind_nlabels(kind),
                           tensorfile_record_bytes_nchan(kind, n_chan), nc, cnames, clens,
                           (char *)platform_name(platform), cmdline};
    w = tensorwriter_open(out_path, &meta);
    if (!w) goto out;

    int nl = feature_kind_nlabels(kind), nf = TF_NPOS * n_chan;
    // clair3-fa tensors live in ChunkOut.fa_feat (kept records only), not in the records
    size_t rec_bytes = (sizeof(RecHead) + 4 * (size_t)nl + (is_fa ? 0 : 2 * (size_t)nf) + 7) &
                       ~(size_t)7;
    outs = xcalloc(2 * (size_t)threads, sizeof *outs);
    Run run;
    memset(&run, 0, sizeof run);
    RuParams ru_prm;
    ru_params_default(&ru_prm);
    ru_prm.min_af = prm.snp_af < prm.indel_af ? prm.snp_af : prm.indel_af;
    run.job = (Job){prm, truth, nv_ratio, (uint64_t)seed, unify ? &ru_prm : NULL, is_fa, fa_prm, nf};
    run.ins = ins, run.w = w, run.rec_bytes = rec_bytes, run.nl = nl, run.nf = nf;
    run.kind = label_kind;
    run.fa16 = is_fa ? xmalloc(sizeof(int16_t) * (size_t)nf) : NULL;
    if (is_fa) {
        run.fa_bufs = xcalloc((size_t)threads, sizeof *run.fa_bufs);
        for (long t = 0; t < threads; t++) run.fa_bufs[t] = fa_readbuf_new();
    }
    run.total_pos = total_pos;
    progress_init(&run.prog, 1.0);
    int failed = chunks_run(chunks, n_chunks, (int)threads, outs, sizeof *outs, run_work, run_sink,
                            &run) < 0;
    Progress prog = run.prog;
    free(run.fa16);
    if (run.fa_bufs)
        for (long t = 0; t < threads; t++) fa_readbuf_free(run.fa_bufs[t]);
    free(run.fa_bufs);
    if (unify && !failed) {
        const RuCounts *k = &run.ru;
        calla_info("representation unification: %ld candidate(s) locked to a truth site; %ld "
                   "group(s) with truth and candidates: %ld matched, %ld unmatched, %ld skipped; "
                   "%ld label(s) changed (%ld now variant, %ld now non-variant; %ld of them "
                   "unlabelled before)",
                   k->st.locked, k->st.groups, k->st.matched, k->st.unmatched, k->st.skipped,
                   k->changed, k->to_variant, k->to_nonvariant, k->was_unlabelled);
    }
    long n_written = run.n_written, n_cand = run.n_cand;
    long sat = 0;
    for (long t = 0; t < threads; t++) sat += scan_inputs_saturated(ins[t]);
    if (sat)
        calla_warn("%ld feature values exceeded the int16 range and were saturated", sat);
    if (truth) {
        long no_gt, excl;
        truth_skip_counts(truth, &no_gt, &excl);
        if (no_gt || excl)
            calla_warn("truth VCF \"%s\": %ld record(s) without a genotype skipped, %ld "
                       "unrepresentable record(s) (symbolic ALT, lone '*', polyploid GT) excluded",
                       truth_path, no_gt, excl);
    }
    if (failed) {
        tensorwriter_abort(w);
        w = NULL;
        goto out;
    }
    int rc = tensorwriter_close(w);
    w = NULL;
    if (rc < 0) goto out;
    double dt = now_seconds() - prog.start;
    calla_info("done: %lld positions in %.2f s (%.0f positions/s, %.0f candidates/s), %ld "
               "candidates, %ld records written to \"%s\"",
               (long long)total_pos, dt, dt > 0 ? total_pos / dt : 0.0,
               dt > 0 ? n_cand / dt : 0.0, n_cand, n_written, out_path);
    if (is_fa)
        calla_info("clair3-fa: %d rows x 33 x 8 per tensor, %s, %ld reads decoded (%.0f records/s)",
                   (int)fa_rows, no_phasing ? "unphased (--no-phasing)" : "HP from the reads' HP tags",
                   run.fa_reads, dt > 0 ? n_written / dt : 0.0);
    ret = 0;
out:
    if (w) tensorwriter_abort(w);
    if (outs)
        for (size_t i = 0; i < 2 * (size_t)threads; i++) {
            ru_clear(&outs[i]);
            free(outs[i].data);
            free(outs[i].ru_c);
            free(outs[i].ru_al);
            free(outs[i].fa_feat);
            free(outs[i].fa_pos);
        }
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
