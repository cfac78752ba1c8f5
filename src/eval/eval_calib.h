// eval_calib.h — calibration of the query's genotype qualities for `calla eval --calibration`:
// called variants binned by GQ, with the genotype errors observed in each bin against the errors
// the GQs promise (sum of 10^(-GQ/10)), as a table, JSON and an SVG plot (docs/eval.md).
#ifndef CALLA_EVAL_CALIB_H
#define CALLA_EVAL_CALIB_H
#include <stdio.h>

#include "eval/eval.h"

#define CALIB_WIDTH 5   // GQ bins [0,5), [5,10), ...
#define CALIB_NBIN 13   // the last bin is [60, inf)

typedef struct {
    long n, errors;       // called variants in the bin, and those not a genotype-level TP
    double gq_sum;        // sum of their GQs
    double expected;      // sum of 10^(-GQ/10): the errors the GQs promise
} CalibBin;

typedef struct {
    CalibBin bin[CALIB_NBIN];
    long no_gq;  // called variants without a GQ (nor QUAL)
} EvalCalib;

// Counts the query variants (after eval_compare has set `match`) by their gq.
void eval_calib_count(const EvalVarSet *query, EvalCalib *c);
// Called variants and genotype errors per integer GQ 0..99 (99 holds everything above), for
// fitting a calibration map (calling/gq_calib.h).
void eval_calib_raw_counts(const EvalVarSet *query, long n[100], long err[100]);
// Observed Phred of a bin: -10 log10((errors + 0.5) / (n + 1)) (so a bin without errors is finite).
double eval_calib_observed_phred(const CalibBin *b);
// Rows "GQ n errors expected observed_phred mean_GQ" for non-empty bins.
void eval_calib_print(FILE *out, const EvalCalib *c);
// [{"gq_lo": 0, "gq_hi": 5, "n": .., "errors": .., "expected_errors": .., "mean_gq": ..,
//   "observed_phred": ..}, ...] (non-empty bins; gq_hi null for the last bin).
void eval_calib_json(FILE *out, const EvalCalib *c);
// Observed Phred against mean reported GQ per bin, the diagonal for perfect calibration.
// Written atomically; returns 0, or -1 with a message naming the file.
int eval_calib_svg(const char *path, const EvalCalib *c, const char *title);

#endif
