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
// One count as a JSON object: tp, fp, fn, precision, recall, f1, and tp_query when tp_query is 1
// (--haplotypes). Shared with the strata's JSON.
void eval_json_count(FILE *out, const EvalCount *c, int tp_query);
int eval_write_json(FILE *out, const EvalResult *res, const EvalStrata *s, const EvalResult *sres,
                    const EvalCalib *c);

#endif
