// shipped.c — finding the models shipped in models/ (see shipped.h).
#include "calling/shipped.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"

static int is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

int shipped_models_dir(char *buf, size_t n) {
    const char *env = getenv("CALLA_MODELS");
    if (env && *env) {
        snprintf(buf, n, "%s", env);
        if (is_dir(buf)) return 0;
        snprintf(buf, n, "$CALLA_MODELS=%s (not a directory)", env);
        return -1;
    }
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0) {
        snprintf(buf, n, "(the executable's path is unknown: set $CALLA_MODELS)");
        return -1;
    }
    exe[len] = 0;
    char *slash = strrchr(exe, '/');
    if (slash) *slash = 0;
    const char *rel[2] = {"../models", "../share/calla/models"};
    for (int i = 0; i < 2; i++) {
        char p[PATH_MAX + 32], real[PATH_MAX];
        snprintf(p, sizeof p, "%s/%s", exe, rel[i]);
        if (is_dir(p)) {
            snprintf(buf, n, "%s", realpath(p, real) ? real : p);
            return 0;
        }
    }
    snprintf(buf, n, "%s/../models or %s/../share/calla/models (set $CALLA_MODELS)", exe, exe);
    return -1;
}

char *shipped_model_resolve(const char *spec, const char *platform) {
    if (spec && (strchr(spec, '/') || is_file(spec))) return xstrdup(spec);  // a path
    const char *name = spec ? spec : platform;
    if (!name) {
        calla_err("no model: give -m MODEL (a file or a shipped model name) or --platform");
        return NULL;
    }
    // shipped names are plain words: letters, digits, '-', '_'
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '_')) {
            calla_err("model \"%s\" not found", name);
            return NULL;
        }
    char dir[PATH_MAX + 128];
    if (shipped_models_dir(dir, sizeof dir) < 0) {
        calla_err("model \"%s\" is neither a file nor a shipped model: no models directory at %s", name,
                  dir);
        return NULL;
    }
    size_t n = strlen(dir) + strlen(name) + 32;
    char *p = xmalloc(n);
    snprintf(p, n, "%s/%s.safetensors", dir, name);
    if (!is_file(p)) {
        calla_err("model \"%s\" is neither a file nor a shipped model (no %s)", name, p);
        free(p);
        return NULL;
    }
    return p;
}

char *shipped_fa_model_find(const char *platform) {
    char dir[PATH_MAX + 128];
    if (!platform || shipped_models_dir(dir, sizeof dir) < 0) return NULL;
    size_t n = strlen(dir) + strlen(platform) + 32;
    char *p = xmalloc(n);
    snprintf(p, n, "%s/%s-fa.safetensors", dir, platform);
    if (is_file(p)) return p;
    free(p);
    return NULL;
}
