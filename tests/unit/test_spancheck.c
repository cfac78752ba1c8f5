// test_spancheck.c — the span check (src/calling/spancheck.c) on hand cases: the window and
// repeat tract of a deletion in a (TGCA)n repeat and of an insertion in a homopolymer, the fitting
// edit distance, the allele of hand-written reads (one aligned without the deletion it carries, one
// ending inside the repeat), the decision's thresholds, the PL/GQ written, a second ALT from a
// read's spelling of the repeat and the 1/2 call made of it, worked out by hand.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <htslib/kstring.h>
#include <htslib/sam.h>

#include "calling/spancheck.h"
#include "phasing/allele.h"
#include "testlib.h"

// Contig "c", 100 bases: a C at 20 followed by (TGCA)x2 at 21-28; a C at 50 followed by ten A at
// 51-60.
static const char *REF = "GATCCAGTTACGGATCCTAG"
                         "CTGCATGCA"
                         "GGATTACCGTAGGCATCCATG"
                         "C"
                         "AAAAAAAAAA"
                         "GTCTAGCTTGACCGATGCTAGGCTTACGTAGCATCGATC";

static sam_hdr_t *hdr;

static bam1_t *read_sam(const char *name, int pos1, const char *cigar, const char *seq) {
    kstring_t ks = {0, 0, NULL};
    ksprintf(&ks, "%s\t0\tc\t%d\t60\t%s\t*\t0\t0\t%s\t*", name, pos1, cigar, seq);
    bam1_t *b = bam_init1();
    if (sam_parse1(&ks, hdr, b) < 0) {
        fprintf(stderr, "bad SAM line: %s\n", ks.s);
        exit(1);
    }
    free(ks.s);
    return b;
}

static char seg[SPANCHK_MAX_WIN + 1];
static int lseg;

static int allele_of(const SpanWindow *w, const bam1_t *b) {
    return spanchk_read_allele(w, b, seg, &lseg);
}

static Call call_of(int64_t pos, const char *ref, const char *alt) {
    Call c;
    memset(&c, 0, sizeof c);
    c.pos = pos;
    c.ref = (char *)ref;
    c.alt[0] = (char *)alt;
    c.n_alt = 1;
    c.gt[0] = c.gt[1] = 1;
    return c;
}

