// test_eval_haplo.c — haplotype-aware matching of `calla eval --haplotypes` (eval_haplo.h) on a
// hand-written reference: four groups 40 bases apart, each worked out by hand below, two of them
// the real representation differences seen on the simulated HG002 windows (chr20:4,942,573 and
// 5,026,290).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <htslib/faidx.h>

#include "eval/eval.h"
#include "eval/eval_haplo.h"
#include "eval/eval_ref.h"
#include "testlib.h"

static void push(EvalVarSet *s, long pos, const char *ref, const char *alt, int zyg) {
    evalset_push(s, 0, pos, ref, strlen(ref), alt, strlen(alt), zyg);
}

int main(void) {
    char dir[64], fa[128], fai[140];
    snprintf(dir, sizeof dir, "%s/calla-haplo.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) T_SKIP("cannot create a temporary directory");
    snprintf(fa, sizeof fa, "%s/ref.fa", dir);
    snprintf(fai, sizeof fai, "%s/ref.fa.fai", dir);
    // 0-based layout: spacer [0,40), P1 [40,53), spacer [53,93), P2 [93,124), spacer [124,164),
    // P3 [164,177), spacer [177,217), P4 [217,230), spacer [230,270).
    const char *sp = "ACGTTGCAGTCAGGATCCATGCAAGTCGATTGACCTAGGA";
    char seq[300];
    snprintf(seq, sizeof seq, "%s%s%s%s%s%s%s%s%s", sp, "AAGCTTTTAATCA", sp,
             "ATATATATGTGTATATATATATGTGTGTATA", sp, "CCAGTTTTTGACC", sp, "AAGCTTTTAATCA", sp);
    T_EQ_INT((int)strlen(seq), 270);
    T_CHECK(seq[43] == 'C' && seq[47] == 'T' && seq[103] == 'G' && seq[107] == 'A' &&
            seq[167] == 'G' && seq[220] == 'C' && seq[224] == 'T');
    FILE *f = fopen(fa, "w");
    T_CHECK(f && fprintf(f, ">s\n%s\n", seq) > 0 && fclose(f) == 0);
    T_EQ_INT(fai_build(fa), 0);
    EvalRef *r = eval_ref_open(fa);
    T_CHECK(r != NULL);
    if (!r) T_DONE();

    EvalVarSet t = {0}, q = {0};
    // P1: truth C>CT at 43 and T>C at 47, both hom; query one hom T>TC at 47. Both haplotypes
    // read G C T T T T C A A (ref G C T T T T A A): the same sequence -> genotype match.
    push(&t, 43, "C", "CT", EVAL_HOM);
    push(&t, 47, "T", "C", EVAL_HOM);
    push(&q, 47, "T", "TC", EVAL_HOM);
    // P2: truth G>GTA hom at 103 and A>T het at 107; query G>GTA het and A>ATT het. With the two
    // query hets on different haplotypes: GTA TAT A TAT.. and G TAT ATT TAT.. are exactly the
    // truth's GTA TAT T TAT.. / GTA TAT A TAT.. (both +2) -> genotype match. The exact
    // comparison sees G>GTA as an allele match with the wrong zygosity.
    push(&t, 103, "G", "GTA", EVAL_HOM);
    push(&t, 107, "A", "T", EVAL_HET);
    push(&q, 103, "G", "GTA", EVAL_HET);
    push(&q, 107, "A", "ATT", EVAL_HET);
    // P3: one T inserted against two: different sequences -> stays FN + FP.
    push(&t, 167, "G", "GT", EVAL_HET);
    push(&q, 167, "G", "GTT", EVAL_HET);
    // P4: P1's truth again, but the query's T>TC is het: haplotypes {X, X} against {REF, X} ->
    // the alleles match, the genotype does not.
    push(&t, 220, "C", "CT", EVAL_HOM);
    push(&t, 224, "T", "C", EVAL_HOM);
    push(&q, 224, "T", "TC", EVAL_HET);

    EvalResult res;
    eval_compare(&t, &q, &res);
    // exact: only P2's G>GTA matches, as an allele
    T_EQ_INT(res.allele[EVAL_INDEL].tp, 1);
    T_EQ_INT(res.allele[EVAL_INDEL].tpq, 1);
    T_EQ_INT(res.allele[EVAL_INDEL].fn, 3);
    T_EQ_INT(res.allele[EVAL_INDEL].fp, 4);
    T_EQ_INT(res.genotype[EVAL_INDEL].tp, 0);
    T_EQ_INT(res.allele[EVAL_SNP].fn, 3);
    EvalResult again;
    eval_count(&t, &q, &again);  // the recount from the match bits agrees with eval_compare
    T_CHECK(memcmp(&again, &res, sizeof res) == 0);

    EvalHaploStats st;
    T_EQ_INT(eval_haplotype_match(r, &t, &q, &st), 0);
    T_EQ_INT(st.groups, 4);
    T_EQ_INT(st.genotype, 2);
    T_EQ_INT(st.allele, 1);
    T_EQ_INT(st.too_complex, 0);
    eval_count(&t, &q, &res);
    // SNPs (truth only): P1, P2 genotype matches, P4 an allele match
    T_EQ_INT(res.allele[EVAL_SNP].tp, 3);
    T_EQ_INT(res.allele[EVAL_SNP].fn, 0);
    T_EQ_INT(res.genotype[EVAL_SNP].tp, 2);
    T_EQ_INT(res.genotype[EVAL_SNP].fn, 1);
    T_EQ_INT(res.genotype[EVAL_SNP].fp, 0);
    T_EQ_INT(res.genotype[EVAL_SNP].tpq, 0);
    // INDEL alleles: truth P1, P2, P4 of 4; query P1, P2 x2, P4 of 5
    T_EQ_INT(res.allele[EVAL_INDEL].tp, 3);
    T_EQ_INT(res.allele[EVAL_INDEL].fn, 1);
    T_EQ_INT(res.allele[EVAL_INDEL].tpq, 4);
    T_EQ_INT(res.allele[EVAL_INDEL].fp, 1);
    T_NEAR(eval_precision(&res.allele[EVAL_INDEL]), 0.8, 1e-12, 0);
    T_NEAR(eval_recall(&res.allele[EVAL_INDEL]), 0.75, 1e-12, 0);
    // INDEL genotypes: truth P1, P2 of 4; query P1, P2 x2 of 5
    T_EQ_INT(res.genotype[EVAL_INDEL].tp, 2);
    T_EQ_INT(res.genotype[EVAL_INDEL].fn, 2);
    T_EQ_INT(res.genotype[EVAL_INDEL].tpq, 3);
    T_EQ_INT(res.genotype[EVAL_INDEL].fp, 2);
    T_NEAR(eval_precision(&res.genotype[EVAL_INDEL]), 0.6, 1e-12, 0);
    T_NEAR(eval_f1(&res.genotype[EVAL_INDEL]), 2 * 0.6 * 0.5 / 1.1, 1e-12, 0);

    // Overlapping variants cannot share a haplotype: truth a 3-base deletion hom at 164 (CCAG>C)
    // and a SNP at 166 het inside it has no valid phasing, so nothing matches; the query's same
    // deletion stays an exact match only.
    EvalVarSet t2 = {0}, q2 = {0};
    push(&t2, 164, "CCAG", "C", EVAL_HOM);
    push(&t2, 166, "A", "G", EVAL_HET);
    push(&q2, 164, "CCAG", "C", EVAL_HOM);
    eval_compare(&t2, &q2, &res);
    T_EQ_INT(eval_haplotype_match(r, &t2, &q2, &st), 0);
    T_EQ_INT(st.groups, 1);
    T_EQ_INT(st.genotype + st.allele, 0);
    eval_count(&t2, &q2, &res);
    T_EQ_INT(res.genotype[EVAL_INDEL].tp, 1);
    T_EQ_INT(res.genotype[EVAL_SNP].fn, 1);

    // Too many hets in one group: 11 het SNPs 2 bases apart in the truth, none in the query.
    EvalVarSet t3 = {0}, q3 = {0};
    for (int i = 0; i < EVAL_HAPLO_MAX_HET + 1; i++) {
        char b[2] = {seq[i * 2], 0}, a[2] = {seq[i * 2] == 'A' ? 'C' : 'A', 0};
        push(&t3, i * 2, b, a, EVAL_HET);
    }
    eval_compare(&t3, &q3, &res);
    T_EQ_INT(eval_haplotype_match(r, &t3, &q3, &st), 0);
    T_EQ_INT(st.groups, 1);
    T_EQ_INT(st.too_complex, 1);

    evalset_free(&t), evalset_free(&q), evalset_free(&t2), evalset_free(&q2);
    evalset_free(&t3), evalset_free(&q3);
    eval_ref_close(r);
    unlink(fai);
    unlink(fa);
    rmdir(dir);
    T_DONE();
}
