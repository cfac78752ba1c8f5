// refconf.c — see refconf.h.
#include "calling/refconf.h"

#include <htslib/sam.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define RC_PL_CAP 999

struct RefConfReader {
    samFile *fp;
    sam_hdr_t *hdr;
    hts_idx_t *idx;
    char *path;
};

void rc_add(RcAcc *a, int is_ref, int qual) {
    if (qual < 1) qual = 1;
    if (qual > 60) qual = 60;
    double e = pow(10.0, -qual / 10.0);
    double r = is_ref ? 1.0 - e : e;              // from an R haplotype
    double x = is_ref ? e / 3.0 : 1.0 - e / 3.0;  // from an X haplotype
    a->l[0] += log10(r);
    a->l[1] += log10(0.5 * (r + x));
    a->l[2] += log10(x);
    a->dp++;
}

void rc_finish(const RcAcc *a, int haploid, char ref, RefConf *out) {
    double l[3] = {a->l[0], a->l[1], a->l[2]};
    int idx[3] = {0, 1, 2}, n = 3;
    if (haploid) idx[1] = 2, n = 2;
    double mx = l[idx[0]];
    for (int i = 1; i < n; i++)
        if (l[idx[i]] > mx) mx = l[idx[i]];
    int best_other = RC_PL_CAP;
    memset(out, 0, sizeof *out);
    for (int i = 0; i < n; i++) {
        long v = lround(-10.0 * (l[idx[i]] - mx));
        out->pl[i] = (int16_t)(v > RC_PL_CAP ? RC_PL_CAP : v);
        if (i > 0 && out->pl[i] < best_other) best_other = out->pl[i];
    }
    out->gq = (uint8_t)(out->pl[0] == 0 ? (best_other > 99 ? 99 : best_other) : 0);
    out->dp = a->dp;
    out->ref = ref;
}

RefConfReader *refconf_open(const char *bam_path, const char *ref_path) {
    RefConfReader *r = xcalloc(1, sizeof *r);
    r->path = xstrdup(bam_path);
    r->fp = sam_open(bam_path, "r");
    if (r->fp && ref_path && hts_set_fai_filename(r->fp, ref_path) != 0) {
        calla_err("cannot use reference \"%s\" for \"%s\"", ref_path, bam_path);
        refconf_close(r);
        return NULL;
    }
    r->hdr = r->fp ? sam_hdr_read(r->fp) : NULL;
    r->idx = r->hdr ? sam_index_load(r->fp, bam_path) : NULL;
    if (!r->idx) {
        calla_err("cannot open \"%s\" with its index for the gVCF", bam_path);
        refconf_close(r);
        return NULL;
    }
    return r;
}

void refconf_close(RefConfReader *r) {
    if (!r) return;
    if (r->idx) hts_idx_destroy(r->idx);
    if (r->hdr) sam_hdr_destroy(r->hdr);
    if (r->fp) sam_close(r->fp);
    free(r->path);
    free(r);
}

typedef struct {
    RefConfReader *r;
    hts_itr_t *itr;
    int min_mapq, err;
} ReadCtx;

static int next_read(void *data, bam1_t *b) {
    ReadCtx *c = data;
    for (;;) {
        int rc = sam_itr_next(c->r->fp, c->itr, b);
        if (rc < 0) {
            if (rc < -1) c->err = 1;
            return -1;
        }
        if (b->core.flag & (BAM_FUNMAP | BAM_FSECONDARY | BAM_FQCFAIL | BAM_FDUP | BAM_FSUPPLEMENTARY))
            continue;
        if (b->core.qual < c->min_mapq) continue;
        return rc;
    }
}

int refconf_region(RefConfReader *r, int tid, int64_t beg, int64_t end, const char *ref,
                   int min_mapq, int haploid, RefConf *out) {
    int64_t n = end - beg;
    RcAcc *acc = xcalloc(n > 0 ? (size_t)n : 1, sizeof *acc);
    ReadCtx ctx = {r, sam_itr_queryi(r->idx, tid, beg, end), min_mapq, 0};
    int ret = 0;
    if (!ctx.itr) {
        calla_err("cannot query \"%s\" at contig %d", r->path, tid);
        free(acc);
        return -1;
    }
    bam_plp_t plp = bam_plp_init(next_read, &ctx);
    bam_plp_set_maxcnt(plp, INT_MAX);
    const bam_pileup1_t *p;
    int ptid, np;
    hts_pos_t pos;
    while ((p = bam_plp64_auto(plp, &ptid, &pos, &np)) != NULL) {
        if (ptid != tid || pos < beg) continue;
        if (pos >= end) break;
        RcAcc *a = &acc[pos - beg];
        char rb = ref[pos - beg];
        for (int i = 0; i < np; i++) {
            const bam_pileup1_t *e = &p[i];
            if (e->is_refskip) continue;
            int mq = e->b->core.qual;
            if (e->is_del) {
                rc_add(a, 0, mq < 30 ? mq : 30);
                continue;
            }
            char base = seq_nt16_str[bam_seqi(bam_get_seq(e->b), e->qpos)];
            if (base == 'N') continue;
            int q = bam_get_qual(e->b)[e->qpos];
            if (mq < q) q = mq;
            rc_add(a, base == rb && e->indel == 0, q);
        }
    }
    if (ctx.err || np < 0) {
        calla_err("failed to read \"%s\" (truncated or corrupt?)", r->path);
        ret = -1;
    }
    bam_plp_destroy(plp);
    hts_itr_destroy(ctx.itr);
    for (int64_t i = 0; i < n && ret == 0; i++) rc_finish(&acc[i], haploid, ref[i], &out[i]);
    free(acc);
    return ret;
}
