// test_features_fa.c — full-alignment encoder edge cases not covered by the hand-written SAM of
// tests/cli/test_tensors_fa.sh: read eligibility, the HP tag reader, an insertion right after a
// deletion (no anchor), a reference skip, read names repeated outside the window, N bases at the
// centre, an insertion anchored on the last column, decoding a clipped span, the subsample.
// Expected values are written by hand from clair3.md §2.2 and docs/tensors.md.
#include <htslib/sam.h>
#include <stdlib.h>
#include <string.h>

#include "tensors/features_fa.h"
#include "tensors/tensorfile.h"
#include "testlib.h"

// Window of the candidate at 0-based 99: positions 83..115 (1-based 84..116), all 'A' here.
#define CENTRE 99
#define W0 83
static const char REF33[] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

static sam_hdr_t *hdr;

static bam1_t *parse(const char *line) {
    bam1_t *b = bam_init1();
    kstring_t ks = {0, 0, NULL};
    kputs(line, &ks);
    if (sam_parse1(&ks, hdr, b) < 0) {
        fprintf(stderr, "bad SAM line: %s\n", line);
        abort();
    }
    free(ks.s);
    return b;
}

// One SAM line: name flag pos(1-based) mapq cigar seq (qualities all 'I' = Q40) [tags].
static bam1_t *rd(const char *name, int flag, int pos, int mapq, const char *cigar, const char *seq,
                  const char *tags) {
    char line[1024], qual[512];
    size_t n = strlen(seq);
    memset(qual, 'I', n);
    qual[n] = 0;
    snprintf(line, sizeof line, "%s\t%d\tchr1\t%d\t%d\t%s\t*\t0\t0\t%s\t%s%s%s", name, flag, pos, mapq,
             cigar, seq, strcmp(seq, "*") ? qual : "*", tags ? "\t" : "", tags ? tags : "");
    return parse(line);
}

static int8_t cell(const int8_t *f, int rows, int p, int r, int c) {
    return f[(size_t)p * rows * 8 + (size_t)r * 8 + c];
}

static FaParams params(int rows) {
    FaParams p;
    fa_params_default(&p, rows);
    return p;
}

static void test_hp_tag(void) {
    const char *tags[] = {"HP:i:1", "HP:i:2", "HP:i:3", "HP:i:0", "HP:Z:1", "PS:i:5", NULL};
    int want[] = {1, 2, 0, 0, 0, 0, 0};
    for (int i = 0; i < 7; i++) {
        bam1_t *b = rd("h", 0, 90, 60, "10M", "AAAAAAAAAA", tags[i]);
        T_EQ_INT(fa_hp_from_tag(NULL, b), want[i]);
        bam_destroy1(b);
    }
}

static void test_eligibility(void) {
    FaParams p = params(4);
    struct {
        int flag, mapq;
        const char *seq;
        int ok;
    } c[] = {{0, 60, "AAAAAAAAAA", 1},    {16, 5, "AAAAAAAAAA", 1},  {4, 60, "AAAAAAAAAA", 0},
             {8 | 1, 60, "AAAAAAAAAA", 0}, {256, 60, "AAAAAAAAAA", 0}, {2048, 60, "AAAAAAAAAA", 0},
             {1024, 60, "AAAAAAAAAA", 1}, {512, 60, "AAAAAAAAAA", 1}, {0, 4, "AAAAAAAAAA", 0},
             {0, 60, "*", 0}};
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        bam1_t *b = rd("e", c[i].flag, 90, c[i].mapq, "10M", c[i].seq, NULL);
        FaRead *r = fa_read_new(b, &p, 0, 0, INT64_MIN, INT64_MAX);
        if ((r != NULL) != c[i].ok) fprintf(stderr, "case %zu: flag %d mapq %d\n", i, c[i].flag, c[i].mapq);
        T_EQ_INT(r != NULL, c[i].ok);
        if (r) {
            T_EQ_INT(fa_read_beg(r), 89);
            T_EQ_INT(fa_read_end(r), 99);
        }
        fa_read_free(r);
        bam_destroy1(b);
    }
    // Clipped to [95, 97): span 95..96 only; outside -> NULL.
    bam1_t *b = rd("e", 0, 90, 60, "10M", "AAAAAAAAAA", NULL);
    FaRead *r = fa_read_new(b, &p, 0, 0, 95, 97);
    T_CHECK(r && fa_read_beg(r) == 95 && fa_read_end(r) == 97);
    fa_read_free(r);
    T_CHECK(fa_read_new(b, &p, 0, 0, 99, 200) == NULL);
    bam_destroy1(b);
}

