// PL from the model's genotype probabilities (calling/genotype_pl.c), the <*> genotypes of gVCF
// records, the haploid folding, and the reference-confidence model (calling/refconf.c), against
// values computed by hand (the arithmetic is in the comments).
#include <math.h>
#include <string.h>

#include "calling/genotype_clairvoyante.h"
#include "calling/genotype_pl.h"
#include "calling/refconf.h"
#include "common/util.h"
#include "testlib.h"

static void expect_pl(const int *got, const int *want, int n, const char *what) {
    for (int i = 0; i < n; i++)
        if (got[i] != want[i]) {
            fprintf(stderr, "%s: PL[%d] = %d, want %d\n", what, i, got[i], want[i]);
            t_failures++;
        }
}

// Clair3 outputs: gt21 AA 0.1, AG 0.6, GG 0.2, AC 0.05, II 0.03, the 16 other classes 0.00125;
// zygosity [hom-ref, hom-alt, het] as given.
static void clair3_probs(float *p, float pz0, float pz1, float pz2, float aa, float ag, float gg) {
    for (int i = 0; i < 21; i++) p[i] = 0.00125f;
    p[gt21_index('A', 'A')] = aa;
    p[gt21_index('A', 'G')] = ag;
    p[gt21_index('G', 'G')] = gg;
    p[gt21_index('A', 'C')] = 0.05f;
    p[gt21_index('I', 'I')] = 0.03f;
    p[21] = pz0, p[22] = pz1, p[23] = pz2;
}

static Call snp_call(void) {
    Call c;
    memset(&c, 0, sizeof c);
    c.pos = 9;
    c.ref = xstrdup("A");
    c.alt[0] = xstrdup("G");
    c.n_alt = 1;
    c.gt[0] = 0, c.gt[1] = 1;
    c.qual = 20, c.gq = 20, c.filter = FILTER_PASS;
    return c;
}

