// The VCF writer: bgzipped + indexed output that bcftools reads without warnings, with the
// values given; nothing is left behind on abort.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calling/vcf_writer.h"
#include "common/util.h"
#include "testlib.h"

static char *mk(const char *s) { return s ? xstrdup(s) : NULL; }

int main(void) {
    if (system("bcftools --version >/dev/null 2>&1") != 0) T_SKIP("bcftools not installed");
    char dir[] = "/tmp/calla-vcfw.XXXXXX";
    T_CHECK(mkdtemp(dir) != NULL);
    char path[256], cmd[1024];
    snprintf(path, sizeof path, "%s/out.vcf.gz", dir);
    char *contigs[2] = {"chr1", "chr2"};
    int64_t lens[2] = {1000, 500};
    VcfWriter *w = vcfwriter_open(path, "S1", 2, contigs, lens, "calla call -o x", "test-model");
    T_CHECK(w != NULL);
    Call a = {.pos = 9, .ref = mk("A"), .alt = {mk("G"), NULL}, .n_alt = 1, .gt = {0, 1},
              .qual = 19.54, .gq = 19, .dp = 20, .ad = {10, 9, 0}, .af = {0.45, 0}, .filter = FILTER_PASS,
              .source = 'P'};
    Call b = {.pos = 99, .ref = mk("AGG"), .alt = {mk("A"), mk("ATTGG")}, .n_alt = 2, .gt = {1, 2},
              .qual = 1.5, .gq = 1, .dp = 12, .ad = {0, 5, 6}, .af = {5.0 / 12, 0.5},
              .filter = FILTER_LOWQUAL, .source = 'P'};
    Call c = {.pos = 4, .ref = mk("C"), .n_alt = 0, .gt = {0, 0}, .qual = 30, .gq = 30, .dp = 8,
              .ad = {8, 0, 0}, .filter = FILTER_REFCALL, .source = 'P'};
    T_EQ_INT(vcfwriter_write(w, 0, &a), 0);
    T_EQ_INT(vcfwriter_write(w, 0, &b), 0);
    T_EQ_INT(vcfwriter_write(w, 1, &c), 0);
    T_EQ_INT(vcfwriter_close(w), 0);
    char idx[300];
    snprintf(idx, sizeof idx, "%s.tbi", path);
    T_CHECK(access(idx, R_OK) == 0);

    // bcftools reads it without any message on stderr, and sees our values
    snprintf(cmd, sizeof cmd,
             "bcftools view -H %s 2>%s/err | cut -f1-7,10 > %s/body && test ! -s %s/err", path, dir,
             dir, dir);
    T_EQ_INT(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s/body", dir);
    FILE *f = fopen(cmd, "r");
    char line[512], want[3][200] = {
                        "chr1\t10\t.\tA\tG\t19.54\tPASS\t0/1:19:20:10,9:0.45\n",
                        "chr1\t100\t.\tAGG\tA,ATTGG\t1.5\tLowQual\t1/2:1:12:0,5,6:0.416667,0.5\n",
                        "chr2\t5\t.\tC\t.\t30\tRefCall\t0/0:30:8:8\n"};
    for (int i = 0; i < 3; i++) {
        T_CHECK(f && fgets(line, sizeof line, f));
        if (strcmp(line, want[i]) != 0) {
            fprintf(stderr, "got  %swant %s", line, want[i]);
            t_failures++;
        }
    }
    if (f) fclose(f);
    // region query through the index
    snprintf(cmd, sizeof cmd, "test \"$(bcftools view -H -r chr2 %s | wc -l)\" = 1", path);
    T_EQ_INT(system(cmd), 0);

    // abort leaves nothing
    char path2[256];
    snprintf(path2, sizeof path2, "%s/aborted.vcf.gz", dir);
    w = vcfwriter_open(path2, "S1", 2, contigs, lens, NULL, NULL);
    T_EQ_INT(vcfwriter_write(w, 0, &a), 0);
    vcfwriter_abort(w);
    snprintf(cmd, sizeof cmd, "test -z \"$(ls %s | grep aborted)\"", dir);
    T_EQ_INT(system(cmd), 0);
    // unwritable path
    T_CHECK(vcfwriter_open("/nonexistent-dir/x.vcf.gz", "S1", 2, contigs, lens, NULL, NULL) == NULL);
    call_free(&a), call_free(&b), call_free(&c);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) return 1;
    T_DONE();
}