// Encodes reads[] (coordinate order) at CENTRE; returns the tensor (free it).
static int8_t *encode(const FaParams *p, bam1_t **b, int n, const char *ref, int64_t lo, int64_t hi,
                      int *nr) {
    FaRead **r = malloc(sizeof *r * (size_t)n);
    int m = 0;
    for (int i = 0; i < n; i++) {
        FaRead *x = fa_read_new(b[i], p, p->read_hp ? p->read_hp(NULL, b[i]) : 0, i, lo, hi);
        if (x) r[m++] = x;
    }
    int8_t *f = malloc((size_t)fa_nfeat(p->rows));
    FaScratch *s = fa_scratch_new();
    *nr = fa_encode(p, s, r, m, ref, 0, CENTRE, f);
    fa_scratch_free(s);
    for (int i = 0; i < m; i++) fa_read_free(r[i]);
    free(r);
    return f;
}

static void test_indel_edges(void) {
    FaParams p = params(1);
    // Column = 1-based position - 84. 5M2D3I5M at 90: bases 90-94 (columns 6-10), deleted 95-96
    // (11-12), the insertion follows a deleted base: no anchor; then 97-101 (13-17). Channel 1:
    // -100 at column 10 only.
    bam1_t *b[1] = {rd("d", 0, 90, 60, "5M2D3I5M", "AAAAACCCAAAAA", NULL)};
    int nr;
    int8_t *f = encode(&p, b, 1, REF33, INT64_MIN, INT64_MAX, &nr);
    T_EQ_INT(nr, 1);
    int bad = 0;
    for (int k = 0; k < 33; k++) {
        int has = (k >= 6 && k <= 10) || (k >= 13 && k <= 17);
        if ((cell(f, 1, k, 0, 0) != 0) != has) bad++;
        if (cell(f, 1, k, 0, 1) != (k == 10 ? -100 : 0)) bad++;
        if (cell(f, 1, k, 0, 6) != 0) bad++;
        if (has && cell(f, 1, k, 0, 5) != 0) bad++;  // the centre (16) shows the reference
    }
    T_EQ_INT(bad, 0);
    free(f);
    bam_destroy1(b[0]);
    // 10M5N10M at 80: 84-89 (columns 0-5), skip 90-94 (6-10), 95-104 (11-20).
    // 20M2I5M at 1-based 97: insertion GG anchored at 116 = column 32: -50, no channel 6.
    // 20M2I5M at 1-based 96: anchored at column 31: GG -> 75 in columns 31 and 32.
    p = params(3);
    bam1_t *c[3] = {rd("s", 0, 80, 60, "10M5N10M", "AAAAAAAAAAAAAAAAAAAA", NULL),
                    rd("i2", 0, 96, 60, "20M2I5M", "AAAAAAAAAAAAAAAAAAAAGGAAAAA", NULL),
                    rd("i1", 0, 97, 60, "20M2I5M", "AAAAAAAAAAAAAAAAAAAAGGAAAAA", NULL)};
    f = encode(&p, c, 3, REF33, INT64_MIN, INT64_MAX, &nr);
    T_EQ_INT(nr, 3);
    bad = 0;
    for (int k = 0; k < 33; k++) {
        int has = k <= 5 || (k >= 11 && k <= 20);
        if ((cell(f, 3, k, 0, 2) == 100) != has) bad++;
        if (cell(f, 3, k, 1, 1) != (k == 31 ? -50 : 0)) bad++;
        if (cell(f, 3, k, 1, 6) != (k >= 31 ? 75 : 0)) bad++;
        if (cell(f, 3, k, 2, 1) != (k == 32 ? -50 : 0)) bad++;
        if (cell(f, 3, k, 2, 6) != 0) bad++;
    }
    T_EQ_INT(bad, 0);
    free(f);
    for (int i = 0; i < 3; i++) bam_destroy1(c[i]);
}

