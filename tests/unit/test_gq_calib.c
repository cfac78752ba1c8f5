// test_gq_calib.c — the GQ calibration map (calling/gq_calib.h): the fit (blocks of min_n calls,
// pool-adjacent-violators, smoothed Phred), interpolation and extrapolation, and the metadata
// text, on counts whose knots are worked out by hand below.
#include <math.h>
#include <string.h>

#include "calling/gq_calib.h"
#include "testlib.h"

static double ph(double e, double n) { return -10 * log10((e + 0.5) / (n + 1)); }

int main(void) {
    long n[GQ_CALIB_NRAW] = {0}, err[GQ_CALIB_NRAW] = {0};
    // Raw GQ 2: 5 errors in 10; 5: 1 in 10; 8: 2 in 10; 20: 0 in 10. With min_n 10 each is a
    // block; 0.1 then 0.2 rises, so 5 and 8 pool (3 in 20, mean raw 6.5).
    n[2] = 10, err[2] = 5;
    n[5] = 10, err[5] = 1;
    n[8] = 10, err[8] = 2;
    n[20] = 10, err[20] = 0;
    GqCalib c;
    T_EQ_INT(gq_calib_fit(n, err, 10, &c), 3);
    T_NEAR(c.raw[0], 2, 1e-12, 0);
    T_NEAR(c.cal[0], ph(5, 10), 1e-12, 0);  // 3.0103
    T_NEAR(c.raw[1], 6.5, 1e-12, 0);
    T_NEAR(c.cal[1], ph(3, 20), 1e-12, 0);  // 7.7815
    T_NEAR(c.raw[2], 20, 1e-12, 0);
    T_NEAR(c.cal[2], ph(0, 10), 1e-12, 0);  // 13.4242
    // Through (0, 0) below the first knot, linear between knots, slope 1 after the last.
    T_NEAR(gq_calib_apply(&c, 0), 0, 1e-12, 0);
    T_NEAR(gq_calib_apply(&c, 1), ph(5, 10) / 2, 1e-12, 0);
    T_NEAR(gq_calib_apply(&c, 4.25), (ph(5, 10) + ph(3, 20)) / 2, 1e-12, 0);
    T_NEAR(gq_calib_apply(&c, 20), ph(0, 10), 1e-12, 0);
    T_NEAR(gq_calib_apply(&c, 30), ph(0, 10) + 10, 1e-12, 0);

    // With min_n 20 the first two raw values pool before PAV: (2, 5) 6 in 20, then (8, 20) 2 in 20.
    T_EQ_INT(gq_calib_fit(n, err, 20, &c), 2);
    T_NEAR(c.raw[0], 3.5, 1e-12, 0);
    T_NEAR(c.cal[0], ph(6, 20), 1e-12, 0);
    T_NEAR(c.raw[1], 14, 1e-12, 0);
    T_NEAR(c.cal[1], ph(2, 20), 1e-12, 0);
    // No errors anywhere: 0 in 30 (raw 3) smooths to 10 log10(62) = 17.92, the later blocks of
    // 0 in 10 to 13.42, raised to 17.92 (monotone); of the flat run only its two ends stay.
    memset(n, 0, sizeof n), memset(err, 0, sizeof err);
    n[3] = 30, n[10] = 10, n[20] = 10, n[30] = 10;
    T_EQ_INT(gq_calib_fit(n, err, 10, &c), 2);
    T_NEAR(c.raw[0], 3, 1e-12, 0);
    T_NEAR(c.cal[0], ph(0, 30), 1e-12, 0);
    T_NEAR(c.raw[1], 30, 1e-12, 0);
    T_NEAR(c.cal[1], ph(0, 30), 1e-12, 0);
    // A tail shorter than min_n joins the last block; fewer calls than min_n make one block.
    memset(n, 0, sizeof n), memset(err, 0, sizeof err);
    n[0] = 5, err[0] = 2, n[1] = 3;
    T_EQ_INT(gq_calib_fit(n, err, 10, &c), 1);
    T_NEAR(c.raw[0], 3.0 / 8, 1e-12, 0);
    T_NEAR(c.cal[0], ph(2, 8), 1e-12, 0);
    memset(n, 0, sizeof n);
    T_EQ_INT(gq_calib_fit(n, err, 10, &c), 0);
    T_NEAR(gq_calib_apply(&c, 17), 17, 1e-12, 0);  // no knots: identity

    // Metadata text: 2 decimals, parsed back.
    c.n = 3;
    c.raw[0] = 2, c.cal[0] = 3.0103, c.raw[1] = 6.5, c.cal[1] = 7.7815, c.raw[2] = 20, c.cal[2] = 13.42;
    kstring_t ks = {0, 0, NULL};
    T_EQ_INT(gq_calib_format(&c, &ks), 0);
    T_CHECK(strcmp(ks.s, "2.00:3.01,6.50:7.78,20.00:13.42") == 0);
    GqCalib d;
    char why[160];
    T_EQ_INT(gq_calib_parse(ks.s, &d, why, sizeof why), 0);
    T_EQ_INT(d.n, 3);
    T_NEAR(d.cal[1], 7.78, 1e-12, 0);
    free(ks.s);
    const char *bad[] = {"", "1:2,1:3", "3:2,4:1", "a:b", "1:nan", "1:2;", "1", "-1:2", "1:2,"};
    for (int i = 0; i < (int)(sizeof bad / sizeof *bad); i++) {
        int r = gq_calib_parse(bad[i], &d, why, sizeof why);
        if (r != -1) fprintf(stderr, "accepted bad map \"%s\"\n", bad[i]);
        T_EQ_INT(r, -1);
    }
    T_DONE();
}
