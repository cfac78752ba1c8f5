// shard.c — the shard plan, run identity and header line of `calla call --shard` (shard.h).
#include "calling/shard.h"

#include <errno.h>
#include <htslib/kstring.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

int shard_parse(const char *s, int *index, int *count) {
    char *end;
    errno = 0;
    long i = strtol(s, &end, 10);
    if (end == s || *end != '/' || errno) return -1;
    const char *t = end + 1;
    long n = strtol(t, &end, 10);
    if (end == t || *end || errno || n < 1 || n > 1000000 || i < 1 || i > n) return -1;
    *index = (int)i, *count = (int)n;
    return 0;
}

void shard_range(const Chunk *chunks, size_t n_chunks, int index, int count, size_t *lo,
                 size_t *hi) {
    int64_t total = 0;
    for (size_t j = 0; j < n_chunks; j++) total += chunks[j].end - chunks[j].beg;
    // boundary(k): first j with prefix(j) * count >= k * total
    size_t b[2];
    for (int e = 0; e < 2; e++) {
        int k = index - 1 + e;
        if (k == 0) { b[e] = 0; continue; }
        if (k == count) { b[e] = n_chunks; continue; }
        int64_t prefix = 0;
        size_t j = 0;
        while (j < n_chunks && prefix * count < (int64_t)k * total) {
            prefix += chunks[j].end - chunks[j].beg;
            j++;
        }
        b[e] = j;
    }
    *lo = b[0], *hi = b[1];
}

// Arguments that do not change the records: left out of the run identity. with_value: the
// option takes a value (as a separate argument, or attached: -@4, --threads=4).
typedef struct {
    const char *name;
    int with_value;
} SkipOpt;

static int skip_arg(const SkipOpt *skip, int argc, char **argv, int i) {
    const char *a = argv[i];
    for (const SkipOpt *s = skip; s->name; s++) {
        size_t n = strlen(s->name);
        if (strcmp(a, s->name) == 0) return s->with_value && i + 1 < argc ? 2 : 1;
        if (!s->with_value || strncmp(a, s->name, n) != 0) continue;
        if (s->name[1] != '-' || a[n] == '=') return 1;  // -@4, -ox, --threads=4
    }
    return 0;
}

static const SkipOpt ID_SKIP[] = {{"-@", 1}, {"--threads", 1}, {"--shard", 1}, {"-o", 1},
                                  {"--gvcf", 1},
                                  {"--output", 1}, {"-O", 1}, {"--output-type", 1},
                                  {"--quiet", 0}, {"--progress-interval", 1}, {NULL, 0}};
static const SkipOpt CMD_SKIP[] = {{"-@", 1}, {"--threads", 1}, {"--shard", 1}, {NULL, 0}};

void shard_run_id(int argc, char **argv, char out[17]) {
    uint64_t h = 1469598103934665603ULL;
    for (int i = 0; i < argc;) {
        int k = skip_arg(ID_SKIP, argc, argv, i);
        if (k) { i += k; continue; }
        for (const unsigned char *p = (const unsigned char *)argv[i];; p++) {
            h = (h ^ *p) * 1099511628211ULL;  // the NUL too: separates arguments
            if (!*p) break;
        }
        i++;
    }
    snprintf(out, 17, "%016" PRIx64, h);
}

char *shard_cmdline(int argc, char **argv) {
    kstring_t ks = {0, 0, NULL};
    for (int i = 0; i < argc;) {
        int k = skip_arg(CMD_SKIP, argc, argv, i);
        if (k) { i += k; continue; }
        if (ks.l) kputc(' ', &ks);
        kputs(argv[i], &ks);
        i++;
    }
    if (!ks.s) ks.s = xstrdup("");
    return ks.s;
}

char *shard_header_line(int index, int count, size_t lo, size_t hi, size_t total,
                        const char *run_id) {
    kstring_t ks = {0, 0, NULL};
    ksprintf(&ks, "##calla_shard=%d/%d chunks=%zu-%zu/%zu run=%s", index, count, lo, hi, total,
             run_id);
    return ks.s;
}
