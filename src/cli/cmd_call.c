// cmd_call.c — `calla call`: BAM + reference + model -> bgzipped, tabix-indexed VCF.
//
// The regions are split into fixed chunks (reads/regions.h); each worker thread owns a
// ScanInputs, a copy of the model and a reference handle, scans a chunk for candidates exactly as
// `calla tensors` does (same ScanParams), runs the model on batches of --batch candidates taken
// in chunk order, decides the genotypes and keeps the chunk's calls; the calls are written in
// chunk order. Batches never span chunks, so the samples of every forward pass, and therefore the
// output, are the same for any -@. Memory: one chunk's calls plus one batch per thread.
//
// Under MPI (mpirun -np N calla call ...; docs/distributed.md) rank r takes the contiguous chunks
// [r*n/N, (r+1)*n/N) of the same chunk list and runs them on its own -@ threads. Rank 0 writes its
// calls straight into the VCF; the other ranks keep theirs serialised in memory and send them to
// rank 0 in rank order once they are done, so the records arrive in chunk order and the VCF (and
// its index) is byte-identical to a one-process run. A rank that fails ends the whole job.
//
// --shard I/N (calling/shard.h, docs/distributed.md "Shards"): only the contiguous chunks of shard
// I of N (balanced by positions) are called, by one process or split again over MPI ranks; the
// VCF is complete and indexed, its header has a ##calla_shard line, and `calla merge-shards`
// concatenates the N shards into the records of a one-process run.
//
// --gvcf (one process only; with --shard, each shard's gVCF starts with one-position blocks that
// merge-shards rejoins): each chunk also gets the reference confidence of every position
// (calling/refconf.h, a second pileup pass); the sink feeds variants, the model's reference calls
// and those positions, in order, to the block writer (calling/gvcf.h).
//
// The cascade (--fa-model, or a shipped <platform>-fa model; calling/cascade.h, docs/calling.md
// "The cascade"): the chunk's reads are also buffered during its scan, every candidate keeps its
// call (reference calls included) and its read evidence until the chunk's pileup calls are done;
// then the chunk's low-quality share goes through the full-alignment model, whose decisions
// replace those calls, and the het calls are phased. All of it inside call_work, per chunk.
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <htslib/faidx.h>
#include <htslib/hts.h>
#include <htslib/sam.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "calling/cascade.h"
#include "calling/genotype.h"
#include "calling/genotype_fa.h"
#include "calling/gq_calib.h"
#include "calling/genotype_clairvoyante.h"
#include "calling/genotype_pl.h"
#include "calling/gvcf.h"
#include "calling/overlap.h"
#include "calling/refconf.h"
#include "calling/shard.h"
#include "calling/shipped.h"
#include "calling/vcf_writer.h"
#include "cli/commands.h"
#include "common/blas.h"
#include "common/util.h"
#include "cuda/cuda_backend.h"
#include "network/model.h"
#include "network/gemm.h"
#include "network/infer.h"
#include "network/infer_bf16.h"
#include "reads/candidates.h"
#include "reads/regions.h"
#include "tensors/features_pileup.h"
#include "training/modelfile.h"
#include "training/dist.h"
#include "training/safetensors.h"

#define DEFAULT_CHUNK 100000
// --join-gap defaults (docs/calling.md "Regions and phasing"): about what one read (Illumina: one
// read pair) can bridge, so that het SNPs on either side of a gap end up in one phase set
#define JOIN_GAP_ILMN 1000
#define JOIN_GAP_LONG 10000
// Candidates per forward pass: small on the CPU, where a batch's activations should stay in
// cache (batch 128: 95 MB per thread and faster than 1000's 400 MB; docs/calling.md), large on
// a GPU, where the batch is the parallelism.
#define DEFAULT_BATCH 128
#define DEFAULT_BATCH_CUDA 1000
#define MAX_ENSEMBLE 3  // --ensemble models besides -m

// Reference bases the cascade reads beyond each side of a chunk: 32 for the phasing and
// full-alignment windows, and a span-check stretch (calling/spancheck.h) of a call at the chunk's
// edge.
#define CASCADE_PAD (32 + SPANCHK_MAX_WIN)

static void usage(FILE *fp) {
    fprintf(fp,
            "Usage: calla call -b in.bam -f ref.fa (--platform ilmn|hifi|ont | -m MODEL) -o calls.vcf.gz [options]\n"
            "Calls germline variants at candidate sites with a trained model.\n\n"
            "Input/output:\n"
            "  -b, --bam FILE            coordinate-sorted, indexed BAM/CRAM\n"
            "  -f, --ref, --fasta-ref FILE  reference FASTA with .fai\n"
            "  -m, --model MODEL         a model file (.safetensors) from `calla train`, or the name of a\n"
            "                            shipped model (ilmn, hifi, ont, clairvoyante-ilmn; `calla model\n"
            "                            --list`) [the shipped model of --platform]\n"
            "  -o, --output FILE         output VCF/BCF, written atomically; \"-\": stdout\n"
            "  -O, --output-type v|z|b|u VCF, bgzipped VCF (+ .tbi), BCF (+ .csi), uncompressed BCF\n"
            "                            [from the name: .vcf v, .vcf.gz z, .bcf b; stdout v]\n"
            "  --gvcf FILE               also write a gVCF (reference blocks, <*>; type from the name)\n"
            "  -r, --region, --regions REG  chr, chr:beg[-[end]] or {chr}:beg-end (samtools, 1-based,\n"
            "                            inclusive, commas allowed); repeatable\n"
            "  -R, --regions-file BED    regions from a BED file (.bed or .bed.gz; 0-based, half-open)\n"
            "  -@, --threads N           worker threads [1]; the output does not depend on N\n"
            "  --shard I/N               call only shard I (1..N) of N: contiguous work chunks balanced\n"
            "                            by positions; merge the N VCFs with `calla merge-shards`\n"
            "  --sample NAME             sample name [the BAM's @RG SM, else the BAM file name]\n"
            "  --quiet                   no progress or information lines (warnings and errors only)\n"
            "Calling:\n"
            "  --platform ilmn|hifi|ont  picks the shipped model; must match the model's platform [the model's]\n"
            "  --qual Q                  FILTER LowQual below QUAL Q [2]\n"
            "  --ensemble MODEL          also run this model (same architecture, features and platform\n"
            "                            as -m) and decide from the mean of their output probabilities;\n"
            "                            repeatable (up to %d); CPU only; GQ is then uncalibrated\n"
            "  --ref-calls               also write reference calls (FILTER RefCall)\n"
            "  --haploid-contigs LIST    comma-separated contigs called haploid (e.g. chrX,chrY,chrM)\n"
            "  --haploid-mode precise|sensitive  het probabilities dropped (precise) or given to the\n"
            "                            ALT (sensitive) on haploid contigs [precise]\n"
            "  --batch N                 candidates per forward pass [%d; %d with --device cuda]\n"
            "  --device cpu|cuda|cuda:N  run the model on the CPU or on a GPU [cpu] (docs/cuda.md)\n"
            "  --precision P             matrix products: on the CPU fp32, bf16 (AVX-512-BF16, else\n"
            "                            emulated: slow) or auto (bf16 where the CPU has it, else\n"
            "                            fp32); with --device cuda fp32, tf32 or bf16 [fp32]\n"
            "Candidates (defaults from the platform, as in `calla tensors`):\n"
            "  --snp-af F                minimum SNP allele frequency\n"
            "  --indel-af F              minimum indel allele frequency\n"
            "  --min-depth N             minimum depth at the candidate [2]\n"
            "  --min-mapq N              drop reads with MAPQ below N [5]\n"
            "  --compat MODE             tensors and read filters as `calla tensors --compat`\n"
            "                            [the model's metadata pileup_compat, else calla]\n"
            "Full-alignment cascade (docs/calling.md \"The cascade\"):\n"
            "  --fa-model FILE           a clair3-fa model: the pileup calls of low QUAL are called again\n"
            "                            by it [the shipped <platform>-fa model when the pileup model is a\n"
            "                            shipped one and it exists; else none: pileup only]\n"
            "  --pileup-only             no cascade, even with a shipped full-alignment model\n"
            "  --var-pct-full F          share of each chunk's variant calls (lowest QUAL) sent to the\n"
            "                            full-alignment model [ont 0.7, hifi/ilmn 0.3]\n"
            "  --ref-pct-full F          the same for its reference calls [ont 0.1, hifi/ilmn 0.3]\n"
            "  --fa-scope all|indel      which full-alignment decisions replace the pileup call: all,\n"
            "                            or only where either call has an indel (SNP and reference\n"
            "                            calls stay the pileup model's) [hifi all; ilmn, ont indel]\n"
            "  --fa-het-p P              where the pileup model called the reference, a full-alignment\n"
            "                            het call of a 1-2 bp indel needs reads that fit a het:\n"
            "                            P(k or fewer of DP | 1/2) >= P, k = the reads with any\n"
            "                            insertion (deletion) there, DP capped at 100; 0: off [0.001]\n"
            "  --hap-p P                 without a full-alignment model (ont): reads phased per chunk,\n"
            "                            phased GTs, and a het indel whose ALT reads do not follow the\n"
            "                            haplotypes (Fisher p > P, >= 10 phased reads) gets FILTER\n"
            "                            HapNoise; 1: off (no phasing either) [ont 0.05]\n"
            "  --span-check F            with the cascade: indel calls in repeats checked against the\n"
            "                            reads spanning the repeat: 0/1 or 1/1 becomes 1/2 where they\n"
            "                            show a second indel allele, 1/1 becomes 0/1 where they fit\n"
            "                            REF, 0/1 becomes 1/1 where all but F spell the ALT; each\n"
            "                            needs --span-check-min reads and F of them (not in\n"
            "                            homopolymer runs of 8+); INFO/SPANCHK; 0: off [0.2]\n"
            "  --span-check-min N        reads the span check needs for REF or a second ALT [5]\n"
            "  --no-phasing-for-fa       no read phasing: haplotype channel unknown, no phased GTs\n"
            "  --join-gap N              where reads are phased: -r/-R regions at most N bases apart\n"
            "                            are worked on as one span, so that the reads between them\n"
            "                            phase too; calls in the gaps are not written; 0: off\n"
            "                            [ilmn %d, hifi/ont %d]\n"
            "  --fa-sites FILE           write the sites sent to the full-alignment model, with its\n"
            "                            outputs (tab-separated text; not with MPI)\n"
            "Debugging:\n"
            "  --chunk-size N            positions per work chunk [%d] (the cascade works per chunk)\n"
            "  --progress-interval S     seconds between progress lines [10; 1 on a terminal]\n"
            "  -h, --help                this help\n",
            MAX_ENSEMBLE, DEFAULT_BATCH, DEFAULT_BATCH_CUDA, JOIN_GAP_ILMN, JOIN_GAP_LONG,
            DEFAULT_CHUNK);
}

// A candidate kept until its batch has been through the model (features already converted).
typedef struct {
    Candidate c;  // indels and their sequences owned; features NULL
} Pending;

typedef struct {
    Call *calls;
    size_t n, cap;
    long n_cand;
    RefConf *rc;  // --gvcf: reference confidence of every position of the chunk
    size_t rc_cap;
    Candidate *cand;  // the cascade: the candidate of each call (cand[i] for calls[i])
    size_t cand_cap;
    kstring_t sites;  // --fa-sites lines of the chunk
    long n_fa, n_fa_changed, n_phased;  // the cascade: calls sent, calls changed, calls phased
    long n_fa_het;                      // full-alignment het calls --fa-het-p turned down
    long n_hapnoise;                    // het indel calls the haplotype check filtered
    long n_spanchk, n_spanchk12, n_spanchk11;  // indel calls the span check changed; to 1/2; to 1/1
} ChunkCalls;

