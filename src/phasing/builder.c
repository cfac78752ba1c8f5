// builder.c — the allele matrix of one contig region, built from streamed reads, and its phasing
// into a PhaseResult (phasing.h).
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <htslib/khash.h>

#include "common/util.h"
#include "phasing/allele.h"
#include "phasing/mec.h"
#include "phasing/phasing.h"

KHASH_MAP_INIT_STR(mate, int)

// One allele observation: fragment (a read, or both mates of a pair), site, allele.
typedef struct {
    int frag, col;
    uint8_t allele;
} Obs;

struct PhaseBuilder {
    PhaseResult *res;
    ReadMap map;
    int lo;             // first site that a read at the current position can overlap
    int *depth;         // reads in the matrix per site
    // observations; mates of a pair share a fragment (first mate's name -> fragment id)
    int n_frag;
    Obs *obs;
    size_t n_obs, cap_obs;
    khash_t(mate) *mates;
    // scratch for one read
    int *tmp_col;
    uint8_t *tmp_al;
    int cap_tmp;
};

void phase_params_default(PhaseParams *p) {
    p->min_mapq = 20;
    p->excl_flags = BAM_FUNMAP | BAM_FSECONDARY | BAM_FQCFAIL | BAM_FDUP | BAM_FSUPPLEMENTARY;
    p->max_coverage = 20;
}

PhaseBuilder *phase_builder_new(const PhaseParams *p, int tid, const HetSite *sites, int n_sites,
                                const char *ref, int64_t ref_beg, int64_t ref_len) {
    PhaseBuilder *pb = xcalloc(1, sizeof *pb);
    PhaseResult *r = pb->res = xcalloc(1, sizeof *r);
    r->tid = tid;
    r->params = *p;
    r->sites = xcalloc((size_t)n_sites + 1, sizeof *r->sites);
    int64_t ref_end = ref_beg + ref_len;
    for (int i = 0; i < n_sites; i++) {
        const HetSite *h = &sites[i];
        if (h->pos < ref_beg || h->pos >= ref_end ||
            toupper((unsigned char)ref[h->pos - ref_beg]) != toupper((unsigned char)h->ref)) {
            r->n_ref_mismatch++;
            continue;
        }
        if (r->n_sites > 0 && r->sites[r->n_sites - 1].pos >= h->pos) continue;  // duplicate
        PhasedSite *s = &r->sites[r->n_sites++];
        s->pos = h->pos;
        s->ref = (char)toupper((unsigned char)h->ref);
        s->alt = (char)toupper((unsigned char)h->alt);
        s->hap1 = -1;
        s->ps = 0;
        int64_t wb = h->pos - PHASE_FLANK, we = h->pos + PHASE_FLANK + 1;
        if (wb < ref_beg) wb = ref_beg;
        if (we > ref_end) we = ref_end;
        s->win_beg = wb;
        s->win_len = (int)(we - wb);
        for (int64_t j = wb; j < we; j++) s->win[j - wb] = (char)toupper((unsigned char)ref[j - ref_beg]);
    }
    pb->depth = xcalloc((size_t)r->n_sites + 1, sizeof *pb->depth);
    pb->mates = kh_init(mate);
    return pb;
}

