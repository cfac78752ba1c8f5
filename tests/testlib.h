// testlib.h — tiny assertion helpers for the C unit tests. A test binary exits 0 on success,
// 1 on failure, 77 when skipped.
#ifndef CALLA_TESTLIB_H
#define CALLA_TESTLIB_H
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int t_failures = 0;

#define T_CHECK(cond)                                                              \
    do {                                                                           \
        if (!(cond)) {                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            t_failures++;                                                          \
        }                                                                          \
    } while (0)

#define T_EQ_INT(a, b)                                                                       \
    do {                                                                                     \
        long long a_ = (long long)(a), b_ = (long long)(b);                                  \
        if (a_ != b_) {                                                                      \
            fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__, #a, \
                    a_, #b, b_);                                                             \
            t_failures++;                                                                    \
        }                                                                                    \
    } while (0)

// |a - b| <= atol + rtol * |b|
#define T_NEAR(a, b, atol, rtol)                                                              \
    do {                                                                                      \
        double a_ = (double)(a), b_ = (double)(b);                                            \
        if (!(fabs(a_ - b_) <= (atol) + (rtol) * fabs(b_)) || isnan(a_) != isnan(b_)) {       \
            fprintf(stderr, "%s:%d: %s = %.9g, expected %s = %.9g\n", __FILE__, __LINE__, #a, a_, \
                    #b, b_);                                                                  \
            t_failures++;                                                                     \
        }                                                                                     \
    } while (0)

#define T_DONE()                                                          \
    do {                                                                  \
        if (t_failures) fprintf(stderr, "%d check(s) failed\n", t_failures); \
        return t_failures ? 1 : 0;                                        \
    } while (0)

#define T_SKIP(msg)                        \
    do {                                   \
        printf("skipped: %s\n", msg);      \
        return 77;                         \
    } while (0)

#endif