typedef struct {
    Model model;
    int loaded;
    Model ens[MAX_ENSEMBLE];  // --ensemble: n_ens more models (CPU only)
    int n_ens;
    float *avg;  // [batch, n_out]: the mean of the models' outputs
    CudaModel *cm;  // --device cuda: the model on the GPU (docs/cuda.md), else NULL
    ScanInputs *in;
    RefConfReader *rcr;  // --gvcf
    faidx_t *fai;
    float *x;  // [batch, n_in]: the batch being filled (--device cuda: a page-locked input slot)
    Pending *pend;  // its candidates
    int n_pend;
    // --device cuda: two slots; while the device runs the batch of slot `inflight` (n_inflight
    // candidates, pendv[inflight]), this thread scans on and fills slot `slot`
    float *xcpu;  // the CPU path's input buffer
    Pending *pendv[2];
    int slot, inflight, n_inflight;
    // the current chunk
    const Chunk *ch;
    ChunkCalls *out;
    const char *ref;  // chunk reference from chunk beg, upper case (cascade: from beg - CASCADE_PAD)
    int64_t ref_beg, ref_len;
    int err;
    // the cascade
    Model fa;
    int fa_loaded;
    CudaModel *cfa;  // --device cuda: the full-alignment model on the GPU, else NULL
    CascadeWorker *cw;
} Worker;

typedef struct {
    Worker *w;
    int threads, batch, ref_calls, max_ctx;
    double min_qual;
    ScanParams prm;
    const int *ref_index;  // BAM tid -> reference (header) contig index
    const char *haploid;   // BAM tid -> 1 when listed in --haploid-contigs
    HaploidMode haploid_mode;
    const GqCalib *gqcal;  // the model's gq_calibration, else NULL
    int quiet;
    size_t fail_at;  // CALLA_TEST_FAIL_AT_CHUNK (tests): fail after sinking this many chunks
    int fail_hang;   // CALLA_TEST_FAIL_MODE=hang: wait there for a signal instead
    size_t n_sunk;
    VcfWriter *vcf;  // rank 0 only
    GvcfBlocks *gvcf;  // --gvcf (one process only), else NULL
    // --shard with --gvcf: positions [.., fine_end) of contig fine_tid (the shard's first max_ctx
    // positions) get one-position blocks, so that `calla merge-shards` can drop those a deletion
    // of the previous shard covers and join the rest into the one-process blocks (calling/shard.h)
    int fine_tid;
    int64_t fine_end;
    kstring_t shard;  // ranks > 0: serialised calls (see shard_put)
    Progress prog;
    int prog_shown;  // a progress line was written (a terminal needs its final newline)
    int64_t done_pos, total_pos;
    long n_cand, n_written, n_pass;
    HomDelSpan homdel;  // calls inside a homozygous deletion (calling/overlap.h), in output order
    long n_overlap;
    // the cascade (fa != 0)
    int fa;
    CascadeParams cp;
    const GqCalib *fa_gqcal;  // the full-alignment model's gq_calibration, else NULL
    int fa_indel_only;        // --fa-scope indel: SNP/reference decisions stay the pileup model's
    double fa_het_p;          // --fa-het-p (genotype_fa.h)
    FILE *sites;              // --fa-sites
    long n_fa, n_fa_changed, n_phased, n_fa_het;
    int hap_only;  // the cascade without a full-alignment model: phasing and the haplotype check
    long n_hapnoise, n_spanchk, n_spanchk12, n_spanchk11;
} CallRun;

static void pending_free(Pending *p) {
    for (int i = 0; i < p->c.n_indels; i++) free(p->c.indels[i].seq);
    free(p->c.indels);
    memset(p, 0, sizeof *p);
}

static void push_call(ChunkCalls *o, Call *c) {
    if (o->n == o->cap) {
        o->cap = o->cap ? 2 * o->cap : 64;
        o->calls = xrealloc(o->calls, o->cap * sizeof *o->calls);
    }
    o->calls[o->n++] = *c;
    memset(c, 0, sizeof *c);
}

// The cascade: the candidate of the call just pushed (taken over from p).
static void push_cand(ChunkCalls *o, Pending *p) {
    if (o->cand_cap < o->cap) {
        o->cand_cap = o->cap;
        o->cand = xrealloc(o->cand, o->cand_cap * sizeof *o->cand);
    }
    o->cand[o->n - 1] = p->c;
    memset(p, 0, sizeof *p);
}

static void cands_free(ChunkCalls *o, size_t n) {
    for (size_t i = 0; i < n; i++) {
        Pending p = {o->cand[i]};
        pending_free(&p);
    }
}

// A reference call at the candidate (no outcome of the model could be realised from the reads).
static void ref_call(Call *call, const Candidate *c, char source) {
    memset(call, 0, sizeof *call);
    call->pos = c->pos;
    call->ref = xmalloc(2);
    call->ref[0] = c->ref, call->ref[1] = 0;
    call->dp = c->depth;
    call->ad[0] = c->ref_count;
    call->filter = FILTER_REFCALL;
    call->source = source;
}

// The reference from pos on, up to run->max_ctx bases (less at the end of the worker's
// reference), NUL-terminated into rbuf (max_ctx + 1 bytes): the context a genotype decision reads.
static void ref_context(const CallRun *run, const Worker *w, int64_t pos, char *rbuf) {
    int64_t off = pos - w->ref_beg, avail = w->ref_len - off;
    if (avail > run->max_ctx) avail = run->max_ctx;
    if (avail < 0) avail = 0;
    memcpy(rbuf, w->ref + off, (size_t)avail);
    rbuf[avail] = 0;
}

// Decides the genotypes of n candidates from the model's outputs (n x n_out probabilities) and
// frees the candidates.
static void genotype_batch(CallRun *run, Worker *w, const float *out, Pending *pend, int n) {
    Model *m = &w->model;
    char *rbuf = xmalloc((size_t)run->max_ctx + 1);
    for (int k = 0; k < n; k++) {
        const Candidate *c = &pend[k].c;
        const float *p = out + (size_t)k * m->n_out;
        ref_context(run, w, c->pos, rbuf);
        Call call;
        int rc = m->arch == ARCH_CLAIR3_PILEUP
                     ? genotype_clair3(p, c, rbuf, run->min_qual, &call)
                     : genotype_clairvoyante(p, c, rbuf, run->min_qual, &call);
        if (rc < 0) {
            // No outcome the reads support: a reference call.
            call_free(&call);
            if ((!run->ref_calls && !run->gvcf && !run->fa) || base_code(c->ref) < 0) continue;
            ref_call(&call, c, m->arch == ARCH_CLAIR3_PILEUP ? 'P' : 'V');
        }
        HaploidMode hm = run->haploid[c->tid] ? run->haploid_mode : HAPLOID_OFF;
        if (base_code(c->ref) >= 0)
            call_set_likelihoods(&call, m->arch == ARCH_CLAIR3_PILEUP ? GL_CLAIR3 : GL_CLAIRVOYANTE,
                                 p, c->ref, hm, run->min_qual);
        if (run->gqcal) call.gq = call_gq(gq_calib_apply(run->gqcal, call.gq_phred));
        if (call.filter == FILTER_REFCALL && !run->ref_calls) {
            if (!run->gvcf && !run->fa) {
                call_free(&call);
                continue;
            }
            call.vcf_skip = 1;  // kept for the gVCF (and the cascade) only
        }
        push_call(w->out, &call);
        if (run->fa) push_cand(w->out, &pend[k]);
    }
    free(rbuf);
    for (int k = 0; k < n; k++) pending_free(&pend[k]);
}

// --device cuda: the outputs of the batch in flight (waits for it), genotyped.
static void collect_inflight(CallRun *run, Worker *w) {
    if (w->inflight < 0) return;
    const float *out = cuda_infer_wait(w->cm, w->inflight);
    genotype_batch(run, w, out, w->pendv[w->inflight], w->n_inflight);
    w->inflight = -1, w->n_inflight = 0;
}

// Points w->x / w->pend at the slot to fill next.
static void use_slot(Worker *w, int k) {
    float *labels;
    w->slot = k;
    cuda_batch_slot(w->cm, k, &w->x, &labels);  // waits until the slot's last upload read it
    w->pend = w->pendv[k];
}

// Runs the model on the pending candidates and decides their genotypes. On the CPU at once; on
// a GPU the batch is enqueued, the previous batch's results are collected, and this thread goes
// on scanning (filling the other slot) while the device computes (drain: collect it too).
static void flush(CallRun *run, Worker *w, int drain) {
    if (!w->cm) {
        if (w->n_pend == 0) return;
        model_forward(&w->model, w->x, NULL, w->n_pend, 0);
        const float *out = w->model.out;
        if (w->n_ens) {  // --ensemble: the mean of the output probabilities, head by head
            const size_t n = (size_t)w->n_pend * w->model.n_out;
            memcpy(w->avg, w->model.out, n * sizeof *w->avg);
            for (int k = 0; k < w->n_ens; k++) {
                model_forward(&w->ens[k], w->x, NULL, w->n_pend, 0);
                for (size_t i = 0; i < n; i++) w->avg[i] += w->ens[k].out[i];
            }
            const float inv = 1.0f / (float)(w->n_ens + 1);
            for (size_t i = 0; i < n; i++) w->avg[i] *= inv;
            out = w->avg;
        }
        genotype_batch(run, w, out, w->pend, w->n_pend);
        w->n_pend = 0;
        return;
    }
    if (w->n_pend > 0) {
        const int k = w->slot;
        cuda_batch_upload_inputs(w->cm, k, w->n_pend);
        cuda_infer_enqueue(w->cm, &w->model, k);
        collect_inflight(run, w);  // the batch before (calls stay in order)
        w->inflight = k, w->n_inflight = w->n_pend;
        w->n_pend = 0;
        use_slot(w, k ^ 1);
    }
    if (drain) collect_inflight(run, w);
}

typedef struct {
    CallRun *run;
    Worker *w;
} EmitCtx;

static int emit(const Candidate *c, void *ud) {
    EmitCtx *e = ud;
    Worker *w = e->w;
    Model *m = &w->model;
    if (chunk_covers(w->ch, c->pos)) w->out->n_cand++;  // not those of a gap (--join-gap)
    Pending *p = &w->pend[w->n_pend];
    p->c = *c;
    p->c.features = NULL;
    p->c.indels = c->n_indels ? xmalloc(c->n_indels * sizeof *c->indels) : NULL;
    for (int i = 0; i < c->n_indels; i++) {
        p->c.indels[i] = c->indels[i];
        p->c.indels[i].seq = xstrdup(c->indels[i].seq);
    }
    model_input_from_features(m, c->features, w->x + (size_t)w->n_pend * m->n_pos * m->n_chan);
    if (++w->n_pend == e->run->batch) flush(e->run, w, 0);
    return 0;
}

// ---- the cascade ----

typedef struct {
    CallRun *run;
    Worker *w;
    const Chunk *ch;
} DecideCtx;

// An allele of the call changes the length (REF or an ALT longer than one base): an indel.
static int call_has_indel(const Call *c) {
    size_t r = strlen(c->ref);
    for (int a = 0; a < c->n_alt; a++)
        if (strlen(c->alt[a]) != r || r != 1) return 1;
    return 0;
}

// CascadeForwardFn for --device cuda: the full-alignment model's pass on the GPU (fills fa->out).
static void fa_forward_cuda(void *ud, Model *fa, const float *x, int B) {
    cuda_model_forward((CudaModel *)ud, fa, x, NULL, B, 0);
}

