// test_fastmath.c — fm_exp/fm_sigmoid/fm_tanh (network/fastmath.h): accuracy against libm over
// the range, and defined results for NaN and +-infinity (issue #16: a NaN weight reached the
// exponent arithmetic, which UBSan reported as undefined behaviour; under SAN=1 any remaining
// UB aborts this test).
#include <math.h>

#include "network/fastmath.h"
#include "testlib.h"

int main(void) {
    double worst = 0;
    for (float x = -86.5f; x < 87.5f; x += 0.0137f) {
        double want = exp((double)x), got = fm_exp(x);
        double rel = fabs(got - want) / want;
        if (rel > worst) worst = rel;
    }
    T_CHECK(worst < 1e-6);
    T_NEAR(fm_exp(0.0f), 1.0, 0, 1e-7);
    // clamped ends: exp(88) and exp(-87) (relative 1e-6)
    T_NEAR(fm_exp(1000.0f), exp(88.0), 0, 1e-6);
    T_NEAR(fm_exp(-1000.0f), exp(-87.0), 0, 1e-6);
    T_NEAR(fm_exp(INFINITY), exp(88.0), 0, 1e-6);
    T_NEAR(fm_exp(-INFINITY), exp(-87.0), 0, 1e-6);
    T_CHECK(isnan(fm_exp(NAN)));
    T_CHECK(isnan(fm_exp(-NAN)));
    T_NEAR(fm_sigmoid(INFINITY), 1.0, 1e-7, 0);
    T_NEAR(fm_sigmoid(-INFINITY), 0.0, 1e-7, 0);
    T_CHECK(isnan(fm_sigmoid(NAN)));
    T_NEAR(fm_tanh(INFINITY), 1.0, 1e-7, 0);
    T_NEAR(fm_tanh(-INFINITY), -1.0, 1e-7, 0);
    T_CHECK(isnan(fm_tanh(NAN)));
    for (float x = -9.0f; x < 9.0f; x += 0.01f) {
        T_NEAR(fm_sigmoid(x), 1.0 / (1.0 + exp(-(double)x)), 2e-7, 0);
        T_NEAR(fm_tanh(x), tanh((double)x), 3e-7, 0);
    }
    // every bit pattern with the top exponent (inf and all NaNs), both signs: no UB, NaN or finite
    for (uint32_t m = 0; m < (1u << 23); m += 4093) {
        for (uint32_t s = 0; s < 2; s++) {
            uint32_t u = (s << 31) | 0x7f800000u | m;
            float f;
            memcpy(&f, &u, 4);
            float e = fm_exp(f);
            T_CHECK(m ? isnan(e) : isfinite(e));
        }
    }
    T_DONE();
}
