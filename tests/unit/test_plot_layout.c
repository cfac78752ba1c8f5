// test_plot_layout.c — the pieces of plot_svg.c that `calla plot`'s layout rests on, against values
// worked out by hand: text width estimates, logarithmic and 1-2-5 ticks, and a legend whose long
// label is cut with an ellipsis to fit the figure while short ones are left whole.
#include <stdlib.h>
#include <string.h>

#include "testlib.h"
#include "training/plot_svg.h"

int main(void) {
    // Widths in em: lower case 0.58, capitals 0.72, narrow (i l . etc.) 0.33, wide (m w) 0.95,
    // other UTF-8 characters 0.75 whatever their byte count; times the font size.
    T_NEAR(plot_text_width("ab", 12), 2 * 0.58 * 12, 1e-9, 0);
    T_NEAR(plot_text_width("A", 10), 7.2, 1e-9, 0);
    T_NEAR(plot_text_width("il.", 12), 3 * 0.33 * 12, 1e-9, 0);
    T_NEAR(plot_text_width("mW", 12), 2 * 0.95 * 12, 1e-9, 0);
    T_NEAR(plot_text_width("\xe2\x80\xa6", 12), 0.75 * 12, 1e-9, 0);  // U+2026: one character
    T_NEAR(plot_text_width("", 12), 0, 0, 0);

    double t[32];
    // 0.45 .. 2.2 spans less than two decades: 0.5, 1, 2 (and nothing outside the range)
    int n = plot_log_ticks(0.45, 2.2, t, 32);
    T_EQ_INT(n, 3);
    T_NEAR(t[0], 0.5, 1e-12, 0);
    T_NEAR(t[1], 1, 1e-12, 0);
    T_NEAR(t[2], 2, 1e-12, 0);
    // 0.003 .. 40 spans four decades: powers of ten only, 0.01 0.1 1 10
    n = plot_log_ticks(0.003, 40, t, 32);
    T_EQ_INT(n, 4);
    T_NEAR(t[0], 0.01, 1e-15, 0);
    T_NEAR(t[3], 10, 1e-12, 0);
    T_EQ_INT(plot_log_ticks(0, 1, t, 32), 0);  // no log axis through zero
    // linear ticks: 0 .. 1 with 5 targets -> step 0.2: 0, 0.2, ..., 1
    n = plot_nice_ticks(0, 1, 5, t, 32);
    T_EQ_INT(n, 6);
    T_NEAR(t[5], 1, 1e-12, 0);

    // A 1x1 figure (380 px wide): the legend has 340 px for swatch + text, so a 200-character
    // label (0.58 * 12 * 200 = 1392 px) is cut to fit with "…", and "short" is left whole.
    double x[2] = {1, 2}, y[2] = {0.5, 0.25};
    PlotSeries s = {x, y, 2, 0, 0};
    PlotPanel p = {"loss", "epoch", "loss", &s, 1, 1};
    char lab[201];
    memset(lab, 'a', 200);
    lab[200] = 0;
    PlotLegend leg[2] = {{lab, 0, 0}, {"short", 1, 0}};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    T_CHECK(f != NULL);
    if (!f) T_DONE();
    T_EQ_INT(plot_svg_write(f, "t", &p, 1, 1, leg, 2), 0);
    fclose(f);
    T_CHECK(strstr(buf, lab) == NULL);                 // not whole
    const char *cut = strstr(buf, "aaaa\xe2\x80\xa6</text>");
    T_CHECK(cut != NULL);
    if (cut) {  // the cut label: 'a' * k + "…", k * 0.58 * 12 + 9 <= 380 - 40 - 34 = 306 < (k+1)*...
        const char *b = cut;
        while (b > buf && b[-1] == 'a') b--;
        int k = (int)(cut + 4 - b);
        T_CHECK(k * 0.58 * 12 + 9 <= 306 + 1e-9);
        T_CHECK((k + 1) * 0.58 * 12 + 9 > 306);  // and as long as fits
    }
    T_CHECK(strstr(buf, ">short</text>") != NULL);
    T_CHECK(strstr(buf, "loss (log scale)</text>") != NULL);
    free(buf);
    T_DONE();
}