// The full-alignment model's decision for call i of the chunk (CascadeDecideFn).
static void fa_decide(void *ud, size_t i, const float *p, int n_reads) {
    DecideCtx *d = ud;
    CallRun *run = d->run;
    Worker *w = d->w;
    ChunkCalls *o = w->out;
    const Candidate *c = &o->cand[i];
    char *rbuf = xmalloc((size_t)run->max_ctx + 1);
    ref_context(run, w, c->pos, rbuf);
    Call *old = &o->calls[i], call;
    if (genotype_clair3_fa(p, c, rbuf, run->min_qual, run->prm.snp_af, &call) < 0) {
        call_free(&call);
        ref_call(&call, c, 'F');
    }
    free(rbuf);
    HaploidMode hm = run->haploid[c->tid] ? run->haploid_mode : HAPLOID_OFF;
    call_set_likelihoods(&call, GL_CLAIR3, p, c->ref, hm, run->min_qual);  // gt21 x zygosity
    if (run->fa_gqcal) call.gq = call_gq(gq_calib_apply(run->fa_gqcal, call.gq_phred));
    if (call.filter == FILTER_REFCALL && !run->ref_calls) call.vcf_skip = 1;  // the site goes
    // which call the VCF keeps: the full-alignment one, or the pileup one by --fa-het-p or
    // --fa-scope indel
    enum { KEEP_FA, KEEP_HET_P, KEEP_SCOPE } kept = KEEP_FA;
    static const char *const kept_name[] = {"fa", "pileup:het-p", "pileup:scope"};
    if (cascade_is_ref(old) && fa_het_unsupported(&call, c, run->fa_het_p)) kept = KEEP_HET_P;
    else if (run->fa_indel_only && !call_has_indel(old) && !call_has_indel(&call))
        kept = KEEP_SCOPE;
    if (run->sites) {
        kstring_t *ks = &o->sites;
        ksprintf(ks, "%s\t%lld\t%s\t%.2f\t%s\t%s\t%s\t", scan_inputs_contig_name(w->in, c->tid),
                 (long long)c->pos + 1, cascade_is_ref(old) ? "ref" : "var", old->qual, call.ref,
                 call.n_alt ? call.alt[0] : ".", call.n_alt > 1 ? call.alt[1] : ".");
        if (call.haploid) ksprintf(ks, "%d", call.gt[0]);
        else ksprintf(ks, "%d/%d", call.gt[0], call.gt[1]);
        ksprintf(ks, "\t%.2f\t%d\t", call.qual, n_reads);
        for (int k = 0; k < w->fa.n_out; k++) ksprintf(ks, k ? ",%.6g" : "%.6g", p[k]);
        ksprintf(ks, "\t%s\n", kept_name[kept]);
    }
    o->n_fa++;
    if (kept != KEEP_FA) {
        if (kept == KEEP_HET_P) o->n_fa_het++;
        call_free(&call);  // the pileup model's call stays
        return;
    }
    int same = old->n_alt == call.n_alt && old->gt[0] == call.gt[0] && old->gt[1] == call.gt[1] &&
               !strcmp(old->ref, call.ref);
    for (int a = 0; same && a < call.n_alt; a++) same = !strcmp(old->alt[a], call.alt[a]);
    if (!same) o->n_fa_changed++;
    call_free(old);
    *old = call;
}

// The cascade on the chunk just called by the pileup model.
static int cascade_run_chunk(CallRun *run, Worker *w, const Chunk *ch) {
    ChunkCalls *o = w->out;
    DecideCtx d = {run, w, ch};
    unsigned char *active = NULL;  // joined regions: the calls outside them only help to phase
    if (ch->iv) {
        active = xmalloc(o->n ? o->n : 1);
        for (size_t i = 0; i < o->n; i++) active[i] = (unsigned char)chunk_covers(ch, o->calls[i].pos);
    }
    CascadeChunk cc = {ch->tid, ch->beg, ch->end, w->ref, w->ref_beg, w->ref_len, o->calls, o->n,
                       fa_decide, &d, active};
    CascadeStats st;
    int rc = cascade_chunk(w->cw, &run->cp, &cc, &st);
    o->n_phased = st.n_phased_calls;
    o->n_hapnoise = st.n_hapnoise;
    o->n_spanchk = st.n_spanchk, o->n_spanchk12 = st.n_spanchk12, o->n_spanchk11 = st.n_spanchk11;
    free(active);
    return rc;
}

// Joined regions (--join-gap): drops the calls at positions outside the regions (the gaps). A
// phase set named after a het SNP in a gap is renamed after its first call kept (PS is the
// 1-based position of the block's first record); phase sets never span chunks, so this is local.
static void drop_gap_calls(const Chunk *ch, ChunkCalls *o) {
    if (!ch->iv) return;
    size_t k = 0;
    for (size_t i = 0; i < o->n; i++) {
        if (chunk_covers(ch, o->calls[i].pos)) o->calls[k++] = o->calls[i];
        else call_free(&o->calls[i]);
    }
    o->n = k;
    // calls are in position order: the first kept call of a phase set named after a gap position
    // names it from here on
    for (size_t i = 0; i < o->n; i++) {
        Call *c = &o->calls[i];
        if (!c->phased || chunk_covers(ch, (int64_t)c->ps - 1)) continue;
        const int32_t old = c->ps, now = (int32_t)(c->pos + 1);
        for (size_t j = i; j < o->n; j++)
            if (o->calls[j].phased && o->calls[j].ps == old) o->calls[j].ps = now;
    }
}

static int call_work(void *ud, int thread, const Chunk *ch, void *slot) {
    CallRun *run = ud;
    Worker *w = &run->w[thread];
    ChunkCalls *o = slot;
    o->n = 0;
    o->n_cand = 0;
    o->n_fa = o->n_fa_changed = o->n_phased = o->n_fa_het = o->n_hapnoise = o->n_spanchk = 0;
    o->n_spanchk12 = o->n_spanchk11 = 0;
    o->sites.l = 0;
    w->out = o;
    w->ch = ch;
    const char *name = scan_inputs_contig_name(w->in, ch->tid);
    int64_t clen = scan_inputs_contig_len(w->in, ch->tid);
    int64_t rend = ch->end + run->max_ctx;
    if (rend > clen) rend = clen;
    // the cascade: CASCADE_PAD more bases each side of the chunk (phasing windows, full-alignment
    // windows, and the span check's stretches, which reach past a call by the repeat's length)
    int64_t rbeg = run->fa ? (ch->beg > CASCADE_PAD ? ch->beg - CASCADE_PAD : 0) : ch->beg;
    if (run->fa && rend < ch->end + CASCADE_PAD)
        rend = ch->end + CASCADE_PAD > clen ? clen : ch->end + CASCADE_PAD;
    hts_pos_t len = 0;
    char *ref = faidx_fetch_seq64(w->fai, name, rbeg, rend - 1, &len);
    if (!ref || len != rend - rbeg) {
        calla_err("failed to read %s:%lld-%lld from reference \"%s\"", name,
                  (long long)rbeg + 1, (long long)rend, scan_inputs_ref_path(w->in));
        free(ref);
        return -1;
    }
    for (hts_pos_t i = 0; i < len; i++)
        if (ref[i] >= 'a' && ref[i] <= 'z') ref[i] = (char)(ref[i] - 'a' + 'A');
    w->ref = ref, w->ref_beg = rbeg, w->ref_len = len;
    EmitCtx e = {run, w};
    int rc;
    if (run->fa) {  // the reads reaching the full-alignment windows of the chunk's positions
        cascade_reads_reset(w->cw, ch->beg - 16, ch->end + 17);
        rc = scan_region_reads(w->in, &run->prm, ch->tid, ch->beg, ch->end, NULL, 0, emit, &e,
                               cascade_reads_add, w->cw);
    } else {
        rc = scan_region(w->in, &run->prm, ch->tid, ch->beg, ch->end, NULL, 0, emit, &e);
    }
    if (rc == 0 && w->rcr) {
        size_t n = (size_t)(ch->end - ch->beg);
        if (o->rc_cap < n) {
            o->rc = xrealloc(o->rc, n * sizeof *o->rc);
            o->rc_cap = n;
        }
        // ref starts at rbeg (CASCADE_PAD bases before the chunk with the cascade); refconf wants
        // ch->beg
        rc = refconf_region(w->rcr, ch->tid, ch->beg, ch->end, ref + (ch->beg - rbeg),
                            run->prm.min_mapq, run->haploid[ch->tid], o->rc);
    }
    if (rc == 0) flush(run, w, 1);
    if (rc == 0 && run->fa) rc = cascade_run_chunk(run, w, ch);
    if (run->fa) {
        cands_free(o, o->n);
        cascade_reads_reset(w->cw, 0, 0);
    }
    drop_gap_calls(ch, o);
    if (w->cm && w->inflight >= 0) {  // after an error: let the device finish, drop its batch
        cuda_infer_wait(w->cm, w->inflight);
        for (int k = 0; k < w->n_inflight; k++) pending_free(&w->pendv[w->inflight][k]);
        w->inflight = -1, w->n_inflight = 0;
    }
    for (int k = 0; k < w->n_pend; k++) pending_free(&w->pend[k]);
    w->n_pend = 0;
    free(ref);
    w->ref = NULL;
    return rc < 0 ? -1 : 0;
}

// A call as bytes for the trip to rank 0: int32 contig, the Call struct with its pointers
// cleared, then REF and each ALT as uint32 length + bytes.
static void shard_put_str(kstring_t *ks, const char *str) {
    uint32_t n = (uint32_t)strlen(str);
    kputsn((const char *)&n, sizeof n, ks);
    kputsn(str, n, ks);
}

static void shard_put(kstring_t *ks, int contig, const Call *c) {
    Call flat = *c;
    flat.ref = NULL, flat.alt[0] = flat.alt[1] = NULL;
    int32_t ct = contig;
    kputsn((const char *)&ct, sizeof ct, ks);
    kputsn((const char *)&flat, sizeof flat, ks);
    shard_put_str(ks, c->ref);
    for (int a = 0; a < c->n_alt; a++) shard_put_str(ks, c->alt[a]);
}

static int shard_get_str(const char *buf, size_t n, size_t *at, char **out) {
    uint32_t len;
    if (n - *at < sizeof len) return -1;
    memcpy(&len, buf + *at, sizeof len);
    *at += sizeof len;
    if (n - *at < len) return -1;
    *out = xmalloc(len + 1);
    memcpy(*out, buf + *at, len);
    (*out)[len] = 0;
    *at += len;
    return 0;
}

// Writes the calls of one rank's shard; returns 0, or -1 (error printed).
static int shard_write(CallRun *run, const char *buf, size_t n, int from) {
    size_t at = 0;
    while (at < n) {
        int32_t ct;
        Call c;
        if (n - at < sizeof ct + sizeof c) goto bad;
        memcpy(&ct, buf + at, sizeof ct);
        memcpy(&c, buf + at + sizeof ct, sizeof c);
        at += sizeof ct + sizeof c;
        int n_alt = c.n_alt;
        c.ref = c.alt[0] = c.alt[1] = NULL;
        c.n_alt = 0;
        if (n_alt < 0 || n_alt > 2 || shard_get_str(buf, n, &at, &c.ref) < 0) {
            call_free(&c);
            goto bad;
        }
        for (; c.n_alt < n_alt; c.n_alt++)
            if (shard_get_str(buf, n, &at, &c.alt[c.n_alt]) < 0) {
                call_free(&c);
                goto bad;
            }
        // rank 0's own share came first: the span it left carries over, as in one process
        if (homdel_filter(&run->homdel, ct, &c)) run->n_pass--, run->n_overlap++;
        int rc = vcfwriter_write(run->vcf, ct, &c);
        call_free(&c);
        if (rc < 0) return -1;
    }
    return 0;
bad:
    calla_err("malformed calls received from rank %d (byte %zu of %zu)", from, at, n);
    return -1;
}

// gvcf_ref, then (--shard: the shard's first positions) the block closed at once.
static int gvcf_ref_at(CallRun *run, const Chunk *ch, int contig, int64_t p, char ref, int dp,
                       int gq, const int *pl, int n_pl, int hap) {
    if (gvcf_ref(run->gvcf, contig, p, ref, dp, gq, pl, n_pl, hap) < 0) return -1;
    if (ch->tid == run->fine_tid && p < run->fine_end) return gvcf_flush(run->gvcf);
    return 0;
}