int main(void) {
    float p[24];
    T_EQ_INT(n_genotypes(3, 0), 6);
    T_EQ_INT(n_genotypes(4, 0), 10);
    T_EQ_INT(n_genotypes(3, 1), 3);

    // pl_from_scores: best 0, -10 log10(s / max), capped, a zero score gets the cap
    {
        double s[4] = {0.5, 0.05, 0.5e-3, 0.0};
        int pl[4], want[4] = {0, 10, 30, PL_CAP};
        pl_from_scores(s, 4, pl);
        expect_pl(pl, want, 4, "pl_from_scores");
    }

    // Clair3, A>G with Pz = [0.2, 0.3, 0.5]:
    // 0/0 = 0.2*0.1 = 0.02, 0/1 = 0.5*0.6 = 0.3, 1/1 = 0.3*0.2 = 0.06
    // -> PL 10log10(15) = 11.8 -> 12, 0, 10log10(5) = 7.0 -> 7.
    // <*> = {C, T, I, D}: 0/* = best het of A with them = 0.5*0.05 (AC) = 0.025 -> 10log10(12) = 11;
    // 1/* = het of G with them = 0.5*0.00125 -> 10log10(480) = 26.8 -> 27;
    // */* = max(hom II 0.3*0.03 = 0.009, any het 0.5*0.00125) = 0.009 -> 10log10(33.3) = 15.2 -> 15
    clair3_probs(p, 0.2f, 0.3f, 0.5f, 0.1f, 0.6f, 0.2f);
    {
        Call c = snp_call();
        call_set_likelihoods(&c, GL_CLAIR3, p, 'A', HAPLOID_OFF, 2.0);
        int want[3] = {12, 0, 7}, want_star[6] = {12, 0, 7, 11, 27, 15};
        T_EQ_INT(c.n_pl, 3);
        T_EQ_INT(c.n_pl_star, 6);
        expect_pl(c.pl, want, 3, "clair3 diploid");
        expect_pl(c.pl_star, want_star, 6, "clair3 diploid <*>");
        T_EQ_INT(c.haploid, 0);
        T_EQ_INT(c.gt[1], 1);
        call_free(&c);

        // haploid, precise: hap = [0/0, 1/1] = [0.02, 0.06] -> PL 10log10(3) = 4.8 -> 5, 0; GT 1;
        // QUAL = 10log10(p/(1-p)) + 10 with p = 0.06/0.08 = 0.75 -> 14.77
        c = snp_call();
        call_set_likelihoods(&c, GL_CLAIR3, p, 'A', HAPLOID_PRECISE, 2.0);
        int wh[2] = {5, 0};
        T_EQ_INT(c.haploid, 1);
        T_EQ_INT(c.n_pl, 2);
        T_EQ_INT(c.n_pl_star, 3);
        expect_pl(c.pl, wh, 2, "clair3 haploid precise");
        T_EQ_INT(c.gt[0], 1);
        T_NEAR(c.qual, 14.77, 0.006, 0);
        T_EQ_INT(c.gq, 6);  // -10 log10(1 - 0.75) = 6.02
        T_EQ_INT(c.filter, FILTER_PASS);
        call_free(&c);

        // sensitive: the het 0/1 score goes to allele 1: [0.02, 0.36] -> 10log10(18) = 12.6 -> 13
        c = snp_call();
        call_set_likelihoods(&c, GL_CLAIR3, p, 'A', HAPLOID_SENSITIVE, 2.0);
        int ws[2] = {13, 0};
        expect_pl(c.pl, ws, 2, "clair3 haploid sensitive");
        T_EQ_INT(c.gt[0], 1);
        T_NEAR(c.qual, 10.0 * log10(0.36 / 0.02) + 10.0, 0.006, 0);
        call_free(&c);
    }
    // A het call whose hom-ref beats hom-alt: Pz = [0.3, 0.1, 0.6], AA 0.3, AG 0.5, GG 0.1:
    // 0/0 0.09, 0/1 0.3, 1/1 0.01. Precise drops the het -> GT 0, RefCall; sensitive -> GT 1.
    clair3_probs(p, 0.3f, 0.1f, 0.6f, 0.3f, 0.5f, 0.1f);
    {
        Call c = snp_call();
        call_set_likelihoods(&c, GL_CLAIR3, p, 'A', HAPLOID_PRECISE, 2.0);
        T_EQ_INT(c.gt[0], 0);
        T_EQ_INT(c.filter, FILTER_REFCALL);
        int w[2] = {0, 10};  // 10log10(0.09/0.01) = 9.54 -> 10
        expect_pl(c.pl, w, 2, "precise -> ref");
        call_free(&c);
        c = snp_call();
        call_set_likelihoods(&c, GL_CLAIR3, p, 'A', HAPLOID_SENSITIVE, 2.0);
        T_EQ_INT(c.gt[0], 1);
        call_free(&c);
    }
    // Haploid <*> (gVCF): the model favours a het of two unused labels, C/T (gt21 CT 0.3).
    // Pz = [0.2, 0.3, 0.5], AA 0.1, AG 0.6, GG 0.2, AC 0.05, II 0.03, else 0.00125.
    // Diploid scores: 0/0 0.02, 0/1 0.3, 1/1 0.06, 0/* 0.5*0.05 = 0.025, 1/* 0.5*0.00125 =
    // 0.000625, */*: hom part max(II 0.3*0.03, CC/TT/DD 0.3*0.00125) = 0.009, het part CT
    // 0.5*0.3 = 0.15 (the diploid */* is 0.15).
    // Precise: hap* = [0.02, 0.06, 0.009] -> PL 10log10(3) = 4.8 -> 5, 0, 10log10(6.67) = 8.2 -> 8
    // (the old fold took the het 0.15: PL 9,4,0 with GT 1).
    // Sensitive: hap*[1] = 0.06 + 0.3 (0/1) + 0.000625 (1/*: 1/1 0.06 > */* hom 0.009) = 0.360625,
    // hap*[*] = 0.009 + 0.15 (C/T: both <*>) + 0.025 (0/*) = 0.184
    // -> PL 10log10(0.360625/0.02) = 12.6 -> 13, 0, 10log10(0.360625/0.184) = 2.9 -> 3.
    clair3_probs(p, 0.2f, 0.3f, 0.5f, 0.1f, 0.6f, 0.2f);
    p[gt21_index('C', 'T')] = 0.3f;
    {
        double hom, het;
        Call c = snp_call();
        star_pair_scores(GL_CLAIR3, p, &c, 'A', &hom, &het);
        T_NEAR(hom, 0.009, 1e-7, 0);
        T_NEAR(het, 0.15, 1e-7, 0);
        call_set_likelihoods(&c, GL_CLAIR3, p, 'A', HAPLOID_PRECISE, 2.0);
        int wp[3] = {5, 0, 8};
        T_EQ_INT(c.n_pl_star, 3);
        expect_pl(c.pl_star, wp, 3, "haploid precise <*>");
        T_EQ_INT(c.gt[0], 1);
        call_free(&c);
        c = snp_call();
        call_set_likelihoods(&c, GL_CLAIR3, p, 'A', HAPLOID_SENSITIVE, 2.0);
        int wsn[3] = {13, 0, 3};
        expect_pl(c.pl_star, wsn, 3, "haploid sensitive <*>");
        T_EQ_INT(c.gt[0], 1);
        call_free(&c);
        // diploid: unchanged, */* is the best pair of any kind (0.15): 10log10(0.3/0.15) = 3
        c = snp_call();
        call_set_likelihoods(&c, GL_CLAIR3, p, 'A', HAPLOID_OFF, 2.0);
        T_EQ_INT(c.pl_star[5], 3);
        call_free(&c);
    }
    // A multi-allelic site: REF A, ALTs C and AT (an insertion): labels A, C, I.
    // Pz = [0.2, 0.3, 0.5], gt21 as in clair3_probs(0.1, 0.6, 0.2):
    // 0/0 0.2*0.1 = 0.02; 0/1 het AC 0.5*0.05 = 0.025; 1/1 hom CC 0.3*0.00125 = 0.000375;
    // 0/2 het AI 0.5*0.00125 = 0.000625; 1/2 het CI 0.000625; 2/2 hom II 0.3*0.03 = 0.009
    // -> PL (best 0/1 = 0.025): 1, 0, 18, 16, 16, 4
    clair3_probs(p, 0.2f, 0.3f, 0.5f, 0.1f, 0.6f, 0.2f);
    {
        Call c;
        memset(&c, 0, sizeof c);
        c.ref = xstrdup("A");
        c.alt[0] = xstrdup("C");
        c.alt[1] = xstrdup("AT");
        c.n_alt = 2;
        c.gt[0] = 1, c.gt[1] = 2;
        call_set_likelihoods(&c, GL_CLAIR3, p, 'A', HAPLOID_OFF, 2.0);
        int w[6] = {1, 0, 18, 16, 16, 4};
        T_EQ_INT(c.n_pl, 6);
        T_EQ_INT(c.n_pl_star, 10);
        expect_pl(c.pl, w, 6, "clair3 multi-allelic");
        call_free(&c);
    }
    // A reference call (no ALT): PL [0]; with <*> (= C, G, T, I, D): 0/* = het AG 0.5*0.6 = 0.3
    // beats 0/0 = 0.02 -> PL 12; */* = max(hom GG 0.3*0.2 = 0.06, ...) -> 10log10(5) = 7; 0/* = 0
    {
        Call c;
        memset(&c, 0, sizeof c);
        c.ref = xstrdup("A");
        c.filter = FILTER_REFCALL;
        call_set_likelihoods(&c, GL_CLAIR3, p, 'A', HAPLOID_OFF, 2.0);
        int w[1] = {0}, ws[3] = {12, 0, 7};
        T_EQ_INT(c.n_pl, 1);
        expect_pl(c.pl, w, 1, "ref call");
        expect_pl(c.pl_star, ws, 3, "ref call <*>");
        call_free(&c);
    }

    // Clairvoyante: zygosity [HET 0.7, HOM 0.3], type [REF 0.1, SNP 0.6, INS 0.2, DEL 0.1], A>G:
    // 0/0 = 0.1, 0/1 = 0.6*0.7 = 0.42, 1/1 = 0.6*0.3 = 0.18 -> 6, 0, 4;
    // <*> = {INS, DEL}: 0/* = 0.2*0.7 = 0.14 -> 5; 1/* = 0.7*min(0.6, 0.2) = 0.14 -> 5;
    // */* = max(hom INS 0.06, hom DEL 0.03, INS/DEL 0.7*0.1 = 0.07) = 0.07 -> 10log10(6) = 8
    {
        float q[CLV_NOUT] = {0};
        q[CLV_OUT_ZYG] = 0.7f, q[CLV_OUT_ZYG + 1] = 0.3f;
        q[CLV_OUT_TYPE] = 0.1f, q[CLV_OUT_TYPE + 1] = 0.6f, q[CLV_OUT_TYPE + 2] = 0.2f,
        q[CLV_OUT_TYPE + 3] = 0.1f;
        Call c = snp_call();
        call_set_likelihoods(&c, GL_CLAIRVOYANTE, q, 'A', HAPLOID_OFF, 2.0);
        int w[3] = {6, 0, 4}, ws[6] = {6, 0, 4, 5, 5, 8};
        expect_pl(c.pl, w, 3, "clairvoyante");
        expect_pl(c.pl_star, ws, 6, "clairvoyante <*>");
        call_free(&c);
    }

    // Reference confidence: two reference reads at Q20 (e = 0.01) and one other base at Q10:
    // ref read: R 0.99, X 0.01/3, RX (R+X)/2 = 0.49667; other: R 0.1, X 0.96667, RX 0.53333
    // L_RR = 0.99^2*0.1 = 0.09801, L_RX = 0.49667^2*0.53333 = 0.13156, L_XX = (0.01/3)^2*0.96667
    // -> PL 10log10(0.13156/0.09801) = 1.3 -> 1, 0, 40.9 -> 41; GQ 0 (0/0 is not the best)
    {
        RcAcc a = {{0, 0, 0}, 0};
        RefConf r;
        rc_add(&a, 1, 20);
        rc_add(&a, 1, 20);
        rc_add(&a, 0, 10);
        rc_finish(&a, 0, 'A', &r);
        T_EQ_INT(r.dp, 3);
        T_EQ_INT(r.pl[0], 1);
        T_EQ_INT(r.pl[1], 0);
        T_EQ_INT(r.pl[2], 41);
        T_EQ_INT(r.gq, 0);
        // five reference reads at Q30 (e = 0.001): RX/RR = (0.99933/2 / 0.999)^5 -> 5*3.0103 = 15;
        // XX/RR = (0.001/3 / 0.999)^5 -> 50*log10(2997) = 173.8 -> 174; GQ 15; haploid: 0, 174
        RcAcc b = {{0, 0, 0}, 0};
        for (int i = 0; i < 5; i++) rc_add(&b, 1, 30);
        rc_finish(&b, 0, 'C', &r);
        T_EQ_INT(r.pl[0], 0);
        T_EQ_INT(r.pl[1], 15);
        T_EQ_INT(r.pl[2], 174);
        T_EQ_INT(r.gq, 15);
        T_EQ_INT(r.ref, 'C');
        rc_finish(&b, 1, 'C', &r);
        T_EQ_INT(r.pl[0], 0);
        T_EQ_INT(r.pl[1], 174);
        T_EQ_INT(r.gq, 99);
        // no reads: all 0, GQ 0
        RcAcc z = {{0, 0, 0}, 0};
        rc_finish(&z, 0, 'G', &r);
        T_EQ_INT(r.pl[0] + r.pl[1] + r.pl[2] + r.gq + r.dp, 0);
        // quality 0 is clamped to 1 (no log of 0)
        RcAcc q0 = {{0, 0, 0}, 0};
        rc_add(&q0, 1, 0);
        T_CHECK(isfinite(q0.l[0]) && isfinite(q0.l[1]) && isfinite(q0.l[2]));
    }
    T_DONE();
}
