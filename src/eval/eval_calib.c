// eval_calib.c — GQ calibration tables and plot (eval_calib.h).
#include <errno.h>
#include <math.h>
#include <string.h>

#include "common/util.h"
#include "eval/eval_calib.h"

void eval_calib_count(const EvalVarSet *query, EvalCalib *c) {
    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < query->n; i++) {
        const EvalVar *v = &query->v[i];
        if (v->gq < 0) {
            c->no_gq++;
            continue;
        }
        int b = (int)(v->gq / CALIB_WIDTH);
        if (b >= CALIB_NBIN) b = CALIB_NBIN - 1;
        CalibBin *k = &c->bin[b];
        k->n++;
        k->gq_sum += v->gq;
        k->expected += pow(10.0, -v->gq / 10.0);
        if (!(v->match & EVAL_MATCH_GENOTYPE)) k->errors++;
    }
}

void eval_calib_raw_counts(const EvalVarSet *query, long n[100], long err[100]) {
    memset(n, 0, 100 * sizeof(*n));
    memset(err, 0, 100 * sizeof(*err));
    for (size_t i = 0; i < query->n; i++) {
        const EvalVar *v = &query->v[i];
        if (v->gq < 0) continue;
        int g = (int)lround(v->gq);
        if (g > 99) g = 99;
        n[g]++;
        if (!(v->match & EVAL_MATCH_GENOTYPE)) err[g]++;
    }
}

double eval_calib_observed_phred(const CalibBin *b) {
    return -10.0 * log10((b->errors + 0.5) / (b->n + 1.0));
}

void eval_calib_print(FILE *out, const EvalCalib *c) {
    fprintf(out, "\n%-8s %8s %8s %9s %9s %8s\n", "GQ", "Called", "Errors", "Expected", "Observed",
            "MeanGQ");
    for (int b = 0; b < CALIB_NBIN; b++) {
        const CalibBin *k = &c->bin[b];
        if (!k->n) continue;
        char lab[16];
        if (b + 1 < CALIB_NBIN)
            snprintf(lab, sizeof lab, "%d-%d", b * CALIB_WIDTH, (b + 1) * CALIB_WIDTH - 1);
        else
            snprintf(lab, sizeof lab, "%d+", b * CALIB_WIDTH);
        fprintf(out, "%-8s %8ld %8ld %9.2f %9.2f %8.2f\n", lab, k->n, k->errors, k->expected,
                eval_calib_observed_phred(k), k->gq_sum / k->n);
    }
}

void eval_calib_json(FILE *out, const EvalCalib *c) {
    fputs("[", out);
    int first = 1;
    for (int b = 0; b < CALIB_NBIN; b++) {
        const CalibBin *k = &c->bin[b];
        if (!k->n) continue;
        fprintf(out, "%s\n    {\"gq_lo\": %d, \"gq_hi\": ", first ? "" : ",", b * CALIB_WIDTH);
        if (b + 1 < CALIB_NBIN)
            fprintf(out, "%d", (b + 1) * CALIB_WIDTH);
        else
            fputs("null", out);
        fprintf(out,
                ", \"n\": %ld, \"errors\": %ld, \"expected_errors\": %.6f, \"mean_gq\": %.4f, "
                "\"observed_phred\": %.4f}",
                k->n, k->errors, k->expected, k->gq_sum / k->n, eval_calib_observed_phred(k));
        first = 0;
    }
    fputs(first ? "]" : "\n  ]", out);
}

static void xml_text(FILE *f, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

int eval_calib_svg(const char *path, const EvalCalib *c, const char *title) {
    AtomicOut ao;
    if (atomic_begin(&ao, path) < 0) return -1;
    FILE *f = fopen(ao.tmp, "w");
    if (!f) {
        calla_err("failed to write calibration plot \"%s\": %s", path, strerror(errno));
        atomic_abort(&ao);
        return -1;
    }
    // Both axes in Phred, 0 to the largest value seen (at least 40), rounded up to 10.
    double top = 40;
    for (int b = 0; b < CALIB_NBIN; b++) {
        const CalibBin *k = &c->bin[b];
        if (!k->n) continue;
        double o = eval_calib_observed_phred(k), g = k->gq_sum / k->n;
        if (o > top) top = o;
        if (g > top) top = g;
    }
    top = ceil(top / 10.0) * 10.0;
    const double W = 560, H = 460, L = 70, R = 30, T = 50, B = 60;
    const double pw = W - L - R, ph = H - T - B;
#define X(v) (L + (v) / top * pw)
#define Y(v) (T + ph - (v) / top * ph)
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
               "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">\n",
            W, H, W, H);
    fprintf(f, "<rect width=\"%.0f\" height=\"%.0f\" fill=\"white\"/>\n", W, H);
    fprintf(f, "<text x=\"%.1f\" y=\"24\" text-anchor=\"middle\" font-size=\"14\">", W / 2);
    xml_text(f, title);
    fputs("</text>\n", f);
    for (double v = 0; v <= top + 1e-9; v += 10) {
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", X(v),
                Y(0), X(v), Y(top));
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", X(0),
                Y(v), X(top), Y(v));
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.0f</text>\n", X(v),
                Y(0) + 18, v);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>\n", X(0) - 6,
                Y(v) + 4, v);
    }
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
               "stroke=\"black\"/>\n",
            L, T, pw, ph);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888\" "
               "stroke-dasharray=\"6,4\"/>\n",
            X(0), Y(0), X(top), Y(top));
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">reported GQ (mean of the "
               "bin)</text>\n",
            L + pw / 2, H - 16);
    fprintf(f, "<text x=\"18\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 18 %.1f)\">"
               "observed Phred of genotype errors</text>\n",
            T + ph / 2, T + ph / 2);
    long nmax = 1;
    for (int b = 0; b < CALIB_NBIN; b++)
        if (c->bin[b].n > nmax) nmax = c->bin[b].n;
    for (int b = 0; b < CALIB_NBIN; b++) {
        const CalibBin *k = &c->bin[b];
        if (!k->n) continue;
        double r = 3 + 9 * sqrt((double)k->n / nmax);
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"#1f77b4\" fill-opacity=\"0.7\">"
                   "<title>GQ %d+: %ld called, %ld errors, %.2f expected</title></circle>\n",
                X(k->gq_sum / k->n), Y(eval_calib_observed_phred(k)), r, b * CALIB_WIDTH, k->n,
                k->errors, k->expected);
    }
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#555\">dashed: calibrated; area: variants "
               "in the bin</text>\n",
            L + 8, T + 16);
    fputs("</svg>\n", f);
#undef X
#undef Y
    int bad = ferror(f) != 0;
    if (fclose(f) != 0) bad = 1;
    if (bad) {
        calla_err("failed to write calibration plot \"%s\": %s", path, strerror(errno));
        atomic_abort(&ao);
        return -1;
    }
    return atomic_commit(&ao);
}
