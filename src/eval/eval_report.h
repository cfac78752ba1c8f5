// eval_report.h — `calla eval` results as a readable table and as JSON.
#ifndef CALLA_EVAL_REPORT_H
#define CALLA_EVAL_REPORT_H
#include <stdio.h>

#include "eval/eval.h"
#include "eval/eval_calib.h"
#include "eval/eval_strat.h"

// Columns: Type Level TP FP FN Precision Recall F1; one row per (SNP|INDEL) x (allele|genotype).
void eval_print_table(FILE *out, const EvalResult *res);
// {"SNP": {"allele": {"tp":..,"fp":..,"fn":..,"precision":..,"recall":..,"f1":..},
//          "genotype": {...}}, "INDEL": {...}}, plus "strata": {NAME: {"SNP": ..., "INDEL": ...}}
// when s is not NULL (sres: one result per stratum), and "calibration": [...] (eval_calib.h)
// when c is not NULL. Returns 0, or -1 on a write error.
int eval_write_json(FILE *out, const EvalResult *res, const EvalStrata *s, const EvalResult *sres,
                    const EvalCalib *c);

#endif
