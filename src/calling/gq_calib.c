// gq_calib.c — fitting, storing and applying the GQ calibration map (gq_calib.h).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calling/gq_calib.h"

int gq_calib_parse(const char *text, GqCalib *c, char *err, size_t errlen) {
    memset(c, 0, sizeof(*c));
    const char *p = text;
    while (*p) {
        if (c->n == GQ_CALIB_MAX_KNOTS) {
            snprintf(err, errlen, "more than %d knots", GQ_CALIB_MAX_KNOTS);
            return -1;
        }
        char *end;
        double r = strtod(p, &end);
        if (end == p || *end != ':') {
            snprintf(err, errlen, "expected RAW:CAL at \"%.20s\"", p);
            return -1;
        }
        p = end + 1;
        double k = strtod(p, &end);
        if (end == p || (*end && *end != ',') || (*end == ',' && !end[1])) {
            snprintf(err, errlen, "expected RAW:CAL at \"%.20s\"", p);
            return -1;
        }
        if (!isfinite(r) || !isfinite(k) || r < 0 || k < 0 || r > 1000 || k > 1000) {
            snprintf(err, errlen, "knot %d (%g:%g) is not a Phred value in [0, 1000]", c->n + 1, r, k);
            return -1;
        }
        if (c->n > 0 && (r <= c->raw[c->n - 1] || k < c->cal[c->n - 1])) {
            snprintf(err, errlen, "knot %d (%g:%g) does not increase", c->n + 1, r, k);
            return -1;
        }
        c->raw[c->n] = r;
        c->cal[c->n] = k;
        c->n++;
        p = *end ? end + 1 : end;
    }
    if (c->n == 0) {
        snprintf(err, errlen, "no knots");
        return -1;
    }
    return 0;
}

int gq_calib_format(const GqCalib *c, kstring_t *out) {
    for (int i = 0; i < c->n; i++)
        if (ksprintf(out, "%s%.2f:%.2f", i ? "," : "", c->raw[i], c->cal[i]) < 0) return -1;
    return 0;
}

double gq_calib_apply(const GqCalib *c, double raw) {
    if (c->n == 0) return raw;
    double v;
    if (raw >= c->raw[c->n - 1]) {
        v = c->cal[c->n - 1] + (raw - c->raw[c->n - 1]);
    } else if (raw <= c->raw[0]) {
        v = c->raw[0] > 0 ? c->cal[0] * (raw > 0 ? raw : 0) / c->raw[0] : c->cal[0];
    } else {
        int i = 1;
        while (c->raw[i] < raw) i++;
        double t = (raw - c->raw[i - 1]) / (c->raw[i] - c->raw[i - 1]);
        v = c->cal[i - 1] + t * (c->cal[i] - c->cal[i - 1]);
    }
    return v < 0 ? 0 : v;
}

typedef struct {
    double n, err, gsum;
} Block;

int gq_calib_fit(const long *n, const long *err, int min_n, GqCalib *c) {
    memset(c, 0, sizeof(*c));
    Block b[GQ_CALIB_NRAW];
    int nb = 0;
    Block cur = {0, 0, 0};
    for (int g = 0; g < GQ_CALIB_NRAW; g++) {
        cur.n += n[g];
        cur.err += err[g];
        cur.gsum += (double)g * n[g];
        if (cur.n >= min_n) {
            b[nb++] = cur;
            cur = (Block){0, 0, 0};
        }
    }
    if (cur.n > 0) {  // a short tail joins the last block
        if (nb > 0) {
            b[nb - 1].n += cur.n, b[nb - 1].err += cur.err, b[nb - 1].gsum += cur.gsum;
        } else {
            b[nb++] = cur;
        }
    }
    // Pool adjacent violators: the error rate must not rise with GQ.
    int m = 0;
    for (int i = 0; i < nb; i++) {
        b[m++] = b[i];
        while (m > 1 && b[m - 1].err / b[m - 1].n > b[m - 2].err / b[m - 2].n) {
            b[m - 2].n += b[m - 1].n, b[m - 2].err += b[m - 1].err, b[m - 2].gsum += b[m - 1].gsum;
            m--;
        }
    }
    for (int i = 0; i < m; i++) {
        double raw = b[i].gsum / b[i].n;
        double cal = -10.0 * log10((b[i].err + 0.5) / (b[i].n + 1.0));
        if (c->n > 0 && cal < c->cal[c->n - 1]) cal = c->cal[c->n - 1];  // smoothing kept monotone
        if (c->n > 0 && raw <= c->raw[c->n - 1]) continue;
        c->raw[c->n] = raw;
        c->cal[c->n] = cal;
        c->n++;
    }
    // A flat run needs only its two ends.
    int w = 0;
    for (int i = 0; i < c->n; i++) {
        if (w >= 2 && c->cal[w - 1] == c->cal[i] && c->cal[w - 2] == c->cal[i]) w--;
        c->raw[w] = c->raw[i], c->cal[w] = c->cal[i], w++;
    }
    c->n = w;
    return c->n;
}
