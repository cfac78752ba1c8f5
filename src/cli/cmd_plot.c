// cmd_plot.c — `calla plot`: training curves (loss, accuracy per head, F1) of one or more JSONL
// logs written by `calla train --log`, against epoch and/or wall time, as an SVG file.
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/commands.h"
#include "common/util.h"
#include "training/json.h"
#include "training/plot_svg.h"

#define MAX_HEADS 8

typedef struct {
    const char *path;
    char *label;  // the legend name (NAME= prefix, else the file's base name)
    int n, cap;
    double *epoch, *wall, *train, *val, *f1, *gf1, *acc[MAX_HEADS];
} Log;

static char g_heads[MAX_HEADS][48];
static int g_n_heads;

static void usage(FILE *out) {
    fprintf(out,
            "\nUsage: calla plot [options] [NAME=]LOG.jsonl [[NAME=]LOG2.jsonl ...] -o curves.svg\n\n"
            "  -o, --output FILE   SVG file to write ('-' for standard output); SVG only\n"
            "  --x AXIS            x axis: epoch, wall (seconds) or both rows [both]\n"
            "  --log-y             logarithmic y axis for the loss panels\n"
            "  --title TEXT        figure title [calla training curves]\n"
            "  -h, --help          this text\n\n"
            "Panels: loss (train dashed, validation solid), validation accuracy per output head,\n"
            "validation F1 (variant solid, genotype dashed). One colour per log, named in the\n"
            "legend by NAME when given as NAME=LOG.jsonl (an existing file of that whole name is\n"
            "read as a file), else by the file's base name. The header line that `calla train`\n"
            "writes first is skipped.\n\n");
}

// Anything but a name ending in .svg (or "-", or a name without an extension) is refused: a
// .png or .pdf name would get SVG bytes.
static int is_svg_name(const char *out) {
    if (strcmp(out, "-") == 0) return 1;
    const char *b = strrchr(out, '/'), *dot = strrchr(b ? b + 1 : out, '.');
    return !dot || strcasecmp(dot, ".svg") == 0;
}

static double num(const JsonVal *o, const char *k) {
    const JsonVal *v = json_get(o, k);
    return v && v->type == JSON_NUM ? v->num : NAN;
}

static int head_index(const char *name) {
    for (int h = 0; h < g_n_heads; h++)
        if (strcmp(g_heads[h], name) == 0) return h;
    if (g_n_heads == MAX_HEADS) return -1;
    snprintf(g_heads[g_n_heads], sizeof g_heads[0], "%s", name);
    return g_n_heads++;
}

static void log_grow(Log *L) {
    if (L->n < L->cap) return;
    L->cap = L->cap ? 2 * L->cap : 64;
    double **arr[] = {&L->epoch, &L->wall, &L->train, &L->val, &L->f1, &L->gf1};
    for (int i = 0; i < 6; i++) *arr[i] = xrealloc(*arr[i], L->cap * sizeof(double));
    for (int h = 0; h < MAX_HEADS; h++) L->acc[h] = xrealloc(L->acc[h], L->cap * sizeof(double));
}

