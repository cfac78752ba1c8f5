// test_eval_match.c — allele/genotype matching and the precision/recall/F1 arithmetic of
// `calla eval`, on hand-built variant sets whose counts are worked out in the comments.
#include <string.h>

#include "eval/eval.h"
#include "testlib.h"

static void push(EvalVarSet *s, int ctg, long pos, const char *ref, const char *alt, int zyg) {
    evalset_push(s, ctg, pos, ref, strlen(ref), alt, strlen(alt), zyg);
}

int main(void) {
    // Types: SNP iff both alleles are one base; equal-length multi-base (never produced by the
    // reader, which splits MNPs) and complex records are INDEL.
    {
        EvalVar v = {.ref = "A", .alt = "G", .zyg = EVAL_HET};
        T_EQ_INT(eval_var_type(&v), EVAL_SNP);
        EvalVar d = {.ref = "AC", .alt = "A", .zyg = EVAL_HET}, x = {.ref = "AC", .alt = "G", .zyg = EVAL_HET};
        T_EQ_INT(eval_var_type(&d), EVAL_INDEL);
        T_EQ_INT(eval_var_type(&x), EVAL_INDEL);
    }

    EvalVarSet truth = {0}, query = {0};
    // Pushed out of order on purpose: eval_compare sorts.
    push(&truth, 1, 50, "C", "T", EVAL_HET);    // C: missed                  -> FN / FN
    push(&truth, 0, 10, "A", "G", EVAL_HET);    // A: exact                    -> TP / TP
    push(&truth, 0, 20, "C", "T", EVAL_HOM);    // B: query says het           -> TP / FN+FP
    push(&truth, 0, 30, "GA", "G", EVAL_HOM);   // D: exact deletion           -> TP / TP
    push(&truth, 0, 40, "T", "TA", EVAL_HOM);   // E: query has two het copies -> TP / TP
    push(&truth, 0, 60, "G", "GC", EVAL_HET);   // G: query says hom           -> TP / FN+FP
    push(&query, 0, 20, "C", "T", EVAL_HET);
    push(&query, 0, 10, "A", "G", EVAL_HET);
    push(&query, 0, 10, "A", "C", EVAL_HET);    // F: same site, other ALT    -> FP / FP
    push(&query, 0, 30, "GA", "G", EVAL_HOM);
    push(&query, 0, 40, "T", "TA", EVAL_HET);
    push(&query, 0, 40, "T", "TA", EVAL_HET);   // merged with the one above into hom
    push(&query, 0, 60, "G", "GC", EVAL_HOM);
    push(&query, 0, 61, "C", "CA", EVAL_HET);   // H: insertion nowhere in truth -> FP / FP
    push(&query, 1, 49, "C", "T", EVAL_HET);    // I: next to C, not C         -> FP / FP

    EvalResult r;
    eval_compare(&truth, &query, &r);
    T_EQ_INT(query.n, 8);  // the duplicate was merged
    // SNP allele: TP A,B; FP F,I; FN C.   SNP genotype: TP A; FP B,F,I; FN B,C.
    T_EQ_INT(r.allele[EVAL_SNP].tp, 2);
    T_EQ_INT(r.allele[EVAL_SNP].fp, 2);
    T_EQ_INT(r.allele[EVAL_SNP].fn, 1);
    T_EQ_INT(r.genotype[EVAL_SNP].tp, 1);
    T_EQ_INT(r.genotype[EVAL_SNP].fp, 3);
    T_EQ_INT(r.genotype[EVAL_SNP].fn, 2);
    // INDEL allele: TP D,E,G; FP H.   INDEL genotype: TP D,E; FP G,H; FN G.
    T_EQ_INT(r.allele[EVAL_INDEL].tp, 3);
    T_EQ_INT(r.allele[EVAL_INDEL].fp, 1);
    T_EQ_INT(r.allele[EVAL_INDEL].fn, 0);
    T_EQ_INT(r.genotype[EVAL_INDEL].tp, 2);
    T_EQ_INT(r.genotype[EVAL_INDEL].fp, 2);
    T_EQ_INT(r.genotype[EVAL_INDEL].fn, 1);

    // SNP allele: P = 2/4, R = 2/3, F1 = 2PR/(P+R) = (2/3)/(7/6) = 4/7.
    T_NEAR(eval_precision(&r.allele[EVAL_SNP]), 0.5, 1e-12, 0);
    T_NEAR(eval_recall(&r.allele[EVAL_SNP]), 2.0 / 3.0, 1e-12, 0);
    T_NEAR(eval_f1(&r.allele[EVAL_SNP]), 4.0 / 7.0, 1e-12, 0);
    // INDEL genotype: P = 2/4, R = 2/3 as well.
    T_NEAR(eval_f1(&r.genotype[EVAL_INDEL]), 4.0 / 7.0, 1e-12, 0);
    T_NEAR(eval_recall(&r.allele[EVAL_INDEL]), 1.0, 1e-12, 0);
    T_NEAR(eval_precision(&r.allele[EVAL_INDEL]), 0.75, 1e-12, 0);

    // 0/0 is defined as 0 for every ratio; TP = 0 with FP/FN > 0 gives 0 as well.
    EvalCount zero = {0, 0, 0, 0}, none = {0, 3, 2, 0};
    T_NEAR(eval_precision(&zero), 0.0, 0, 0);
    T_NEAR(eval_recall(&zero), 0.0, 0, 0);
    T_NEAR(eval_f1(&zero), 0.0, 0, 0);
    T_NEAR(eval_f1(&none), 0.0, 0, 0);

    // Empty query: everything in truth is FN.
    EvalVarSet empty = {0};
    eval_compare(&truth, &empty, &r);
    T_EQ_INT(r.allele[EVAL_SNP].fn, 3);
    T_EQ_INT(r.allele[EVAL_INDEL].fn, 3);
    T_EQ_INT(r.allele[EVAL_SNP].tp + r.allele[EVAL_SNP].fp, 0);

    evalset_free(&truth);
    evalset_free(&query);
    evalset_free(&empty);
    T_DONE();
}
