// test_labels.c — truth VCF + confident BED -> labels. Expected values are worked out by hand
// from clair3.md §4.1/4.2 and clairvoyante.md §2.2 (gt21 table: AA0 AC1 AG2 AT3 CC4 CG5 CT6 GG7
// GT8 TT9 DelDel10 ADel11 CDel12 GDel13 TDel14 InsIns15 AIns16 CIns17 GIns18 TIns19 InsDel20;
// lengths: clip(len(alt)-len(ref), -16, 16) + 16, sorted ascending; Clairvoyante indices:
// 0-3 base A C G T, 4 HET, 5 HOM, 6 REF, 7 SNP, 8 INS, 9 DEL, 10-15 indel length 0..4, >=5).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "tensors/bed.h"
#include "tensors/labels.h"
#include "testlib.h"

static char dir[] = "/tmp/calla-lab-XXXXXX";

// Truth rows (1-based POS). Comments give the hand-derived labels.
static const char *VCF_BODY =
    "chr1\t100\t.\tA\tG\t.\tPASS\t.\tGT\t0/1\n"        // het SNP
    "chr1\t200\t.\tC\tT\t.\tPASS\t.\tGT\t1|1\n"        // hom SNP
    "chr1\t300\t.\tG\tGTTA\t.\tPASS\t.\tGT\t0/1\n"     // het insertion +3
    "chr1\t400\t.\tTACGT\tT\t.\tPASS\t.\tGT\t1/1\n"    // hom deletion -4 (span 400..404)
    "chr1\t500\t.\tAG\tA,AGTTTTT\t.\tPASS\t.\tGT\t2/1\n"  // 1/2: del -1 and ins +5
    "chr1\t600\t.\tC\tT,*\t.\tPASS\t.\tGT\t1/2\n"      // star: becomes 0/1 C>T
    "chr1\t610\t.\tG\t*\t.\tPASS\t.\tGT\t0/1\n"        // lone star: excluded
    "chr1\t650\t.\tA\tG\t.\tPASS\t.\tGT\t0/0\n"        // 0/0: skipped
    "chr1\t660\t.\tA\tG\t.\tPASS\t.\tGT\t0/1\n"        // merged with the next row into 1/2
    "chr1\t660\t.\tATT\tA\t.\tPASS\t.\tGT\t1/0\n"
    "chr1\t670\t.\tA\tG\t.\tPASS\t.\tGT\t1/1\n"        // 3 haplotypes at 670: excluded
    "chr1\t670\t.\tA\tC\t.\tPASS\t.\tGT\t0/1\n"
    "chr1\t680\t.\tAC\tGT\t.\tPASS\t.\tGT:DP\t0|1:30\n"  // MNP
    "chr1\t690\t.\tA\tATTTTTTTTTTTTTTTTTTTT\t.\tPASS\t.\tGT\t1/1\n"  // hom ins +20
    "chr1\t695\t.\tA\tG\t.\tPASS\t.\tDP:GT\t12:./.\n"  // missing GT: skipped
    "chr1\t800\t.\tA\tG\t.\tPASS\t.\tGT\t0/1\n";       // outside the confident BED

static int sh(const char *fmt, const char *a) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd, fmt, a, a, a, a);
    return system(cmd);
}

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
}

static void expect_vec(const float *got, const float *want, int n, int line) {
    for (int i = 0; i < n; i++)
        if (got[i] != want[i]) {
            fprintf(stderr, "line %d: label[%d] = %g, expected %g\n", line, i, got[i], want[i]);
            t_failures++;
        }
}

// Checks truth_region_label for both kinds at 1-based position pos1.
static void check_site(const TruthRegion *r, long pos1, char ref, int want_rc, const float *c3,
                       const float *clv, int line) {
    float L[16];
    int rc = truth_region_label(r, FEAT_CLAIR3_PILEUP, pos1 - 1, ref, L);
    if (rc != want_rc) {
        fprintf(stderr, "line %d: pos %ld: rc %d, expected %d\n", line, pos1, rc, want_rc);
        t_failures++;
    }
    if (rc >= 0 && c3) expect_vec(L, c3, 4, line);
    rc = truth_region_label(r, FEAT_CLAIRVOYANTE, pos1 - 1, ref, L);
    if (rc != want_rc) {
        fprintf(stderr, "line %d: pos %ld (clairvoyante): rc %d, expected %d\n", line, pos1, rc,
                want_rc);
        t_failures++;
    }
    if (rc >= 0 && clv) expect_vec(L, clv, 16, line);
}
#define SITE(pos, ref, rc, c3, clv) check_site(r, pos, ref, rc, c3, clv, __LINE__)

