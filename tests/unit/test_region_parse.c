// test_region_parse.c — the one region parser (common/region.h): samtools forms, braces and
// colons in names, commas, open ends, unknown contigs, malformed text and huge positions
// (issue #16: "chr20:99999999999999999999-1" overflowed a signed parser).
#include <string.h>

#include "common/region.h"
#include "testlib.h"

static const char *NAMES[] = {"chr1", "chr20", "HLA-A*01:01", "chrX:1-5", "chrX", NULL};

static int lookup(void *ud, const char *name) {
    (void)ud;
    for (int i = 0; NAMES[i]; i++)
        if (strcmp(NAMES[i], name) == 0) return i;
    return -1;
}

// Expects rc; on 0 also tid/beg/end (end -1 = open).
static void check(const char *arg, int rc, int tid, int64_t beg, int64_t end) {
    int t = -9;
    int64_t b = -9, e = -9;
    int r = region_parse(arg, lookup, NULL, &t, &b, &e);
    if (r != rc) {
        fprintf(stderr, "\"%s\": rc %d, expected %d\n", arg, r, rc);
        t_failures++;
        return;
    }
    if (rc) return;
    if (t != tid || b != beg || e != (end < 0 ? REGION_OPEN_END : end)) {
        fprintf(stderr, "\"%s\": %d %lld %lld, expected %d %lld %lld\n", arg, t, (long long)b,
                (long long)e, tid, (long long)beg, (long long)end);
        t_failures++;
    }
}

int main(void) {
    check("chr20", 0, 1, 0, -1);
    check("chr20:100", 0, 1, 99, -1);  // samtools: from 100 to the end
    check("chr20:100-", 0, 1, 99, -1);
    check("chr20:100-200", 0, 1, 99, 200);
    check("chr20:1,000-2,000", 0, 1, 999, 2000);
    check("chr20:5-5", 0, 1, 4, 5);
    check("HLA-A*01:01", 0, 2, 0, -1);                // a whole name with a colon
    check("{HLA-A*01:01}:10-20", 0, 2, 9, 20);        // braced, with coordinates
    check("HLA-A*01:01:10-20", 0, 2, 9, 20);          // unambiguous without braces
    check("chrX:1-5", -2, 0, 0, 0);                   // ambiguous: contig "chrX:1-5" and chrX
    check("{chrX:1-5}", 0, 3, 0, -1);
    check("{chrX}:1-5", 0, 4, 0, 5);
    check("chr2", -1, 0, 0, 0);
    check("chr2:1-10", -1, 0, 0, 0);
    check("{chr2}:1-10", -1, 0, 0, 0);
    check("chr20:x-3", -2, 0, 0, 0);
    check("chr20:10-5", -2, 0, 0, 0);
    check("chr20:10-20x", -2, 0, 0, 0);
    check("chr20:99999999999999999999-1", -2, 0, 0, 0);
    check("chr20:1-99999999999999999999", -2, 0, 0, 0);
    check("chr20:1-9,999,999,999,999,999", -2, 0, 0, 0);
    check("{chr20", -2, 0, 0, 0);
    check("", -2, 0, 0, 0);
    // region_parse_name: names before any lookup
    char *name;
    int64_t b, e;
    T_EQ_INT(region_parse_name("ctg7:1,001-2000", &name, &b, &e), 0);
    T_CHECK(name && strcmp(name, "ctg7") == 0 && b == 1000 && e == 2000);
    free(name);
    T_EQ_INT(region_parse_name("{a:b}:5", &name, &b, &e), 0);
    T_CHECK(name && strcmp(name, "a:b") == 0 && b == 4 && e == REGION_OPEN_END);
    free(name);
    T_EQ_INT(region_parse_name("ctg7:99999999999999999999-1", &name, &b, &e), -2);
    T_CHECK(name == NULL);
    T_DONE();
}
