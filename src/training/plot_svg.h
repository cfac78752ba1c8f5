// plot_svg.h — line charts as hand-written SVG: a grid of panels, each with axes, "nice" ticks,
// a title and several series; a legend below. Used by `calla plot`.
#ifndef CALLA_PLOT_SVG_H
#define CALLA_PLOT_SVG_H
#include <stdio.h>

typedef struct {
    const double *x, *y;  // n points; NaN y values are gaps
    int n;
    int color;  // palette index
    int dash;   // 0 solid, 1 dashed, 2 dotted, 3 dash-dot
} PlotSeries;

typedef struct {
    const char *title, *xlabel, *ylabel;
    PlotSeries *series;
    int n_series;
    int log_y;  // logarithmic y axis (values <= 0 are gaps)
} PlotPanel;

typedef struct {
    const char *label;
    int color, dash;  // color < 0: no swatch colour (style entry), dash < 0: no line
} PlotLegend;

// Writes an SVG of `rows` x `cols` panels (row-major) and a legend below them. Legend entries
// flow left to right at their estimated text width (plot_text_width) and wrap; a label wider
// than the figure is cut with an ellipsis. Returns 0, or -1 on a write error.
int plot_svg_write(FILE *f, const char *title, const PlotPanel *panels, int rows, int cols,
                   const PlotLegend *legend, int n_legend);

// Estimated width in pixels of UTF-8 text at font-size px in Helvetica/Arial (per-character
// classes of the Helvetica advance widths, rounded up; an overestimate for safety).
double plot_text_width(const char *s, double px);
// Ticks for a logarithmic axis over [lo, hi] (> 0): powers of ten, with 2 and 5 times them when
// the range spans less than two decades; returns the count (<= max).
int plot_log_ticks(double lo, double hi, double *ticks, int max);

// Ticks at 1, 2 or 5 times a power of ten covering [lo, hi]; returns the count (<= max).
int plot_nice_ticks(double lo, double hi, int target, double *ticks, int max);

#endif