// --gvcf: the chunk's positions in order: variant records, reference calls of the model (their
// likelihoods) and the other positions (reference confidence) into blocks.
static int gvcf_chunk(CallRun *run, const Chunk *ch, const ChunkCalls *o) {
    int contig = run->ref_index[ch->tid], hap = run->haploid[ch->tid];
    size_t ci = 0;
    for (int64_t p = ch->beg; p < ch->end; p++) {
        if (ch->iv && !chunk_covers(ch, p)) continue;  // a gap between joined regions
        int done = 0;
        for (; ci < o->n && o->calls[ci].pos <= p; ci++) {
            const Call *c = &o->calls[ci];
            if (c->pos < p) continue;
            if (c->n_alt > 0) {
                if (gvcf_variant(run->gvcf, contig, c) < 0) return -1;
            } else if (!done) {
                if (gvcf_ref_at(run, ch, contig, p, c->ref[0], c->dp, c->gq, c->pl_star,
                                c->n_pl_star, hap) < 0)
                    return -1;
            }
            done = 1;
        }
        if (done) continue;
        const RefConf *r = &o->rc[p - ch->beg];
        int pl[3] = {r->pl[0], r->pl[1], r->pl[2]};
        if (gvcf_ref_at(run, ch, contig, p, r->ref, r->dp, r->gq, pl, hap ? 2 : 3, hap) < 0)
            return -1;
    }
    return 0;
}

static void format_hms(char *buf, size_t n, double s) {
    if (!(s >= 0) || s > 1e8) {
        snprintf(buf, n, "--:--:--");
        return;
    }
    long t = lround(s);
    snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
}

// One progress line: percent of the positions, elapsed time and ETA (linear in positions). On a
// terminal the line is rewritten in place (\r); otherwise one line per --progress-interval.
static void progress_line(CallRun *run, int final) {
    double dt = now_seconds() - run->prog.start;
    double f = run->total_pos > 0 ? (double)run->done_pos / run->total_pos : 1.0;
    char el[32], eta[32];
    format_hms(el, sizeof el, dt);
    format_hms(eta, sizeof eta, f > 0 ? dt * (1.0 - f) / f : -1.0);
    fprintf(stderr, "%s[calla call] progress %5.1f%% (%lld/%lld positions), %ld candidates, %ld records, elapsed %s, ETA %s%s",
            run->prog.tty ? "\r" : "", 100.0 * f, (long long)run->done_pos, (long long)run->total_pos,
            run->n_cand, run->n_written, el, eta, run->prog.tty && !final ? "" : "\n");
    fflush(stderr);
}

static int call_sink(void *ud, const Chunk *ch, void *slot) {
    CallRun *run = ud;
    ChunkCalls *o = slot;
    int rc = 0;
    if (run->sites && o->sites.l && fwrite(o->sites.s, 1, o->sites.l, run->sites) != o->sites.l) {
        calla_err("failed to write --fa-sites: %s", strerror(errno));
        rc = -1;
    }
    run->n_fa += o->n_fa, run->n_fa_changed += o->n_fa_changed, run->n_phased += o->n_phased;
    run->n_fa_het += o->n_fa_het;
    run->n_hapnoise += o->n_hapnoise;
    run->n_spanchk += o->n_spanchk, run->n_spanchk12 += o->n_spanchk12;
    run->n_spanchk11 += o->n_spanchk11;
    // FILTER Overlap where the output is written in order; the other MPI ranks leave it to rank 0,
    // which checks their calls as it writes them (shard_write), so the output is one process's
    if (run->vcf)
        for (size_t i = 0; i < o->n; i++)
            run->n_overlap += homdel_filter(&run->homdel, run->ref_index[ch->tid], &o->calls[i]);
    if (rc == 0 && run->gvcf) rc = gvcf_chunk(run, ch, o);
    for (size_t i = 0; i < o->n; i++) {
        if (o->calls[i].vcf_skip) {
            call_free(&o->calls[i]);
            continue;
        }
        if (rc == 0) {
            if (run->vcf)
                rc = vcfwriter_write(run->vcf, run->ref_index[ch->tid], &o->calls[i]);
            else
                shard_put(&run->shard, run->ref_index[ch->tid], &o->calls[i]);
            run->n_written++;
            if (o->calls[i].filter == FILTER_PASS) run->n_pass++;
        }
        call_free(&o->calls[i]);
    }
    o->n = 0;
    if (rc == 0 && run->fail_at && ++run->n_sunk == run->fail_at) {
        while (run->fail_hang) pause();  // a job killed mid-run (SIGTERM/SIGKILL)
        calla_err("test failure after %zu chunk(s) (CALLA_TEST_FAIL_AT_CHUNK)", run->n_sunk);
        rc = -1;
    }
    run->n_cand += o->n_cand;
    run->done_pos += chunk_positions(ch);
    if (rc == 0 && !run->quiet && dist_rank() == 0 && run->done_pos < run->total_pos &&
        progress_due(&run->prog)) {
        progress_line(run, 0);
        run->prog_shown = 1;
    }
    return rc < 0 ? -1 : 0;
}

// The sample name: --sample, else @RG SM of the BAM (the first one; a warning when read groups
// disagree), else the BAM file name without directory and extension.
// 1 when a and b name the same file: the real path of each one's directory plus its base name
// (the files need not exist yet); "-" (stdout) is no file.
static int same_file(const char *a, const char *b) {
    if (!a || !b || !strcmp(a, "-") || !strcmp(b, "-")) return 0;
    if (!strcmp(a, b)) return 1;
    char *r[2] = {NULL, NULL};
    for (int k = 0; k < 2; k++) {
        const char *p = k ? b : a, *sl = strrchr(p, '/');
        char *dir = sl ? xstrdup(p) : xstrdup(".");
        if (sl) dir[sl - p == 0 ? 1 : sl - p] = 0;  // "/x" -> "/"
        char *rd = realpath(dir, NULL);
        free(dir);
        if (!rd) break;
        const char *base = sl ? sl + 1 : p;
        size_t n = strlen(rd) + strlen(base) + 2;
        r[k] = xmalloc(n);
        snprintf(r[k], n, "%s/%s", rd, base);
        free(rd);
    }
    int same = r[0] && r[1] && !strcmp(r[0], r[1]);
    if (!same && r[0] && r[1]) {  // hard or symbolic links to one existing file
        struct stat sa, sb;
        same = stat(r[0], &sa) == 0 && stat(r[1], &sb) == 0 && sa.st_dev == sb.st_dev &&
               sa.st_ino == sb.st_ino;
    }
    free(r[0]);
    free(r[1]);
    return same;
}

static char *sample_name(const char *bam_path, const char *opt) {
    char *sm = NULL;
    samFile *fp = sam_open(bam_path, "r");
    sam_hdr_t *h = fp ? sam_hdr_read(fp) : NULL;
    if (h) {
        int n = sam_hdr_count_lines(h, "RG");
        for (int i = 0; i < n; i++) {
            kstring_t ks = {0, 0, NULL};
            if (sam_hdr_find_tag_pos(h, "RG", i, "SM", &ks) == 0) {
                if (!sm) sm = xstrdup(ks.s);
                else if (!opt && strcmp(sm, ks.s) != 0)
                    calla_warn("\"%s\" has read groups of several samples; using \"%s\"", bam_path,
                               sm);
            }
            free(ks.s);
        }
        sam_hdr_destroy(h);
    }
    if (fp) sam_close(fp);
    if (opt) {  // --sample overrides SM (bcftools' --samples-file renaming, DeepVariant's --sample_name)
        free(sm);
        return xstrdup(opt);
    }
    if (sm) return sm;
    const char *b = strrchr(bam_path, '/');
    b = b ? b + 1 : bam_path;
    sm = xstrdup(b);
    char *dot = strrchr(sm, '.');
    if (dot && dot != sm) *dot = 0;
    return sm;
}

// Reads the model's metadata and checks it against the command: feature kind of the
// architecture, platform. Returns 0 or -1 (error printed); *platform set.
static int check_model_meta(const StFile *f, const char *platform_opt, Platform *platform,
                            char **desc) {
    const char *an = st_meta(f, "architecture"), *fk = st_meta(f, "feature_kind");
    const char *pl = st_meta(f, "platform");
    ModelArch arch;
    if (!an || model_arch_parse(an, &arch) < 0) {
        calla_err("\"%s\" is not a calla model: metadata \"architecture\" is %s", f->path,
                  an ? an : "missing");
        return -1;
    }
    if (arch == ARCH_CLAIR3_FA) {  // the second stage of the cascade, not a first one
        calla_err("model \"%s\" is a clair3-fa (full-alignment) model: give it with --fa-model, "
                  "and a pileup model with -m or --platform", f->path);
        return -1;
    }
    const char *want = feature_kind_name(model_arch_feature_kind(arch));
    if (!fk || strcmp(fk, want) != 0) {
        calla_err("model \"%s\": feature_kind \"%s\" does not match its %s architecture (needs %s)",
                  f->path, fk ? fk : "(missing)", an, want);
        return -1;
    }
    if (pl && !pl[0]) pl = NULL;
    if (pl && platform_parse(pl, platform) < 0) {
        calla_err("model \"%s\" has an unknown platform \"%s\"", f->path, pl);
        return -1;
    }
    if (platform_opt) {
        Platform p;
        if (platform_parse(platform_opt, &p) < 0) {
            calla_err("unknown platform \"%s\" (ilmn, hifi or ont)", platform_opt);
            return -2;
        }
        if (pl && p != *platform) {
            calla_err("--platform %s differs from the platform \"%s\" the model \"%s\" was trained on",
                      platform_opt, pl, f->path);
            return -1;
        }
        *platform = p;
    } else if (!pl) {
        calla_err("model \"%s\" records no platform: give --platform", f->path);
        return -1;
    }
    kstring_t s = {0, 0, NULL};
    const char *ver = st_meta(f, "calla_version");
    ksprintf(&s, "file=%s,architecture=%s,feature_kind=%s,platform=%s,calla_version=%s", f->path,
             an, fk, platform_name(*platform), ver ? ver : "unknown");
    *desc = s.s;
    return 0;
}

// Checks the --fa-model file against the pileup model's platform. Returns 0 or -1 (error printed).
static int check_fa_meta(const StFile *f, Platform platform, const char *pileup_file) {
    const char *an = st_meta(f, "architecture"), *pl = st_meta(f, "platform");
    ModelArch arch;
    if (!an || model_arch_parse(an, &arch) < 0) {
        calla_err("\"%s\" is not a calla model: metadata \"architecture\" is %s", f->path,
                  an ? an : "missing");
        return -1;
    }
    if (arch != ARCH_CLAIR3_FA) {
        calla_err("--fa-model \"%s\" is a %s model, not a full-alignment (clair3-fa) one", f->path,
                  an);
        return -1;
    }
    Platform p;
    if (pl && *pl && (platform_parse(pl, &p) < 0 || p != platform)) {
        calla_err("full-alignment model \"%s\" is for platform \"%s\", the pileup model \"%s\" "
                  "for %s", f->path, pl, pileup_file, platform_name(platform));
        return -1;
    }
    return 0;
}

// Reference contigs in .fai order, and the reference index of every BAM contig (-1 if absent).
typedef struct {
    int n;
    char **names;
    int64_t *lens;
} RefContigs;

static int name_idx_cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

// Whole-BAM calling: a BAM contig that has reads but is absent from the reference means the BAM
// and the reference do not match (an error); contigs without reads (e.g. the rest of a genome when
// the reference is one chromosome) are skipped with a warning by regions_build. "Has reads": the
// index returns at least one record for the contig (works for BAM and CRAM alike).
static int check_bam_contigs(const ScanInputs *in) {
    const char *bam_path = scan_inputs_bam_path(in);
    int nb = scan_inputs_ncontigs(in), any = 0, bad = -1;
    for (int t = 0; t < nb; t++)
        if (!scan_inputs_contig_in_ref(in, t)) any = 1;
    if (!any) return 0;
    samFile *fp = sam_open(bam_path, "r");
    sam_hdr_t *h = fp ? sam_hdr_read(fp) : NULL;
    hts_idx_t *idx = h ? sam_index_load(fp, bam_path) : NULL;
    bam1_t *b = bam_init1();
    for (int t = 0; t < nb && bad < 0; t++) {
        if (scan_inputs_contig_in_ref(in, t)) continue;
        hts_itr_t *itr = idx ? sam_itr_queryi(idx, t, 0, HTS_POS_MAX) : NULL;
        // A read error (< -1) counts as "has reads": better a clear error than a silent skip.
        int r = itr ? sam_itr_next(fp, itr, b) : 0;
        if (!itr || r >= 0 || r < -1) bad = t;
        hts_itr_destroy(itr);
    }
    bam_destroy1(b);
    if (idx) hts_idx_destroy(idx);
    if (h) sam_hdr_destroy(h);
    if (fp) sam_close(fp);
    if (bad < 0) return 0;
    calla_err("contig \"%s\" of \"%s\" has reads but is absent from reference \"%s\" (wrong "
              "reference?)",
              scan_inputs_contig_name(in, bad), bam_path, scan_inputs_ref_path(in));
    return -1;
}

