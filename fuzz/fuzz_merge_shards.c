// fuzz_merge_shards.c — `calla merge-shards` (src/calling/shard_merge.c): the ##calla_shard
// checks, the gVCF block joiner and the FILTER Overlap re-check over arbitrary shard files. The
// input is one or two VCF texts (split at the first line "#SHARD"). Contract: on success the
// output is a complete VCF whose records never go backwards and are no more than the inputs'
// (gVCF blocks only join); on failure no output and no temporary file are left.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <htslib/hts.h>
#include <htslib/vcf.h>

#include "calling/shard.h"
#include "fuzz/fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    hts_set_log_level(HTS_LOG_OFF);
    return 0;
}

// Records of a VCF/BCF file, or -1 when it cannot be read to the end; *sorted: positions never
// go backwards.
static long count_records(const char *path, int *sorted) {
    htsFile *fp = hts_open(path, "r");
    if (!fp) return -1;
    bcf_hdr_t *h = bcf_hdr_read(fp);
    bcf1_t *r = bcf_init();
    long n = 0;
    int rc = -1, last_rid = -1;
    hts_pos_t last_pos = -1;
    *sorted = 1;
    if (h && r)
        while ((rc = bcf_read(fp, h, r)) == 0) {
            if (r->rid < last_rid || (r->rid == last_rid && r->pos < last_pos)) *sorted = 0;
            last_rid = r->rid, last_pos = r->pos;
            n++;
        }
    bcf_destroy(r);
    if (h) bcf_hdr_destroy(h);
    hts_close(fp);
    return h && rc == -1 ? n : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char sep[] = "\n#SHARD\n";
    const uint8_t *cut = NULL;
    for (size_t i = 0; i + sizeof sep - 1 <= size && !cut; i++)
        if (memcmp(data + i, sep, sizeof sep - 1) == 0) cut = data + i;
    char *in[2];
    int n_in = 1;
    if (cut) {
        size_t a = (size_t)(cut - data) + 1;  // shard 1 keeps its last newline
        in[0] = strdup(fz_write("s1.vcf", data, a));
        in[1] = strdup(fz_write("s2.vcf", cut + sizeof sep - 1, size - a - (sizeof sep - 2)));
        n_in = 2;
    } else {
        in[0] = strdup(fz_write("s1.vcf", data, size));
        in[1] = NULL;
    }
    char out[512], tmp[600];
    snprintf(out, sizeof out, "%s/merged.vcf", fz_dir());
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", out, (long)getpid());
    unlink(out);
    long n_rec = 0;
    for (int k = 0; k < n_in; k++) {
        int s;
        long c = count_records(in[k], &s);
        n_rec += c > 0 ? c : 0;
    }
    int rc = shard_merge(out, 'v', in, n_in);
    if (rc == 0) {
        int sorted;
        long n = count_records(out, &sorted);
        FZ_CHECK(n >= 0 && n <= n_rec && sorted);
    } else {
        FZ_CHECK(access(out, F_OK) != 0);
    }
    FZ_CHECK(access(tmp, F_OK) != 0);
    free(in[0]), free(in[1]);
    return 0;
}
