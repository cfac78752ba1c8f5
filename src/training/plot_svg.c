// plot_svg.c — minimal SVG line charts.
#include "training/plot_svg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *PALETTE[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
static const char *DASH[] = {"", " stroke-dasharray=\"6,4\"", " stroke-dasharray=\"2,3\"",
                             " stroke-dasharray=\"9,3,2,3\""};

enum { PW = 380, PH = 280, ML = 62, MR = 16, MT = 34, MB = 46, LEG_ROW = 20 };
enum { LEG_FONT = 12, LEG_SWATCH = 34, LEG_GAP = 18, LEG_LEFT = 20 };

static void xml_text(FILE *f, const char *s) {
    for (; *s; s++) {
        if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else if (*s == '&')
            fputs("&amp;", f);
        else if (*s == '"')
            fputs("&quot;", f);
        else if ((unsigned char)*s < 0x20 && *s != '\t')
            fputc(' ', f);  // control characters are not allowed in XML 1.0: a space instead
        else
            fputc(*s, f);
    }
}

double plot_text_width(const char *s, double px) {
    double em = 0;  // in units of the font size
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned c = *p;
        if ((c & 0xC0) == 0x80) continue;  // UTF-8 continuation byte
        if (c >= 0x80) em += 0.75;        // other scripts and symbols: wide
        else if (strchr("iljtfI.,:;'|!() []", (int)c)) em += 0.33;
        else if (strchr("mwMW@%", (int)c)) em += 0.95;
        else if (c >= 'A' && c <= 'Z') em += 0.72;
        else em += 0.58;
    }
    return em * px;
}

int plot_log_ticks(double lo, double hi, double *ticks, int max) {
    if (!(lo > 0) || !(hi > lo)) return 0;
    int e0 = (int)floor(log10(lo) + 1e-9), e1 = (int)ceil(log10(hi) - 1e-9);
    static const double all[] = {1, 2, 5}, one[] = {1};
    const double *m = log10(hi / lo) < 2 ? all : one;
    int nm = m == all ? 3 : 1, n = 0;
    for (int e = e0; e <= e1; e++)
        for (int k = 0; k < nm && n < max; k++) {
            double t = m[k] * pow(10, e);
            if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9)) ticks[n++] = t;
        }
    return n;
}

int plot_nice_ticks(double lo, double hi, int target, double *ticks, int max) {
    if (!(hi > lo)) hi = lo + 1;
    double raw = (hi - lo) / (target > 1 ? target : 1), p = pow(10, floor(log10(raw)));
    double step = raw / p < 1.5 ? p : raw / p < 3.5 ? 2 * p : raw / p < 7.5 ? 5 * p : 10 * p;
    int n = 0;
    for (double t = ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9 && n < max; t += step)
        ticks[n++] = fabs(t) < step * 1e-9 ? 0 : t;
    return n;
}

static void fmt_tick(double v, char *buf, size_t n) {
    if (v != 0 && (fabs(v) >= 1e5 || fabs(v) < 1e-3))
        snprintf(buf, n, "%.0e", v);
    else
        snprintf(buf, n, "%g", v);
}

