// gq_calib.h — genotype-quality calibration: a monotone map from the model's own Phred of a
// genotype, -10 log10(1 - p), to the Phred of the error rate observed on held-out calls, fitted by
// `calla model calibrate` and stored in the model's metadata as "gq_calibration", applied by
// `calla call` to FORMAT/GQ (docs/calling.md, "GQ and its calibration").
#ifndef CALLA_GQ_CALIB_H
#define CALLA_GQ_CALIB_H
#include <stddef.h>

#include <htslib/kstring.h>

#define GQ_CALIB_MAX_KNOTS 100
#define GQ_CALIB_NRAW 100  // raw GQ values 0..99 (99 holds everything above)

typedef struct {
    int n;                             // knots, raw strictly increasing, cal non-decreasing
    double raw[GQ_CALIB_MAX_KNOTS], cal[GQ_CALIB_MAX_KNOTS];
} GqCalib;

// Parses "RAW:CAL,RAW:CAL,..." (as written by gq_calib_format). Returns 0, or -1 with a reason
// in err (for the caller's one-line message).
int gq_calib_parse(const char *text, GqCalib *c, char *err, size_t errlen);
// Appends "RAW:CAL,..." with 2 decimals. Returns 0, or -1 on allocation failure.
int gq_calib_format(const GqCalib *c, kstring_t *out);
// Calibrated Phred of a raw one: linear between knots, through (0, 0) before the first knot, and
// raw + (last cal - last raw) after the last (the model's ordering kept beyond the data); >= 0.
double gq_calib_apply(const GqCalib *c, double raw);
// Fits the map from calls binned by raw GQ (n[g] calls, err[g] genotype errors, g = 0..99):
// consecutive raw values are pooled until a block holds at least min_n calls, then adjacent blocks
// are pooled while the error rate would rise with GQ (pool-adjacent-violators); each block gives
// one knot (its mean raw GQ, -10 log10((errors + 0.5) / (calls + 1)), raised to the previous
// knot's when the smoothing would lower it); of a flat run only the ends are kept. Returns the
// number of knots (0 when there are no calls).
int gq_calib_fit(const long *n, const long *err, int min_n, GqCalib *c);

#endif