int phase_builder_add_read(PhaseBuilder *pb, const bam1_t *b) {
    PhaseResult *r = pb->res;
    const PhaseParams *p = &r->params;
    if ((b->core.flag & p->excl_flags) || b->core.qual < p->min_mapq || b->core.l_qseq == 0 ||
        r->n_sites == 0)
        return 0;
    if (read_map_build(&pb->map, b) != 0) return 0;
    // reads come sorted by start: sites before the read's start are never needed again
    pb->lo = phase_sites_lower(r->sites, r->n_sites, pb->lo, pb->map.beg);
    int n = 0;
    for (int i = pb->lo; i < r->n_sites && r->sites[i].pos < pb->map.end; i++) {
        int a = phase_read_allele(&pb->map, b, &r->sites[i]);
        if (a != 1 && a != 2) continue;
        if (n + 1 > pb->cap_tmp) {
            pb->cap_tmp = 2 * (n + 1);
            pb->tmp_col = xrealloc(pb->tmp_col, (size_t)pb->cap_tmp * sizeof *pb->tmp_col);
            pb->tmp_al = xrealloc(pb->tmp_al, (size_t)pb->cap_tmp);
        }
        pb->tmp_col[n] = i;
        pb->tmp_al[n++] = (uint8_t)a;
    }
    // a read with one informative site helps only through its mate (same contig, mapped)
    int paired = (b->core.flag & BAM_FPAIRED) && !(b->core.flag & BAM_FMUNMAP) &&
                 b->core.mtid == b->core.tid;
    if (n < (paired ? 1 : 2)) return 0;
    // depth cap: the read is kept when one of its sites is still below the cap (reads in input
    // order, so the choice does not depend on threads)
    int below = 0;
    for (int k = 0; k < n && !below; k++) below = pb->depth[pb->tmp_col[k]] < p->max_coverage;
    if (!below) {
        r->n_reads_capped++;
        return 0;
    }
    for (int k = 0; k < n; k++) pb->depth[pb->tmp_col[k]]++;
    int frag = -1;
    if (paired) {
        const char *name = bam_get_qname(b);
        khint_t it = kh_get(mate, pb->mates, name);
        if (it != kh_end(pb->mates)) {  // the second mate: join its fragment
            frag = kh_val(pb->mates, it);
            free((char *)kh_key(pb->mates, it));
            kh_del(mate, pb->mates, it);
        } else {
            int ret;
            char *key = xstrdup(name);
            it = kh_put(mate, pb->mates, key, &ret);
            if (ret < 0) calla_die("out of memory");
            kh_val(pb->mates, it) = pb->n_frag;
        }
    }
    if (frag < 0) {
        frag = pb->n_frag++;
        r->n_reads_used++;
    }
    if (pb->n_obs + (size_t)n > pb->cap_obs) {
        pb->cap_obs = 2 * (pb->n_obs + (size_t)n);
        pb->obs = xrealloc(pb->obs, pb->cap_obs * sizeof *pb->obs);
    }
    for (int k = 0; k < n; k++) pb->obs[pb->n_obs++] = (Obs){frag, pb->tmp_col[k], pb->tmp_al[k]};
    return 1;
}

static int obs_cmp(const void *a, const void *b) {
    const Obs *x = a, *y = b;
    if (x->frag != y->frag) return x->frag < y->frag ? -1 : 1;
    return (x->col > y->col) - (x->col < y->col);
}

