// phase_regions.c — phasing of regions of a BAM/CRAM, in parallel (phase_regions.h).
#include "phasing/phase_regions.h"

#include <stdio.h>
#include <string.h>

#include <htslib/faidx.h>
#include <htslib/sam.h>

#include "common/util.h"

typedef struct {
    samFile *fp;
    sam_hdr_t *hdr;
    hts_idx_t *idx;
    faidx_t *fai;
    bam1_t *b;
} Handles;

static void handles_close(Handles *h) {
    if (h->b) bam_destroy1(h->b);
    if (h->idx) hts_idx_destroy(h->idx);
    if (h->hdr) sam_hdr_destroy(h->hdr);
    if (h->fp) sam_close(h->fp);
    if (h->fai) fai_destroy(h->fai);
    memset(h, 0, sizeof *h);
}

static int handles_open(Handles *h, const char *bam_path, const char *ref_path) {
    memset(h, 0, sizeof *h);
    h->fp = sam_open(bam_path, "r");
    if (!h->fp || !(h->hdr = sam_hdr_read(h->fp))) {
        calla_err("failed to open \"%s\"", bam_path);
        return -1;
    }
    if (hts_get_format(h->fp)->format == cram && hts_set_fai_filename(h->fp, ref_path) != 0) {
        calla_err("failed to set reference \"%s\" for CRAM \"%s\"", ref_path, bam_path);
        return -1;
    }
    if (!(h->idx = sam_index_load(h->fp, bam_path))) {
        calla_err("failed to load the index of \"%s\"", bam_path);
        return -1;
    }
    if (!(h->fai = fai_load3_format(ref_path, NULL, NULL, 0, FAI_FASTA))) {
        calla_err("failed to load the index of reference \"%s\"", ref_path);
        return -1;
    }
    h->b = bam_init1();
    return 0;
}

// Phases the het SNPs of one region. Returns the result (NULL: no het SNP there) or sets *err.
static PhaseResult *phase_one(Handles *h, const Region *rg, const char *name, const HetContig *hc,
                              const PhaseParams *p, int *err) {
    if (!hc) return NULL;
    int lo = 0, hi = hc->n;
    while (lo < hi) {  // first site >= rg->beg
        int mid = lo + (hi - lo) / 2;
        if (hc->v[mid].pos < rg->beg) lo = mid + 1;
        else hi = mid;
    }
    int first = lo, last = lo;
    while (last < hc->n && hc->v[last].pos < rg->end) last++;
    if (last == first) return NULL;
    int64_t clen = faidx_seq_len(h->fai, name);
    int64_t rb = hc->v[first].pos - PHASE_FLANK, re = hc->v[last - 1].pos + PHASE_FLANK + 1;
    if (rb < 0) rb = 0;
    if (re > clen) re = clen;
    hts_pos_t got = 0;
    char *ref = faidx_fetch_seq64(h->fai, name, rb, re - 1, &got);
    if (!ref || got != re - rb) {
        calla_err("failed to read %s:%lld-%lld from the reference", name, (long long)rb + 1,
                  (long long)re);
        free(ref);
        *err = 1;
        return NULL;
    }
    PhaseBuilder *pb = phase_builder_new(p, rg->tid, hc->v + first, last - first, ref, rb, re - rb);
    free(ref);
    hts_itr_t *it = sam_itr_queryi(h->idx, rg->tid, rg->beg, rg->end);
    int r = -1;
    if (it) {
        while ((r = sam_itr_next(h->fp, it, h->b)) >= 0) phase_builder_add_read(pb, h->b);
        hts_itr_destroy(it);
    }
    PhaseResult *res = phase_builder_finish(pb);
    if (r < -1 || !it) {
        calla_err("failed to read alignments of %s:%lld-%lld: truncated or corrupt file", name,
                  (long long)rg->beg + 1, (long long)rg->end);
        phase_result_free(res);
        *err = 1;
        return NULL;
    }
    return res;
}

int phase_regions(const char *bam_path, const char *ref_path, const Region *regs, int n_regs,
                  int n_tid, char *const *tid_names, const HetSet *het, const PhaseParams *p,
                  int threads, double progress_interval, PhaseResult ***by_tid) {
    PhaseResult **res = xcalloc((size_t)n_regs + 1, sizeof *res);
    int err = 0;
    long done = 0;
    Progress prog;
    progress_init(&prog, progress_interval > 0 ? progress_interval : 1e30);
    if (threads > n_regs) threads = n_regs > 0 ? n_regs : 1;
    if (threads < 1) threads = 1;
#pragma omp parallel num_threads(threads)
    {
        Handles h;
        int ok;
#pragma omp critical(phase_open)
        ok = handles_open(&h, bam_path, ref_path) == 0;
        if (!ok) {
#pragma omp atomic write
            err = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (int i = 0; i < n_regs; i++) {
            int e = 0;
#pragma omp atomic read
            e = err;
            if (!ok || e) continue;
            const Region *rg = &regs[i];
            const char *name = tid_names[rg->tid];
            int my_err = 0;
            res[i] = phase_one(&h, rg, name, hetsites_contig(het, name), p, &my_err);
            if (my_err) {
#pragma omp atomic write
                err = 1;
            }
#pragma omp critical(phase_progress)
            {
                done++;
                if (progress_interval > 0 && progress_due(&prog))
                    fprintf(stderr, "[%s] phasing: %ld/%d regions\n", calla_cmd(), done, n_regs);
            }
        }
        handles_close(&h);
    }
    if (err) {
        for (int i = 0; i < n_regs; i++) phase_result_free(res[i]);
        free(res);
        return -1;
    }
    PhaseResult **bt = xcalloc((size_t)n_tid + 1, sizeof *bt);
    for (int i = 0; i < n_regs; i++) {
        if (!res[i]) continue;
        int t = regs[i].tid;
        if (!bt[t]) bt[t] = res[i];
        else {
            phase_result_append(bt[t], res[i]);
            phase_result_free(res[i]);
        }
    }
    free(res);
    *by_tid = bt;
    return 0;
}

void phase_results_free(PhaseResult **by_tid, int n_tid) {
    if (!by_tid) return;
    for (int i = 0; i < n_tid; i++) phase_result_free(by_tid[i]);
    free(by_tid);
}
