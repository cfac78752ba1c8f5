// stats.c — see stats.h.
#include "common/stats.h"

#include <math.h>

double binom_half_cdf(int k, int n) {
    if (k < 0) return 0;
    if (k >= n) return 1;
    double s = 0, lt = -n * log(2.0);  // log(C(n, 0) / 2^n)
    for (int i = 0; i <= k; i++) {
        s += exp(lt);
        lt += log((double)(n - i) / (i + 1));  // C(n, i + 1) = C(n, i) (n - i) / (i + 1)
    }
    return s < 1 ? s : 1;
}

// log of the hypergeometric probability of x in the top-left cell, margins r1 (row 1), c1
// (column 1), n (total): C(r1, x) C(n - r1, c1 - x) / C(n, c1)
static double log_hyper(long x, long r1, long c1, long n) {
    return lgamma(r1 + 1.0) - lgamma(x + 1.0) - lgamma(r1 - x + 1.0) + lgamma(n - r1 + 1.0) -
           lgamma(c1 - x + 1.0) - lgamma(n - r1 - c1 + x + 1.0) - lgamma(n + 1.0) +
           lgamma(c1 + 1.0) + lgamma(n - c1 + 1.0);
}

double fisher_2x2_p(long a, long b, long c, long d) {
    long n = a + b + c + d, r1 = a + b, c1 = a + c;
    if (n <= 0 || r1 == 0 || r1 == n || c1 == 0 || c1 == n) return 1;
    long lo = c1 - (n - r1) > 0 ? c1 - (n - r1) : 0, hi = r1 < c1 ? r1 : c1;
    double l0 = log_hyper(a, r1, c1, n), s = 0;
    for (long x = lo; x <= hi; x++) {
        double l = log_hyper(x, r1, c1, n);
        if (l <= l0 + 1e-7) s += exp(l);  // relative tolerance for ties, as R's fisher.test
    }
    return s < 1 ? s : 1;
}
