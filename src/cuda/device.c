// device.c — --device parsing and the selected device (cuda_backend.h); in every build.
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "cuda/cuda_backend.h"

static int selected = -1, precision = 0;  // set only by command entry points

int calla_device_parse(const char *s, int *dev) {
    if (strcmp(s, "cpu") == 0) return *dev = -1, 0;
    if (strcmp(s, "cuda") == 0) return *dev = 0, 0;
    if (strncmp(s, "cuda:", 5) == 0) {
        long v;
        if (parse_int(s + 5, &v) < 0 || v < 0 || v > 1024) return -1;
        return *dev = (int)v, 0;
    }
    return -1;
}

void calla_device_set(int dev) { selected = dev; }
int calla_device_get(void) { return selected; }
void calla_device_set_precision(int prec) { precision = prec; }
int calla_device_get_precision(void) { return precision; }
