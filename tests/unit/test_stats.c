// test_stats.c — the exact tests of common/stats.h against values computed by hand or with exact
// fractions (python3 fractions.Fraction over math.comb, the two-sided rule "every table at most as
// probable as the observed one", as R's fisher.test).
#include <math.h>

#include "common/stats.h"
#include "testlib.h"

int main(void) {
    // binomial CDF at 1/2
    T_NEAR(binom_half_cdf(0, 1), 0.5, 1e-15, 0);
    T_NEAR(binom_half_cdf(2, 10), 56.0 / 1024, 1e-15, 0);
    T_NEAR(binom_half_cdf(3, 20), 1351.0 / 1048576, 1e-15, 0);
    T_NEAR(binom_half_cdf(-1, 5), 0.0, 0, 0);
    T_NEAR(binom_half_cdf(5, 5), 1.0, 0, 0);
    // n = 5000: exp(-n ln 2) underflows to 0, the terms near k do not; P(X <= n/2) =
    // 1/2 + C(5000, 2500) / 2^5001 (python: C(5000, 2500) / 2^5000 = 0.011283227495479843)
    T_NEAR(binom_half_cdf(2500, 5000), 0.5 + 0.5 * 0.011283227495479843, 1e-11, 0);

    // Fisher's exact test, two-sided
    T_NEAR(fisher_2x2_p(1, 0, 0, 1), 1.0, 1e-12, 0);           // x = 0 and 1 both 1/2
    T_NEAR(fisher_2x2_p(3, 0, 0, 3), 0.1, 1e-12, 0);           // (1 + 1) / C(6, 3)
    T_NEAR(fisher_2x2_p(10, 0, 0, 10), 1.0 / 92378, 1e-15, 1e-9);  // 2 / C(20, 10)
    T_NEAR(fisher_2x2_p(5, 19, 11, 17), 83517428.0 / 364836983, 1e-12, 1e-9);
    T_NEAR(fisher_2x2_p(22, 2, 13, 18), 2493300.0 / 14786628311, 1e-15, 1e-9);
    T_NEAR(fisher_2x2_p(11, 15, 6, 22), 13271848.0 / 92224293, 1e-12, 1e-9);
    T_NEAR(fisher_2x2_p(2, 3, 4, 1), 11.0 / 21, 1e-12, 1e-9);
    // the same table transposed, rows swapped, columns swapped
    T_NEAR(fisher_2x2_p(5, 11, 19, 17), fisher_2x2_p(5, 19, 11, 17), 1e-12, 1e-9);
    T_NEAR(fisher_2x2_p(11, 17, 5, 19), fisher_2x2_p(5, 19, 11, 17), 1e-12, 1e-9);
    T_NEAR(fisher_2x2_p(19, 5, 17, 11), fisher_2x2_p(5, 19, 11, 17), 1e-12, 1e-9);
    // empty table, a zero row or column margin: no information
    T_NEAR(fisher_2x2_p(0, 0, 0, 0), 1.0, 0, 0);
    T_NEAR(fisher_2x2_p(0, 0, 4, 7), 1.0, 0, 0);
    T_NEAR(fisher_2x2_p(3, 0, 9, 0), 1.0, 0, 0);
    // large counts stay finite and in (0, 1]
    double p = fisher_2x2_p(400, 600, 600, 400);
    T_CHECK(p > 0 && p < 1e-15 && !isnan(p));
    T_NEAR(fisher_2x2_p(500, 500, 500, 500), 1.0, 1e-9, 0);
    T_DONE();
}