PhaseResult *phase_builder_finish(PhaseBuilder *pb) {
    PhaseResult *r = pb->res;
    int ns = r->n_sites;
    // rows of the matrix: observations sorted by (fragment, site); overlapping mates that agree
    // count once, mates that disagree at a site lose the site
    if (pb->n_obs > 0) qsort(pb->obs, pb->n_obs, sizeof *pb->obs, obs_cmp);
    int *row_off = xcalloc((size_t)pb->n_frag + 1, sizeof *row_off);
    int *col = xmalloc((pb->n_obs + 1) * sizeof *col);
    uint8_t *allele = xmalloc(pb->n_obs + 1);
    int ne = 0;
    for (size_t i = 0; i < pb->n_obs; i++) {
        const Obs *o = &pb->obs[i];
        if (ne > 0 && i > 0 && pb->obs[i - 1].frag == o->frag && col[ne - 1] == o->col) {
            if (allele[ne - 1] != o->allele) allele[ne - 1] = 0;
            continue;
        }
        col[ne] = o->col;
        allele[ne++] = o->allele;
        row_off[o->frag + 1] = ne;
    }
    for (int f = 0; f < pb->n_frag; f++)
        if (row_off[f + 1] < row_off[f]) row_off[f + 1] = row_off[f];
    AlleleMatrix m = {pb->n_frag, ns, row_off, col, allele};
    uint8_t *hap1 = xcalloc((size_t)ns + 1, 1);
    int *block = xmalloc(((size_t)ns + 1) * sizeof *block);
    r->mec_cost = mec_phase(&m, hap1, block);
    for (int s = 0; s < ns; s++) {
        PhasedSite *ps = &r->sites[s];
        if (block[s] < 0) {
            ps->hap1 = -1;
            ps->ps = 0;
        } else {
            ps->hap1 = (int8_t)(hap1[s] - 1);
            ps->ps = (int32_t)(r->sites[block[s]].pos + 1);
        }
    }
    free(hap1);
    free(block);
    read_map_free(&pb->map);
    free(pb->depth);
    free(row_off);
    free(col);
    free(allele);
    free(pb->obs);
    for (khint_t it = kh_begin(pb->mates); it != kh_end(pb->mates); it++)
        if (kh_exist(pb->mates, it)) free((char *)kh_key(pb->mates, it));
    kh_destroy(mate, pb->mates);
    free(pb->tmp_col);
    free(pb->tmp_al);
    free(pb);
    return r;
}

void phase_result_free(PhaseResult *r) {
    if (!r) return;
    free(r->sites);
    free(r);
}

void phase_result_append(PhaseResult *dst, const PhaseResult *src) {
    dst->sites = xrealloc(dst->sites, ((size_t)dst->n_sites + (size_t)src->n_sites + 1) *
                                          sizeof *dst->sites);
    memcpy(dst->sites + dst->n_sites, src->sites, (size_t)src->n_sites * sizeof *src->sites);
    dst->n_sites += src->n_sites;
    dst->n_reads_used += src->n_reads_used;
    dst->n_reads_capped += src->n_reads_capped;
    dst->mec_cost += src->mec_cost;
    dst->n_ref_mismatch += src->n_ref_mismatch;
}

int phase_result_find(const PhaseResult *r, int64_t pos) {
    int i = phase_sites_lower(r->sites, r->n_sites, 0, pos);
    return i < r->n_sites && r->sites[i].pos == pos ? i : -1;
}

int phasing_read_hp(const PhaseResult *r, const bam1_t *b, int *ps) {
    *ps = 0;
    const PhaseParams *p = &r->params;
    if ((b->core.flag & p->excl_flags) || b->core.qual < p->min_mapq || b->core.l_qseq == 0 ||
        r->n_sites == 0 || b->core.pos < 0)
        return 0;
    int i = phase_sites_lower(r->sites, r->n_sites, 0, b->core.pos);
    int64_t end = bam_endpos(b);
    if (i >= r->n_sites || r->sites[i].pos >= end) return 0;
    ReadMap map = {0};
    if (read_map_build(&map, b) != 0) return 0;
    // per phase set score (sites of a phase set are contiguous in position order)
    int32_t cur_ps = 0, best_ps = 0;
    int cur = 0, best = 0;
    for (; i <= r->n_sites; i++) {
        int done = i == r->n_sites || r->sites[i].pos >= end;
        const PhasedSite *s = done ? NULL : &r->sites[i];
        if (!done && s->ps == 0) continue;
        if (done || s->ps != cur_ps) {
            // close the current phase set: the largest |score| wins, the first on ties
            if (cur != 0 && (best == 0 || abs(cur) > abs(best))) {
                best = cur;
                best_ps = cur_ps;
            }
            if (done) break;
            cur_ps = s->ps;
            cur = 0;
        }
        int a = phase_read_allele(&map, b, s);
        if (a == 1 || a == 2) cur += (a - 1 == s->hap1) ? 1 : -1;
    }
    read_map_free(&map);
    if (best == 0) return 0;
    *ps = best_ps;
    return best > 0 ? 1 : 2;
}