static int read_log(Log *L, const char *arg) {
    memset(L, 0, sizeof *L);
    const char *path = arg, *eq = strchr(arg, '=');
    if (eq && eq > arg && access(arg, F_OK) != 0) {  // NAME=FILE
        L->label = xstrdup(arg);
        L->label[eq - arg] = 0;
        path = eq + 1;
    } else {
        const char *b = strrchr(path, '/');
        L->label = xstrdup(b ? b + 1 : path);
    }
    L->path = path;
    FILE *f = fopen(path, "r");
    if (!f) {
        calla_err("failed to open \"%s\": %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        if (len == 0) continue;
        JsonVal v;
        char err[128];
        if (json_parse(line, (size_t)len, &v, err, sizeof err) < 0 || v.type != JSON_OBJ) {
            if (v.type != JSON_OBJ) snprintf(err, sizeof err, "not a JSON object");
            calla_err("\"%s\" line %d is not a training log record: %s", path, lineno, err);
            free(line);
            fclose(f);
            return -1;
        }
        if (json_get(&v, "header")) {  // the run's header line (calla train, fresh runs)
            json_free(&v);
            continue;
        }
        log_grow(L);
        int i = L->n++;
        L->epoch[i] = num(&v, "epoch");
        L->wall[i] = num(&v, "wall_s");
        L->train[i] = num(&v, "train_loss");
        L->val[i] = num(&v, "val_loss");
        L->f1[i] = num(&v, "val_f1");
        L->gf1[i] = num(&v, "val_genotype_f1");
        for (int h = 0; h < MAX_HEADS; h++) L->acc[h][i] = NAN;
        for (int k = 0; k < v.n; k++)
            if (strncmp(v.keys[k], "val_acc_", 8) == 0 && v.items[k].type == JSON_NUM) {
                int h = head_index(v.keys[k] + 8);
                if (h >= 0) L->acc[h][i] = v.items[k].num;
            }
        json_free(&v);
        if (isnan(L->epoch[i])) {
            calla_err("\"%s\" line %d has no \"epoch\"", path, lineno);
            free(line);
            fclose(f);
            return -1;
        }
    }
    free(line);
    fclose(f);
    if (L->n == 0) {
        calla_err("\"%s\" holds no training log records", path);
        return -1;
    }
    return 0;
}

static void log_free(Log *L) {
    free(L->label);
    free(L->epoch), free(L->wall), free(L->train), free(L->val), free(L->f1), free(L->gf1);
    for (int h = 0; h < MAX_HEADS; h++) free(L->acc[h]);
}

int main_plot(int argc, char **argv) {
    static const struct option lo[] = {{"output", required_argument, 0, 'o'},
                                       {"x", required_argument, 0, 'x'},
                                       {"title", required_argument, 0, 't'},
                                       {"log-y", no_argument, 0, 'L'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
    const char *out = NULL, *title = "calla training curves";
    int want_epoch = 1, want_wall = 1, log_y = 0, opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
        switch (opt) {
            case 'o': out = optarg; break;
            case 't': title = optarg; break;
            case 'L': log_y = 1; break;
            case 'x':
                if (strcmp(optarg, "epoch") == 0)
                    want_wall = 0;
                else if (strcmp(optarg, "wall") == 0)
                    want_epoch = 0;
                else if (strcmp(optarg, "both") != 0) {
                    calla_err("invalid value for --x: \"%s\" (epoch, wall or both)", optarg);
                    usage(stderr);
                    return CALLA_EXIT_USAGE;
                }
                break;
            case 'h': usage(stdout); return 0;
            default: usage(stderr); return CALLA_EXIT_USAGE;
        }
    }
    int n_logs = argc - optind;
    if (n_logs < 1 || !out) {
        calla_err("%s", n_logs < 1 ? "no log file given" : "no output file (-o)");
        usage(stderr);
        return CALLA_EXIT_USAGE;
    }
    if (!is_svg_name(out)) {
        calla_err("-o \"%s\": calla plot writes SVG only (name the file .svg; convert it with e.g. "
                  "`rsvg-convert -o curves.png curves.svg`)",
                  out);
        return CALLA_EXIT_USAGE;
    }
    g_n_heads = 0;
    Log *logs = xcalloc(n_logs, sizeof *logs);
    int rc = CALLA_EXIT_RUNTIME, loaded = 0;
    for (int i = 0; i < n_logs; i++, loaded++)
        if (read_log(&logs[i], argv[optind + i]) < 0) goto done;
    if (log_y) {  // a log axis cannot show a loss <= 0: say how many points are left out
        long n_bad = 0, n_pos = 0;
        for (int i = 0; i < n_logs; i++)
            for (int k = 0; k < logs[i].n; k++) {
                double v[2] = {logs[i].train[k], logs[i].val[k]};
                for (int j = 0; j < 2; j++) {
                    if (!isfinite(v[j])) continue;
                    if (v[j] > 0)
                        n_pos++;
                    else
                        n_bad++;
                }
            }
        if (n_bad)
            calla_warn("--log-y: %ld loss value(s) <= 0 left out of the loss panels%s", n_bad,
                       n_pos ? "" : " (no loss is > 0: the loss panels are empty)");
    }
    int rows = want_epoch + want_wall, cols = 3;
    PlotPanel panels[6];
    PlotSeries *series = xcalloc((size_t)rows * n_logs * (4 + MAX_HEADS), sizeof *series);
    int ns = 0;
    for (int r = 0; r < rows; r++) {
        int wall = !want_epoch || r == 1;
        const char *xl = wall ? "wall time (s)" : "epoch";
        PlotPanel *p = &panels[r * cols];
        p[0] = (PlotPanel){"Loss per sample", xl, "loss", series + ns, 0, log_y};
        for (int i = 0; i < n_logs; i++) {
            const double *x = wall ? logs[i].wall : logs[i].epoch;
            series[ns++] = (PlotSeries){x, logs[i].train, logs[i].n, i, 1};
            series[ns++] = (PlotSeries){x, logs[i].val, logs[i].n, i, 0};
        }
        p[0].n_series = (int)(series + ns - p[0].series);
        p[1] = (PlotPanel){"Validation accuracy per head", xl, "accuracy", series + ns, 0, 0};
        for (int i = 0; i < n_logs; i++)
            for (int h = 0; h < g_n_heads; h++)
                series[ns++] = (PlotSeries){wall ? logs[i].wall : logs[i].epoch, logs[i].acc[h],
                                            logs[i].n, i, h};
        p[1].n_series = (int)(series + ns - p[1].series);
        p[2] = (PlotPanel){"Validation F1", xl, "F1", series + ns, 0, 0};
        for (int i = 0; i < n_logs; i++) {
            const double *x = wall ? logs[i].wall : logs[i].epoch;
            series[ns++] = (PlotSeries){x, logs[i].f1, logs[i].n, i, 0};
            series[ns++] = (PlotSeries){x, logs[i].gf1, logs[i].n, i, 1};
        }
        p[2].n_series = (int)(series + ns - p[2].series);
    }
    PlotLegend *leg = xcalloc(n_logs + 4 + MAX_HEADS, sizeof *leg);
    char(*labels)[96] = xcalloc(MAX_HEADS, sizeof *labels);
    int nl = 0;
    for (int i = 0; i < n_logs; i++) leg[nl++] = (PlotLegend){logs[i].label, i, 0};
    leg[nl++] = (PlotLegend){"loss: validation", -1, 0};
    leg[nl++] = (PlotLegend){"loss: train", -1, 1};
    leg[nl++] = (PlotLegend){"F1: variant", -1, 0};
    leg[nl++] = (PlotLegend){"F1: genotype", -1, 1};
    for (int h = 0; h < g_n_heads; h++) {
        snprintf(labels[h], sizeof labels[h], "accuracy: %.47s", g_heads[h]);
        leg[nl++] = (PlotLegend){labels[h], -1, h};
    }
    AtomicOut ao;
    if (strcmp(out, "-") == 0) {  // standard output: no temporary file
        if (plot_svg_write(stdout, title, panels, rows, cols, leg, nl) == 0 && fflush(stdout) == 0)
            rc = 0;
        else
            calla_err("failed to write the SVG to standard output: %s", strerror(errno));
    } else if (atomic_begin(&ao, out) == 0) {
        FILE *f = fopen(ao.tmp, "w");
        int ok = f && plot_svg_write(f, title, panels, rows, cols, leg, nl) == 0;
        if (f && fclose(f) != 0) ok = 0;
        if (!ok) {
            calla_err("failed to write \"%s\": %s", out, strerror(errno));
            atomic_abort(&ao);
        } else if (atomic_commit(&ao) == 0) {
            rc = 0;
        }
    }
    free(series);
    free(leg);
    free(labels);
done:
    for (int i = 0; i < loaded; i++) log_free(&logs[i]);
    if (loaded < n_logs) log_free(&logs[loaded]);
    free(logs);
    return rc;
}
