// The cascade's building blocks on hand-made inputs: the full-alignment genotype decision with its
// indel-length heads (clair3.md §7.2; docs/calling.md "The cascade"), the QUAL cut-off of §3.2 and
// a read's allele at a call.
#include <string.h>

#include <htslib/sam.h>

#include "calling/cascade.h"
#include "calling/genotype_fa.h"
#include "common/stats.h"
#include "testlib.h"

// gt21 class cls with probability pc (the rest spread), zygosity zyg with pz, length heads with
// probability l1 at class c1 and l2 at class c2 (length value + 16).
static void set_probs(float *p, int cls, float pc, int zyg, float pz, int c1, float l1, int c2,
                      float l2) {
    for (int i = 0; i < 21; i++) p[i] = (1.0f - pc) / 20.0f;
    p[cls] = pc;
    for (int i = 0; i < 3; i++) p[21 + i] = (1.0f - pz) / 2.0f;
    p[21 + zyg] = pz;
    for (int i = 0; i < 33; i++) p[24 + i] = (1.0f - l1) / 32.0f, p[57 + i] = (1.0f - l2) / 32.0f;
    p[24 + c1] = l1;
    p[57 + c2] = l2;
}

static double pr(const float *p, int cls, int zyg, int c1, int c2) {
    return (double)p[21 + zyg] * p[cls] * p[24 + c1] * p[57 + c2];
}

static bam1_t *mkread(int64_t pos, const char *cigar_s, const char *seq) {
    uint32_t cig[8];
    int n = 0;
    for (const char *c = cigar_s; *c;) {
        int len = 0;
        while (*c >= '0' && *c <= '9') len = 10 * len + (*c++ - '0');
        int op = *c == 'M' ? BAM_CMATCH : *c == 'I' ? BAM_CINS : *c == 'D' ? BAM_CDEL : BAM_CSOFT_CLIP;
        c++;
        cig[n++] = bam_cigar_gen(len, op);
    }
    bam1_t *b = bam_init1();
    T_CHECK(bam_set1(b, 1, "r", 0, 0, pos, 60, (size_t)n, cig, -1, -1, 0, strlen(seq), seq, NULL, 0) >= 0);
    return b;
}

