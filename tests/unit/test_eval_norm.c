// test_eval_norm.c — allele normalisation (trim, left-align, contig-start anchor), the BED
// containment rule and the VCF reader (multi-allelic split, GT handling, FILTER, MNP split) of
// `calla eval`, against a tiny reference whose expected positions are worked out by hand.
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <htslib/faidx.h>
#include <htslib/kstring.h>

#include "common/util.h"
#include "eval/eval.h"
#include "eval/eval_bed.h"
#include "tensors/bed.h"
#include "eval/eval_ref.h"
#include "eval/eval_vcf.h"
#include "testlib.h"

// 0-based:        0         1         2
//                 0123456789012345678901
static const char *CHR1 = "CGTACAAAAAGTCCACACATGG";
// A-run at 5..9 after C at 4; "CA" repeat at 13..18 after C at 12.

static char dir[64];

static void write_file(const char *name, const char *text) {
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", p);
        exit(1);
    }
}

static char *path(const char *name) {
    static char p[4][256];
    static int k = 0;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

// Normalises (pos1 = VCF POS) and checks the 1-based result.
static void norm_is(EvalRef *r, long pos1, const char *ref, const char *alt, long want_pos1,
                    const char *want_ref, const char *want_alt) {
    kstring_t kr = {0, 0, NULL}, ka = {0, 0, NULL};
    kputs(ref, &kr);
    kputs(alt, &ka);
    int64_t pos = pos1 - 1;
    T_EQ_INT(eval_normalize(r, 0, &pos, &kr, &ka), 0);
    if (pos + 1 != want_pos1 || strcmp(kr.s, want_ref) || strcmp(ka.s, want_alt)) {
        fprintf(stderr, "normalise %ld %s>%s: got %lld %s>%s, expected %ld %s>%s\n", pos1, ref, alt,
                (long long)pos + 1, kr.s, ka.s, want_pos1, want_ref, want_alt);
        t_failures++;
    }
    free(kr.s);
    free(ka.s);
}

static int has(const EvalVarSet *s, long pos1, const char *ref, const char *alt, int zyg) {
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].pos + 1 == pos1 && !strcmp(s->v[i].ref, ref) && !strcmp(s->v[i].alt, alt) &&
            s->v[i].zyg == zyg)
            return 1;
    return 0;
}