enum {
    OPT_SAMPLE = 1000, OPT_PLATFORM, OPT_QUAL, OPT_REF_CALLS, OPT_BATCH, OPT_SNP_AF, OPT_INDEL_AF,
    OPT_MIN_DEPTH, OPT_MIN_MAPQ, OPT_CHUNK, OPT_GVCF, OPT_QUIET, OPT_HAPLOID, OPT_HAPLOID_MODE,
    OPT_PROGRESS
};
enum { OPT_DEVICE = 1100, OPT_PRECISION };  // --device, --precision (docs/cuda.md)
enum { OPT_COMPAT = 1200 };                  // --compat (docs/tensors.md "Clair3 parity")
enum { OPT_SHARD = 1300 };                   // --shard I/N (calling/shard.h)
enum {                                       // the cascade (calling/cascade.h)
    OPT_FA_MODEL = 1400, OPT_PILEUP_ONLY, OPT_VAR_PCT, OPT_REF_PCT, OPT_NO_PHASING_FA, OPT_FA_SITES,
    OPT_FA_SCOPE, OPT_FA_HET_P, OPT_HAP_P, OPT_JOIN_GAP, OPT_SPAN_CHECK, OPT_SPAN_CHECK_MIN
};
enum { OPT_ENSEMBLE = 1500 };  // --ensemble MODEL

// --ensemble: loads the n models into every worker after checking that each matches the -m
// model (architecture, feature kind and platform through check_model_meta, the same tensor
// compatibility mode, the same input and output shapes) and notes them in desc. 0 or -1.
static int load_ensemble(Worker *ws, long threads, int batch, const StFile *main_st,
                         Platform platform, const char *const *paths, int n, char **desc) {
    const char *arch0 = st_meta(main_st, "architecture"), *compat0 = st_meta(main_st, "pileup_compat");
    for (int k = 0; k < n; k++) {
        char *file = shipped_model_resolve(paths[k], platform_name(platform));
        if (!file) return -1;
        StFile se;
        if (st_open(&se, file) < 0) {
            free(file);
            return -1;
        }
        Platform p = platform;
        char *d = NULL;
        int rc = check_model_meta(&se, NULL, &p, &d);
        if (rc == 0 && p != platform) {
            calla_err("--ensemble \"%s\" was trained for %s, -m \"%s\" is called as %s", file,
                      platform_name(p), main_st->path, platform_name(platform));
            rc = -1;
        }
        const char *arch = st_meta(&se, "architecture"), *compat = st_meta(&se, "pileup_compat");
        // no pileup_compat means the calla encoding, as an explicit "calla" does
        const char *c1 = compat && *compat ? compat : "calla", *c0 = compat0 && *compat0 ? compat0 : "calla";
        if (rc == 0 && strcmp(arch, arch0) != 0) {
            calla_err("--ensemble \"%s\" is a %s model, -m \"%s\" a %s one", file, arch,
                      main_st->path, arch0);
            rc = -1;
        }
        if (rc == 0 && strcmp(c1, c0) != 0) {
            calla_err("--ensemble \"%s\" has pileup_compat \"%s\", -m \"%s\" \"%s\" (tensors "
                      "would differ)",
                      file, c1, main_st->path, c0);
            rc = -1;
        }
        for (long t = 0; rc == 0 && t < threads; t++) {
            Model *m = &ws[t].ens[k], *m0 = &ws[t].model;
            if (modelfile_load_st(&se, m, batch, 0) < 0) {
                rc = -1;
                break;
            }
            ws[t].n_ens = k + 1;
            if (m->n_pos != m0->n_pos || m->n_chan != m0->n_chan || m->n_out != m0->n_out) {
                calla_err("--ensemble \"%s\": input %dx%d and %d outputs, -m \"%s\": %dx%d and %d",
                          file, m->n_pos, m->n_chan, m->n_out, main_st->path, m0->n_pos,
                          m0->n_chan, m0->n_out);
                rc = -1;
            }
        }
        if (rc == 0) {
            kstring_t ds = {0, 0, NULL};
            ksprintf(&ds, "%s; ensemble (mean of the output probabilities, GQ uncalibrated) with %s",
                     *desc, d);
            free(*desc);
            *desc = ds.s;
        }
        free(d);
        st_close(&se);
        free(file);
        if (rc < 0) return -1;
    }
    for (long t = 0; t < threads; t++)
        ws[t].avg = xmalloc((size_t)batch * ws[t].model.n_out * sizeof *ws[t].avg);
    return 0;
}

