// overlap.c — FILTER Overlap for calls inside a homozygous deletion (overlap.h).
#include "calling/overlap.h"

#include <string.h>

void homdel_init(HomDelSpan *s) {
    s->contig = -1;
    s->n = 0;
}

int homdel_span(const Call *c, int64_t *beg, int64_t *end) {
    if (c->filter != FILTER_PASS || c->vcf_skip || c->n_alt < 1 || !c->ref) return 0;
    int a = c->gt[0];
    if (a < 1 || a > c->n_alt || (!c->haploid && c->gt[1] != a) || !c->alt[a - 1]) return 0;
    const char *r = c->ref, *x = c->alt[a - 1];
    size_t lr = strlen(r), lx = strlen(x), pre = 0, suf = 0;
    if (lx >= lr) return 0;
    while (pre < lx && r[pre] == x[pre]) pre++;
    while (suf < lx - pre && r[lr - 1 - suf] == x[lx - 1 - suf]) suf++;
    if (pre + suf != lx) return 0;  // the ALT is not REF with bases removed
    *beg = c->pos + (int64_t)pre;
    *end = c->pos + (int64_t)(lr - suf);
    return 1;
}

int homdel_filter(HomDelSpan *s, int contig, Call *c) {
    if (s->contig != contig) s->contig = contig, s->n = 0;
    int k = 0;  // drop the deletions the stream has passed
    for (int i = 0; i < s->n; i++)
        if (s->d[i].end > c->pos) s->d[k++] = s->d[i];
    s->n = k;
    if (c->filter == FILTER_PASS && !c->vcf_skip && c->n_alt > 0)
        for (int i = 0; i < s->n; i++)
            if (c->pos >= s->d[i].beg && c->qual < s->d[i].qual) {
                c->filter = FILTER_OVERLAP;
                return 1;
            }
    int64_t b, e;
    if (!homdel_span(c, &b, &e)) return 0;
    int at = s->n;
    if (at == HOMDEL_MAX) {  // drop the one ending first: a tracked one, or this one
        at = 0;
        for (int i = 1; i < s->n; i++)
            if (s->d[i].end < s->d[at].end) at = i;
        if (e <= s->d[at].end) return 0;
    } else {
        s->n++;
    }
    s->d[at].beg = b, s->d[at].end = e, s->d[at].qual = c->qual;
    return 0;
}
