// eval_report.c — table and JSON output of eval counts.
#include "eval/eval_report.h"

static const char *TYPE_NAME[EVAL_NTYPES] = {"SNP", "INDEL"};

void eval_print_table(FILE *out, const EvalResult *res) {
    fprintf(out, "%-6s %-9s %8s %8s %8s %9s %8s %8s\n", "Type", "Level", "TP", "FP", "FN",
            "Precision", "Recall", "F1");
    for (int t = 0; t < EVAL_NTYPES; t++) {
        for (int g = 0; g < 2; g++) {
            const EvalCount *c = g ? &res->genotype[t] : &res->allele[t];
            fprintf(out, "%-6s %-9s %8ld %8ld %8ld %9.4f %8.4f %8.4f\n", TYPE_NAME[t],
                    g ? "genotype" : "allele", c->tp, c->fp, c->fn, eval_precision(c),
                    eval_recall(c), eval_f1(c));
        }
    }
}

void eval_json_count(FILE *out, const EvalCount *c, int tp_query) {
    fprintf(out,
            "{\"tp\": %ld, \"fp\": %ld, \"fn\": %ld, \"precision\": %.6f, \"recall\": %.6f, "
            "\"f1\": %.6f",
            c->tp, c->fp, c->fn, eval_precision(c), eval_recall(c), eval_f1(c));
    if (tp_query) fprintf(out, ", \"tp_query\": %ld", c->tpq);
    fputc('}', out);
}

int eval_write_json(FILE *out, const EvalResult *res, const EvalStrata *s, const EvalResult *sres,
                    const EvalCalib *c) {
    fputs("{\n", out);
    for (int t = 0; t < EVAL_NTYPES; t++) {
        fprintf(out, "  \"%s\": {\n    \"allele\": ", TYPE_NAME[t]);
        eval_json_count(out, &res->allele[t], res->tp_query);
        fputs(",\n    \"genotype\": ", out);
        eval_json_count(out, &res->genotype[t], res->tp_query);
        fprintf(out, "\n  }%s\n", t + 1 < EVAL_NTYPES || s || c ? "," : "");
    }
    if (s) {
        fputs("  \"strata\": ", out);
        eval_strata_json(out, s, sres);
        fputs(c ? ",\n" : "\n", out);
    }
    if (c) {
        fputs("  \"calibration\": ", out);
        eval_calib_json(out, c);
        fputs("\n", out);
    }
    fputs("}\n", out);
    return ferror(out) ? -1 : 0;
}
