// stats.h — small exact tests on read counts: the binomial CDF at 1/2 (the cascade's het rule,
// calling/genotype_fa.h) and Fisher's exact test on a 2 x 2 table (the haplotype check,
// calling/cascade.h).
#ifndef CALLA_STATS_H
#define CALLA_STATS_H

// P(X <= k) for X ~ Binomial(n, 1/2), exact (log-space terms); 1 when k >= n, 0 when k < 0.
double binom_half_cdf(int k, int n);

// Two-sided Fisher exact test of independence on the table [[a, b], [c, d]] (counts >= 0): the
// summed probability, under the hypergeometric law with the table's margins, of every table at
// most as probable as this one. 1 for an empty table or a zero margin.
double fisher_2x2_p(long a, long b, long c, long d);

#endif
