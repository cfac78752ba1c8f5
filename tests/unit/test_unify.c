// test_unify.c — representation unification (tensors/unify.[ch]) on hand-made repeat cases.
// Every expected call and label is worked out by hand in the comments (gt21 indices: AA0 AC1 AG2
// AT3 CC4 CG5 CT6 GG7 GT8 TT9 DelDel10 ADel11 CDel12 GDel13 TDel14 InsIns15 AIns16 CIns17 GIns18
// TIns19 InsDel20; zygosity 0 hom-ref, 1 hom-alt, 2 het; length index = clip(len(alt) -
// len(ref), -16, 16) + 16, the two sorted ascending).
#include <string.h>

#include "tensors/labels.h"
#include "tensors/unify.h"
#include "testlib.h"

// (CA)4 repeat: 0-based  0123456789012345678
//                        AAAATCACACACAGGGGGG
// positions 5..12 hold CACACACA (4 units); T at 4, A at 10, A at 12.
static const char *CA_REF = "AAAATCACACACAGGGGGG";

static RuTruth truth1(int64_t pos, const char *ref, const char *alt, int g1, int g2) {
    RuTruth t = {pos, ref, {alt, NULL}, 1, g1, g2, 1};
    return t;
}

static void expect_call(const RuCall *c, int action, int a, int b, int line) {
    if (c->action != action || (action == RU_SET && (c->a != a || c->b != b))) {
        fprintf(stderr, "line %d: call %d %d/%d, expected %d %d/%d\n", line, c->action, c->a, c->b,
                action, a, b);
        t_failures++;
    }
}

static void expect_labels(const RuCand *c, const RuCall *call, float l0, float l1, float l2,
                          float l3, int line) {
    float L[4] = {-9, -9, -9, -9};
    if (ru_call_labels(FEAT_CLAIR3_PILEUP, c, call, L) != 0 || L[0] != l0 || L[1] != l1 ||
        L[2] != l2 || L[3] != l3) {
        fprintf(stderr, "line %d: labels %g %g %g %g, expected %g %g %g %g\n", line, L[0], L[1],
                L[2], L[3], l0, l1, l2, l3);
        t_failures++;
    }
}

static RuStats run(const RuParams *p, const RuTruth *t, int nt, const RuCand *c, int nc,
                   const char *ref, RuCall *calls) {
    RuStats st;
    memset(&st, 0, sizeof st);
    T_EQ_INT(ru_unify(p, t, nt, c, nc, ref, 0, (int64_t)strlen(ref), 0, INT64_MAX, calls, &st), 0);
    return st;
}