int main_call(int argc, char **argv) {
    calla_set_cmd("call");
    static const struct option lopts[] = {
        {"bam", required_argument, NULL, 'b'},
        {"ref", required_argument, NULL, 'f'},
        {"fasta-ref", required_argument, NULL, 'f'},
        {"model", required_argument, NULL, 'm'},
        {"output", required_argument, NULL, 'o'},
        {"output-type", required_argument, NULL, 'O'},
        {"gvcf", required_argument, NULL, OPT_GVCF},
        {"quiet", no_argument, NULL, OPT_QUIET},
        {"haploid-contigs", required_argument, NULL, OPT_HAPLOID},
        {"haploid-mode", required_argument, NULL, OPT_HAPLOID_MODE},
        {"progress-interval", required_argument, NULL, OPT_PROGRESS},
        {"region", required_argument, NULL, 'r'},
        {"regions", required_argument, NULL, 'r'},
        {"regions-file", required_argument, NULL, 'R'},
        {"threads", required_argument, NULL, '@'},
        {"help", no_argument, NULL, 'h'},
        {"sample", required_argument, NULL, OPT_SAMPLE},
        {"platform", required_argument, NULL, OPT_PLATFORM},
        {"qual", required_argument, NULL, OPT_QUAL},
        {"ref-calls", no_argument, NULL, OPT_REF_CALLS},
        {"batch", required_argument, NULL, OPT_BATCH},
        {"snp-af", required_argument, NULL, OPT_SNP_AF},
        {"indel-af", required_argument, NULL, OPT_INDEL_AF},
        {"min-depth", required_argument, NULL, OPT_MIN_DEPTH},
        {"min-mapq", required_argument, NULL, OPT_MIN_MAPQ},
        {"chunk-size", required_argument, NULL, OPT_CHUNK},
        {"device", required_argument, NULL, OPT_DEVICE},
        {"precision", required_argument, NULL, OPT_PRECISION},
        {"compat", required_argument, NULL, OPT_COMPAT},
        {"shard", required_argument, NULL, OPT_SHARD},
        {"fa-model", required_argument, NULL, OPT_FA_MODEL},
        {"ensemble", required_argument, NULL, OPT_ENSEMBLE},
        {"pileup-only", no_argument, NULL, OPT_PILEUP_ONLY},
        {"var-pct-full", required_argument, NULL, OPT_VAR_PCT},
        {"ref-pct-full", required_argument, NULL, OPT_REF_PCT},
        {"no-phasing-for-fa", no_argument, NULL, OPT_NO_PHASING_FA},
        {"fa-scope", required_argument, NULL, OPT_FA_SCOPE},
        {"fa-het-p", required_argument, NULL, OPT_FA_HET_P},
        {"hap-p", required_argument, NULL, OPT_HAP_P},
        {"join-gap", required_argument, NULL, OPT_JOIN_GAP},
        {"span-check", required_argument, NULL, OPT_SPAN_CHECK},
        {"span-check-min", required_argument, NULL, OPT_SPAN_CHECK_MIN},
        {"fa-sites", required_argument, NULL, OPT_FA_SITES},
        {NULL, 0, NULL, 0}};
    const char *bam_path = NULL, *ref_path = NULL, *model_path = NULL, *out_path = NULL;
    const char *bed_path = NULL, *sample_opt = NULL, *platform_s = NULL, *gvcf_path = NULL;
    const char *haploid_s = NULL;
    char out_type = 0, gvcf_type = 0;
    int quiet = 0;
    HaploidMode haploid_mode = HAPLOID_PRECISE;
    double progress_interval = -1;
    char **region_args = xcalloc(argc + 1, sizeof(char *));
    int n_region_args = 0, ref_calls = 0, c, bad = 0;
    long threads = 1, batch = -1, chunk = DEFAULT_CHUNK, min_depth = -1, min_mapq = -1;
    long join_gap = -1;  // --join-gap; -1: the platform's
    double qual = 2, snp_af = -1, indel_af = -1;
    int device = -1;     // --device: -1 CPU, else the CUDA device
    int precision = -1;  // --precision (GPU only): 0 fp32, 1 tf32, 2 bf16; -1 not given
    const char *compat_s = NULL;  // --compat, else the model's metadata pileup_compat
    char compat_m[16] = "calla";
    int shard_i = 0, shard_n = 0;  // --shard I/N; 0: the whole run
    const char *fa_model_path = NULL, *fa_sites_path = NULL;
    const char *ens_path[MAX_ENSEMBLE];
    int n_ens = 0;
    int pileup_only = 0, no_phasing_fa = 0, fa_scope = -1;  // fa_scope: -1 the platform's
    double fa_het_p = FA_HET_P_DEFAULT, hap_p = HAP_P_DEFAULT;
    double span_frac = -1;  // --span-check; -1: the default (cascade.h)
    long span_min = -1;     // --span-check-min
    int hap_p_given = 0;
    double var_pct = -1, ref_pct = -1;
    optind = 1;
    while ((c = getopt_long(argc, argv, "b:f:m:o:O:r:R:@:h", lopts, NULL)) != -1) {
        long v;
        double d;
        switch (c) {
        case 'b': bam_path = optarg; break;
        case 'f': ref_path = optarg; break;
        case 'm': model_path = optarg; break;
        case 'o': out_path = optarg; break;
        case 'O':
            if (strlen(optarg) != 1 || !strchr("vzbu", optarg[0])) {
                calla_err("bad output type \"%s\" (v, z, b or u)", optarg);
                bad = 1;
            } else out_type = optarg[0];
            break;
        case OPT_GVCF: gvcf_path = optarg; break;
        case OPT_QUIET: quiet = 1; break;
        case OPT_HAPLOID: haploid_s = optarg; break;
        case OPT_HAPLOID_MODE:
            if (strcmp(optarg, "precise") && strcmp(optarg, "sensitive")) {
                calla_err("bad haploid mode \"%s\" (precise or sensitive)", optarg);
                bad = 1;
            } else haploid_mode = optarg[0] == 'p' ? HAPLOID_PRECISE : HAPLOID_SENSITIVE;
            break;
        case OPT_PROGRESS:
            if (parse_double(optarg, &d) < 0 || d < 0) {
                calla_err("bad value \"%s\" for --progress-interval", optarg);
                bad = 1;
            } else progress_interval = d;
            break;
        case 'r': region_args[n_region_args++] = optarg; break;
        case 'R': bed_path = optarg; break;
        case '@':
            if (parse_int(optarg, &threads) < 0 || threads < 1 || threads > 1024) {
                calla_err("bad thread count \"%s\"", optarg);
                bad = 1;
            }
            break;
        case 'h': usage(stdout); free(region_args); return 0;
        case OPT_SAMPLE: sample_opt = optarg; break;
        case OPT_PLATFORM: platform_s = optarg; break;
        case OPT_REF_CALLS: ref_calls = 1; break;
        case OPT_QUAL: case OPT_SNP_AF: case OPT_INDEL_AF:
            if (parse_double(optarg, &d) < 0 || d < 0 || (c != OPT_QUAL && d > 1)) {
                calla_err("bad value \"%s\" for --%s", optarg,
                          c == OPT_QUAL ? "qual" : c == OPT_SNP_AF ? "snp-af" : "indel-af");
                bad = 1;
            } else if (c == OPT_QUAL) qual = d;
            else if (c == OPT_SNP_AF) snp_af = d;
            else indel_af = d;
            break;
        case OPT_BATCH: case OPT_MIN_DEPTH: case OPT_MIN_MAPQ: case OPT_CHUNK: case OPT_JOIN_GAP:
            if (parse_int(optarg, &v) < 0 || v < 0 ||
                ((c == OPT_BATCH || c == OPT_CHUNK) && v < 1) || (c == OPT_BATCH && v > 1000000)) {
                calla_err("bad integer \"%s\"", optarg);
                bad = 1;
            } else if (c == OPT_BATCH) batch = v;
            else if (c == OPT_MIN_DEPTH) min_depth = v;
            else if (c == OPT_MIN_MAPQ) min_mapq = v;
            else if (c == OPT_JOIN_GAP) join_gap = v;
            else chunk = v;
            break;
        case OPT_DEVICE:
            if (calla_device_parse(optarg, &device) < 0) {
                calla_err("bad device \"%s\" (cpu, cuda or cuda:N)", optarg);
                bad = 1;
            }
            break;
        case OPT_PRECISION:
            if (strcmp(optarg, "fp32") && strcmp(optarg, "tf32") && strcmp(optarg, "bf16") &&
                strcmp(optarg, "auto")) {
                calla_err("bad precision \"%s\" (fp32, bf16 or auto; tf32 with --device cuda)",
                          optarg);
                bad = 1;
            } else precision = optarg[0] == 'f' ? 0 : optarg[0] == 't' ? 1 : optarg[0] == 'b' ? 2 : 3;
            break;
        case OPT_COMPAT:
            compat_s = optarg;
            if (strcmp(optarg, "calla") && strcmp(optarg, "clair3") && strcmp(optarg, "clair3-c") &&
                strcmp(optarg, "clair3-mpileup")) {
                calla_err("unknown --compat \"%s\" (calla, clair3, clair3-c or clair3-mpileup)", optarg);
                bad = 1;
            }
            break;
        case OPT_SHARD:
            if (shard_parse(optarg, &shard_i, &shard_n) < 0) {
                calla_err("bad --shard \"%s\" (I/N with 1 <= I <= N, e.g. 2/8)", optarg);
                bad = 1;
            }
            break;
        case OPT_FA_MODEL: fa_model_path = optarg; break;
        case OPT_ENSEMBLE:
            if (n_ens == MAX_ENSEMBLE) {
                calla_err("--ensemble: at most %d models besides -m", MAX_ENSEMBLE);
                bad = 1;
            } else ens_path[n_ens++] = optarg;
            break;
        case OPT_PILEUP_ONLY: pileup_only = 1; break;
        case OPT_NO_PHASING_FA: no_phasing_fa = 1; break;
        case OPT_FA_SCOPE:
            if (!strcmp(optarg, "all")) fa_scope = 0;
            else if (!strcmp(optarg, "indel")) fa_scope = 1;
            else {
                calla_err("bad value \"%s\" for --fa-scope (all or indel)", optarg);
                bad = 1;
            }
            break;
        case OPT_FA_SITES: fa_sites_path = optarg; break;
        case OPT_SPAN_CHECK:
            if (parse_double(optarg, &d) < 0 || !(d >= 0 && d <= 1)) {
                calla_err("bad value \"%s\" for --span-check (a share of reads, 0 to 1; 0: off)",
                          optarg);
                bad = 1;
            } else span_frac = d;
            break;
        case OPT_SPAN_CHECK_MIN:
            if (parse_int(optarg, &v) < 0 || v < 1 || v > 1000000) {
                calla_err("bad value \"%s\" for --span-check-min (reads, at least 1)", optarg);
                bad = 1;
            } else span_min = v;
            break;
        case OPT_HAP_P:
            if (parse_double(optarg, &d) < 0 || !(d >= 0 && d <= 1)) {
                calla_err("bad value \"%s\" for --hap-p (a probability, 0 to 1)", optarg);
                bad = 1;
            } else hap_p = d, hap_p_given = 1;
            break;
        case OPT_FA_HET_P:
            if (parse_double(optarg, &d) < 0 || !(d >= 0 && d <= 1)) {
                calla_err("bad value \"%s\" for --fa-het-p (a probability, 0 to 1)", optarg);
                bad = 1;
            } else fa_het_p = d;
            break;
        case OPT_VAR_PCT: case OPT_REF_PCT:
            if (parse_double(optarg, &d) < 0 || !(d >= 0 && d <= 1)) {
                calla_err("bad value \"%s\" for --%s (a share in [0, 1])", optarg,
                          c == OPT_VAR_PCT ? "var-pct-full" : "ref-pct-full");
                bad = 1;
            } else if (c == OPT_VAR_PCT) var_pct = d;
            else ref_pct = d;
            break;
        default: bad = 1; break;
        }
    }
    if (!bad && pileup_only && fa_model_path) {
        calla_err("--pileup-only and --fa-model exclude each other");
        bad = 1;
    }
    if (!bad && n_ens && device >= 0) {
        calla_err("--ensemble runs on the CPU only (not with --device cuda)");
        bad = 1;
    }
    if (!bad && precision == 1 && device < 0) {
        calla_err("--precision tf32 applies to --device cuda only (CPU: fp32, bf16 or auto)");
        bad = 1;
    }
    if (!bad && precision == 3 && device >= 0) {
        calla_err("--precision auto applies to the CPU (--device cuda: fp32, tf32 or bf16)");
        bad = 1;
    }
    if (!bad && optind < argc) {
        calla_err("unexpected argument \"%s\"", argv[optind]);
        bad = 1;
    }
    if (!bad && (!bam_path || !ref_path || !out_path)) {
        calla_err("-b BAM, -f FASTA and -o OUTPUT are required");
        bad = 1;
    }
    if (!bad && !model_path && !platform_s) {
        calla_err("give --platform (to use its shipped model) or -m MODEL");
        bad = 1;
    }
    if (!bad && !out_type && vcf_type_from_name(out_path, &out_type) < 0) {
        calla_err("output \"%s\": unknown type (name it .vcf, .vcf.gz or .bcf, or give -O)",
                  out_path);
        bad = 1;
    }
    if (!bad && gvcf_path &&
        (strcmp(gvcf_path, "-") == 0 || vcf_type_from_name(gvcf_path, &gvcf_type) < 0)) {
        calla_err("--gvcf \"%s\": name a file ending in .g.vcf.gz, .vcf.gz, .vcf or .bcf", gvcf_path);
        bad = 1;
    }
    if (!bad && gvcf_path && same_file(gvcf_path, out_path)) {
        calla_err("--gvcf \"%s\" and -o \"%s\" name the same file", gvcf_path, out_path);
        bad = 1;
    }
    for (int k = 0; !bad && k < 2; k++) {  // never overwrite an input
        const char *o = k ? gvcf_path : out_path;
        if (o && (same_file(o, bam_path) || same_file(o, ref_path))) {
            calla_err("%s \"%s\" names an input file", k ? "--gvcf" : "-o", o);
            bad = 1;
        }
    }
    if (!bad && sample_opt && (!*sample_opt || strpbrk(sample_opt, "\t\n\r"))) {
        calla_err(*sample_opt ? "bad --sample: a VCF sample name has no tab or newline"
                              : "bad --sample \"\": give a sample name");
        bad = 1;
    }
    Platform platform = PLATFORM_ILMN;
    if (!bad && platform_s && platform_parse(platform_s, &platform) < 0) {
        calla_err("unknown platform \"%s\" (ilmn, hifi or ont)", platform_s);
        bad = 1;
    }
    if (bad) {
        fprintf(stderr, "see `calla call --help`\n");
        free(region_args);
        return CALLA_EXIT_USAGE;
    }
    if (device >= 0 && cuda_device_check(device) < 0) {  // e.g. "built without CUDA"
        free(region_args);
        return CALLA_EXIT_RUNTIME;
    }
    if (batch < 0) batch = device >= 0 ? DEFAULT_BATCH_CUDA : DEFAULT_BATCH;
    hts_set_log_level(HTS_LOG_OFF);  // our own one-line errors name the file and the problem
    // From here on every rank of an MPI job runs the same code; a failure ends the whole job.
    dist_init(&argc, &argv, "call", 0);
    const int W = dist_world(), R = dist_rank();
    if (gvcf_path && W > 1) {
        if (R == 0) calla_err("--gvcf is not supported with MPI (run one process)");
        dist_finalize();
        free(region_args);
        return CALLA_EXIT_USAGE;
    }

    int ret = CALLA_EXIT_RUNTIME;
    StFile st;
    int st_ok = 0;
    char *desc = NULL, *sample = NULL, *cmdline = NULL, *model_file = NULL;
    GqCalib gqcal, fa_gqcal;
    int has_gqcal = 0, has_fa_gqcal = 0;
    char *fa_file = NULL;
    AtomicOut sites_out = {NULL, NULL};
    int sites_open = 0;
    CallRun run;
    memset(&run, 0, sizeof run);
    homdel_init(&run.homdel);
    Worker *ws = xcalloc(threads, sizeof *ws);
    Region *regs = NULL;
    int n_regs = 0;
    Chunk *chunks = NULL;
    ChunkCalls *slots = NULL;
    int *ref_index = NULL;
    RefContigs rc_ = {0, NULL, NULL};
    VcfWriter *vcf = NULL, *gvcf = NULL;
    GvcfBlocks blocks;
    char *haploid = NULL;

    // The model first: a wrong model is the cheapest thing to detect.
    model_file = shipped_model_resolve(model_path, platform_s);
    if (!model_file || st_open(&st, model_file) < 0) goto out;
    st_ok = 1;
    if (check_model_meta(&st, platform_s, &platform, &desc) < 0) goto out;
    if (!compat_s && st_meta(&st, "pileup_compat"))
        snprintf(compat_m, sizeof compat_m, "%s", st_meta(&st, "pileup_compat"));
    // --ensemble: the map was fitted to the model alone, not to the mean of several
    if (!n_ens && st_meta(&st, "gq_calibration") && *st_meta(&st, "gq_calibration")) {  // "": none
        char why[160];
        if (gq_calib_parse(st_meta(&st, "gq_calibration"), &gqcal, why, sizeof why) < 0) {
            calla_err("model \"%s\": bad gq_calibration metadata: %s", model_file, why);
            goto out;
        }
        has_gqcal = 1;
        kstring_t d = {0, 0, NULL};
        ksprintf(&d, "%s, GQ calibrated (%d knots)", desc, gqcal.n);
        free(desc);
        desc = d.s;
    }
    for (long t = 0; t < threads; t++) {
        if (modelfile_load_st(&st, &ws[t].model, (int)batch, 0) < 0) goto out;
        ws[t].loaded = 1;
        if (device >= 0 &&
            !(ws[t].cm = cuda_model_new(&ws[t].model, device, precision < 0 ? 0 : precision)))
            goto out;
    }
    if (n_ens && load_ensemble(ws, threads, (int)batch, &st, platform, ens_path, n_ens, &desc) < 0)
        goto out;
    if (device < 0) {  // CPU inference arithmetic (network/infer.h)
        InferPrecision ip = precision == 2 ? INFER_BF16 : precision == 3 ? INFER_AUTO : INFER_FP32;
        ip = infer_precision_resolve(ip);
        if (ip == INFER_BF16 && ws[0].model.arch != ARCH_CLAIR3_PILEUP) {
            if (precision == 2) {
                calla_err("--precision bf16: the %s model computes in fp32 only (clair3-pileup has "
                          "a bf16 path)", model_arch_name(ws[0].model.arch));
                goto out;
            }
            ip = INFER_FP32;
        }
        // CALLA_BF16_EMULATE=1: the scalar emulation even where the instruction exists (tests, bench)
        const char *emu = getenv("CALLA_BF16_EMULATE");
        const int simd = bf16_simd_available() && !(emu && strcmp(emu, "1") == 0);
        for (long t = 0; t < threads; t++)
            for (int k = -1; k < ws[t].n_ens; k++)
                if (model_set_infer_precision(k < 0 ? &ws[t].model : &ws[t].ens[k], ip, simd) < 0) {
                    calla_err("model \"%s\": cannot compute in %s", model_file,
                              infer_precision_name(ip));
                    goto out;
                }
        if (!quiet && R == 0 && ip == INFER_BF16)
            calla_info("inference in bf16 (%s)", simd ? "AVX-512-BF16"
                                                      : "emulated without AVX-512-BF16: slower "
                                                        "than fp32, same results");
    }
    st_close(&st);
    st_ok = 0;
    // The cascade's full-alignment model: --fa-model, else the shipped one of the platform when
    // the pileup model is a shipped one (no -m, or -m naming a shipped model).
    if (!pileup_only) {
        if (fa_model_path) fa_file = xstrdup(fa_model_path);
        else if (!model_path || !(strchr(model_path, '/') || access(model_path, F_OK) == 0))
            fa_file = shipped_fa_model_find(platform_name(platform));
    }
    if (fa_sites_path && !fa_file) {
        calla_err("--fa-sites needs the cascade (a full-alignment model: --fa-model)");
        ret = CALLA_EXIT_USAGE;
        goto out;
    }
    if (fa_sites_path && W > 1) {
        if (R == 0) calla_err("--fa-sites is not supported with MPI (run one process)");
        ret = CALLA_EXIT_USAGE;
        goto out;
    }
    if (fa_file) {
        if (st_open(&st, fa_file) < 0) goto out;
        st_ok = 1;
        if (check_fa_meta(&st, platform, model_file) < 0) goto out;
        if (st_meta(&st, "gq_calibration") && *st_meta(&st, "gq_calibration")) {
            char why[160];
            if (gq_calib_parse(st_meta(&st, "gq_calibration"), &fa_gqcal, why, sizeof why) < 0) {
                calla_err("model \"%s\": bad gq_calibration metadata: %s", fa_file, why);
                goto out;
            }
            has_fa_gqcal = 1;
        }
        // full-alignment batches are small (a few per chunk): at most DEFAULT_BATCH, also on the GPU
        const int fa_batch = device >= 0 && batch > DEFAULT_BATCH ? DEFAULT_BATCH : (int)batch;
        for (long t = 0; t < threads; t++) {
            if (modelfile_load_st(&st, &ws[t].fa, fa_batch, 0) < 0) goto out;
            ws[t].fa_loaded = 1;
        }
        st_close(&st);
        st_ok = 0;
        const int want = platform == PLATFORM_ONT ? TF_FA_ROWS_ONT
                         : platform == PLATFORM_HIFI ? TF_FA_ROWS_HIFI : TF_FA_ROWS_ILMN;
        if (ws[0].fa.fa_rows != want && R == 0)
            calla_warn("full-alignment model \"%s\" takes %d read rows, Clair3's %s depth is %d: "
                       "its tensors get %d rows", fa_file, ws[0].fa.fa_rows,
                       platform_name(platform), want, ws[0].fa.fa_rows);
        FaParams fp;
        fa_params_default(&fp, ws[0].fa.fa_rows);
        for (long t = 0; t < threads; t++) {
            ws[t].cw = cascade_worker_new(&ws[t].fa, fa_batch, &fp);
            if (device >= 0) {  // on the GPU too, in fp32 (no reduced-precision bound for it)
                if (!(ws[t].cfa = cuda_model_new(&ws[t].fa, device, 0))) goto out;
                cascade_worker_set_forward(ws[t].cw, fa_forward_cuda, ws[t].cfa);
            }
        }
        kstring_t d = {0, 0, NULL};
        ksprintf(&d, "%s; full-alignment model file=%s,fa_rows=%d%s", desc, fa_file,
                 ws[0].fa.fa_rows, has_fa_gqcal ? ", GQ calibrated" : "");
        free(desc);
        desc = d.s;
    }
    ModelArch arch = ws[0].model.arch;
    FeatureKind kind = ws[0].model.feature_kind;
    if (fa_file && arch != ARCH_CLAIR3_PILEUP) {
        calla_err("the cascade (--fa-model) follows a clair3-pileup model; \"%s\" is %s",
                  model_file, model_arch_name(arch));
        goto out;
    }
    // The haplotype check where no full-alignment model runs: ONT, which ships none (a
    // full-alignment model sees the haplotypes itself; Illumina's short reads phase too few
    // reads; docs/calling.md "The haplotype check")
    int hap_only = !fa_file && !pileup_only && !no_phasing_fa && hap_p < 1 &&
                   platform == PLATFORM_ONT && arch == ARCH_CLAIR3_PILEUP;
    if (hap_p_given && !hap_only && hap_p < 1 && R == 0)
        calla_warn("--hap-p has no effect here: the haplotype check runs for --platform ont with "
                   "a clair3-pileup model, no full-alignment model, and phasing on");
    if (hap_only) {
        FaParams fp;
        fa_params_default(&fp, TF_FA_ROWS_ONT);
        for (long t = 0; t < threads; t++) ws[t].cw = cascade_worker_new(NULL, 0, &fp);
    }

    ScanParams prm;
    scan_params_default(&prm, platform, kind);
    if (snp_af >= 0) prm.snp_af = snp_af;
    if (indel_af >= 0) prm.indel_af = indel_af;
    if (min_depth >= 0) prm.min_depth = (int)min_depth;
    if (min_mapq >= 0) prm.min_mapq = (int)min_mapq;
    if (scan_params_compat(&prm, compat_s ? compat_s : compat_m) < 0) {
        calla_err("model \"%s\": unknown pileup_compat \"%s\"", model_file, compat_m);
        goto out;
    }

    for (long t = 0; t < threads; t++) {
        ws[t].in = scan_inputs_open(bam_path, ref_path);
        if (!ws[t].in) goto out;
        if (gvcf_path && !(ws[t].rcr = refconf_open(bam_path, ref_path))) goto out;
        ws[t].fai = fai_load3_format(ref_path, NULL, NULL, 0, FAI_FASTA);
        if (!ws[t].fai) {
            calla_err("failed to load the index of reference \"%s\"", ref_path);
            goto out;
        }
    }
    ScanInputs *in0 = ws[0].in;
    int nb = scan_inputs_ncontigs(in0);
    if (!n_region_args && !bed_path && check_bam_contigs(in0) < 0) goto out;
    {
        int rc = regions_build(in0, region_args, n_region_args, bed_path, &regs, &n_regs);
        if (rc == -2) { ret = CALLA_EXIT_USAGE; goto out; }
        if (rc < 0) goto out;
    }

    // Header contigs: the reference's, in .fai order; BAM tid -> header index.
    rc_.n = faidx_nseq(ws[0].fai);
    rc_.names = xcalloc(rc_.n ? rc_.n : 1, sizeof *rc_.names);
    rc_.lens = xcalloc(rc_.n ? rc_.n : 1, sizeof *rc_.lens);
    char **sorted = xcalloc(rc_.n ? rc_.n : 1, sizeof *sorted);
    for (int i = 0; i < rc_.n; i++) {
        rc_.names[i] = (char *)faidx_iseq(ws[0].fai, i);
        rc_.lens[i] = faidx_seq_len(ws[0].fai, rc_.names[i]);
        sorted[i] = rc_.names[i];
    }
    qsort(sorted, rc_.n, sizeof *sorted, name_idx_cmp);
    ref_index = xcalloc(nb ? nb : 1, sizeof *ref_index);
    for (int t = 0; t < nb; t++) {
        const char *nm = scan_inputs_contig_name(in0, t);
        char **hit = rc_.n ? bsearch(&nm, sorted, rc_.n, sizeof *sorted, name_idx_cmp) : NULL;
        ref_index[t] = -1;
        if (hit)
            for (int i = 0; i < rc_.n; i++)
                if (rc_.names[i] == *hit) { ref_index[t] = i; break; }
    }
    free(sorted);
    // --haploid-contigs: BAM tid -> 1; a name absent from the BAM is a warning (chrM, chrY...).
    haploid = xcalloc(nb ? nb : 1, 1);
    if (haploid_s) {
        char *list = xstrdup(haploid_s), *save = NULL;
        for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            int t = scan_inputs_tid(in0, tok);
            if (t >= 0) haploid[t] = 1;
            else if (R == 0) calla_warn("--haploid-contigs: contig \"%s\" is not in \"%s\"", tok, bam_path);
        }
        free(list);
    }
    // Records must follow the header's (reference) contig order: order regions by it.
    for (int i = 1; i < n_regs; i++) {  // insertion sort, stable; regions are few
        Region r = regs[i];
        int j = i - 1;
        while (j >= 0 && ref_index[regs[j].tid] > ref_index[r.tid]) {
            regs[j + 1] = regs[j];
            j--;
        }
        regs[j + 1] = r;
    }
    size_t n_chunks = 0;
    int64_t total_pos = 0;
    // Where reads are phased, regions close together are worked on as one span (--join-gap):
    // phasing is per chunk, and short regions alone hold too few het SNPs to phase.
    const int phased_run = fa_file ? !no_phasing_fa : hap_only;
    const int join_given = join_gap >= 0;
    if (join_gap < 0) join_gap = platform == PLATFORM_ILMN ? JOIN_GAP_ILMN : JOIN_GAP_LONG;
    if (join_given && !phased_run && R == 0)
        calla_warn("--join-gap has no effect here: regions are joined only where reads are phased "
                   "(the cascade, or ONT's haplotype check)");
    chunks = regions_chunks_joined(regs, n_regs, chunk, phased_run && join_gap > 0 ? join_gap : -1,
                                   &n_chunks, &total_pos);

    sample = sample_name(bam_path, sample_opt);
    {
        char *args = shard_cmdline(argc, argv);  // argv[0] is "call"; without -@ and --shard
        kstring_t ks = {0, 0, NULL};
        ksprintf(&ks, "calla %s", args);
        free(args);
        cmdline = ks.s;
    }
    // --shard I/N: this shard's chunks [s_lo, s_hi) and its header line (calling/shard.h).
    size_t s_lo = 0, s_hi = n_chunks;
    char *shard_line = NULL;
    if (shard_n) {
        char run_id[17];
        shard_range(chunks, n_chunks, shard_i, shard_n, &s_lo, &s_hi);
        shard_run_id(argc, argv, run_id);
        if (R == 0) shard_line = shard_header_line(shard_i, shard_n, s_lo, s_hi, n_chunks, run_id);
        total_pos = 0;
        for (size_t k = s_lo; k < s_hi; k++) total_pos += chunk_positions(&chunks[k]);
        if (R == 0 && !quiet)
            calla_info("shard %d/%d: chunks [%zu, %zu) of %zu (%lld positions)", shard_i, shard_n,
                       s_lo, s_hi, n_chunks, (long long)total_pos);
    }
    if (R == 0 && fa_sites_path) {
        if (atomic_begin(&sites_out, fa_sites_path) < 0) goto out;
        sites_open = 1;
        if (!(run.sites = fopen(sites_out.tmp, "w"))) {
            calla_err("cannot write --fa-sites \"%s\": %s", fa_sites_path, strerror(errno));
            goto out;
        }
        fprintf(run.sites, "#chrom\tpos\tpileup\tpileup_qual\tref\talt1\talt2\tgt\tqual\treads\t"
                           "probs(gt21,zygosity,indel_length1,indel_length2)\tkept\n");
    }
    if (R == 0) {
        int vflags = fa_file ? VCFW_CASCADE : hap_only ? VCFW_PHASED | VCFW_HAPCHECK : 0;
        if ((fa_file || hap_only) && span_frac != 0) vflags |= VCFW_SPANCHK;
        vcf = vcfwriter_open_extra(out_path, out_type, vflags, sample, rc_.n, rc_.names, rc_.lens,
                                   cmdline, desc, shard_line);
        if (!vcf) {
            free(shard_line);
            goto out;
        }
        if (gvcf_path) {
            gvcf = vcfwriter_open_extra(gvcf_path, gvcf_type, VCFW_GVCF | vflags, sample, rc_.n,
                                        rc_.names,
                                        rc_.lens, cmdline, desc, shard_line);
            if (!gvcf) {
                free(shard_line);
                goto out;
            }
            gvcf_init(&blocks, gvcf);
        }
        free(shard_line);
        shard_line = NULL;
    }

    Model *m0 = &ws[0].model;
    for (long t = 0; t < threads; t++) {
        ws[t].pendv[0] = xcalloc(batch, sizeof(Pending));
        ws[t].pendv[1] = ws[t].cm ? xcalloc(batch, sizeof(Pending)) : NULL;
        ws[t].inflight = -1;
        if (ws[t].cm) {
            use_slot(&ws[t], 0);
        } else {
            ws[t].x = ws[t].xcpu = xmalloc((size_t)batch * m0->n_pos * m0->n_chan * sizeof(float));
            ws[t].pend = ws[t].pendv[0];
        }
    }
    // Parallelism comes from the chunks; with one worker the model may use -@ threads itself
    // (network/gemm.h keeps it serial inside chunk workers).
    network_set_threads((int)threads);
    slots = xcalloc(2 * (size_t)threads, sizeof *slots);
    run.w = ws;
    run.threads = (int)threads;
    run.batch = (int)batch;
    run.ref_calls = ref_calls;
    run.max_ctx = prm.max_indel_len + 2;
    run.min_qual = qual;
    run.gqcal = has_gqcal ? &gqcal : NULL;
    run.prm = prm;
    run.ref_index = ref_index;
    run.vcf = vcf;
    run.gvcf = gvcf ? &blocks : NULL;
    run.haploid = haploid;
    run.haploid_mode = haploid_mode;
    run.fine_tid = -1;
    if (shard_n && s_lo < s_hi)
        run.fine_tid = chunks[s_lo].tid, run.fine_end = chunks[s_lo].beg + run.max_ctx;
    run.quiet = quiet;
    run.total_pos = total_pos;
    if (fa_file) {
        run.fa = 1;
        cascade_params_default(&run.cp, platform);
        if (var_pct >= 0) run.cp.var_pct = var_pct;
        if (ref_pct >= 0) run.cp.ref_pct = ref_pct;
        run.cp.phasing = !no_phasing_fa;
        run.fa_gqcal = has_fa_gqcal ? &fa_gqcal : NULL;
        // the platform's default scope: docs/calling.md (the shipped ilmn FA model loses SNPs)
        run.fa_indel_only = fa_scope >= 0 ? fa_scope : platform != PLATFORM_HIFI;
        run.fa_het_p = fa_het_p;
        if (R == 0 && !quiet)
            calla_info("cascade: full-alignment model \"%s\" (%d rows%s) on the %.2f / %.2f "
                       "lowest-QUAL share of each chunk's variant / reference calls%s; %s", fa_file,
                       ws[0].fa.fa_rows, device >= 0 ? ", on the GPU, fp32" : "", run.cp.var_pct,
                       run.cp.ref_pct, run.cp.phasing ? ", reads phased" : ", no phasing",
                       run.fa_indel_only ? "its decisions kept where either call has an indel"
                                         : "all its decisions kept");
    } else if (hap_only) {
        run.fa = 1, run.hap_only = 1;
        cascade_params_default(&run.cp, platform);
        run.cp.var_pct = run.cp.ref_pct = 0;  // nothing to pick: no full-alignment model
        run.cp.hap_p = hap_p;
        if (R == 0 && !quiet)
            calla_info("haplotype check: reads phased per chunk; het indel calls whose ALT reads "
                       "do not follow the haplotypes get FILTER HapNoise (--hap-p %g)", hap_p);
    }
    if (run.fa) {  // the span check uses the reads the cascade keeps
        if (span_frac >= 0) run.cp.span.frac = span_frac;
        if (span_min > 0) run.cp.span.min_ref = (int)span_min;
        run.cp.span.min_mapq = prm.min_mapq;
        run.cp.span.excl_flags = prm.excl_flags;
    } else if ((span_frac > 0 || span_min > 0) && R == 0) {
        calla_warn("--span-check has no effect here: it runs with the cascade (a full-alignment "
                   "model, or ont's haplotype check), whose reads it uses");
    }
    {
        const char *fa = getenv("CALLA_TEST_FAIL_AT_CHUNK");  // tests only: an injected failure
        long v = 0;
        if (fa && parse_int(fa, &v) == 0 && v > 0) run.fail_at = (size_t)v;
        const char *fm = getenv("CALLA_TEST_FAIL_MODE");
        run.fail_hang = fm && strcmp(fm, "hang") == 0;
    }
    blas_check_buffer((int)threads);  // under ulimit -v: an error now, not a hang at a GEMM
    progress_init(&run.prog, 10.0);
    run.prog.interval = progress_interval >= 0 ? progress_interval : run.prog.tty ? 1.0 : 10.0;
    if (R == 0 && !quiet)
        calla_info("%s model, platform %s, %zu chunk(s) over %lld positions, %ld thread(s)%s",
                   model_arch_name(arch), platform_name(platform), n_chunks, (long long)total_pos,
                   threads, W > 1 ? " per rank" : "");
    if (W > 1 && R == 0 && !quiet) calla_info("%d ranks, each on a contiguous share of the chunks", W);
    size_t c_lo = s_lo + (s_hi - s_lo) * (size_t)R / W;
    size_t c_hi = s_lo + (s_hi - s_lo) * (size_t)(R + 1) / W;
    if (W > 1) {  // progress counts this rank's share (rank 0 prints it)
        run.total_pos = 0;
        for (size_t k = c_lo; k < c_hi; k++) run.total_pos += chunk_positions(&chunks[k]);
    }
    if (chunks_run(chunks + c_lo, c_hi - c_lo, (int)threads, slots, sizeof *slots, call_work,
                   call_sink, &run) < 0)
        goto out;
    // Merge: rank 0 has written its own share; the others' follow in rank order.
    if (W > 1 && R > 0) {
        uint64_t len = run.shard.l;
        dist_send(&len, sizeof len, 0, 1);
        dist_send(run.shard.s ? run.shard.s : "", (size_t)len, 0, 2);
    } else if (W > 1) {
        for (int r = 1; r < W; r++) {
            uint64_t len = 0;
            dist_recv(&len, sizeof len, r, 1);
            char *buf = xmalloc(len ? (size_t)len : 1);
            dist_recv(buf, (size_t)len, r, 2);
            int wrc = shard_write(&run, buf, (size_t)len, r);
            free(buf);
            if (wrc < 0) goto out;
        }
    }
    int64_t tot[13] = {run.n_cand, run.n_written, run.n_pass, 0, run.n_overlap,
                       run.n_fa, run.n_fa_changed, run.n_fa_het, run.n_phased, run.n_hapnoise,
                       run.n_spanchk, run.n_spanchk12, run.n_spanchk11};
    for (long t = 0; t < threads; t++) tot[3] += scan_inputs_saturated(ws[t].in);
    dist_sum_i64(tot, 13, "call totals");
    run.n_cand = (long)tot[0], run.n_written = (long)tot[1], run.n_pass = (long)tot[2];
    run.n_overlap = (long)tot[4];
    run.n_fa = (long)tot[5], run.n_fa_changed = (long)tot[6], run.n_fa_het = (long)tot[7];
    run.n_phased = (long)tot[8], run.n_hapnoise = (long)tot[9], run.n_spanchk = (long)tot[10];
    run.n_spanchk12 = (long)tot[11];
    run.n_spanchk11 = (long)tot[12];
    long sat = (long)tot[3];
    if (sat && R == 0)
        calla_warn("%ld feature values exceeded the int16 range and were saturated", sat);
    if (R > 0) {
        ret = 0;
        goto out;
    }
    if (run.prog_shown && run.prog.tty) progress_line(&run, 1);  // end the \r line
    if (gvcf) {
        int grc = gvcf_flush(&blocks);
        if (grc == 0) grc = vcfwriter_close(gvcf);
        else vcfwriter_abort(gvcf);
        gvcf = NULL;
        if (grc < 0) goto out;
    }
    int rc = vcfwriter_close(vcf);
    vcf = NULL;
    if (rc < 0) goto out;
    double dt = now_seconds() - run.prog.start;
    if (!quiet) calla_info("done: %lld positions in %.2f s, %ld candidates, %ld records (%ld PASS) written to "
               "\"%s\"",
               (long long)total_pos, dt, run.n_cand, run.n_written, run.n_pass, out_path);
    if (!quiet && run.n_overlap)
        calla_info("%ld call(s) starting inside a homozygous deletion of higher QUAL: FILTER Overlap",
                   run.n_overlap);
    if (!quiet && run.fa && run.cp.span.frac > 0)
        calla_info("span check: %ld indel call(s) changed: %ld from 1/1 to 0/1, %ld from 0/1 to 1/1, "
                   "%ld to 1/2 with a second ALT (INFO/SPANCHK)", run.n_spanchk,
                   run.n_spanchk - run.n_spanchk12 - run.n_spanchk11, run.n_spanchk11,
                   run.n_spanchk12);
    if (!quiet && run.hap_only)
        calla_info("haplotype check: %ld het indel calls filtered HapNoise, %ld het calls phased",
                   run.n_hapnoise, run.n_phased);
    else if (!quiet && run.fa)
        calla_info("cascade: %ld calls through the full-alignment model (%ld changed, %ld het "
                   "indel calls over reference calls turned down by --fa-het-p), %ld het calls "
                   "phased", run.n_fa, run.n_fa_changed, run.n_fa_het, run.n_phased);
    if (run.sites) {
        int bad_close = fclose(run.sites) != 0;
        run.sites = NULL;
        if (bad_close) {
            calla_err("failed to write --fa-sites \"%s\"", fa_sites_path);
            goto out;
        }
        sites_open = 0;
        if (atomic_commit(&sites_out) < 0) goto out;
    }
    ret = 0;
