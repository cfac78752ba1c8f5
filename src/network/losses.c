// losses.c — see losses.h. Accumulation in double.
#include "network/losses.h"

#include <math.h>
#include <stddef.h>

static inline double clip_p(double p, int *inside) {
    *inside = 1;
    if (p < FOCAL_EPS) return *inside = 0, FOCAL_EPS;
    if (p > 1.0 - FOCAL_EPS) return *inside = 0, 1.0 - FOCAL_EPS;
    return p;
}

double focal_loss_forward(const float *p, const float *y, int B, int C, double gamma) {
    double loss = 0.0;
    for (int i = 0; i < B * C; i++) {
        if (y[i] == 0.0f) continue;
        int in;
        double pc = clip_p(p[i], &in);
        loss -= y[i] * pow(1.0 - pc, gamma) * log(pc);
    }
    return loss;
}

void focal_loss_backward(float *dlogits, const float *p, const float *y, int B, int C, double gamma,
                         double scale) {
    for (int b = 0; b < B; b++) {
        const float *pb = p + (size_t)b * C, *yb = y + (size_t)b * C;
        double g[FOCAL_MAX_CLASSES], dot = 0.0;
        for (int c = 0; c < C; c++) {
            int in;
            double pc = clip_p(pb[c], &in);
            g[c] = 0.0;
            if (yb[c] != 0.0f && in)
                g[c] = -yb[c] *
                       (pow(1.0 - pc, gamma) / pc - gamma * pow(1.0 - pc, gamma - 1.0) * log(pc));
            dot += g[c] * pb[c];
        }
        for (int c = 0; c < C; c++)
            dlogits[(size_t)b * C + c] = (float)(scale * pb[c] * (g[c] - dot));
    }
}

double softmax_xent_forward(const float *z, const float *y, int B, int C) {
    double loss = 0.0;
    for (int b = 0; b < B; b++) {
        const float *zb = z + (size_t)b * C, *yb = y + (size_t)b * C;
        double mx = zb[0], s = 0.0;
        for (int c = 1; c < C; c++) mx = zb[c] > mx ? zb[c] : mx;
        for (int c = 0; c < C; c++) s += exp(zb[c] - mx);
        double lse = mx + log(s);
        for (int c = 0; c < C; c++)
            if (yb[c] != 0.0f) loss -= yb[c] * (zb[c] - lse);
    }
    return loss;
}

void softmax_xent_backward(float *dlogits, const float *p, const float *y, int B, int C,
                           double scale) {
    for (int b = 0; b < B; b++) {
        const float *pb = p + (size_t)b * C, *yb = y + (size_t)b * C;
        double ys = 0.0;
        for (int c = 0; c < C; c++) ys += yb[c];
        for (int c = 0; c < C; c++)
            dlogits[(size_t)b * C + c] = (float)(scale * (pb[c] * ys - yb[c]));
    }
}

double sigmoid_sse_forward(const float *s, const float *y, int B, int C) {
    double loss = 0.0;
    for (int i = 0; i < B * C; i++) {
        double d = (double)s[i] - y[i];
        loss += d * d;
    }
    return loss;
}

void sigmoid_sse_backward(float *dlogits, const float *s, const float *y, int B, int C,
                          double scale) {
    for (int i = 0; i < B * C; i++)
        dlogits[i] = (float)(scale * 2.0 * ((double)s[i] - y[i]) * s[i] * (1.0 - s[i]));
}
