// region.c — see region.h.
#include "common/region.h"

#include <stdlib.h>
#include <string.h>

#include <htslib/hts.h>

// 1 when the coordinate text after the name holds a number of more than 15 digits (commas
// ignored): such a value cannot be a position, and parsing it could overflow.
static int too_long_number(const char *s) {
    int run = 0;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9') {
            if (++run > 15) return 1;
        } else if (*s != ',') {
            run = 0;
        }
    }
    return 0;
}

int region_parse(const char *arg, RegionNameFn name2id, void *ud, int *tid, int64_t *beg,
                 int64_t *end) {
    *tid = -1;
    *beg = 0;
    *end = REGION_OPEN_END;
    if (!arg || !*arg) return -2;
    // The coordinate part: after "}:" for a braced name, else after the last ':' unless the
    // whole text names a contig.
    const char *coords = NULL;
    if (arg[0] == '{') {
        const char *close = strchr(arg, '}');
        if (!close || (close[1] && close[1] != ':')) return -2;
        coords = close[1] ? close + 2 : NULL;
    } else if (name2id(ud, arg) < 0) {
        const char *colon = strrchr(arg, ':');
        coords = colon ? colon + 1 : NULL;
    }
    if (coords && too_long_number(coords)) return -2;
    int t = -1;
    hts_pos_t b = 0, e = 0;
    int lvl = hts_get_log_level();  // our caller prints one line; htslib's would add more
    hts_set_log_level(HTS_LOG_OFF);
    const char *rest = hts_parse_region(arg, &t, &b, &e, (hts_name2id_f)name2id, ud,
                                        HTS_PARSE_THOUSANDS_SEP);
    hts_set_log_level(lvl);
    if (!rest) {
        if (arg[0] != '{' && name2id(ud, arg) >= 0) return -2;  // ambiguous: use braces
        if (t == -1 && coords == NULL) return -1;  // plain name, unknown
        if (t == -1) {
            // Unknown name before the coordinates, or an ambiguous one: tell them apart.
            size_t n = (size_t)(coords - arg) - 1;
            if (arg[0] == '{') return -1;
            char name[1024];
            if (n >= sizeof name) return -1;
            memcpy(name, arg, n);
            name[n] = 0;
            return name2id(ud, name) < 0 ? -1 : -2;
        }
        return -2;
    }
    if (*rest) return -2;  // trailing text
    if (b < 0 || e <= b) return -2;
    *tid = t;
    *beg = b;
    *end = e >= HTS_POS_MAX ? REGION_OPEN_END : e;
    return 0;
}

// Name lookup for region_parse_name: accepts any name (a ':' only inside braces), keeps it.
typedef struct {
    int braced;
    char name[1024];
} AnyName;

static int any_name(void *ud, const char *name) {
    AnyName *a = ud;
    size_t n = strlen(name);
    if (!n || n >= sizeof a->name || (!a->braced && strchr(name, ':'))) return -1;
    memcpy(a->name, name, n + 1);
    return 0;
}

int region_parse_name(const char *arg, char **name, int64_t *beg, int64_t *end) {
    AnyName a = {arg && arg[0] == '{', ""};
    int tid;
    *name = NULL;
    if (region_parse(arg, any_name, &a, &tid, beg, end) != 0) return -2;
    size_t n = strlen(a.name) + 1;
    *name = malloc(n);
    if (!*name) return -2;
    memcpy(*name, a.name, n);
    return 0;
}