int main(void) {
    T_EQ_INT((int)strlen(REF), 100);
    hdr = sam_hdr_parse(strlen("@SQ\tSN:c\tLN:100\n"), "@SQ\tSN:c\tLN:100\n");
    SpanWindow *w = malloc(sizeof *w);

    // 1. windows. The deletion CTGCA -> C at 20: indel TGCA (period 4), tract 21-28 (8 bases);
    // stretch [20 - 5, 29 + 5) = [15, 34); ALT spelled: REF[15, 21) + REF[25, 34).
    Call del = call_of(20, "CTGCA", "C");
    T_EQ_INT(spanchk_window(w, &del, REF, 0, 100), 0);
    T_EQ_INT(w->unit, 4);
    T_EQ_INT(w->run, 8);
    T_EQ_INT(w->beg, 15);
    T_EQ_INT(w->end, 34);
    T_EQ_INT(w->lh[0], 19);
    T_EQ_INT(w->lh[1], 15);
    T_CHECK(strcmp(w->h[0], "CCTAGCTGCATGCAGGATT") == 0);
    T_CHECK(strcmp(w->h[1], "CCTAGCTGCAGGATT") == 0);
    T_EQ_INT(w->pad, 13);
    T_EQ_INT(w->tract_beg, 21);
    T_EQ_INT(w->tract_end, 29);
    T_EQ_INT(w->ins, 0);
    // the same from a reference slice starting at 10 (positions stay contig positions)
    SpanWindow *w2 = malloc(sizeof *w2);
    T_EQ_INT(spanchk_window(w2, &del, REF + 10, 10, 90), 0);
    T_EQ_INT(w2->beg, 15);
    T_EQ_INT(w2->end, 34);
    T_CHECK(strcmp(w2->h[1], w->h[1]) == 0);
    // a slice that cuts the stretch: not checked
    T_EQ_INT(spanchk_window(w2, &del, REF + 18, 18, 82), -1);
    // the insertion C -> CA at 50, into ten A (51-60): period 1, tract 10 bases; [45, 66)
    Call ins = call_of(50, "C", "CA");
    T_EQ_INT(spanchk_window(w2, &ins, REF, 0, 100), 0);
    T_EQ_INT(w2->unit, 1);
    T_EQ_INT(w2->run, 10);
    T_EQ_INT(w2->beg, 45);
    T_EQ_INT(w2->end, 66);
    T_EQ_INT(w2->lh[1], w2->lh[0] + 1);
    T_EQ_INT(w2->ins, 1);
    T_EQ_INT(w2->tract_beg, 51);
    T_EQ_INT(w2->tract_end, 61);
    // an insertion outside any repeat (C -> CG at 50: the next base is A): tract 0
    Call ins2 = call_of(50, "C", "CG");
    T_EQ_INT(spanchk_window(w2, &ins2, REF, 0, 100), 0);
    T_EQ_INT(w2->run, 0);
    T_EQ_INT(w2->tract_beg, 51);  // empty, where the insertion sits
    T_EQ_INT(w2->tract_end, 51);
    T_EQ_INT(w2->beg, 45);
    T_EQ_INT(w2->end, 56);
    // not anchored indels, a SNP, two ALTs: no window
    Call snp = call_of(20, "C", "T"), cx = call_of(20, "CT", "G");
    T_EQ_INT(spanchk_window(w2, &snp, REF, 0, 100), -1);
    T_EQ_INT(spanchk_window(w2, &cx, REF, 0, 100), -1);
    Call two = call_of(20, "CTGCA", "C");
    two.alt[1] = "CTGCATGCA", two.n_alt = 2;
    T_EQ_INT(spanchk_window(w2, &two, REF, 0, 100), -1);

    // 2. fitting distance: h inside r costs nothing around it; all of h must be aligned
    T_EQ_INT(phase_fit_distance("ACGT", 4, "TTACGTTT", 8), 0);
    T_EQ_INT(phase_fit_distance("ACGT", 4, "ACT", 3), 1);    // G deleted
    T_EQ_INT(phase_fit_distance("ACGT", 4, "TTAGGTT", 7), 1);  // C -> G
    T_EQ_INT(phase_fit_distance("ACGT", 4, "", 0), 4);
    T_EQ_INT(phase_fit_distance("ACNT", 4, "ACNT", 4), 1);   // N matches nothing
    T_EQ_INT(phase_fit_distance("acgt", 4, "ACGT", 4), 0);

    // 3. reads at the deletion (w: [15, 34))
    char alt_hap[101], buf[101];
    memcpy(alt_hap, REF, 21);
    strcpy(alt_hap + 21, REF + 25);  // 96 bases
    // carries the deletion, aligned with it: REF 5-20, 4D, REF 25-49
    memcpy(buf, alt_hap + 5, 41);
    buf[41] = 0;
    bam1_t *r_alt = read_sam("alt", 6, "16M4D25M", buf);
    // the same bases aligned without the deletion (41M from 5): they still fit ALT
    bam1_t *r_mis = read_sam("mis", 6, "41M", buf);
    memcpy(buf, REF + 5, 45);
    buf[45] = 0;
    bam1_t *r_ref = read_sam("ref", 6, "45M", buf);
    memcpy(buf, REF, 27);
    buf[27] = 0;
    bam1_t *r_short = read_sam("short", 1, "27M", buf);  // ends inside the repeat
    bam1_t *r_noseq = read_sam("noseq", 6, "45M", "*");
    T_EQ_INT(allele_of(w, r_alt), 1);
    T_CHECK(lseg == 15 && strcmp(seg, w->h[1]) == 0);  // its own spelling of the stretch: ALT's
    T_EQ_INT(allele_of(w, r_mis), 1);
    T_EQ_INT(allele_of(w, r_ref), 0);
    T_CHECK(lseg == 19 && strcmp(seg, w->h[0]) == 0);
    T_EQ_INT(allele_of(w, r_short), -1);
    T_EQ_INT(lseg, -1);
    T_EQ_INT(allele_of(w, r_noseq), -1);
    // a read starting with a deletion's flank missing: from 17 (the stretch starts at 15)
    memcpy(buf, REF + 17, 30);
    buf[30] = 0;
    bam1_t *r_late = read_sam("late", 18, "30M", buf);
    T_EQ_INT(allele_of(w, r_late), -1);

    // 4. the decision (frac 0.2, at least 5 REF reads, homopolymer runs of 8+ exempt)
    SpanCheckParams p = {0.2, 5, 8, 0, 5, 0};
    T_EQ_INT(spanchk_demote(&p, w, 14, 34), 1);
    T_EQ_INT(spanchk_demote(&p, w, 4, 30), 0);   // too few REF reads
    T_EQ_INT(spanchk_demote(&p, w, 5, 30), 0);   // 5 / 35 < 0.2
    T_EQ_INT(spanchk_demote(&p, w, 5, 20), 1);   // 5 / 25 = 0.2
    T_EQ_INT(spanchk_demote(&p, w, 30, 2), 0);   // likelier 0/0 than 0/1: left alone (PL 0, 50)
    SpanWindow hp = *w;
    hp.unit = 1, hp.run = 10;
    T_EQ_INT(spanchk_demote(&p, &hp, 14, 34), 0);  // a homopolymer of 10
    hp.run = 7;
    T_EQ_INT(spanchk_demote(&p, &hp, 14, 34), 1);  // of 7: checked
    hp.run = 3, hp.ins = 6;  // six bases inserted into a run of three
    T_EQ_INT(spanchk_exempt(&p, &hp), 0);
    SpanCheckParams ont = p;
    ont.hp_alt = 1;  // ont: the run the reads spell, 3 + 6
    T_EQ_INT(spanchk_exempt(&ont, &hp), 1);
    T_EQ_INT(spanchk_demote(&ont, &hp, 14, 34), 0);
    hp.unit = 2;
    T_EQ_INT(spanchk_exempt(&ont, &hp), 0);
    SpanCheckParams off = p;
    off.frac = 0;
    T_EQ_INT(spanchk_demote(&off, w, 14, 34), 0);

    // 4b. a 0/1 call made 1/1: 30 reads spell the stretch, 28 as the ALT (>= 0.8 of them), none
    // fits REF, so 1/1 is the likeliest (PL 644, 84, 0: ln L = -148.35, -19.41, -0.14)
    T_EQ_INT(spanchk_promote(&p, w, 0, 28, 30, 28), 1);
    T_EQ_INT(spanchk_promote(&p, w, 0, 28, 30, 23), 0);  // 7 spell something else: 23 < 24
    T_EQ_INT(spanchk_promote(&p, w, 5, 23, 28, 23), 0);  // 5 fit REF: 0/1 likelier
    T_EQ_INT(spanchk_promote(&p, w, 0, 8, 9, 9), 0);     // fewer than 2 x 5 reads
    hp = *w;
    hp.unit = 1, hp.run = 10;
    T_EQ_INT(spanchk_promote(&p, &hp, 0, 28, 30, 28), 0);  // a homopolymer of 10
    T_EQ_INT(spanchk_promote(&off, w, 0, 28, 30, 28), 0);
    Call h = call_of(20, "CTGCA", "C");
    h.gt[0] = 0;
    h.n_pl_star = 6;
    spanchk_apply_hom(&h, 0, 28);
    T_EQ_INT(h.gt[0], 1);
    T_EQ_INT(h.gt[1], 1);
    T_EQ_INT(h.spanchk, 1);
    int wanth[3] = {644, 84, 0}, wanths[6] = {693, 84, 0, 693, 84, 693};
    for (int g = 0; g < 3; g++) T_EQ_INT(h.pl[g], wanth[g]);
    for (int g = 0; g < 6; g++) T_EQ_INT(h.pl_star[g], wanths[g]);
    T_EQ_INT(h.gq, 84);

    // 5. the call written: 9 REF, 26 ALT reads. A read shows an allele with probability
    // (m/2)(.99) + .01/2 for m copies: .995 / .5 / .005. ln L(0/0) = 9 ln .995 + 26 ln .005 =
    // -137.8014, ln L(0/1) = 35 ln .5 = -24.2602, ln L(1/1) = 9 ln .005 + 26 ln .995 = -47.8152;
    // PL = 10 (ln L(0/1) - ln L(g)) / ln 10: 493.10, 0, 102.30 -> 493, 0, 102; GQ 99 (capped).
    // The gVCF's, with <*> (3 alleles, e/3; no read for <*>): 538.45, 0, 117.83, 565.41, 195.72,
    // 761.12.
    Call c = call_of(20, "CTGCA", "C");
    c.n_pl = 3;
    c.pl[0] = 500, c.pl[1] = 40, c.pl[2] = 0;
    c.n_pl_star = 6;
    int star[6] = {500, 40, 0, 30, 35, 60};
    memcpy(c.pl_star, star, sizeof star);
    c.gq = 40, c.gq_phred = 40;
    spanchk_apply(&c, 9, 26);
    T_EQ_INT(c.gt[0], 0);
    T_EQ_INT(c.gt[1], 1);
    T_EQ_INT(c.spanchk, 1);
    T_EQ_INT(c.n_pl, 3);
    T_EQ_INT(c.pl[0], 493);
    T_EQ_INT(c.pl[1], 0);
    T_EQ_INT(c.pl[2], 102);
    T_EQ_INT(c.gq, 99);
    T_NEAR(c.gq_phred, 102, 0, 0);
    T_EQ_INT(c.n_pl_star, 6);
    int want[6] = {538, 0, 118, 565, 196, 761};
    for (int g = 0; g < 6; g++) T_EQ_INT(c.pl_star[g], want[g]);

    // 6. a second ALT from a spelling of the stretch [15, 34) (P = 5 bases before the call)
    char *r2 = NULL, *a1 = NULL, *a2 = NULL;
    // (a) two units deleted: REF grows to CTGCATGCA; the called ALT becomes CTGCA, the new one C
    const char *s2 = "CCTAGCGGATT";
    T_EQ_INT(spanchk_second_allele(w, &del, REF, 0, s2, (int)strlen(s2), &r2, &a1, &a2), 0);
    T_CHECK(r2 && strcmp(r2, "CTGCATGCA") == 0 && strcmp(a1, "CTGCA") == 0 && strcmp(a2, "C") == 0);
    free(r2), free(a1), free(a2);
    // (b) one unit inserted: REF stays CTGCA, the new ALT CTGCATGCA
    const char *s3 = "CCTAGCTGCATGCATGCAGGATT";
    T_EQ_INT(spanchk_second_allele(w, &del, REF, 0, s3, (int)strlen(s3), &r2, &a1, &a2), 0);
    T_CHECK(r2 && strcmp(r2, "CTGCA") == 0 && strcmp(a1, "C") == 0 && strcmp(a2, "CTGCATGCA") == 0);
    free(r2), free(a1), free(a2);
    // (c) the called ALT's spelling, (d) REF's, (e) another base before the call, (f) a unit
    // inserted and a SNP in the flank (T -> A at 32: only the last reference base is kept, and
    // CTGCATGCAGGAT -> CTGCATGCATGCAGGAA is no pure indel): none
    const char *s4 = "CCTAGCTGCATGCATGCAGGAAT";
    T_EQ_INT(spanchk_second_allele(w, &del, REF, 0, s4, (int)strlen(s4), &r2, &a1, &a2), -1);
    // (g) one G of the flank's GG (29-30) deleted: one block, but outside the tract 21-28: a slip
    // in the flank, not a second ALT (it would read CTGCATGCAG > CTGCAG, CTGCATGCA)
    const char *s5 = "CCTAGCTGCATGCAGATT";
    T_EQ_INT(spanchk_second_allele(w, &del, REF, 0, s5, (int)strlen(s5), &r2, &a1, &a2), -1);
    // (h) a unit inserted with an N in it (TGNA): placed in the tract, but not A/C/G/T
    const char *s6 = "CCTAGCTGCATGNATGCAGGATT";
    T_EQ_INT(spanchk_second_allele(w, &del, REF, 0, s6, (int)strlen(s6), &r2, &a1, &a2), -1);
    T_EQ_INT(spanchk_second_allele(w, &del, REF, 0, w->h[1], w->lh[1], &r2, &a1, &a2), -1);
    T_EQ_INT(spanchk_second_allele(w, &del, REF, 0, w->h[0], w->lh[0], &r2, &a1, &a2), -1);
    T_EQ_INT(spanchk_second_allele(w, &del, REF, 0, "CCTGGCGGATT", 11, &r2, &a1, &a2), -1);
    // a read of (a) fits the third haplotype once it is added
    memcpy(w->h[2], s2, strlen(s2) + 1);
    w->lh[2] = (int)strlen(s2);
    w->nh = 3;
    char hap2[101];
    memcpy(hap2, REF, 21);
    strcpy(hap2 + 21, REF + 29);  // 92 bases
    memcpy(buf, hap2 + 5, 41);
    buf[41] = 0;
    bam1_t *r_two = read_sam("two", 6, "16M8D25M", buf);
    T_EQ_INT(allele_of(w, r_two), 2);
    T_EQ_INT(allele_of(w, r_alt), 1);
    T_EQ_INT(allele_of(w, r_ref), 0);
    bam_destroy1(r_two);

    // 7. a 1/2 call from counts 3 / 20 / 12, DP 40: PL of the 3-allele likelihoods (e/3)
    // 621.66, 195.72, 201.04, 369.69, 0, 398.98; GQ 99 (second 196); AD the counts; AF 20/40,
    // 12/40; the gVCF's (4 alleles, e/4): 657.67, 206.90, 215.87, 390.81, 0, 423.78, 666.67,
    // 275.86, 459.77, 735.63.
    Call d = call_of(20, "CTGCA", "C");
    d.ref = strdup("CTGCA"), d.alt[0] = strdup("C");
    d.dp = 40, d.n_pl_star = 6;
    long c3[3] = {3, 20, 12};
    spanchk_apply_12(&d, c3, strdup("CTGCATGCA"), strdup("CTGCA"), strdup("C"));
    T_CHECK(strcmp(d.ref, "CTGCATGCA") == 0 && strcmp(d.alt[0], "CTGCA") == 0 &&
            strcmp(d.alt[1], "C") == 0);
    T_EQ_INT(d.n_alt, 2);
    T_EQ_INT(d.gt[0], 1);
    T_EQ_INT(d.gt[1], 2);
    T_EQ_INT(d.spanchk, 1);
    int want12[6] = {622, 196, 201, 370, 0, 399};
    T_EQ_INT(d.n_pl, 6);
    for (int g = 0; g < 6; g++) T_EQ_INT(d.pl[g], want12[g]);
    T_EQ_INT(d.gq, 99);
    T_NEAR(d.gq_phred, 196, 0, 0);
    T_EQ_INT(d.ad[0], 3);
    T_EQ_INT(d.ad[1], 20);
    T_EQ_INT(d.ad[2], 12);
    T_NEAR(d.af[0], 0.5, 1e-12, 0);
    T_NEAR(d.af[1], 0.3, 1e-12, 0);
    int want12s[10] = {658, 207, 216, 391, 0, 424, 667, 276, 460, 736};
    T_EQ_INT(d.n_pl_star, 10);
    for (int g = 0; g < 10; g++) T_EQ_INT(d.pl_star[g], want12s[g]);
    call_free(&d);

    bam_destroy1(r_alt), bam_destroy1(r_mis), bam_destroy1(r_ref), bam_destroy1(r_short);
    bam_destroy1(r_noseq), bam_destroy1(r_late);
    free(w);
    free(w2);
    sam_hdr_destroy(hdr);
    T_DONE();
}
