// Genotype decision (clair3.md §7.2-7.3) on hand-made probabilities and read evidence.
#include <string.h>

#include "calling/genotype.h"
#include "testlib.h"

static void set_probs(float *p, int cls, float pc, int zyg, float pz) {
    for (int i = 0; i < 21; i++) p[i] = (1.0f - pc) / 20.0f;
    p[cls] = pc;
    for (int i = 0; i < 3; i++) p[21 + i] = (1.0f - pz) / 2.0f;
    p[21 + zyg] = pz;
}

int main(void) {
    float p[24];
    IndelAllele ind[3] = {{'I', "TT", 7}, {'D', "GG", 5}, {'I', "T", 3}};
    Candidate c = {.tid = 0, .pos = 99, .ref = 'A', .depth = 20, .ref_count = 8,
                   .base_count = {8, 1, 10, 0}, .n_indels = 3, .indels = ind};
    const char *ref = "AGGCTA";
    Call k;

    // gt21 table spot checks (clair3.md §4.1)
    T_EQ_INT(gt21_index('A', 'A'), 0);
    T_EQ_INT(gt21_index('T', 'G'), 8);
    T_EQ_INT(gt21_index('D', 'D'), 10);
    T_EQ_INT(gt21_index('D', 'C'), 12);
    T_EQ_INT(gt21_index('I', 'I'), 15);
    T_EQ_INT(gt21_index('T', 'I'), 19);
    T_EQ_INT(gt21_index('D', 'I'), 20);

    // QUAL formula: p = 0.9 -> 10*log10(0.9/0.1) + 10 = 19.54
    T_NEAR(call_qual(0.9), 19.54, 1e-9, 0);
    // GQ: p = 0.99 -> 20; p = 0.9 -> 10; capped at 99 (and the Phred at 100); rounded.
    T_NEAR(call_gq_phred(0.99), 20.0, 1e-6, 0);
    T_EQ_INT(call_gq(call_gq_phred(0.9)), 10);
    T_EQ_INT(call_gq(call_gq_phred(1.0)), 99);
    T_NEAR(call_gq_phred(1.0), 100.0, 1e-9, 0);
    T_EQ_INT(call_gq(12.5), 13);
    T_EQ_INT(call_gq(-3), 0);
    T_NEAR(call_qual(1e-6), 0.0, 1e-9, 0);

    // early reference exit: Pz0 = 0.8, G[AA] = 0.7 -> RefCall with p = 0.56
    set_probs(p, 0, 0.7f, 0, 0.8f);
    T_EQ_INT(genotype_clair3(p, &c, ref, 2.0, &k), 0);
    T_EQ_INT(k.n_alt, 0);
    T_EQ_INT(k.filter, FILTER_REFCALL);
    T_NEAR(k.qual, call_qual(0.7 * 0.8), 1e-6, 0);
    call_free(&k);

    // het SNP A/G: AG class 2 with het zygosity
    set_probs(p, 2, 0.9f, 2, 0.9f);
    T_EQ_INT(genotype_clair3(p, &c, ref, 2.0, &k), 0);
    T_EQ_INT(k.n_alt, 1);
    T_CHECK(strcmp(k.ref, "A") == 0 && strcmp(k.alt[0], "G") == 0);
    T_EQ_INT(k.gt[0], 0);
    T_EQ_INT(k.gt[1], 1);
    T_EQ_INT(k.ad[1], 10);
    T_NEAR(k.af[0], 0.5, 1e-9, 0);
    T_NEAR(k.qual, call_qual((double)0.9f * 0.9f), 1e-6, 0);
    // GQ: -10 log10(1 - 0.81) = 7.21 -> 7 (QUAL keeps Clair3's odds + 10: 16.30).
    T_NEAR(k.gq_phred, -10 * log10(1 - (double)0.9f * 0.9f), 1e-6, 0);
    T_EQ_INT(k.gq, 7);
    T_EQ_INT(k.filter, FILTER_PASS);
    call_free(&k);

    // het SNP A/C predicted, but C has 1 read and G has 10 (>= 9 more): G is used
    set_probs(p, 1, 0.9f, 2, 0.9f);
    T_EQ_INT(genotype_clair3(p, &c, ref, 2.0, &k), 0);
    T_CHECK(k.n_alt == 1 && strcmp(k.alt[0], "G") == 0);
    call_free(&k);

    // hom insertion: InsIns + hom-alt -> most frequent insertion "TT"
    set_probs(p, 15, 0.9f, 1, 0.9f);
    T_EQ_INT(genotype_clair3(p, &c, ref, 2.0, &k), 0);
    T_CHECK(k.n_alt == 1 && strcmp(k.ref, "A") == 0 && strcmp(k.alt[0], "ATT") == 0);
    T_CHECK(k.gt[0] == 1 && k.gt[1] == 1);
    T_EQ_INT(k.ad[1], 7);
    call_free(&k);

    // InsIns + het -> 1/2 with the two insertions
    set_probs(p, 15, 0.9f, 2, 0.9f);
    T_EQ_INT(genotype_clair3(p, &c, ref, 2.0, &k), 0);
    T_CHECK(k.n_alt == 2 && strcmp(k.alt[0], "ATT") == 0 && strcmp(k.alt[1], "AT") == 0);
    T_CHECK(k.gt[0] == 1 && k.gt[1] == 2);
    call_free(&k);

    // het deletion ADel: REF = AGG, ALT = A
    set_probs(p, 11, 0.9f, 2, 0.9f);
    T_EQ_INT(genotype_clair3(p, &c, ref, 2.0, &k), 0);
    T_CHECK(k.n_alt == 1 && strcmp(k.ref, "AGG") == 0 && strcmp(k.alt[0], "A") == 0);
    T_EQ_INT(k.ad[1], 5);
    call_free(&k);

    // GDel (G != ref): 1/2, REF AGG, ALTs A (deletion) and GGG (SNP over the span)
    set_probs(p, 13, 0.9f, 2, 0.9f);
    T_EQ_INT(genotype_clair3(p, &c, ref, 2.0, &k), 0);
    T_CHECK(k.n_alt == 2 && strcmp(k.ref, "AGG") == 0 && strcmp(k.alt[0], "A") == 0 &&
            strcmp(k.alt[1], "GGG") == 0);
    call_free(&k);

    // InsDel: REF AGG, ALTs A and ATTGG
    set_probs(p, 20, 0.9f, 2, 0.9f);
    T_EQ_INT(genotype_clair3(p, &c, ref, 2.0, &k), 0);
    T_CHECK(k.n_alt == 2 && strcmp(k.ref, "AGG") == 0 && strcmp(k.alt[0], "A") == 0 &&
            strcmp(k.alt[1], "ATTGG") == 0);
    call_free(&k);

    // fall-through: DelDel het needs two deletions but the reads have one; the next best
    // outcome (here hom DelDel, score Pz1*G) is taken.
    set_probs(p, 10, 0.9f, 2, 0.6f);  // Pz = [0.2, 0.2, 0.6]
    T_EQ_INT(genotype_clair3(p, &c, ref, 2.0, &k), 0);
    T_CHECK(k.n_alt == 1 && k.gt[0] == 1 && k.gt[1] == 1 && strcmp(k.alt[0], "A") == 0);
    T_NEAR(k.qual, call_qual((double)0.9f * 0.2f), 1e-6, 0);
    call_free(&k);

    // No read shows T and the top alt base (G, 3 reads) is not >= 9 reads ahead, so "AT het"
    // (p = 0.81) cannot be realised and falls through; the other classes tie at 0.1/20 x Pz, so the
    // first supported het class in gt21 order wins: AC (C has 1 read): 0/1 A>C, p = 0.1/20 x 0.9.
    Candidate c2 = c;
    c2.base_count[2] = 3;
    set_probs(p, 3, 0.9f, 2, 0.9f);
    T_EQ_INT(genotype_clair3(p, &c2, ref, 2.0, &k), 0);
    T_CHECK(k.n_alt == 1 && strcmp(k.alt[0], "C") == 0 && k.gt[0] == 0 && k.gt[1] == 1);
    T_NEAR(k.qual, call_qual((double)(0.1f / 20.0f) * 0.9f), 1e-6, 0);
    T_EQ_INT(k.filter, FILTER_LOWQUAL);
    call_free(&k);

    // LowQual: winning p low
    for (int i = 0; i < 24; i++) p[i] = 0.05f;
    p[2] = 0.2f;
    p[23] = 0.34f;
    p[21] = 0.33f;
    p[22] = 0.33f;
    T_EQ_INT(genotype_clair3(p, &c, ref, 2.0, &k), 0);
    T_CHECK(k.n_alt == 1 && strcmp(k.alt[0], "G") == 0);
    T_EQ_INT(k.filter, FILTER_LOWQUAL);  // p = 0.068 -> QUAL = 10log10(0.073) + 10 = 0 < 2
    call_free(&k);
    T_DONE();
}
