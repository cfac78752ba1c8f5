// The Clairvoyante decision (clairvoyante.md §5.2) on hand-made outputs and candidates: argmax of
// each head, QUAL = int(10 log10(prod best / prod second)), SNP base from the base-change head
// (second best when the best is the reference), indel alleles from the candidate's read alleles.
#include <math.h>
#include <string.h>

#include "calling/genotype_clairvoyante.h"
#include "testlib.h"

static void set(float *p, float bc0, float bc1, float bc2, float bc3, float het, float hom,
                int type, float ptype, int len, float plen) {
    memset(p, 0, 16 * sizeof *p);
    p[0] = bc0, p[1] = bc1, p[2] = bc2, p[3] = bc3;
    p[4] = het, p[5] = hom;
    for (int i = 0; i < 4; i++) p[6 + i] = (1 - ptype) / 3;
    p[6 + type] = ptype;
    for (int i = 0; i < 6; i++) p[10 + i] = (1 - plen) / 5;
    p[10 + len] = plen;
}

int main(void) {
    IndelAllele ind[4] = {{'I', "TT", 6}, {'D', "GCA", 5}, {'I', "A", 3}, {'D', "GCATTG", 2}};
    Candidate c = {.tid = 0, .pos = 99, .ref = 'A', .depth = 30, .ref_count = 10,
                   .base_count = {10, 1, 12, 0}, .n_indels = 4, .indels = ind};
    const char *refseq = "AGCATTGCC";
    float p[16];
    Call k;

    // SNP, hom: best base change is the reference A (0.9) -> second best G
    set(p, 0.9f, 0.1f, 0.6f, 0.2f, 0.2f, 0.8f, 1, 0.7f, 0, 0.5f);
    T_EQ_INT(genotype_clairvoyante(p, &c, refseq, 2, &k), 0);
    T_CHECK(!strcmp(k.ref, "A") && k.n_alt == 1 && !strcmp(k.alt[0], "G"));
    T_EQ_INT(k.gt[0], 1);
    T_EQ_INT(k.gt[1], 1);
    T_EQ_INT(k.ad[1], 12);
    T_NEAR(k.af[0], 12.0 / 30, 1e-12, 0);
    // QUAL: (0.8/0.2) * (0.7/0.1) * (0.5/0.1) = 140 -> int(21.46) = 21
    T_EQ_INT((int)k.qual, 21);
    T_EQ_INT(k.gq, 21);
    T_EQ_INT(k.filter, FILTER_PASS);
    call_free(&k);

    // INS, het, length class 1 -> the 1-base insertion "A" (not the more frequent "TT")
    set(p, 0, 0, 0, 0, 0.9f, 0.1f, 2, 0.9f, 1, 0.6f);
    T_EQ_INT(genotype_clairvoyante(p, &c, refseq, 2, &k), 0);
    T_CHECK(!strcmp(k.ref, "A") && !strcmp(k.alt[0], "AA"));
    T_EQ_INT(k.gt[0], 0);
    T_EQ_INT(k.gt[1], 1);
    T_EQ_INT(k.ad[1], 3);
    call_free(&k);
    // length class 0 is forced to 1: same allele
    set(p, 0, 0, 0, 0, 0.9f, 0.1f, 2, 0.9f, 0, 0.6f);
    T_EQ_INT(genotype_clairvoyante(p, &c, refseq, 2, &k), 0);
    T_CHECK(!strcmp(k.alt[0], "AA"));
    call_free(&k);
    // length class 4: no insertion of 4 bases -> the most frequent insertion ("TT")
    set(p, 0, 0, 0, 0, 0.9f, 0.1f, 2, 0.9f, 4, 0.6f);
    T_EQ_INT(genotype_clairvoyante(p, &c, refseq, 2, &k), 0);
    T_CHECK(!strcmp(k.alt[0], "ATT"));
    call_free(&k);

    // DEL, class 3 -> "GCA": REF = ref_seq[0..4), ALT = anchor
    set(p, 0, 0, 0, 0, 0.1f, 0.9f, 3, 0.9f, 3, 0.6f);
    T_EQ_INT(genotype_clairvoyante(p, &c, refseq, 2, &k), 0);
    T_CHECK(!strcmp(k.ref, "AGCA") && !strcmp(k.alt[0], "A"));
    T_EQ_INT(k.gt[0], 1);
    T_EQ_INT(k.ad[1], 5);
    call_free(&k);
    // DEL, class ">=5" -> the 6-base deletion
    set(p, 0, 0, 0, 0, 0.1f, 0.9f, 3, 0.9f, 5, 0.6f);
    T_EQ_INT(genotype_clairvoyante(p, &c, refseq, 2, &k), 0);
    T_CHECK(!strcmp(k.ref, "AGCATTG") && !strcmp(k.alt[0], "A"));
    call_free(&k);
    // ... but the reference context is too short: no call
    T_EQ_INT(genotype_clairvoyante(p, &c, "AGCA", 2, &k), -1);
    call_free(&k);

    // no deletion in the reads: no call
    Candidate c2 = c;
    c2.n_indels = 1;
    T_EQ_INT(genotype_clairvoyante(p, &c2, refseq, 2, &k), -1);
    call_free(&k);

    // REF prediction: 0/0 RefCall
    set(p, 1, 0, 0, 0, 0.3f, 0.7f, 0, 0.9f, 0, 0.9f);
    T_EQ_INT(genotype_clairvoyante(p, &c, refseq, 2, &k), 0);
    T_EQ_INT(k.n_alt, 0);
    T_EQ_INT(k.filter, FILTER_REFCALL);
    call_free(&k);

    // a near tie: QUAL int(2.46) = 2 < --qual 3 -> LowQual
    set(p, 0, 0, 1, 0, 0.51f, 0.49f, 1, 0.34f, 0, 0.18f);
    T_EQ_INT(genotype_clairvoyante(p, &c, refseq, 3, &k), 0);
    double want = 10 * log10((0.51 / 0.49) * (0.34 / 0.22) * (0.18 / 0.164));
    T_EQ_INT((int)k.qual, (int)want);
    T_EQ_INT(k.filter, FILTER_LOWQUAL);
    call_free(&k);
    T_DONE();
}