static void panel(FILE *f, const PlotPanel *p, double ox, double oy) {
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    for (int s = 0; s < p->n_series; s++)
        for (int i = 0; i < p->series[s].n; i++) {
            double x = p->series[s].x[i], y = p->series[s].y[i];
            if (!isfinite(x) || !isfinite(y) || (p->log_y && !(y > 0))) continue;
            xlo = fmin(xlo, x), xhi = fmax(xhi, x), ylo = fmin(ylo, y), yhi = fmax(yhi, y);
        }
    if (!isfinite(xlo)) xlo = 0, xhi = 1, ylo = 0, yhi = 1;
    if (xhi <= xlo) xhi = xlo + 1;
    const int lg = p->log_y;
    if (lg) {  // the axis is in log10 units from here on; ticks are converted back for labels
        if (!isfinite(ylo) || ylo <= 0) ylo = 0.1, yhi = 1;
        ylo = log10(ylo), yhi = log10(yhi);
        if (yhi <= ylo) ylo -= 0.5, yhi += 0.5;
    } else if (yhi <= ylo) {
        yhi = ylo + (ylo != 0 ? fabs(ylo) * 0.1 : 1), ylo -= (ylo != 0 ? fabs(ylo) * 0.1 : 0);
    }
    double pad = (yhi - ylo) * 0.05;
    ylo -= pad, yhi += pad;
    const double x0 = ox + ML, x1 = ox + PW - MR, y0 = oy + PH - MB, y1 = oy + MT;
#define SX(v) (x0 + ((v)-xlo) / (xhi - xlo) * (x1 - x0))
#define SY(v) (y0 - ((lg ? log10(v) : (v)) - ylo) / (yhi - ylo) * (y0 - y1))
    fprintf(
        f,
        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">",
        (x0 + x1) / 2, oy + 20);
    xml_text(f, p->title);
    fputs("</text>\n", f);
    double t[32];
    char buf[32];
    int nt = plot_nice_ticks(xlo, xhi, 6, t, 32);
    for (int i = 0; i < nt; i++) {
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>\n",
                SX(t[i]), y0, SX(t[i]), y1);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n",
                SX(t[i]), y0, SX(t[i]), y0 + 5);
        fmt_tick(t[i], buf, sizeof buf);
        fprintf(f,
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\">%s</text>\n",
                SX(t[i]), y0 + 17, buf);
    }
    nt = lg ? plot_log_ticks(pow(10, ylo), pow(10, yhi), t, 32) : plot_nice_ticks(ylo, yhi, 5, t, 32);
    if (lg && nt < 2) {  // less than one 1-2-5 step in range: linear ticks on the log scale
        nt = plot_nice_ticks(pow(10, ylo), pow(10, yhi), 4, t, 32);
        int k = 0;
        for (int i = 0; i < nt; i++)
            if (t[i] > 0) t[k++] = t[i];
        nt = k;
    }
    for (int i = 0; i < nt; i++) {
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>\n",
                x0, SY(t[i]), x1, SY(t[i]));
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n",
                x0 - 5, SY(t[i]), x0, SY(t[i]));
        fmt_tick(t[i], buf, sizeof buf);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\">%s</text>\n",
                x0 - 7, SY(t[i]) + 4, buf);
    }
    fprintf(f,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
            "stroke=\"black\"/>\n",
            x0, y1, x1 - x0, y0 - y1);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\">",
            (x0 + x1) / 2, y0 + 36);
    xml_text(f, p->xlabel);
    fprintf(f,
            "</text>\n<text transform=\"translate(%.1f,%.1f) rotate(-90)\" text-anchor=\"middle\" "
            "font-size=\"12\">",
            ox + 16, (y0 + y1) / 2);
    xml_text(f, p->ylabel);
    fputs(lg ? " (log scale)</text>\n" : "</text>\n", f);
    for (int s = 0; s < p->n_series; s++) {
        const PlotSeries *se = &p->series[s];
        const char *col = PALETTE[se->color % 10];
        int open = 0, npts = 0;
        for (int i = 0; i < se->n; i++) {
            if (!isfinite(se->x[i]) || !isfinite(se->y[i]) || (lg && !(se->y[i] > 0))) {
                if (open) fputs("\"/>\n", f), open = 0;
                continue;
            }
            if (!open) {
                fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"",
                        col, DASH[se->dash % 4]);
                open = 1;
            }
            fprintf(f, "%.1f,%.1f ", SX(se->x[i]), SY(se->y[i]));
            npts++;
        }
        if (open) fputs("\"/>\n", f);
        if (npts <= 3)  // few points: mark them
            for (int i = 0; i < se->n; i++)
                if (isfinite(se->x[i]) && isfinite(se->y[i]) && (!lg || se->y[i] > 0))
                    fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n",
                            SX(se->x[i]), SY(se->y[i]), col);
    }