int main(void) {
    RuParams p;
    ru_params_default(&p);
    RuCall calls[32];

    // 1. Left-normalised truth deletion of one CA unit (pos 4, TCA>T, 0/1); the reads delete the
    // last unit (anchor A at 10, ACA>A, 10 of 20 reads). The truth site is also a (forced)
    // candidate without alleles. Haplotypes over [4, 13): truth {TCACACACA, TCACACA}; candidate
    // 10 het: ref[4..10) + "A" + ref[13..) = TCACAC+A = TCACACA: equal -> matched. Candidate 4
    // gets 0/0 (non-variant TT: 9 0 16 16); candidate 10 gets 0/1 with ACA>A: partial labels A
    // (ref, same length) and Del -> ADel 11, het 2, lengths -2 and 0 -> 14 16.
    {
        RuAllele a10[] = {{"ACA", "A", 10}};
        RuCand c[] = {{4, 'T', 20, 20, 0, NULL}, {10, 'A', 20, 10, 1, a10}};
        RuTruth t[] = {truth1(4, "TCA", "T", 0, 1)};
        RuStats st = run(&p, t, 1, c, 2, CA_REF, calls);
        expect_call(&calls[0], RU_SET, -1, -1, __LINE__);
        expect_call(&calls[1], RU_SET, -1, 0, __LINE__);
        T_EQ_INT(st.groups, 1);
        T_EQ_INT(st.matched, 1);
        T_EQ_INT(st.locked, 0);
        expect_labels(&c[0], &calls[0], 9, 0, 16, 16, __LINE__);
        expect_labels(&c[1], &calls[1], 11, 2, 14, 16, __LINE__);
    }

    // 2. Truth MNP AC>GT 1/1 at 30 (reference ...AC... at 30-31); the reads show two SNPs, A>G
    // at 30 and C>T at 31 (every read). Not locked: the trimmed truth allele (AC, GT) is not a
    // candidate allele. Truth pair {GT, GT} over [30, 32); candidates must be G/G and T/T.
    // Labels: 30 {A,G} 1/1 -> GG 7, hom 1, 16 16; 31 {C,T} 1/1 -> TT 9 1 16 16.
    {
        char ref[64];
        memset(ref, 'T', 63);
        ref[63] = 0;
        ref[30] = 'A';
        ref[31] = 'C';
        RuAllele a30[] = {{"A", "G", 20}}, a31[] = {{"C", "T", 20}};
        RuCand c[] = {{30, 'A', 20, 0, 1, a30}, {31, 'C', 20, 0, 1, a31}};
        RuTruth t[] = {truth1(30, "AC", "GT", 1, 1)};
        RuStats st = run(&p, t, 1, c, 2, ref, calls);
        expect_call(&calls[0], RU_SET, 0, 0, __LINE__);
        expect_call(&calls[1], RU_SET, 0, 0, __LINE__);
        T_EQ_INT(st.matched, 1);
        expect_labels(&c[0], &calls[0], 7, 1, 16, 16, __LINE__);
        expect_labels(&c[1], &calls[1], 9, 1, 16, 16, __LINE__);

        // Het MNP 0|1 with the two SNPs at half the reads: the SNPs must sit on the same
        // haplotype (h0 ref, h1 GT): 30 -> 0/1 {A,G}: AG 2, het 2; 31 -> 0/1 {C,T}: CT 6, het.
        RuAllele h30[] = {{"A", "G", 10}}, h31[] = {{"C", "T", 10}};
        RuCand ch[] = {{30, 'A', 20, 10, 1, h30}, {31, 'C', 20, 10, 1, h31}};
        RuTruth th[] = {truth1(30, "AC", "GT", 0, 1)};
        st = run(&p, th, 1, ch, 2, ref, calls);
        expect_call(&calls[0], RU_SET, -1, 0, __LINE__);
        expect_call(&calls[1], RU_SET, -1, 0, __LINE__);
        expect_labels(&ch[0], &calls[0], 2, 2, 16, 16, __LINE__);
        expect_labels(&ch[1], &calls[1], 6, 2, 16, 16, __LINE__);
    }

    // 3. A 1/2 site: truth at 4 deletes one CA unit on one haplotype and inserts one on the
    // other (TCA > T,TCACA; 3 and 5 units). The reads anchor both at A 10: ACA>A (9 reads) and
    // A>ACA (10 reads). Hap h0 = ref[4..10) + A + ref[13..) = TCACACA (3 units), h1 = ref[4..11)
    // + ACA + ref[11..13) = TCACACACACA (5 units): equal to the truth pair. Candidate 10 gets
    // alleles 0 and 1 (a=0, b=1). Labels: common REF ACA; alleles A (del -2) and ACACA (ins
    // A>ACA extended with CA, +2) -> InsDel 20, het 2 (1/2), lengths 14 18.
    {
        RuAllele a10[] = {{"ACA", "A", 9}, {"A", "ACA", 10}};
        RuCand c[] = {{10, 'A', 20, 1, 2, a10}};
        RuTruth t[] = {{4, "TCA", {"T", "TCACA"}, 2, 1, 2, 1}};
        RuStats st = run(&p, t, 1, c, 1, CA_REF, calls);
        expect_call(&calls[0], RU_SET, 0, 1, __LINE__);
        T_EQ_INT(st.matched, 1);
        expect_labels(&c[0], &calls[0], 20, 2, 14, 18, __LINE__);
    }

    // 4. No match: truth CTT>C 1/1 at 4 in a T homopolymer (ref GGGGCTTTTTAAAA); the reads
    // delete 3, 4 or 1 Ts (the ONT slice's chr20:5060332 case). No pair of those alleles
    // deletes exactly TT on both haplotypes -> unmatched, labels left as they are (RU_ASIS).
    {
        RuAllele a4[] = {{"CTTT", "C", 10}, {"CTTTT", "C", 8}, {"CT", "C", 7}};
        RuCand c[] = {{4, 'C', 52, 8, 3, a4}};
        RuTruth t[] = {truth1(4, "CTT", "C", 1, 1)};
        RuStats st = run(&p, t, 1, c, 1, "GGGGCTTTTTAAAA", calls);
        expect_call(&calls[0], RU_ASIS, 0, 0, __LINE__);
        T_EQ_INT(st.groups, 1);
        T_EQ_INT(st.unmatched, 1);
        T_EQ_INT(st.matched, 0);
    }

    // 5. Lock: the truth deletion TCA>T 0/1 at 4 is a candidate allele at 4 -> locked (today's
    // label), no group is formed (the other candidate at 10 is alone, no truth left).
    {
        RuAllele a4[] = {{"TCA", "T", 8}}, a10[] = {{"ACA", "A", 3}};
        RuCand c[] = {{4, 'T', 20, 12, 1, a4}, {10, 'A', 20, 17, 1, a10}};
        RuTruth t[] = {truth1(4, "TCA", "T", 0, 1)};
        RuStats st = run(&p, t, 1, c, 2, CA_REF, calls);
        expect_call(&calls[0], RU_LOCKED, 0, 0, __LINE__);
        expect_call(&calls[1], RU_ASIS, 0, 0, __LINE__);
        T_EQ_INT(st.locked, 1);
        T_EQ_INT(st.groups, 0);
    }

    // 6. Ranking: truth hom deletion of one unit written at A 6 (ACA>A 1/1, not normalised, so
    // nothing locks); the reads put it at T 4 (TCA>T, 12 of 20) or A 10 (ACA>A, 7 of 20).
    // Matches and their evidence fit (sum |observed - expected| over ref and alt fractions):
    //   4 1/1 + 10 0/0: (0.4 + 0.4) + (0.35 + 0.35) = 1.5
    //   4 0/0 + 10 1/1: (0.6 + 0.6) + (0.65 + 0.65) = 2.5
    //   4 0/1 + 10 0/1 on opposite haplotypes: (0.1 + 0.1) + (0.15 + 0.15) = 0.5  <- chosen
    {
        RuAllele a4[] = {{"TCA", "T", 12}}, a10[] = {{"ACA", "A", 7}};
        RuCand c[] = {{4, 'T', 20, 8, 1, a4}, {10, 'A', 20, 13, 1, a10}};
        RuTruth t[] = {truth1(6, "ACA", "A", 1, 1)};
        RuStats st = run(&p, t, 1, c, 2, CA_REF, calls);
        expect_call(&calls[0], RU_SET, -1, 0, __LINE__);
        expect_call(&calls[1], RU_SET, -1, 0, __LINE__);
        T_EQ_INT(st.matched, 1);
        // With min_af 0.5 the deletion at 10 (0.35) is not kept, the one at 4 (0.6) is: the only
        // match left is 4 1/1 + 10 0/0. With min_af 0.65 neither is kept: unmatched.
        RuParams q = p;
        q.min_af = 0.5;
        st = run(&q, t, 1, c, 2, CA_REF, calls);
        T_EQ_INT(st.matched, 1);
        expect_call(&calls[0], RU_SET, 0, 0, __LINE__);
        expect_call(&calls[1], RU_SET, -1, -1, __LINE__);
        q.min_af = 0.65;
        st = run(&q, t, 1, c, 2, CA_REF, calls);
        T_EQ_INT(st.unmatched, 1);
        expect_call(&calls[0], RU_ASIS, 0, 0, __LINE__);
    }

    // 7. Caps: 16 candidates (SNPs every 5 bp, each at 1 read of 20: AF 0.05, below min_af, so
    // each has only 0/0) around a truth SNP -> one group with 16 > 15 candidates: skipped.
    // With 15 candidates the group is unified (the truth SNP has no read allele: unmatched).
    {
        char ref[128];
        memset(ref, 'A', 127);
        ref[127] = 0;
        RuAllele snp[] = {{"A", "C", 1}};
        RuCand c[16];
        for (int i = 0; i < 16; i++) c[i] = (RuCand){10 + 5 * i, 'A', 20, 19, 1, snp};
        RuTruth t[] = {truth1(12, "A", "G", 0, 1)};
        RuStats st = run(&p, t, 1, c, 16, ref, calls);
        T_EQ_INT(st.groups, 1);
        T_EQ_INT(st.skipped, 1);
        for (int i = 0; i < 16; i++) expect_call(&calls[i], RU_ASIS, 0, 0, __LINE__);
        st = run(&p, t, 1, c, 15, ref, calls);
        T_EQ_INT(st.skipped, 0);
        T_EQ_INT(st.unmatched, 1);
        // Truth-pair cap: two het truth SNPs give 2 unphased pairs; a cap of 1 skips the group.
        RuTruth t2[] = {truth1(12, "A", "G", 0, 1), truth1(14, "A", "G", 0, 1)};
        RuParams q = p;
        q.max_truth_combos = 1;
        st = run(&q, t2, 2, c, 3, ref, calls);
        T_EQ_INT(st.skipped, 1);
        // Candidates more than max_gap (100) past the group's end start another group: a truth
        // SNP at 12 and a candidate at 113 (gap 113 - 13 = 100: joined) or 114 (101: apart).
        RuCand far[] = {{113, 'A', 20, 0, 1, snp}};
        st = run(&p, t, 1, far, 1, ref, calls);
        T_EQ_INT(st.groups, 1);
        far[0].pos = 114;
        st = run(&p, t, 1, far, 1, ref, calls);
        T_EQ_INT(st.groups, 0);
    }

    // 8. A truth REF that is not the reference (wrong build) skips the group; unsorted
    // candidates are refused.
    {
        RuAllele a10[] = {{"ACA", "A", 10}};
        RuCand c[] = {{10, 'A', 20, 10, 1, a10}};
        RuTruth t[] = {truth1(4, "GCA", "G", 0, 1)};
        RuStats st = run(&p, t, 1, c, 1, CA_REF, calls);
        T_EQ_INT(st.skipped, 1);
        // An unusable record (excluded, overlapping or not confident) next to a usable truth SNP
        // at 12 (A>G) skips their group; alone it forms no counted group.
        RuTruth u[] = {truth1(4, "TCA", "T", 0, 1), truth1(12, "A", "G", 0, 1)};
        u[0].usable = 0;
        st = run(&p, u, 2, c, 1, CA_REF, calls);
        T_EQ_INT(st.groups, 1);
        T_EQ_INT(st.skipped, 1);
        st = run(&p, u, 1, c, 1, CA_REF, calls);
        T_EQ_INT(st.groups, 0);
        T_EQ_INT(st.skipped, 0);
        RuCand bad[] = {{10, 'A', 20, 10, 1, a10}, {9, 'C', 20, 20, 0, NULL}};
        RuStats s2 = {0, 0, 0, 0, 0};
        T_EQ_INT(ru_unify(&p, t, 1, bad, 2, CA_REF, 0, (int64_t)strlen(CA_REF), 0, INT64_MAX, calls, &s2), -1);
        // Counting only groups starting in [own_beg, own_end): case 1's group starts at 4.
        RuAllele d10[] = {{"ACA", "A", 10}};
        RuCand c1[] = {{4, 'T', 20, 20, 0, NULL}, {10, 'A', 20, 10, 1, d10}};
        RuTruth t1[] = {truth1(4, "TCA", "T", 0, 1)};
        memset(&s2, 0, sizeof s2);
        T_EQ_INT(ru_unify(&p, t1, 1, c1, 2, CA_REF, 0, (int64_t)strlen(CA_REF), 5, 19, calls, &s2), 0);
        T_EQ_INT(s2.groups + s2.matched, 0);
        expect_call(&calls[1], RU_SET, -1, 0, __LINE__);  // the calls are made all the same
        T_EQ_INT(ru_unify(&p, t1, 1, c1, 2, CA_REF, 0, (int64_t)strlen(CA_REF), 4, 5, calls, &s2), 0);
        T_EQ_INT(s2.matched, 1);
    }
    T_DONE();
}