static void test_names_and_n(void) {
    // "q" at 1-based 50 ends at 59, before the window: the "q" at 95 is its own row. The two "p"
    // reads both overlap: only the first is used. N at the centre in two of four reads:
    // channel 1 = 100 (N's code), AF 2/4 = 50 for both N reads, 0 for the others.
    FaParams p = params(6);
    p.read_hp = NULL;
    bam1_t *b[6] = {rd("q", 0, 50, 60, "10M", "AAAAAAAAAA", NULL),
                    rd("p", 0, 92, 60, "10M", "AAAAAAAANA", NULL),
                    rd("x", 0, 93, 60, "10M", "AAAAAAANAA", NULL),
                    rd("y", 16, 94, 60, "10M", "AAAAAAAAAA", NULL),
                    rd("q", 0, 95, 60, "10M", "AAAAAAAAAA", NULL),
                    rd("p", 16, 96, 60, "10M", "AAAAAAAAAA", NULL)};
    int nr;
    int8_t *f = encode(&p, b, 6, REF33, INT64_MIN, INT64_MAX, &nr);
    T_EQ_INT(nr, 4);  // p(92), x(93), y(94), q(95)
    // 6 rows, 4 reads: 1 padding row above. Rows 1..4 = p x y q (start order).
    int starts[4] = {92, 93, 94, 95};
    int bad = 0;
    for (int r = 0; r < 4; r++) {
        int first = starts[r] - 84;  // column of the read's first base
        if (cell(f, 6, first, r + 1, 0) != 100 || (first > 0 && cell(f, 6, first - 1, r + 1, 0) != 0))
            bad++;
        int n_at_centre = r < 2;
        if (cell(f, 6, 16, r + 1, 1) != (n_at_centre ? 100 : 0)) bad++;
        if (cell(f, 6, first, r + 1, 5) != (n_at_centre ? 50 : 0)) bad++;
        if (cell(f, 6, first, r + 1, 7) != 60) bad++;
    }
    for (int k = 0; k < 33; k++)
        if (cell(f, 6, k, 0, 2) || cell(f, 6, k, 5, 2)) bad++;  // padding rows
    T_EQ_INT(bad, 0);
    free(f);
    for (int i = 0; i < 6; i++) bam_destroy1(b[i]);
}

static void test_subsample(void) {
    // 20 reads at 1-based 84..103 (first column = i), HP 0/1/2 by i % 3 (0: no tag); 5 rows.
    FaParams p = params(5);
    bam1_t *b[20];
    char name[16], tag[16];
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof name, "s%d", i);
        snprintf(tag, sizeof tag, "HP:i:%d", i % 3);
        b[i] = rd(name, 0, 84 + i, 60, "30M", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", i % 3 ? tag : NULL);
    }
    int nr, nr2;
    int8_t *f = encode(&p, b, 20, REF33, INT64_MIN, INT64_MAX, &nr);
    int8_t *g = encode(&p, b, 20, REF33, 70, 130, &nr2);  // decoding a clipped span: same tensor
    T_EQ_INT(nr, 20);
    T_EQ_INT(nr2, 20);
    T_CHECK(memcmp(f, g, (size_t)fa_nfeat(5)) == 0);
    // Rows sorted by (HP code order 60, 30, 90 = unknown, HP1, HP2), then start (first column).
    int prev_hp = -1, prev_first = -1, bad = 0;
    const int rank[128] = {[60] = 0, [30] = 1, [90] = 2};
    for (int r = 0; r < 5; r++) {
        int first = 0;
        while (first < 33 && cell(f, 5, first, r, 2) == 0) first++;
        if (first == 33) {
            bad++;
            continue;
        }
        int hp = rank[cell(f, 5, first, r, 7)];
        if (hp < prev_hp || (hp == prev_hp && first <= prev_first)) bad++;
        prev_hp = hp;
        prev_first = first;
    }
    T_EQ_INT(bad, 0);
    // Another seed draws other reads (for this seed pair), the same seed the same ones.
    p.seed = 1;
    int8_t *h = encode(&p, b, 20, REF33, INT64_MIN, INT64_MAX, &nr);
    T_CHECK(memcmp(f, h, (size_t)fa_nfeat(5)) != 0);
    p.seed = 0;
    int8_t *h2 = encode(&p, b, 20, REF33, INT64_MIN, INT64_MAX, &nr);
    T_CHECK(memcmp(f, h2, (size_t)fa_nfeat(5)) == 0);
    free(f);
    free(g);
    free(h);
    free(h2);
    for (int i = 0; i < 20; i++) bam_destroy1(b[i]);
}

int main(void) {
    hdr = sam_hdr_parse(strlen("@SQ\tSN:chr1\tLN:200\n"), "@SQ\tSN:chr1\tLN:200\n");
    T_CHECK(hdr != NULL);
    test_hp_tag();
    test_eligibility();
    test_indel_edges();
    test_names_and_n();
    test_subsample();
    sam_hdr_destroy(hdr);
    T_DONE();
}