out:
    if (ret != 0 && W > 1) dist_abort("stopping the whole job after the error above");
    dist_finalize();
    free(run.shard.s);
    if (run.sites) fclose(run.sites);
    if (sites_open) atomic_abort(&sites_out);
    free(fa_file);
    if (vcf) vcfwriter_abort(vcf);
    if (gvcf) vcfwriter_abort(gvcf);
    free(haploid);
    if (st_ok) st_close(&st);
    if (slots) {
        for (size_t i = 0; i < 2 * (size_t)threads; i++) {
            for (size_t k = 0; k < slots[i].n; k++) call_free(&slots[i].calls[k]);
            free(slots[i].calls);
            free(slots[i].rc);
            free(slots[i].cand);
            free(slots[i].sites.s);
        }
        free(slots);
    }
    for (long t = 0; t < threads; t++) {
        cuda_model_free(ws[t].cm);
        if (ws[t].loaded) model_free(&ws[t].model);
        for (int k = 0; k < ws[t].n_ens; k++) model_free(&ws[t].ens[k]);
        free(ws[t].avg);
        cascade_worker_free(ws[t].cw);
        cuda_model_free(ws[t].cfa);
        if (ws[t].fa_loaded) model_free(&ws[t].fa);
        if (ws[t].in) scan_inputs_close(ws[t].in);
        refconf_close(ws[t].rcr);
        if (ws[t].fai) fai_destroy(ws[t].fai);
        free(ws[t].xcpu);
        free(ws[t].pendv[0]);
        free(ws[t].pendv[1]);
    }
    free(ws);
    free(regs);
    free(chunks);
    free(ref_index);
    free(rc_.names);
    free(rc_.lens);
    free(desc);
    free(model_file);
    free(sample);
    free(cmdline);
    free(region_args);
    return ret;
}
