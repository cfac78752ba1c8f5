// fuzz_common.c — temporary files and the fixture reference/BAM for the fuzz harnesses.
#include "fuzz_common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <htslib/bgzf.h>
#include <htslib/faidx.h>
#include <htslib/hts.h>
#include <htslib/sam.h>

#ifndef CALLA_SRC_ROOT
#define CALLA_SRC_ROOT "."
#endif

static char g_dir[256];

static void fz_fatal(const char *what) {
    fprintf(stderr, "fuzz harness setup failed: %s: %s\n", what, strerror(errno));
    abort();
}

static void fz_cleanup(void) {
    if (!g_dir[0]) return;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", g_dir);
}

const char *fz_dir(void) {
    if (!g_dir[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(g_dir, sizeof g_dir, "%s/calla-fuzz.XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(g_dir)) fz_fatal("mkdtemp");
        atexit(fz_cleanup);
    }
    return g_dir;
}

static char *fz_path(const char *name) {
    static char slots[8][320];
    static int next;
    char *p = slots[next++ % 8];
    snprintf(p, 320, "%s/%s", fz_dir(), name);
    return p;
}

const char *fz_write(const char *name, const uint8_t *data, size_t size) {
    char *p = fz_path(name);
    FILE *f = fopen(p, "wb");
    if (!f) fz_fatal(p);
    if (size && fwrite(data, 1, size, f) != size) fz_fatal(p);
    if (fclose(f) != 0) fz_fatal(p);
    return p;
}

const char *fz_write_bgzf(const char *name, const uint8_t *data, size_t size) {
    char *p = fz_path(name);
    BGZF *b = bgzf_open(p, "w");
    if (!b) fz_fatal(p);
    if (size && bgzf_write(b, data, size) != (ssize_t)size) fz_fatal(p);
    if (bgzf_close(b) != 0) fz_fatal(p);
    return p;
}

static const char *src_root(void) {
    const char *r = getenv("CALLA_ROOT");
    return r && *r ? r : CALLA_SRC_ROOT;
}

const char *fz_fixture_ref(void) {
    static char *path;
    if (path) return path;
    char src[512];
    snprintf(src, sizeof src, "%s/tests/fixtures/tensors_ref.fa", src_root());
    FILE *in = fopen(src, "rb");
    if (!in) fz_fatal(src);
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf, in);
    fclose(in);
    path = strdup(fz_write("ref.fa", (const uint8_t *)buf, n));
    if (!path || fai_build(path) != 0) fz_fatal("fai_build");
    return path;
}

const char *fz_fixture_bam(void) {
    static char *path;
    if (path) return path;
    char src[512];
    snprintf(src, sizeof src, "%s/tests/fixtures/tensors_reads.sam", src_root());
    path = strdup(fz_path("reads.bam"));
    samFile *in = sam_open(src, "r"), *out = path ? sam_open(path, "wb") : NULL;
    if (!in || !out) fz_fatal(src);
    sam_hdr_t *h = sam_hdr_read(in);
    if (!h || sam_hdr_write(out, h) < 0) fz_fatal("BAM header");
    bam1_t *b = bam_init1();
    int r;
    while ((r = sam_read1(in, h, b)) >= 0)
        if (sam_write1(out, h, b) < 0) fz_fatal("BAM write");
    if (r < -1) fz_fatal("SAM read");
    bam_destroy1(b);
    sam_hdr_destroy(h);
    if (sam_close(in) < 0 || sam_close(out) < 0) fz_fatal("BAM close");
    if (sam_index_build(path, 0) < 0) fz_fatal("BAM index");
    return path;
}

void fz_contract(const char *file, int line, const char *what) {
    fprintf(stderr, "%s:%d: contract violated: %s\n", file, line, what);
    abort();
}
