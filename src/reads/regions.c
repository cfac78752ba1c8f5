// regions.c — see regions.h. (Moved out of cmd_tensors.c so that `calla call` shares it.)
#include "reads/regions.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "common/region.h"
#include "common/util.h"
#include "tensors/bed.h"

static int region_cmp(const void *a, const void *b) {
    const Region *x = a, *y = b;
    if (x->tid != y->tid) return x->tid < y->tid ? -1 : 1;
    if (x->beg != y->beg) return x->beg < y->beg ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

static int check_region(const ScanInputs *in, const char *what, const char *name, int64_t beg,
                        int64_t end, Region *r) {
    int tid = scan_inputs_tid(in, name);
    if (tid < 0) {
        calla_err("contig \"%s\" of %s is not in \"%s\"", name, what, scan_inputs_bam_path(in));
        return -1;
    }
    if (!scan_inputs_contig_in_ref(in, tid)) {
        calla_err("contig \"%s\" of %s is absent from reference \"%s\"", name, what,
                  scan_inputs_ref_path(in));
        return -1;
    }
    int64_t len = scan_inputs_contig_len(in, tid);
    if (end < 0) end = len;
    if (beg < 0 || beg >= end || end > len) {
        calla_err("%s is outside contig \"%s\" (length %lld) or empty", what, name, (long long)len);
        return -1;
    }
    r->tid = tid;
    r->beg = beg;
    r->end = end;
    return 0;
}

static int name2tid(void *ud, const char *name) { return scan_inputs_tid(ud, name); }

// One -r argument through the shared samtools parser (common/region.h).
static int parse_region_arg(const ScanInputs *in, const char *arg, Region *r) {
    char what[512];
    snprintf(what, sizeof what, "region \"%s\"", arg);
    int tid;
    int64_t beg, end;
    int rc = region_parse(arg, name2tid, (void *)in, &tid, &beg, &end);
    if (rc == -2) {
        calla_err("malformed region \"%s\"", arg);
        return -2;
    }
    if (rc == -1) {
        // Name the contig as the user wrote it (before the last ':' or inside the braces).
        const char *colon = arg[0] == '{' ? strchr(arg, '}') : strrchr(arg, ':');
        size_t off = arg[0] == '{', n = colon ? (size_t)(colon - arg) - off : strlen(arg);
        calla_err("contig \"%.*s\" of %s is not in \"%s\"", (int)n, arg + off, what,
                  scan_inputs_bam_path(in));
        return -1;
    }
    return check_region(in, what, scan_inputs_contig_name(in, tid), beg,
                        end == REGION_OPEN_END ? -1 : end, r);
}

static int read_bed(const ScanInputs *in, const char *path, Region **regs, int *n, int *cap) {
    BedRecord *recs;
    size_t nrec;
    if (bed_read_records(path, &recs, &nrec) < 0) return -1;
    int rc = 0;
    for (size_t i = 0; i < nrec; i++) {
        char what[1200];
        snprintf(what, sizeof what, "BED line %ld of \"%s\"", recs[i].line, path);
        if (*n == *cap) {
            *cap = *cap ? 2 * *cap : 64;
            *regs = xrealloc(*regs, *cap * sizeof **regs);
        }
        if (check_region(in, what, recs[i].name, recs[i].beg, recs[i].end, &(*regs)[*n]) < 0) {
            rc = -1;
            break;
        }
        (*n)++;
    }
    bed_records_free(recs, nrec);
    return rc;
}

int regions_build(const ScanInputs *in, char *const *region_args, int n_region_args,
                  const char *bed_path, Region **regs_out, int *n_out) {
    Region *regs = NULL;
    int n_regs = 0, cap_regs = 0;
    *regs_out = NULL;
    *n_out = 0;
    for (int i = 0; i < n_region_args; i++) {
        if (n_regs == cap_regs) {
            cap_regs = cap_regs ? 2 * cap_regs : 16;
            regs = xrealloc(regs, cap_regs * sizeof *regs);
        }
        int rc = parse_region_arg(in, region_args[i], &regs[n_regs]);
        if (rc < 0) {
            free(regs);
            return rc;
        }
        n_regs++;
    }
    if (bed_path && read_bed(in, bed_path, &regs, &n_regs, &cap_regs) < 0) {
        free(regs);
        return -1;
    }
    if (!n_region_args && !bed_path) {
        int nc = scan_inputs_ncontigs(in), skipped = 0;
        regs = xmalloc((nc ? nc : 1) * sizeof *regs);
        for (int t = 0; t < nc; t++) {
            if (!scan_inputs_contig_in_ref(in, t)) { skipped++; continue; }
            regs[n_regs++] = (Region){t, 0, scan_inputs_contig_len(in, t)};
        }
        if (skipped)
            calla_warn("%d contig(s) of \"%s\" are absent from \"%s\" and are skipped", skipped,
                       scan_inputs_bam_path(in), scan_inputs_ref_path(in));
    }
    // Sort and merge overlapping regions so that no position is scanned twice.
    if (n_regs > 0) qsort(regs, n_regs, sizeof *regs, region_cmp);
    int m = 0;
    for (int i = 0; i < n_regs; i++) {
        if (m > 0 && regs[m - 1].tid == regs[i].tid && regs[i].beg <= regs[m - 1].end) {
            if (regs[i].end > regs[m - 1].end) regs[m - 1].end = regs[i].end;
        } else regs[m++] = regs[i];
    }
    *regs_out = regs;
    *n_out = m;
    return 0;
}

Chunk *regions_chunks(const Region *regs, int n_regs, int64_t chunk, size_t *n_out,
                      int64_t *total_pos) {
    return regions_chunks_joined(regs, n_regs, chunk, -1, n_out, total_pos);
}

Chunk *regions_chunks_joined(const Region *regs, int n_regs, int64_t chunk, int64_t join_gap,
                             size_t *n_out, int64_t *total_pos) {
    Chunk *chunks = NULL;
    size_t n_chunks = 0, cap_chunks = 0;
    int64_t total = 0;
    for (int i = 0; i < n_regs;) {
        int j = i + 1;  // regions [i, j) form one span
        while (j < n_regs && join_gap >= 0 && regs[j].tid == regs[i].tid &&
               regs[j].beg - regs[j - 1].end <= join_gap)
            j++;
        const int joined = j - i > 1;
        int k0 = i;  // the first region that may overlap the next chunk
        for (int k = i; k < j; k++) total += regs[k].end - regs[k].beg;
        for (int64_t b = regs[i].beg; b < regs[j - 1].end; b += chunk) {
            int64_t e = b + chunk < regs[j - 1].end ? b + chunk : regs[j - 1].end;
            const Region *iv = NULL;
            int n_iv = 0;
            if (joined) {
                while (k0 < j && regs[k0].end <= b) k0++;
                int k1 = k0;
                while (k1 < j && regs[k1].beg < e) k1++;
                if (k1 == k0) continue;  // the chunk lies in a gap
                iv = regs + k0, n_iv = k1 - k0;
            }
            if (n_chunks == cap_chunks) {
                cap_chunks = cap_chunks ? 2 * cap_chunks : 64;
                chunks = xrealloc(chunks, cap_chunks * sizeof *chunks);
            }
            chunks[n_chunks] = (Chunk){regs[i].tid, b, e, n_chunks, iv, n_iv};
            n_chunks++;
        }
        i = j;
    }
    *n_out = n_chunks;
    if (total_pos) *total_pos = total;
    return chunks;
}

int64_t chunk_positions(const Chunk *ch) {
    if (!ch->iv) return ch->end - ch->beg;
    int64_t n = 0;
    for (int k = 0; k < ch->n_iv; k++) {
        int64_t b = ch->iv[k].beg > ch->beg ? ch->iv[k].beg : ch->beg;
        int64_t e = ch->iv[k].end < ch->end ? ch->iv[k].end : ch->end;
        if (e > b) n += e - b;
    }
    return n;
}

int chunks_run(const Chunk *chunks, size_t n_chunks, int threads, void *slots, size_t slot_size,
               ChunkWorkFn work, ChunkSinkFn sink, void *ud) {
    if (threads < 1) threads = 1;
#ifndef _OPENMP
    threads = 1;
#endif
    if (threads == 1) {
        for (size_t i = 0; i < n_chunks; i++)
            if (work(ud, 0, &chunks[i], slots) != 0 || sink(ud, &chunks[i], slots) != 0) return -1;
        return 0;
    }
#ifdef _OPENMP
    // A sliding window of W = 2 x threads chunks: chunk i uses slot i % W and may start once the
    // chunk W places before it has been written. Whoever finishes a chunk writes every finished
    // chunk that is next in order, so threads never wait for a batch to end.
    const size_t W = 2 * (size_t)threads;
    int *done = xcalloc(W, sizeof *done), *rc = xcalloc(W, sizeof *rc);
    size_t next = 0, emitted = 0;
    int failed = 0;
    omp_lock_t lk;
    omp_init_lock(&lk);
#pragma omp parallel num_threads(threads)
    {
        const int t = omp_get_thread_num();
        for (;;) {
            size_t i = 0;
            int state;  // 0: got chunk i, 1: window full, 2: nothing left
            omp_set_lock(&lk);
            if (failed || next >= n_chunks)
                state = 2;
            else if (next < emitted + W)
                state = 0, i = next++;
            else
                state = 1;
            omp_unset_lock(&lk);
            if (state == 2) break;
            if (state == 1) {  // the oldest chunk is still being worked on elsewhere
                struct timespec ts = {0, 200000};
                nanosleep(&ts, NULL);
                continue;
            }
            int r = work(ud, t, &chunks[i], (char *)slots + (i % W) * slot_size);
            omp_set_lock(&lk);
            rc[i % W] = r, done[i % W] = 1;
            while (!failed && emitted < next && done[emitted % W]) {
                size_t k = emitted % W;
                if (rc[k] != 0 || sink(ud, &chunks[emitted], (char *)slots + k * slot_size) != 0)
                    failed = 1;
                done[k] = 0;
                emitted++;
            }
            omp_unset_lock(&lk);
        }
    }
    omp_destroy_lock(&lk);
    free(done), free(rc);
    return failed ? -1 : 0;
#else
    (void)slot_size;
    return 0;  // (without OpenMP threads is 1: handled above)
#endif
}

char *cmdline_without_threads(int argc, char **argv) {
    size_t n = 1;
    for (int i = 0; i < argc; i++) n += strlen(argv[i]) + 1;
    char *s = xmalloc(n), *p = s;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if ((!strcmp(a, "-@") || !strcmp(a, "--threads")) && i + 1 < argc) {
            i++;
            continue;
        }
        if (!strncmp(a, "-@", 2) || !strncmp(a, "--threads=", 10)) continue;
        p += sprintf(p, p > s ? " %s" : "%s", a);
    }
    *p = 0;
    return s;
}
