// test_overlap.c — FILTER Overlap (calling/overlap.h): the deleted span of a homozygous deletion
// worked out by hand for plain, repeat-anchored and complex alleles, and which later calls get
// filtered: those starting inside a tracked deletion (nested ones too) with a lower QUAL,
// nothing else.
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
    // Deleted spans worked out by hand: {pos, REF, ALT1, ALT2, GT, span?, beg, end}
    struct {
        int64_t pos;
        const char *ref, *a1, *a2;
        int g0, g1, is_span;
        int64_t beg, end;
    } sp[] = {
        {100, "GCCCA", "G", NULL, 1, 1, 1, 101, 105},     // anchor G, CCCA (101..104) deleted
        {100, "ACGT", "AT", NULL, 1, 1, 1, 101, 103},     // prefix A, suffix T: CG (101, 102)
        {100, "ACGT", "AGT", NULL, 1, 1, 1, 101, 102},    // prefix A, then suffix GT: the C (101)
        {100, "GCC", "GC", NULL, 1, 1, 1, 102, 103},      // repeat: longest prefix first, last C
        {100, "CA", "A", NULL, 1, 1, 1, 100, 101},        // no common prefix: the C itself
        {100, "GCCCA", "GCA", "G", 2, 2, 1, 101, 105},    // the second ALT, homozygous
        {100, "ACGT", "TT", NULL, 1, 1, 0, 0, 0},         // complex: not REF less bases
        {100, "A", "T", NULL, 1, 1, 0, 0, 0},             // SNP
        {100, "A", "ATT", NULL, 1, 1, 0, 0, 0},           // insertion
        {100, "GCCCA", "G", NULL, 0, 1, 0, 0, 0},         // het
        {100, "GCCCA", "GCA", "G", 1, 2, 0, 0, 0},        // 1/2
        {100, "G", NULL, NULL, 0, 0, 0, 0, 0},            // reference call
    };
    for (size_t i = 0; i < sizeof sp / sizeof sp[0]; i++) {
        int64_t b = -1, e = -1;
        int r = span(mk(sp[i].pos, sp[i].ref, sp[i].a1, sp[i].a2, sp[i].g0, sp[i].g1, 30), &b, &e);
        T_EQ_INT(r, sp[i].is_span);
        if (r) {
            T_EQ_INT(b, sp[i].beg);
            T_EQ_INT(e, sp[i].end);
        }
    }
    int64_t b = -1, e = -1;
    Call lq = mk(100, "GCCCA", "G", NULL, 1, 1, 1);  // filtered LowQual: no span
    lq.filter = FILTER_LOWQUAL;
    T_EQ_INT(homdel_span(&lq, &b, &e), 0);
    call_free(&lq);
    Call hp = mk(100, "GCCCA", "G", NULL, 1, 0, 30);  // haploid: GT is gt[0] alone
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
        {0, mk(200, "TAAAAAA", "T", NULL, 1, 1, 40), 0},  // span 201..206, QUAL 40
        {0, mk(202, "AAAAAGGGG", "A", NULL, 1, 1, 35), 1},  // inside: filtered, so no span 203..210
        {0, mk(205, "AAT", "A", NULL, 0, 0, 0), 0},       // reference call: untouched
        {0, mk(208, "G", "C", NULL, 1, 1, 1), 0},         // inside the filtered deletion only
        // nested: a shorter deletion of higher QUAL inside a longer one is tracked too
        {0, mk(300, "TAAAAAAAAAA", "T", NULL, 1, 1, 20), 0},  // span 301..310, QUAL 20
        {0, mk(302, "AAAA", "A", NULL, 1, 1, 50), 0},         // inside, higher QUAL: span 303..305
        {0, mk(304, "A", "G", NULL, 1, 1, 30), 1},  // above 20 but below the nested one's 50
        {0, mk(307, "A", "C", NULL, 0, 1, 25), 0},  // past the nested one, above 20
        {0, mk(308, "A", "C", NULL, 0, 1, 15), 1},  // below 20
        {0, mk(311, "G", "C", NULL, 0, 1, 1), 0},   // past both
        {1, mk(302, "A", "G", NULL, 1, 1, 10), 0},  // other contig, a position covered on contig 0
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
    T_EQ_INT(nf, 5);

    // a LowQual call inside a deletion is not touched
    homdel_init(&h);
    Call d = mk(200, "TAAAAAA", "T", NULL, 1, 1, 40), in = mk(204, "A", "G", NULL, 1, 1, 1);
    in.filter = FILTER_LOWQUAL;
    T_EQ_INT(homdel_filter(&h, 0, &d), 0);
    T_EQ_INT(homdel_filter(&h, 0, &in), 0);
    T_EQ_INT(in.filter, FILTER_LOWQUAL);
    call_free(&d), call_free(&in);

    // more nested deletions than HOMDEL_MAX: of the tracked ones and the new one, the one ending
    // first is dropped
    homdel_init(&h);
    for (int i = 0; i <= HOMDEL_MAX; i++) {
        // deletion i at 1000 + i deletes 1001 + i .. 1100 - i (ends 1101 - i), QUAL 100 + i; each
        // starts inside the ones before it, with a higher QUAL, so none is filtered
        char ref[128];
        memset(ref, 'A', sizeof ref);
        ref[101 - 2 * i] = '\0';
        Call x = mk(1000 + i, ref, "A", NULL, 1, 1, 100 + i);
        T_EQ_INT(homdel_filter(&h, 0, &x), 0);
        call_free(&x);
    }
    T_EQ_INT(h.n, HOMDEL_MAX);
    // the 17th (end 1085, QUAL 116) ends before all 16 tracked, so it is the one dropped: at 1084
    // deletions 0..16 cover, 0..15 are tracked (highest QUAL 115), so 115.5 passes; at 1085
    // 0..15 cover, and 114.5 is filtered
    Call p0 = mk(1084, "A", "G", NULL, 1, 1, 115.5), p1 = mk(1085, "A", "C", NULL, 1, 1, 114.5);
    T_EQ_INT(homdel_filter(&h, 0, &p0), 0);
    T_EQ_INT(homdel_filter(&h, 0, &p1), 1);
    call_free(&p0), call_free(&p1);
    T_DONE();
}