int main(void) {
    snprintf(dir, sizeof dir, "%s/calla-evalnorm.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) T_SKIP("cannot create a temporary directory");
    char fa[512];
    snprintf(fa, sizeof fa, ">chr1\n%s\n>chr2\nACGTACGTAC\n", CHR1);
    write_file("ref.fa", fa);
    T_EQ_INT(fai_build(path("ref.fa")), 0);
    EvalRef *r = eval_ref_open(path("ref.fa"));
    T_CHECK(r != NULL);
    if (!r) T_DONE();
    T_EQ_INT(eval_ref_ctg(r, "chr2"), 1);
    T_EQ_INT(eval_ref_ctg(r, "chr3"), -1);
    T_EQ_INT(eval_ref_ctg_len(r, 0), 22);

    // One A deleted from the A-run (POS 5..10 = C AAAAA): every spelling moves to POS 5 CA>C.
    norm_is(r, 9, "AA", "A", 5, "CA", "C");
    norm_is(r, 6, "AA", "A", 5, "CA", "C");
    norm_is(r, 9, "AAG", "AG", 5, "CA", "C");
    norm_is(r, 5, "CA", "C", 5, "CA", "C");
    // One A inserted after the run.
    norm_is(r, 10, "A", "AA", 5, "C", "CA");
    // Untrimmed insertion: CA>CTA is C>CT.
    norm_is(r, 5, "CA", "CTA", 5, "C", "CT");
    // One "CA" unit deleted from the repeat (POS 13..19 = C CACACA): leftmost is POS 13 CCA>C.
    norm_is(r, 17, "ACA", "A", 13, "CCA", "C");
    norm_is(r, 14, "CAC", "C", 13, "CCA", "C");
    // Shared prefix/suffix trimmed from an MNP-like record leaves the SNP.
    norm_is(r, 11, "GTC", "ATC", 11, "G", "A");
    norm_is(r, 10, "AGT", "ACT", 11, "G", "C");
    // An equal-length MNP keeps its length (the reader splits it).
    norm_is(r, 11, "GT", "AC", 11, "GT", "AC");
    // Complex: AGT>AC (POS 10) trims the shared A: GT>C at 11.
    norm_is(r, 10, "AGT", "AC", 11, "GT", "C");
    // Deleting the first base of the contig: nothing to the left, anchored on the right.
    norm_is(r, 1, "CG", "G", 1, "CG", "G");
    norm_is(r, 1, "C", "CC", 1, "C", "CC");
    // SNPs are untouched.
    norm_is(r, 3, "T", "G", 3, "T", "G");

    // BED: intervals merge when they overlap or touch; a record counts if its whole span is in.
    write_file("a.bed", "track name=x\nchr1\t2\t6\nchr1\t6\t9\nchr1\t15\t20\tname\n#c\n");
    EvalBed *b = eval_bed_read(path("a.bed"), r);
    T_CHECK(b != NULL);
    if (b) {
        T_EQ_INT(b->n[0], 2);  // [2,9) [15,20)
        T_EQ_INT(eval_bed_bases(b), 12);
        T_CHECK(eval_bed_contains(b, 0, 2, 3));
        T_CHECK(eval_bed_contains(b, 0, 4, 9));    // spans the joint of [2,6) and [6,9)
        T_CHECK(!eval_bed_contains(b, 0, 8, 10));  // sticks out at the end
        T_CHECK(!eval_bed_contains(b, 0, 1, 3));   // starts before
        T_CHECK(!eval_bed_contains(b, 0, 9, 10));
        T_CHECK(!eval_bed_contains(b, 0, 12, 16));
        T_CHECK(eval_bed_contains(b, 0, 19, 20));
        T_CHECK(!eval_bed_contains(b, 1, 3, 4));   // chr2 has no interval
    }
    write_file("bad1.bed", "chr3\t0\t5\n");
    write_file("bad2.bed", "chr2\t0\t11\n");
    write_file("bad3.bed", "chr2\t5\t4\n");
    // An interval on a contig the reference lacks is dropped, one past the contig end clipped
    // (chr2 has 10 bases: [0,11) becomes [0,10)), with a warning, not an error.
    EvalBed *bx1 = eval_bed_read(path("bad1.bed"), r);
    T_CHECK(bx1 != NULL);
    if (bx1) T_EQ_INT(eval_bed_bases(bx1), 0);
    eval_bed_free(bx1);
    EvalBed *bx2 = eval_bed_read(path("bad2.bed"), r);
    T_CHECK(bx2 != NULL);
    if (bx2) {
        T_EQ_INT(eval_bed_bases(bx2), 10);
        T_CHECK(eval_bed_contains(bx2, 1, 9, 10));
        T_CHECK(!eval_bed_contains(bx2, 1, 9, 11));
    }
    eval_bed_free(bx2);
    T_CHECK(eval_bed_read(path("bad3.bed"), r) == NULL);

    // The shared BED reader skips "track"/"browser" header lines only when the keyword ends at
    // whitespace or the line's end: contigs "track1" and "browserX" are data.
    write_file("hdr.bed", "track\nbrowser position chr1:1-5\ntrack name=x\ntrack1\t0\t5\n"
                          "browserX\t2\t4\n");
    BedRecord *recs = NULL;
    size_t nrec = 0;
    T_EQ_INT(bed_read_records(path("hdr.bed"), &recs, &nrec), 0);
    T_EQ_INT((int)nrec, 2);
    if (nrec == 2) {
        T_CHECK(!strcmp(recs[0].name, "track1") && recs[0].beg == 0 && recs[0].end == 5 &&
                recs[0].line == 4);
        T_CHECK(!strcmp(recs[1].name, "browserX") && recs[1].beg == 2 && recs[1].end == 4);
    }
    bed_records_free(recs, nrec);

    // VCF reader.
    write_file("v.vcf",
               "##fileformat=VCFv4.2\n"
               "##contig=<ID=chr1,length=22>\n"
               "##FILTER=<ID=LowQual,Description=\"low\">\n"
               "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n"
               "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2\n"
               "chr1\t3\t.\tT\tG\t50\tPASS\t.\tGT\t0/1\t0/0\n"           // het SNP
               "chr1\t4\t.\tA\tG\t50\tLowQual\t.\tGT\t1/1\t1/1\n"        // filtered
               "chr1\t9\t.\tAA\tA\t50\t.\t.\tGT\t1|1\t0/1\n"              // hom del -> 5 CA>C
               "chr1\t11\t.\tGT\tAC\t50\tPASS\t.\tGT\t0/1\t0/1\n"        // MNP -> 2 het SNPs
               "chr1\t13\t.\tC\tCA,<DEL>\t50\tPASS\t.\tGT\t1/2\t./.\n"   // ins het, <DEL> skipped
               "chr1\t20\t.\tT\tA,C\t50\tPASS\t.\tGT\t1/2\t0/0\n"        // two het SNPs
               "chr1\t21\t.\tG\tA,C\t50\tPASS\t.\tGT\t0/2\t1/1\n"        // only G>C, het
               "chr1\t22\t.\tG\tT\t50\tPASS\t.\tGT\t./.\t1\n"            // no ALT in S1
               "chr1\t2\t.\tG\tA\t50\tPASS\t.\tGT\t1\t0/0\n");          // haploid ALT = hom
    EvalVarSet s = {0};
    EvalReadStats st;
    EvalReadOpts o = {NULL, 1, NULL};
    T_EQ_INT(eval_read_vcf(path("v.vcf"), r, &o, &s, &st), 0);
    T_EQ_INT(st.records, 9);
    T_EQ_INT(st.filtered, 1);
    T_EQ_INT(st.no_alt, 1);
    T_EQ_INT(st.skipped, 1);
    T_EQ_INT(s.n, 9);
    T_EQ_INT(st.kept, 9);
    T_CHECK(has(&s, 3, "T", "G", EVAL_HET));
    T_CHECK(has(&s, 5, "CA", "C", EVAL_HOM));
    T_CHECK(has(&s, 11, "G", "A", EVAL_HET));
    T_CHECK(has(&s, 12, "T", "C", EVAL_HET));
    T_CHECK(has(&s, 13, "C", "CA", EVAL_HET));
    T_CHECK(has(&s, 20, "T", "A", EVAL_HET));
    T_CHECK(has(&s, 20, "T", "C", EVAL_HET));
    T_CHECK(has(&s, 21, "G", "C", EVAL_HET));
    T_CHECK(has(&s, 2, "G", "A", EVAL_HOM));
    evalset_free(&s);

    // Without pass_only the LowQual record counts; sample S2 by name; a BED drops the rest.
    write_file("b.bed", "chr1\t1\t12\n");  // POS 2..12
    EvalBed *bd2 = eval_bed_read(path("b.bed"), r);
    EvalReadOpts o2 = {"S2", 0, bd2};
    T_EQ_INT(eval_read_vcf(path("v.vcf"), r, &o2, &s, &st), 0);
    // S2 ALT-carrying records: POS 4 (1/1), 9 (0/1 -> 5 CA>C, span 5..6 in), 11 MNP (2 SNPs,
    // POS 11 in, POS 12 in), 21 (1/1 out), 22 (haploid 1, out). Records whose REF span misses
    // the BED (POS 13, 20, 21, 22) are skipped before any check: counted as records outside.
    T_EQ_INT(st.filtered, 0);
    T_EQ_INT(s.n, 4);
    T_EQ_INT(st.outside, 0);
    T_EQ_INT(st.outside_records, 4);
    T_EQ_INT(st.records, 9);
    T_CHECK(has(&s, 4, "A", "G", EVAL_HOM));
    T_CHECK(has(&s, 5, "CA", "C", EVAL_HET));
    T_CHECK(has(&s, 11, "G", "A", EVAL_HET));
    T_CHECK(has(&s, 12, "T", "C", EVAL_HET));
    evalset_free(&s);

    // Errors: unknown sample, contig missing from the reference, REF differing from it.
    EvalReadOpts o3 = {"S9", 1, NULL};
    T_EQ_INT(eval_read_vcf(path("v.vcf"), r, &o3, &s, &st), -1);
    write_file("c.vcf", "##fileformat=VCFv4.2\n##contig=<ID=chrX>\n"
                        "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n"
                        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n"
                        "chrX\t3\t.\tT\tG\t50\tPASS\t.\tGT\t0/1\n");
    T_EQ_INT(eval_read_vcf(path("c.vcf"), r, &o, &s, &st), -1);
    write_file("d.vcf", "##fileformat=VCFv4.2\n##contig=<ID=chr1>\n"
                        "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n"
                        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n"
                        "chr1\t3\t.\tA\tG\t50\tPASS\t.\tGT\t0/1\n");
    T_EQ_INT(eval_read_vcf(path("d.vcf"), r, &o, &s, &st), -1);
    evalset_free(&s);

    eval_bed_free(b);
    eval_bed_free(bd2);
    eval_ref_close(r);
    const char *names[] = {"ref.fa", "ref.fa.fai", "a.bed", "bad1.bed", "bad2.bed", "bad3.bed",
                           "v.vcf", "b.bed", "c.vcf", "d.vcf"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) unlink(path(names[i]));
    rmdir(dir);
    T_DONE();
}
