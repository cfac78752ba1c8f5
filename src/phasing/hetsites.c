// hetsites.c — heterozygous SNPs from a VCF/BCF (hetsites.h).
#include "phasing/hetsites.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <htslib/vcf.h>

#include "common/util.h"

static int is_acgt(const char *s) {
    return s && s[0] && !s[1] && strchr("ACGTacgt", s[0]) != NULL;
}

static HetContig *contig_get(HetSet *h, const char *name) {
    for (int i = h->n_ctg - 1; i >= 0; i--)
        if (strcmp(h->ctg[i].name, name) == 0) return &h->ctg[i];
    h->ctg = xrealloc(h->ctg, (size_t)(h->n_ctg + 1) * sizeof *h->ctg);
    HetContig *c = &h->ctg[h->n_ctg++];
    memset(c, 0, sizeof *c);
    c->name = xstrdup(name);
    return c;
}

static int float_cmp(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

// Drops the het SNPs below the QUAL of rank floor((1 - var_pct) * n) (ascending).
static void apply_var_pct(HetSet *h, double var_pct) {
    if (var_pct >= 1 || h->n_het == 0) return;
    float *q = xmalloc((size_t)h->n_het * sizeof *q);
    long k = 0;
    for (int i = 0; i < h->n_ctg; i++)
        for (int j = 0; j < h->ctg[i].n; j++) q[k++] = h->ctg[i].v[j].qual;
    qsort(q, (size_t)k, sizeof *q, float_cmp);
    long idx = (long)((1 - var_pct) * (double)k);
    if (idx >= k) idx = k - 1;
    float cut = q[idx];
    free(q);
    for (int i = 0; i < h->n_ctg; i++) {
        HetContig *c = &h->ctg[i];
        int w = 0;
        for (int j = 0; j < c->n; j++)
            if (c->v[j].qual >= cut) c->v[w++] = c->v[j];
        h->n_pct += c->n - w;
        h->n_het -= c->n - w;
        c->n = w;
    }
}

int hetsites_read(const char *path, const char *sample, double min_qual, double var_pct,
                  HetSet *out) {
    memset(out, 0, sizeof *out);
    htsFile *fp = bcf_open(path, "r");
    if (!fp) {
        calla_err("failed to open \"%s\": %s", path, strerror(errno));
        return -1;
    }
    enum htsExactFormat f = hts_get_format(fp)->format;
    if (f != vcf && f != bcf) {
        calla_err("\"%s\" is not a VCF or BCF file", path);
        hts_close(fp);
        return -1;
    }
    bcf_hdr_t *hdr = bcf_hdr_read(fp);
    if (!hdr) {
        calla_err("failed to read the header of \"%s\"", path);
        hts_close(fp);
        return -1;
    }
    int rc = -1, si = 0;
    bcf1_t *rec = bcf_init();
    int32_t *gt = NULL;
    int n_gt = 0;
    if (bcf_hdr_nsamples(hdr) == 0) {
        calla_err("\"%s\" has no samples (a GT column is needed)", path);
        goto done;
    }
    if (sample) {
        si = bcf_hdr_id2int(hdr, BCF_DT_SAMPLE, sample);
        if (si < 0) {
            calla_err("sample \"%s\" is not in \"%s\"", sample, path);
            goto done;
        }
    }
    out->sample = xstrdup(hdr->samples[si]);
    int nsmp = bcf_hdr_nsamples(hdr), last_rid = -1;
    int64_t last_pos = -1;
    HetContig *c = NULL;
    int r;
    while ((r = bcf_read(fp, hdr, rec)) == 0) {
        out->n_records++;
        if (rec->rid == last_rid && rec->pos < last_pos) {
            calla_err("\"%s\" is not sorted: %s:%lld after %lld", path, bcf_seqname(hdr, rec),
                      (long long)rec->pos + 1, (long long)last_pos + 1);
            goto done;
        }
        last_rid = rec->rid;
        last_pos = rec->pos;
        if (rec->n_allele != 2 || bcf_unpack(rec, BCF_UN_ALL) != 0) continue;
        if (!is_acgt(rec->d.allele[0]) || !is_acgt(rec->d.allele[1])) continue;
        int ng = bcf_get_genotypes(hdr, rec, &gt, &n_gt);
        if (ng < 0 || ng / nsmp != 2) continue;
        int32_t a = gt[si * 2], b = gt[si * 2 + 1];
        if (bcf_gt_is_missing(a) || bcf_gt_is_missing(b) || a == bcf_int32_vector_end ||
            b == bcf_int32_vector_end)
            continue;
        int x = bcf_gt_allele(a), y = bcf_gt_allele(b);
        if (!((x == 0 && y == 1) || (x == 1 && y == 0))) continue;
        int pass = rec->d.n_flt == 0 || bcf_has_filter(hdr, rec, "PASS") == 1;
        if (!pass || (!bcf_float_is_missing(rec->qual) && rec->qual < min_qual)) {
            out->n_filtered++;
            continue;
        }
        const char *name = bcf_seqname(hdr, rec);
        if (!c || strcmp(c->name, name) != 0) c = contig_get(out, name);
        if (c->n > 0 && c->v[c->n - 1].pos >= rec->pos) {
            if (c->v[c->n - 1].pos == rec->pos) continue;  // a second record at the position
            calla_err("\"%s\" is not sorted: contig %s appears in two separate runs", path, name);
            goto done;
        }
        if (c->n + 1 > c->cap) {
            c->cap = c->cap ? 2 * c->cap : 256;
            c->v = xrealloc(c->v, (size_t)c->cap * sizeof *c->v);
        }
        HetSite *s = &c->v[c->n++];
        s->pos = rec->pos;
        s->ref = (char)(rec->d.allele[0][0] & ~0x20);
        s->alt = (char)(rec->d.allele[1][0] & ~0x20);
        s->qual = bcf_float_is_missing(rec->qual) ? HUGE_VALF : rec->qual;
        out->n_het++;
    }
    if (r < -1) {
        calla_err("failed to read a record of \"%s\": truncated or corrupt file", path);
        goto done;
    }
    apply_var_pct(out, var_pct);
    rc = 0;
done:
    free(gt);
    bcf_destroy(rec);
    bcf_hdr_destroy(hdr);
    if (hts_close(fp) != 0 && rc == 0) {
        calla_err("failed to read \"%s\": truncated or corrupt file", path);
        rc = -1;
    }
    if (rc != 0) hetsites_free(out);
    return rc;
}

const HetContig *hetsites_contig(const HetSet *h, const char *name) {
    for (int i = 0; i < h->n_ctg; i++)
        if (strcmp(h->ctg[i].name, name) == 0) return &h->ctg[i];
    return NULL;
}

void hetsites_free(HetSet *h) {
    for (int i = 0; i < h->n_ctg; i++) {
        free(h->ctg[i].name);
        free(h->ctg[i].v);
    }
    free(h->ctg);
    free(h->sample);
    memset(h, 0, sizeof *h);
}
