// test_overlap.c — FILTER Overlap (calling/overlap.h): the deleted span of a homozygous deletion
// worked out by hand for plain, repeat-anchored and complex alleles, and which later calls get
// filtered: those starting inside the span with a lower QUAL, nothing else.
#include <stdlib.h>
#include <string.h>

#include "calling/overlap.h"
#include "testlib.h"
#include "common/util.h"

// A call at 0-based pos with REF ref and one or two ALTs, genotype g0/g1, QUAL q, PASS.
static Call mk(int64_t pos, const char *ref, const char *a1, const char *a2, int g0, int g1,
               double q) {
    Call c;
    memset(&c, 0, sizeof c);
    c.pos = pos;
    c.ref = xstrdup(ref);
    if (a1) c.alt[c.n_alt++] = xstrdup(a1);
    if (a2) c.alt[c.n_alt++] = xstrdup(a2);
    c.gt[0] = g0, c.gt[1] = g1;
    c.qual = q;
    c.filter = FILTER_PASS;
    c.source = 'P';
    return c;
}

static int span(Call c, int64_t *b, int64_t *e) {
    int r = homdel_span(&c, b, e);
    call_free(&c);
    return r;
}

int main(void) {
    int64_t b = -1, e = -1;
    // GCCCA -> G at 100: bases 101..104 deleted
    T_EQ_INT(span(mk(100, "GCCCA", "G", NULL, 1, 1, 30), &b, &e), 1);
    T_EQ_INT(b, 101);
    T_EQ_INT(e, 105);
    // ACGT -> AT: prefix A, suffix T, "CG" deleted (101, 102)
    T_EQ_INT(span(mk(100, "ACGT", "AT", NULL, 1, 1, 30), &b, &e), 1);
    T_EQ_INT(b, 101);
    T_EQ_INT(e, 103);
    // ACGT -> AGT: prefix A, then suffix GT: only the C (101)
    T_EQ_INT(span(mk(100, "ACGT", "AGT", NULL, 1, 1, 30), &b, &e), 1);
    T_EQ_INT(b, 101);
    T_EQ_INT(e, 102);
    // GCC -> GC (repeat): the longest common prefix first, so the last C (102)
    T_EQ_INT(span(mk(100, "GCC", "GC", NULL, 1, 1, 30), &b, &e), 1);
    T_EQ_INT(b, 102);
    T_EQ_INT(e, 103);
    // 1/2 of two deletions, the second allele homozygous (2/2)
    T_EQ_INT(span(mk(100, "GCCCA", "GCA", "G", 2, 2, 30), &b, &e), 1);
    T_EQ_INT(b, 101);
    T_EQ_INT(e, 105);
    // not a span: complex ACGT -> TT, a SNP, an insertion, het, 1/2, LowQual, reference call
    T_EQ_INT(span(mk(100, "ACGT", "TT", NULL, 1, 1, 30), &b, &e), 0);
    T_EQ_INT(span(mk(100, "A", "T", NULL, 1, 1, 30), &b, &e), 0);
    T_EQ_INT(span(mk(100, "A", "ATT", NULL, 1, 1, 30), &b, &e), 0);
    T_EQ_INT(span(mk(100, "GCCCA", "G", NULL, 0, 1, 30), &b, &e), 0);
    T_EQ_INT(span(mk(100, "GCCCA", "GCA", "G", 1, 2, 30), &b, &e), 0);
    Call lq = mk(100, "GCCCA", "G", NULL, 1, 1, 1);
    lq.filter = FILTER_LOWQUAL;
    T_EQ_INT(homdel_span(&lq, &b, &e), 0);
    call_free(&lq);
    T_EQ_INT(span(mk(100, "G", NULL, NULL, 0, 0, 30), &b, &e), 0);
    // haploid: GT is gt[0] alone
    Call hp = mk(100, "GCCCA", "G", NULL, 1, 0, 30);
    hp.haploid = 1;
    T_EQ_INT(homdel_span(&hp, &b, &e), 1);
    T_EQ_INT(b, 101);
    T_EQ_INT(e, 105);
    call_free(&hp);

    // A stream of calls on contig 0, then contig 1. Expected FILTER after homdel_filter.
    struct {
        int contig;
        Call c;
        int filtered;
    } s[] = {
        {0, mk(100, "GCCCA", "G", NULL, 1, 1, 30), 0},  // the deletion: span 101..104, QUAL 30
        {0, mk(100, "G", "T", NULL, 0, 1, 20), 0},      // on the anchor base: allowed
        {0, mk(101, "C", "T", NULL, 1, 1, 10), 1},      // inside, lower QUAL: filtered
        {0, mk(103, "CA", "C", NULL, 0, 1, 29.99), 1},  // inside, het, lower QUAL: filtered
        {0, mk(104, "A", "G", NULL, 1, 1, 31), 0},      // inside but higher QUAL: left alone
        {0, mk(104, "A", "C", NULL, 0, 1, 30), 0},      // equal QUAL: left alone
        {0, mk(105, "T", "A", NULL, 1, 1, 5), 0},       // past the span
        {0, mk(200, "TAAAAAA", "T", NULL, 1, 1, 40), 0},  // a new span 201..206, QUAL 40
        {0, mk(202, "AAA", "A", NULL, 1, 1, 35), 1},      // inside: filtered, and no new span
        {0, mk(205, "AAT", "A", NULL, 0, 0, 0), 0},       // reference call: untouched
        {1, mk(203, "A", "G", NULL, 1, 1, 10), 0},        // other contig, same position
    };
    s[9].c.n_alt = 0, s[9].c.filter = FILTER_REFCALL;
    free(s[9].c.alt[0]);
    s[9].c.alt[0] = NULL;
    HomDelSpan h;
    homdel_init(&h);
    int n = (int)(sizeof s / sizeof s[0]), nf = 0;
    for (int i = 0; i < n; i++) {
        CallFilter before = s[i].c.filter;
        int f = homdel_filter(&h, s[i].contig, &s[i].c);
        nf += f;
        T_EQ_INT(f, s[i].filtered);
        T_EQ_INT(s[i].c.filter, s[i].filtered ? FILTER_OVERLAP : before);
        call_free(&s[i].c);
    }
    T_EQ_INT(nf, 3);
    // the span after the stream is still the 201..206 deletion (the filtered 1/1 at 202 did not
    // replace it) on contig 0
    T_EQ_INT(h.contig, 0);
    T_EQ_INT(h.beg, 201);
    T_EQ_INT(h.end, 207);
    // a LowQual call inside is not touched
    Call in = mk(204, "A", "G", NULL, 1, 1, 1);
    in.filter = FILTER_LOWQUAL;
    T_EQ_INT(homdel_filter(&h, 0, &in), 0);
    T_EQ_INT(in.filter, FILTER_LOWQUAL);
    call_free(&in);
    T_DONE();
}