#undef SX
#undef SY
}

// Copies label into buf (size n), cut at a character boundary with "…" appended when its
// estimated width exceeds max_w pixels.
static const char *fit_label(const char *label, double max_w, char *buf, size_t n) {
    if (plot_text_width(label, LEG_FONT) <= max_w) return label;
    size_t len = strlen(label);
    if (len + 4 > n) len = n - 4;
    memcpy(buf, label, len);
    buf[len] = 0;
    for (;;) {
        while (len > 0 && ((unsigned char)buf[len - 1] & 0xC0) == 0x80) len--;  // continuation
        if (len > 0) len--;
        while (len > 0 && ((unsigned char)buf[len] & 0xC0) == 0x80) len--;
        memcpy(buf + len, "\xe2\x80\xa6", 4);  // U+2026 HORIZONTAL ELLIPSIS
        if (len == 0 || plot_text_width(buf, LEG_FONT) <= max_w) return buf;
    }
}

// Legend flow layout: entry i at column offset x[i] (from LEG_LEFT) in row r[i]; returns the
// number of rows. Labels are fitted into labels[i] (buffers of 512 bytes).
static int legend_layout(const PlotLegend *legend, int n, double W, double *x, int *r,
                         char (*labels)[512], const char **text) {
    double avail = W - 2 * LEG_LEFT, cx = 0;
    int row = 0;
    for (int i = 0; i < n; i++) {
        text[i] = fit_label(legend[i].label, avail - LEG_SWATCH, labels[i], sizeof labels[i]);
        double w = LEG_SWATCH + plot_text_width(text[i], LEG_FONT);
        if (cx > 0 && cx + w > avail) cx = 0, row++;
        x[i] = cx, r[i] = row;
        cx += w + LEG_GAP;
    }
    return n ? row + 1 : 0;
}

int plot_svg_write(FILE *f, const char *title, const PlotPanel *panels, int rows, int cols,
                   const PlotLegend *legend, int n_legend) {
    int W = cols * PW;
    double *lx_of = calloc(n_legend ? n_legend : 1, sizeof *lx_of);
    int *row_of = calloc(n_legend ? n_legend : 1, sizeof *row_of);
    char(*fitted)[512] = calloc(n_legend ? n_legend : 1, sizeof *fitted);
    const char **text = calloc(n_legend ? n_legend : 1, sizeof *text);
    if (!lx_of || !row_of || !fitted || !text) {
        free(lx_of), free(row_of), free(fitted), free(text);
        return -1;
    }
    int leg_rows = legend_layout(legend, n_legend, W, lx_of, row_of, fitted, text);
    int H = 40 + rows * PH + leg_rows * LEG_ROW + 20;
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d "
            "%d\" "
            "font-family=\"Helvetica, Arial, sans-serif\">\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
            W, H, W, H);
    fprintf(f,
            "<text x=\"%d\" y=\"26\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">",
            W / 2);
    xml_text(f, title);
    fputs("</text>\n", f);
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) panel(f, &panels[r * cols + c], c * PW, 40 + r * PH);
    for (int i = 0; i < n_legend; i++) {
        double lx = LEG_LEFT + lx_of[i], ly = 40 + rows * PH + 10 + row_of[i] * LEG_ROW;
        const char *col = legend[i].color >= 0 ? PALETTE[legend[i].color % 10] : "black";
        if (legend[i].dash >= 0)
            fprintf(f,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                    "stroke-width=\"2\"%s/>\n",
                    lx, ly, lx + 28, ly, col, DASH[legend[i].dash % 4]);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\">", lx + LEG_SWATCH, ly + 4,
                LEG_FONT);
        xml_text(f, text[i]);
        fputs("</text>\n", f);
    }
    fputs("</svg>\n", f);
    free(lx_of), free(row_of), free(fitted), free(text);
    return ferror(f) ? -1 : 0;
}