// `test_labels --dump VCF BED CONTIG BEG END` prints "pos1<TAB>clair3 labels" for every kept
// truth position (used by tests/cli/test_labels_giab.sh against bcftools + awk).
static int dump(char **argv) {
    TruthSet *t = truth_open(argv[2], argv[3]);
    if (!t) return 1;
    TruthRegion *r = truth_region_load(t, argv[4], atol(argv[5]), atol(argv[6]));
    if (!r) return 1;
    for (int i = 0; i < truth_region_npos(r); i++) {
        int64_t p = truth_region_pos(r)[i];
        float L[4];
        int rc = -1;
        for (const char *b = "ACGT"; *b && rc != 1; b++)
            rc = truth_region_label(r, FEAT_CLAIR3_PILEUP, p, *b, L);
        if (rc != 1) return 1;
        printf("%lld\t%g,%g,%g,%g\n", (long long)p + 1, L[0], L[1], L[2], L[3]);
    }
    truth_region_free(r);
    truth_close(t);
    return 0;
}

int main(int argc, char **argv) {
    calla_set_cmd("test");
    if (argc == 7 && strcmp(argv[1], "--dump") == 0) return dump(argv);
    if (system("command -v bgzip >/dev/null && command -v tabix >/dev/null") != 0)
        T_SKIP("bgzip/tabix not installed");
    if (!mkdtemp(dir)) T_SKIP("mkdtemp failed");
    char vcf[256], vcfgz[256], bed[256], noidx[256], plain[256], badbed[256];
    snprintf(vcf, sizeof vcf, "%s/truth.vcf", dir);
    snprintf(vcfgz, sizeof vcfgz, "%s/truth.vcf.gz", dir);
    snprintf(bed, sizeof bed, "%s/conf.bed", dir);
    snprintf(noidx, sizeof noidx, "%s/noidx.vcf.gz", dir);
    snprintf(plain, sizeof plain, "%s/plain.vcf", dir);
    snprintf(badbed, sizeof badbed, "%s/bad.bed", dir);
    char text[4096];
    snprintf(text, sizeof text,
             "##fileformat=VCFv4.2\n##contig=<ID=chr1,length=2000>\n"
             "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n"
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS\n%s",
             VCF_BODY);
    write_text(vcf, text);
    write_text(plain, text);
    // Confident: 1-based 50..700 (split in two overlapping rows to exercise merging), 901..1000.
    write_text(bed, "track name=conf\nchr1\t49\t400\nchr1\t300\t700\tx\nchr1\t900\t1000\n");
    write_text(badbed, "chr1\t49\tabc\n");
    T_EQ_INT(sh("bgzip -f '%s' && tabix -p vcf '%s.gz'", vcf), 0);
    {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "cp '%s' '%s'", vcfgz, noidx);
        T_EQ_INT(system(cmd), 0);
    }

    // BED reader.
    BedRegions *br = bed_read(bed);
    T_CHECK(br != NULL);
    const BedContig *c1 = bed_contig(br, "chr1");
    T_CHECK(c1 && c1->n == 2 && c1->beg[0] == 49 && c1->end[0] == 700 && c1->beg[1] == 900);
    T_EQ_INT(c1 ? c1->total : 0, 651 + 100);
    T_CHECK(bed_contig(br, "chr2") == NULL);
    T_EQ_INT(bed_contains(c1, 48), 0);
    T_EQ_INT(bed_contains(c1, 49), 1);
    T_EQ_INT(bed_contains(c1, 699), 1);
    T_EQ_INT(bed_contains(c1, 700), 0);
    T_EQ_INT(bed_overlaps(c1, 700, 900), 0);
    T_EQ_INT(bed_overlaps(c1, 700, 901), 1);
    bed_free(br);
    T_CHECK(bed_read(badbed) == NULL);

    // Opening errors.
    T_CHECK(truth_open(noidx, bed) == NULL);  // no .tbi/.csi
    T_CHECK(truth_open(plain, bed) == NULL);  // not bgzipped
    T_CHECK(truth_open(vcfgz, badbed) == NULL);
    char missing[300];
    snprintf(missing, sizeof missing, "%s/missing.bed", dir);
    T_CHECK(truth_open(vcfgz, missing) == NULL);

    TruthSet *t = truth_open(vcfgz, bed);
    T_CHECK(t != NULL);
    if (!t) T_DONE();
    T_EQ_INT(truth_has_contig(t, "chr1"), 1);
    T_EQ_INT(truth_has_contig(t, "1"), 0);
    TruthRegion *r = truth_region_load(t, "chr1", 0, 2000);
    T_CHECK(r != NULL);

    // Positions training keeps (0-based): the labelled, confident variant starts.
    const int64_t want_pos[] = {99, 199, 299, 399, 499, 599, 659, 679, 689};
    int nw = (int)(sizeof want_pos / sizeof want_pos[0]);
    T_EQ_INT(truth_region_npos(r), nw);
    for (int i = 0; i < nw && i < truth_region_npos(r); i++)
        T_EQ_INT(truth_region_pos(r)[i], want_pos[i]);

    // Het SNP A>G: pair [A,G] -> AG 2; het 2; lengths 0,0 -> 16,16.
    SITE(100, 'A', 1, ((float[]){2, 2, 16, 16}),
         ((float[]){.5, 0, .5, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0}));
    SITE(100, 'C', -1, NULL, NULL);  // candidate ref disagrees with the truth REF
    // Hom SNP C>T: [T,T] -> TT 9; hom 1.
    SITE(200, 'C', 1, ((float[]){9, 1, 16, 16}),
         ((float[]){0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0}));
    // Het insertion G>GTTA: [G, Ins] -> GIns 18; lengths 0,+3 -> 16,19. Clairvoyante: 0.5 on
    // the reference base G, HET, INS, length 3.
    SITE(300, 'G', 1, ((float[]){18, 2, 16, 19}),
         ((float[]){0, 0, .5, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0}));
    // Hom deletion TACGT>T: DelDel 10; -4,-4 -> 12,12. Clairvoyante: all-zero base change, HOM,
    // DEL, length exactly 4 -> class 14.
    SITE(400, 'T', 1, ((float[]){10, 1, 12, 12}),
         ((float[]){0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0}));
    for (long p = 401; p <= 404; p++) SITE(p, 'A', -1, NULL, NULL);  // inside the deletion
    // After the span: non-variant. Clair3 ref-ref CC 4; Clairvoyante 1.0 on C, HOM, REF, len 0.
    SITE(405, 'C', 0, ((float[]){4, 0, 16, 16}),
         ((float[]){0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0}));
    // 1/2 AG>A,AGTTTTT: Del with Ins -> InsDel 20; het; -1,+5 -> 15,21. Clairvoyante takes the
    // shortest ALT (A): het deletion, 0.5 on A, length 1.
    SITE(500, 'A', 1, ((float[]){20, 2, 15, 21}),
         ((float[]){.5, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0}));
    SITE(501, 'G', -1, NULL, NULL);
    // Star: C>T,* 1/2 -> 0/1 C>T: CT 6.
    SITE(600, 'C', 1, ((float[]){6, 2, 16, 16}),
         ((float[]){0, .5, 0, .5, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0}));
    SITE(610, 'G', -1, NULL, NULL);  // 0/* excluded
    // 0/0 row and missing GT: plain non-variant (AA 0 / GG 7).
    SITE(650, 'A', 0, ((float[]){0, 0, 16, 16}), NULL);
    SITE(695, 'G', 0, ((float[]){7, 0, 16, 16}), NULL);
    // Merged 660: ATT -> A (Del) and GTT (G): GDel 13; -2,0 -> 14,16. Clairvoyante shortest
    // ALT A: het deletion of 2, 0.5 on A.
    SITE(660, 'A', 1, ((float[]){13, 2, 14, 16}),
         ((float[]){.5, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0}));
    SITE(661, 'T', -1, NULL, NULL);
    SITE(662, 'T', -1, NULL, NULL);
    SITE(663, 'T', 0, NULL, NULL);
    SITE(670, 'A', -1, NULL, NULL);  // three haplotypes
    // MNP AC>GT het: G is a base -> AG 2; Clairvoyante labels it SNP.
    SITE(680, 'A', 1, ((float[]){2, 2, 16, 16}),
         ((float[]){.5, 0, .5, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0}));
    SITE(681, 'C', -1, NULL, NULL);
    // Hom insertion +20: InsIns 15, clipped 16,16 -> 32,32; Clairvoyante length >= 5 -> 15.
    SITE(690, 'A', 1, ((float[]){15, 1, 32, 32}),
         ((float[]){0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1}));
    // Outside the confident regions: the variant at 800 and a plain position.
    SITE(800, 'A', -1, NULL, NULL);
    SITE(750, 'A', -1, NULL, NULL);
    SITE(40, 'A', -1, NULL, NULL);
    SITE(950, 'T', 0, NULL, NULL);
    SITE(950, 'N', -1, NULL, NULL);  // N reference base is never labelled
    truth_region_free(r);

    // A region starting inside the deletion: the deletion (starting before beg) still masks.
    r = truth_region_load(t, "chr1", 400, 450);
    T_EQ_INT(truth_region_npos(r), 0);
    SITE(401, 'A', -1, NULL, NULL);
    SITE(405, 'C', 0, NULL, NULL);
    SITE(100, 'A', -1, NULL, NULL);  // outside the loaded region
    truth_region_free(r);

    // A contig absent from the VCF (and from the BED): nothing confident, no truth.
    r = truth_region_load(t, "chr2", 0, 1000);
    T_CHECK(r != NULL);
    T_EQ_INT(truth_region_npos(r), 0);
    SITE(100, 'A', -1, NULL, NULL);
    truth_region_free(r);
    truth_close(t);

    // Without a BED everything is confident; chr2 (absent from the VCF) is all non-variant.
    t = truth_open(vcfgz, NULL);
    r = truth_region_load(t, "chr2", 0, 1000);
    SITE(100, 'A', 0, ((float[]){0, 0, 16, 16}), NULL);
    truth_region_free(r);
    r = truth_region_load(t, "chr1", 0, 2000);
    T_EQ_INT(truth_region_npos(r), nw + 1);  // 800 now counts
    SITE(800, 'A', 1, ((float[]){2, 2, 16, 16}), NULL);
    truth_region_free(r);
    truth_close(t);

    // labels_from_alleles directly.
    float L[16];
    const char *al1[] = {"A", "*", "G"};  // */G -> 0/1 A>G
    T_EQ_INT(labels_from_alleles(FEAT_CLAIR3_PILEUP, al1, 3, 1, 2, L), 0);
    expect_vec(L, (float[]){2, 2, 16, 16}, 4, __LINE__);
    T_EQ_INT(labels_from_alleles(FEAT_CLAIR3_PILEUP, al1, 3, 1, 1, L), -1);  // */*
    const char *al2[] = {"ACGTACGTACGTACGTACGTAC", "A", "ACGTACGTACGTACGTACGTACGG"};  // -21, +2
    T_EQ_INT(labels_from_alleles(FEAT_CLAIR3_PILEUP, al2, 3, 1, 2, L), 0);
    expect_vec(L, (float[]){20, 2, 0, 18}, 4, __LINE__);
    T_EQ_INT(labels_from_alleles(FEAT_CLAIR3_PILEUP, al2, 3, 0, 0, L), -1);  // 0/0
    T_EQ_INT(labels_from_alleles(FEAT_CLAIR3_PILEUP, al2, 3, 0, 3, L), -1);  // bad index
    const char *al3[] = {"C", "CA"};                                         // het C>CA
    T_EQ_INT(labels_from_alleles(FEAT_CLAIR3_PILEUP, al3, 2, 0, 1, L), 0);
    expect_vec(L, (float[]){17, 2, 16, 17}, 4, __LINE__);
    labels_nonvariant(FEAT_CLAIR3_PILEUP, 'g', L);
    expect_vec(L, (float[]){7, 0, 16, 16}, 4, __LINE__);

    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "warning: could not remove %s\n", dir);
    T_DONE();
}
