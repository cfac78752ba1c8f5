// gVCF block merging (calling/gvcf.c) through the real writer: GQ bands of 5, a block keeps its
// lowest GQ with that position's PL and the smallest depth, breaks at a band change, a gap, a
// contig change and a variant record (whose REF span gets no block); the written lines are read
// back with bcftools.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calling/gvcf.h"
#include "common/util.h"
#include "testlib.h"

static int ref_pos(GvcfBlocks *g, int contig, int64_t pos, int dp, int gq, int pl1) {
    int pl[3] = {0, pl1, pl1 * 10};
    return gvcf_ref(g, contig, pos, 'A', dp, gq, pl, 3, 0);
}

int main(void) {
    if (system("bcftools --version >/dev/null 2>&1") != 0) T_SKIP("bcftools not installed");
    char dir[] = "/tmp/calla-gvcfb.XXXXXX";
    T_CHECK(mkdtemp(dir) != NULL);
    char path[256], cmd[1024];
    snprintf(path, sizeof path, "%s/x.g.vcf.gz", dir);
    char *contigs[2] = {"c1", "c2"};
    int64_t lens[2] = {100, 100};
    VcfWriter *w = vcfwriter_open_ex(path, 'z', 1, "S", 2, contigs, lens, NULL, NULL);
    T_CHECK(w != NULL);
    GvcfBlocks g;
    gvcf_init(&g, w);
    // 0-based positions 0..2: GQ 12, 10, 14 (band 2), depths 7, 9, 5 -> one block, GQ 10, PL of pos 1
    T_EQ_INT(ref_pos(&g, 0, 0, 7, 12, 12), 0);
    T_EQ_INT(ref_pos(&g, 0, 1, 9, 10, 10), 0);
    T_EQ_INT(ref_pos(&g, 0, 2, 5, 14, 14), 0);
    T_EQ_INT(ref_pos(&g, 0, 3, 8, 3, 3), 0);      // band 0: new block
    T_EQ_INT(ref_pos(&g, 0, 4, 8, 150, 150), 0);  // GQ capped at 99: band 19
    T_EQ_INT(ref_pos(&g, 0, 5, 8, 95, 95), 0);    // same band 19
    // a deletion at 6 (REF AGG): positions 6..8 get no block even if fed
    Call v = {.pos = 6, .ref = xstrdup("AGG"), .alt = {xstrdup("A"), NULL}, .n_alt = 1,
              .gt = {0, 1}, .qual = 20, .gq = 20, .dp = 8, .ad = {4, 4, 0}, .af = {0.5, 0},
              .filter = FILTER_PASS, .source = 'P', .n_pl = 3, .pl = {30, 0, 40}, .n_pl_star = 6,
              .pl_star = {30, 0, 40, 50, 60, 70}};
    T_EQ_INT(gvcf_variant(&g, 0, &v), 0);
    T_EQ_INT(ref_pos(&g, 0, 6, 8, 50, 50), 0);
    T_EQ_INT(ref_pos(&g, 0, 7, 8, 50, 50), 0);
    T_EQ_INT(ref_pos(&g, 0, 8, 8, 50, 50), 0);
    T_EQ_INT(ref_pos(&g, 0, 9, 8, 50, 50), 0);   // block 10-10
    T_EQ_INT(ref_pos(&g, 0, 11, 8, 50, 50), 0);  // gap: new block 12-12
    T_EQ_INT(ref_pos(&g, 1, 12, 8, 50, 50), 0);  // contig change
    T_EQ_INT(gvcf_flush(&g), 0);
    T_EQ_INT(vcfwriter_close(w), 0);
    snprintf(cmd, sizeof cmd,
             "bcftools view -H %s 2>%s/err | cut -f1-2,4-5,8,10 > %s/body && test ! -s %s/err", path,
             dir, dir, dir);
    T_EQ_INT(system(cmd), 0);
    const char *want[] = {
        "c1\t1\tA\t<*>\tEND=3\t0/0:10:5:0,10,100\n",
        "c1\t4\tA\t<*>\tEND=4\t0/0:3:8:0,3,30\n",
        "c1\t5\tA\t<*>\tEND=6\t0/0:95:8:0,95,950\n",
        "c1\t7\tAGG\tA,<*>\tP\t0/1:20:8:4,4,0:0.5,0:30,0,40,50,60,70\n",
        "c1\t10\tA\t<*>\tEND=10\t0/0:50:8:0,50,500\n",
        "c1\t12\tA\t<*>\tEND=12\t0/0:50:8:0,50,500\n",
        "c2\t13\tA\t<*>\tEND=13\t0/0:50:8:0,50,500\n",
    };
    snprintf(cmd, sizeof cmd, "%s/body", dir);
    FILE *f = fopen(cmd, "r");
    char line[512];
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        T_CHECK(f && fgets(line, sizeof line, f));
        if (strcmp(line, want[i]) != 0) {
            fprintf(stderr, "line %zu: got  %s        want %s", i + 1, line, want[i]);
            t_failures++;
        }
    }
    T_CHECK(f && !fgets(line, sizeof line, f));
    if (f) fclose(f);
    // header lines of a gVCF
    snprintf(cmd, sizeof cmd,
             "bcftools view -h %s | grep -c -e '^##ALT=<ID=\\*' -e '^##INFO=<ID=END' "
             "-e '^##FORMAT=<ID=MIN_DP' -e '^##FORMAT=<ID=PL' | grep -qx 4", path);
    T_EQ_INT(system(cmd), 0);
    call_free(&v);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) return 1;
    T_DONE();
}