int main(void) {
    float p[FA_N_OUT];
    char long_ins[] = "GTACGTACGTACGTACGT";  // 18 bases: length class 16
    IndelAllele ind[5] = {{'I', "TT", 7}, {'D', "GG", 5}, {'D', "G", 4}, {'I', "T", 3},
                          {'I', long_ins, 2}};
    Candidate c = {.tid = 0, .pos = 99, .ref = 'A', .depth = 24, .ref_count = 8,
                   .base_count = {8, 0, 1, 0}, .n_indels = 5, .indels = ind};
    const char *ref = "AGGCTA";
    Call k;
    const int AI = gt21_index('A', 'I'), DD = gt21_index('D', 'D'), II = gt21_index('I', 'I');
    const int AA = gt21_index('A', 'A');

    // het insertion, length head 2 at +1: the 1-bp insertion although "TT" has more reads
    set_probs(p, AI, 0.9f, 2, 0.9f, 16, 0.9f, 17, 0.9f);
    T_EQ_INT(genotype_clair3_fa(p, &c, ref, 2.0, 0.0, &k), 0);
    T_CHECK(k.n_alt == 1 && !strcmp(k.ref, "A") && !strcmp(k.alt[0], "AT"));
    T_CHECK(k.gt[0] == 0 && k.gt[1] == 1 && k.source == 'F');
    T_CHECK(k.qual >= call_qual(pr(p, AI, 2, 16, 17)));  // the share >= the bare score
    T_EQ_INT(k.ad[1], 3);
    call_free(&k);
    // ... at +2: "TT"; at +16 (16 or more bases): the 18-bp insertion
    set_probs(p, AI, 0.9f, 2, 0.9f, 16, 0.9f, 18, 0.9f);
    T_EQ_INT(genotype_clair3_fa(p, &c, ref, 2.0, 0.0, &k), 0);
    T_CHECK(k.n_alt == 1 && !strcmp(k.alt[0], "ATT"));
    call_free(&k);
    set_probs(p, AI, 0.9f, 2, 0.9f, 16, 0.9f, 32, 0.9f);
    T_EQ_INT(genotype_clair3_fa(p, &c, ref, 2.0, 0.0, &k), 0);
    T_CHECK(k.n_alt == 1 && !strcmp(k.alt[0] + 1, long_ins));
    call_free(&k);
    // a length no read shows (+3) falls through to the next best outcome (+1 here)
    set_probs(p, AI, 0.9f, 2, 0.9f, 16, 0.9f, 19, 0.6f);
    p[57 + 17] = 0.3f;
    T_EQ_INT(genotype_clair3_fa(p, &c, ref, 2.0, 0.0, &k), 0);
    T_CHECK(k.n_alt == 1 && !strcmp(k.alt[0], "AT"));
    T_CHECK(k.qual >= call_qual(pr(p, AI, 2, 16, 17)));  // the share >= the bare score
    call_free(&k);
    // QUAL is the winner's share of the outcomes the reads support. Without indel alleles in the
    // reads those are hom-ref, het A/G and hom G (G: 1 read; C and T: none). The best outcome,
    // het A/C, has no C read: it falls through to het A/G, whose share is then
    // AG / (AA + AG + GG), the other outcomes (C, T, indels) ruled out by the reads
    {
        const int AC = gt21_index('A', 'C'), AG = gt21_index('A', 'G'), GG = gt21_index('G', 'G');
        Candidate s = c;
        s.n_indels = 0;
        set_probs(p, AC, 0.6f, 2, 0.9f, 16, 0.9f, 16, 0.9f);
        p[AG] = 0.3f;
        T_EQ_INT(genotype_clair3_fa(p, &s, ref, 2.0, 0.0, &k), 0);
        T_CHECK(k.n_alt == 1 && !strcmp(k.ref, "A") && !strcmp(k.alt[0], "G"));
        T_CHECK(k.gt[0] == 0 && k.gt[1] == 1);
        const double ag = pr(p, AG, 2, 16, 16), aa = pr(p, AA, 0, 16, 16), gg = pr(p, GG, 1, 16, 16);
        T_NEAR(k.qual, call_qual(ag / (aa + ag + gg)), 1e-9, 0);  // 31.3; the bare score: 4.47
        T_CHECK(k.qual > 29 && call_qual(ag) < 5);
        call_free(&k);
        // with calla call's --snp-af 0.08: 1 G read of 24 (0.042) is below it, so het A/G and
        // hom G fall through too and the reference is left; 2 of 24 (0.083) pass
        T_EQ_INT(genotype_clair3_fa(p, &s, ref, 2.0, 0.08, &k), 0);
        T_CHECK(k.n_alt == 0 && k.filter == FILTER_REFCALL);
        call_free(&k);
        s.base_count[2] = 2;
        T_EQ_INT(genotype_clair3_fa(p, &s, ref, 2.0, 0.08, &k), 0);
        T_CHECK(k.n_alt == 1 && !strcmp(k.alt[0], "G") && k.ad[1] == 2);
        call_free(&k);
    }
    // ... and with one insertion allele (T, 3 reads) and no SNP reads: the reads support hom-ref,
    // the het insertion A/AT and the hom insertion AT/AT (InsIns 1/2 needs a second insertion,
    // a base + insertion outcome a base read): AI / (AA + AI + II)
    {
        IndelAllele one[1] = {{'I', "T", 3}};
        Candidate s = c;
        s.indels = one, s.n_indels = 1, s.base_count[2] = 0;
        set_probs(p, AI, 0.7f, 2, 0.8f, 16, 0.6f, 17, 0.5f);
        T_EQ_INT(genotype_clair3_fa(p, &s, ref, 2.0, 0.0, &k), 0);
        T_CHECK(k.n_alt == 1 && !strcmp(k.alt[0], "AT") && k.gt[0] == 0 && k.gt[1] == 1);
        const double ai = pr(p, AI, 2, 16, 17), aa = pr(p, AA, 0, 16, 16), ii = pr(p, II, 1, 17, 17);
        T_NEAR(k.qual, call_qual(ai / (aa + ai + ii)), 1e-9, 0);
        call_free(&k);
    }
    // the het rule (--fa-het-p): P(X <= k), X ~ Binomial(n, 1/2), by hand
    T_NEAR(binom_half_cdf(0, 1), 0.5, 1e-15, 0);
    T_NEAR(binom_half_cdf(1, 2), 0.75, 1e-15, 0);
    T_NEAR(binom_half_cdf(2, 10), 56.0 / 1024, 1e-15, 0);          // 1 + 10 + 45
    T_NEAR(binom_half_cdf(3, 20), 1351.0 / 1048576, 1e-15, 0);     // 1 + 20 + 190 + 1140
    T_NEAR(binom_half_cdf(2, 20), 211.0 / 1048576, 1e-15, 0);
    T_NEAR(binom_half_cdf(50, 100), 0.5 + 0.5 * 0.0795892373871787, 1e-12, 0);  // C(100,50)/2^100
    T_NEAR(binom_half_cdf(20, 20), 1.0, 0, 0);
    T_NEAR(binom_half_cdf(-1, 20), 0.0, 0, 0);
    // fa_het_unsupported: a het REF/ALT with a 1-2 bp indel ALT, against the reads of any indel
    // of its kind at the candidate (depth 20: 3 reads P 0.00129 stay, 2 reads P 0.000201 go)
    {
        char r1[] = "A", i1[] = "AT", i3[] = "ATTT", r2[] = "AGG", d2[] = "A", sn[] = "C";
        IndelAllele al[3] = {{'I', "T", 2}, {'D', "GG", 1}, {'I', "TT", 0}};
        Candidate s = c;
        s.depth = 20, s.indels = al, s.n_indels = 3;
        Call het_ins = {.ref = r1, .alt = {i1, NULL}, .n_alt = 1, .gt = {0, 1}};
        T_EQ_INT(fa_het_unsupported(&het_ins, &s, FA_HET_P_DEFAULT), 1);  // 2 insertion reads
        T_EQ_INT(fa_het_unsupported(&het_ins, &s, 0.0), 0);                // rule off
        T_EQ_INT(fa_het_unsupported(&het_ins, &s, 2.01e-4), 0);            // P = 211 / 2^20 = 2.0123e-4
        T_EQ_INT(fa_het_unsupported(&het_ins, &s, 2.02e-4), 1);
        al[2].count = 1;  // a second insertion allele (stutter): 3 insertion reads, P 0.00129
        T_EQ_INT(fa_het_unsupported(&het_ins, &s, FA_HET_P_DEFAULT), 0);
        al[2].count = 0;
        al[1].count = 9;  // deletion reads do not count for an insertion
        T_EQ_INT(fa_het_unsupported(&het_ins, &s, FA_HET_P_DEFAULT), 1);
        Call het_del = {.ref = r2, .alt = {d2, NULL}, .n_alt = 1, .gt = {0, 1}};
        T_EQ_INT(fa_het_unsupported(&het_del, &s, FA_HET_P_DEFAULT), 0);  // 9 deletion reads
        al[1].count = 2;
        T_EQ_INT(fa_het_unsupported(&het_del, &s, FA_HET_P_DEFAULT), 1);
        Call long_ins = {.ref = r1, .alt = {i3, NULL}, .n_alt = 1, .gt = {0, 1}};
        T_EQ_INT(fa_het_unsupported(&long_ins, &s, FA_HET_P_DEFAULT), 0);  // 3 bp: exempt
        Call hom_ins = {.ref = r1, .alt = {i1, NULL}, .n_alt = 1, .gt = {1, 1}};
        T_EQ_INT(fa_het_unsupported(&hom_ins, &s, FA_HET_P_DEFAULT), 0);   // hets only
        Call snp = {.ref = r1, .alt = {sn, NULL}, .n_alt = 1, .gt = {0, 1}};
        T_EQ_INT(fa_het_unsupported(&snp, &s, FA_HET_P_DEFAULT), 0);
        Call two = {.ref = r1, .alt = {i1, sn}, .n_alt = 2, .gt = {1, 2}};
        T_EQ_INT(fa_het_unsupported(&two, &s, FA_HET_P_DEFAULT), 0);       // 1/2: never
        Call hap = {.ref = r1, .alt = {i1, NULL}, .n_alt = 1, .gt = {0, 1}, .haploid = 1};
        T_EQ_INT(fa_het_unsupported(&hap, &s, FA_HET_P_DEFAULT), 0);       // haploid: never
        // above FA_HET_MAX_DEPTH (100) the same share of 100 reads: P(X <= 34 | 100) = 0.00089
        // goes, P(X <= 35 | 100) = 0.00176 stays; at depth 1000, 340 and 350 insertion reads
        // (a plain binomial would need 475)
        s.depth = 1000, al[1].count = 0, al[2].count = 0;
        al[0].count = 340;
        T_EQ_INT(fa_het_unsupported(&het_ins, &s, FA_HET_P_DEFAULT), 1);
        al[0].count = 350;
        T_EQ_INT(fa_het_unsupported(&het_ins, &s, FA_HET_P_DEFAULT), 0);
        s.depth = 100, al[0].count = 34;
        T_EQ_INT(fa_het_unsupported(&het_ins, &s, FA_HET_P_DEFAULT), 1);
        al[0].count = 35;
        T_EQ_INT(fa_het_unsupported(&het_ins, &s, FA_HET_P_DEFAULT), 0);
    }
    // hom deletion of 1 (both heads at -1): REF AG, ALT A, 1/1 — not the more frequent "GG"
    set_probs(p, DD, 0.9f, 1, 0.9f, 15, 0.9f, 15, 0.9f);
    T_EQ_INT(genotype_clair3_fa(p, &c, ref, 2.0, 0.0, &k), 0);
    T_CHECK(k.n_alt == 1 && !strcmp(k.ref, "AG") && !strcmp(k.alt[0], "A") && k.gt[0] == 1 && k.gt[1] == 1);
    call_free(&k);
    // two deletions (-2 in head 1, -1 in head 2): REF AGG, ALTs A and AG, 1/2
    set_probs(p, DD, 0.9f, 2, 0.9f, 14, 0.9f, 15, 0.9f);
    T_EQ_INT(genotype_clair3_fa(p, &c, ref, 2.0, 0.0, &k), 0);
    T_CHECK(k.n_alt == 2 && !strcmp(k.ref, "AGG") && !strcmp(k.alt[0], "A") && !strcmp(k.alt[1], "AG"));
    T_CHECK(k.gt[0] == 1 && k.gt[1] == 2);
    T_CHECK(k.qual >= call_qual(pr(p, DD, 2, 14, 15)));  // the share >= the bare score
    call_free(&k);
    // two insertions of lengths 1 and 2: ALTs AT and ATT (head 1 the shorter)
    set_probs(p, II, 0.9f, 2, 0.9f, 17, 0.9f, 18, 0.9f);
    T_EQ_INT(genotype_clair3_fa(p, &c, ref, 2.0, 0.0, &k), 0);
    T_CHECK(k.n_alt == 2 && !strcmp(k.alt[0], "AT") && !strcmp(k.alt[1], "ATT"));
    call_free(&k);
    // early reference exit needs both length heads at 0 too
    set_probs(p, AA, 0.8f, 0, 0.8f, 16, 0.7f, 16, 0.6f);
    T_EQ_INT(genotype_clair3_fa(p, &c, ref, 2.0, 0.0, &k), 0);
    T_CHECK(k.n_alt == 0 && k.filter == FILTER_REFCALL);
    T_NEAR(k.qual, call_qual(pr(p, AA, 0, 16, 16)), 1e-9, 0);
    call_free(&k);
    // ... without it (L2[0] = 0.4 and a het insertion of +1 at 0.5), the argmax decides:
    // hom-ref 0.8*0.8*0.7*0.4 = 0.179 against het ins 0.1*0.01*0.7*0.5: still the reference
    set_probs(p, AA, 0.8f, 0, 0.8f, 16, 0.7f, 16, 0.4f);
    p[57 + 17] = 0.5f;
    T_EQ_INT(genotype_clair3_fa(p, &c, ref, 2.0, 0.0, &k), 0);
    T_CHECK(k.n_alt == 0);
    T_CHECK(k.qual >= call_qual(pr(p, AA, 0, 16, 16)));  // not the early exit: the share
    call_free(&k);

    // the cut-off: QUAL of the last of the lowest floor(pct n)
    double q[5];
    const double q0[5] = {5, 1, 3, 2, 4};
    memcpy(q, q0, sizeof q);
    T_NEAR(cascade_cutoff(q, 5, 0.3), 1.0, 0, 0);  // floor(1.5) = 1: the lowest; nothing < 1
    memcpy(q, q0, sizeof q);
    T_NEAR(cascade_cutoff(q, 5, 0.5), 2.0, 0, 0);
    memcpy(q, q0, sizeof q);
    T_NEAR(cascade_cutoff(q, 5, 1.0), 5.0, 0, 0);  // all but the best
    memcpy(q, q0, sizeof q);
    T_NEAR(cascade_cutoff(q, 5, 0.0), 0.0, 0, 0);
    T_NEAR(cascade_cutoff(q, 0, 0.7), 0.0, 0, 0);
    memcpy(q, q0, sizeof q);
    T_NEAR(cascade_cutoff(q, 5, 0.6), 3.0, 0, 0);  // 0.6 * 5 = 3 exactly
    Call cv = {.n_alt = 1, .qual = 2.5}, cr = {.n_alt = 0, .qual = 2.5, .filter = FILTER_REFCALL};
    T_CHECK(cascade_picked(&cv, 3, 0) && !cascade_picked(&cv, 2.5, 9));
    T_CHECK(cascade_picked(&cr, 0, 3) && !cascade_picked(&cr, 9, 2.5));

    // a read's allele at a call (call at 0-based 99)
    char r_ins[] = "A", a_ins[] = "ATT", r_del[] = "AGG", a_del[] = "A", a_snp[] = "C";
    Call ins = {.pos = 99, .ref = r_ins, .alt = {a_ins, NULL}, .n_alt = 1};
    Call del = {.pos = 99, .ref = r_del, .alt = {a_del, NULL}, .n_alt = 1};
    Call snp = {.pos = 99, .ref = r_ins, .alt = {a_snp, NULL}, .n_alt = 1};
    bam1_t *b1 = mkread(95, "5M2I5M", "CCCCATTGGCTA");  // base A at 99, then +2
    bam1_t *b2 = mkread(95, "10M", "CCCCAGGCTA");       // reference
    bam1_t *b3 = mkread(95, "5M2D3M", "CCCCACTA");      // A at 99, then -2
    bam1_t *b4 = mkread(90, "8M3D5M", "CCCCCCCCGGCTA");  // 99 inside the deletion 98..100
    bam1_t *b5 = mkread(95, "2S4M1M5M", "TTCCCCCGGCTA");  // C at 99 (soft clip first)
    T_EQ_INT(cascade_read_allele(b1, &ins), 1);
    T_EQ_INT(cascade_read_allele(b2, &ins), 0);
    T_EQ_INT(cascade_read_allele(b3, &ins), -1);  // a deletion is no allele of the insertion call
    T_EQ_INT(cascade_read_allele(b3, &del), 1);
    T_EQ_INT(cascade_read_allele(b2, &del), 0);
    T_EQ_INT(cascade_read_allele(b4, &del), -1);
    T_EQ_INT(cascade_read_allele(b5, &snp), 1);
    T_EQ_INT(cascade_read_allele(b2, &snp), 0);
    bam_destroy1(b1), bam_destroy1(b2), bam_destroy1(b3), bam_destroy1(b4), bam_destroy1(b5);
    T_DONE();
}
