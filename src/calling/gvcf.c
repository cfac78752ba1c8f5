// gvcf.c — see gvcf.h.
#include "calling/gvcf.h"

#include <string.h>

void gvcf_init(GvcfBlocks *g, VcfWriter *w) {
    memset(g, 0, sizeof *g);
    g->w = w;
    g->skip_contig = -1;
}

int gvcf_flush(GvcfBlocks *g) {
    if (!g->open) return 0;
    g->open = 0;
    return vcfwriter_write_block(g->w, g->contig, g->beg, g->last, g->ref, g->gq, g->min_dp, g->pl,
                                 g->n_pl, g->haploid);
}

int gvcf_ref(GvcfBlocks *g, int contig, int64_t pos, char ref, int dp, int gq, const int *pl,
             int n_pl, int haploid) {
    if (contig == g->skip_contig && pos <= g->skip_end) return 0;
    if (gq > 99) gq = 99;
    if (gq < 0) gq = 0;
    int band = gq / GVCF_GQ_BAND;
    if (g->open && g->contig == contig && g->last + 1 == pos && g->band == band &&
        g->haploid == haploid) {
        g->last = pos;
        if (dp < g->min_dp) g->min_dp = dp;
        if (gq < g->gq) {
            g->gq = gq;
            memcpy(g->pl, pl, (size_t)n_pl * sizeof *pl);
        }
        return 0;
    }
    if (gvcf_flush(g) < 0) return -1;
    g->open = 1;
    g->contig = contig, g->beg = g->last = pos, g->ref = ref;
    g->band = band, g->gq = gq, g->min_dp = dp, g->haploid = haploid, g->n_pl = n_pl;
    memcpy(g->pl, pl, (size_t)n_pl * sizeof *pl);
    return 0;
}

int gvcf_variant(GvcfBlocks *g, int contig, const Call *c) {
    if (gvcf_flush(g) < 0) return -1;
    if (vcfwriter_write(g->w, contig, c) < 0) return -1;
    int64_t end = c->pos + (int64_t)strlen(c->ref) - 1;
    if (contig != g->skip_contig || end > g->skip_end) g->skip_contig = contig, g->skip_end = end;
    return 0;
}
