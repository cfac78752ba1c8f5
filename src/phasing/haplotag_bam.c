// haplotag_bam.c — the tagged copy of a BAM/CRAM (haplotag_bam.h).
#include "phasing/haplotag_bam.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <htslib/sam.h>

#include "common/util.h"

#define HT_BATCH 4096

static int strip_tags(bam1_t *b) {
    int had = 0;
    uint8_t *t;
    while ((t = bam_aux_get(b, "HP")) != NULL) {
        had = 1;
        if (bam_aux_del(b, t) != 0) return -1;
    }
    while ((t = bam_aux_get(b, "PS")) != NULL) {
        had = 1;
        if (bam_aux_del(b, t) != 0) return -1;
    }
    return had;
}

int haplotag_bam(const HaplotagOpts *o, PhaseResult *const *by_tid, int n_tid, HaplotagStats *st) {
    memset(st, 0, sizeof *st);
    int rc = -1, to_stdout = strcmp(o->out_path, "-") == 0;
    samFile *in = NULL, *out = NULL;
    sam_hdr_t *hdr = NULL;
    AtomicOut ao = {0}, aidx = {0};
    bam1_t *batch[HT_BATCH] = {0};
    int hp[HT_BATCH], ps[HT_BATCH];
    char *idx_name = NULL;
    Progress prog;
    progress_init(&prog, o->progress_interval > 0 ? o->progress_interval : 1e30);
    if (!(in = sam_open(o->in_path, "r"))) {
        calla_err("failed to open \"%s\": %s", o->in_path, strerror(errno));
        goto done;
    }
    if (hts_get_format(in)->format == cram && hts_set_fai_filename(in, o->ref_path) != 0) {
        calla_err("failed to set reference \"%s\" for CRAM \"%s\"", o->ref_path, o->in_path);
        goto done;
    }
    if (o->threads > 1 && hts_set_threads(in, o->threads) != 0) {
        calla_err("failed to start %d decompression threads", o->threads);
        goto done;
    }
    if (!(hdr = sam_hdr_read(in))) {
        calla_err("failed to read the header of \"%s\"", o->in_path);
        goto done;
    }
    if (sam_hdr_add_pg(hdr, "calla", "VN", CALLA_VERSION, "CL", o->pg_cl, NULL) != 0) {
        calla_err("failed to add an @PG line to the header of \"%s\"", o->in_path);
        goto done;
    }
    const char *mode = o->out_fmt == 'c' ? "wc" : o->out_fmt == 's' ? "w" : "wb";
    if (!to_stdout && atomic_begin(&ao, o->out_path) != 0) goto done;
    if (!(out = sam_open(to_stdout ? "-" : ao.tmp, mode))) {
        calla_err("failed to write \"%s\": %s", o->out_path, strerror(errno));
        goto done;
    }
    if (o->out_fmt == 'c' && hts_set_fai_filename(out, o->ref_path) != 0) {
        calla_err("failed to set reference \"%s\" for the CRAM output", o->ref_path);
        goto done;
    }
    if (o->threads > 1 && hts_set_threads(out, o->threads) != 0) {
        calla_err("failed to start %d compression threads", o->threads);
        goto done;
    }
    if (sam_hdr_write(out, hdr) != 0) {
        calla_err("failed to write the header of \"%s\": %s", o->out_path, strerror(errno));
        goto done;
    }
    if (o->write_index) {
        size_t l = strlen(o->out_path) + 8;
        idx_name = xmalloc(l);
        snprintf(idx_name, l, "%s.%s", o->out_path, o->out_fmt == 'c' ? "crai" : "csi");
        if (atomic_begin(&aidx, idx_name) != 0) goto done;
        if (sam_idx_init(out, hdr, o->out_fmt == 'c' ? 0 : 14, aidx.tmp) != 0) {
            calla_err("failed to start the index of \"%s\"", o->out_path);
            goto done;
        }
    }
    for (int i = 0; i < HT_BATCH; i++) batch[i] = bam_init1();
    for (;;) {
        int n = 0, r = 0;
        while (n < HT_BATCH && (r = sam_read1(in, hdr, batch[n])) >= 0) n++;
        if (r < -1) {
            calla_err("failed to read a record of \"%s\": truncated or corrupt file", o->in_path);
            goto done;
        }
        if (n == 0) break;
#pragma omp parallel for schedule(static) num_threads(o->threads > 0 ? o->threads : 1)
        for (int i = 0; i < n; i++) {
            const bam1_t *b = batch[i];
            int t = b->core.tid;
            const PhaseResult *pr = t >= 0 && t < n_tid ? by_tid[t] : NULL;
            hp[i] = pr ? phasing_read_hp(pr, b, &ps[i]) : 0;
        }
        for (int i = 0; i < n; i++) {
            bam1_t *b = batch[i];
            int had = strip_tags(b);
            if (had < 0 ||
                (hp[i] && (bam_aux_update_int(b, "HP", hp[i]) != 0 ||
                           bam_aux_update_int(b, "PS", ps[i]) != 0))) {
                calla_err("failed to set the HP/PS tags of read \"%s\"", bam_get_qname(b));
                goto done;
            }
            st->n_had_tags += had;
            st->n_hp[hp[i]]++;
            if (sam_write1(out, hdr, b) < 0) {
                calla_err("failed to write \"%s\": %s", o->out_path, strerror(errno));
                goto done;
            }
        }
        st->n_reads += n;
        if (o->progress_interval > 0 && progress_due(&prog))
            fprintf(stderr, "[%s] tagging: %ld reads, %ld tagged\n", calla_cmd(), st->n_reads,
                    st->n_hp[1] + st->n_hp[2]);
        if (r == -1) break;
    }
    if (o->write_index && sam_idx_save(out) != 0) {
        calla_err("failed to write the index of \"%s\"", o->out_path);
        goto done;
    }
    int e = sam_close(out);
    out = NULL;
    if (e != 0) {
        calla_err("failed to write \"%s\": %s", o->out_path, strerror(errno));
        goto done;
    }
    if (!to_stdout && atomic_commit(&ao) != 0) goto done;
    if (o->write_index && atomic_commit(&aidx) != 0) goto done;
    rc = 0;
done:
    for (int i = 0; i < HT_BATCH; i++)
        if (batch[i]) bam_destroy1(batch[i]);
    if (out) sam_close(out);
    if (in) sam_close(in);
    if (hdr) sam_hdr_destroy(hdr);
    if (rc != 0) {
        atomic_abort(&ao);
        atomic_abort(&aidx);
    }
    free(idx_name);
    return rc;
}
