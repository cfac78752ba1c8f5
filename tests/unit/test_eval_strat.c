// test_eval_strat.c — the strata of `calla eval` (eval_strat.h) on a reference built piece by
// piece, with each expected membership worked out from the layout below: homopolymer 7 vs 6,
// tandem repeat 10 bp vs 9 bp, the 5-bp slop on both sides, the indel footprint (anchor through
// the base after), indel length bins, multi-allelic sites, BED strata (half-open), DUST scores by
// hand, and stratified counts that add up to the overall ones.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <htslib/faidx.h>

#include "eval/eval.h"
#include "eval/eval_ref.h"
#include "eval/eval_strat.h"
#include "testlib.h"

static char dir[64];

static char *path(const char *name) {
    static char p[4][256];
    static int k = 0;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

static void write_file(const char *name, const char *text) {
    FILE *f = fopen(path(name), "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", name);
        exit(1);
    }
}

// Filler: xorshift-drawn bases without a run of 3 equal bases. The seed is fixed; the checks
// below near each feature would show a chance repeat in the filler.
static void filler(char *out, int n, uint32_t *x) {
    static const char B[4] = {'A', 'C', 'G', 'T'};
    for (int i = 0; i < n; i++) {
        for (;;) {
            *x ^= *x << 13;
            *x ^= *x >> 17;
            *x ^= *x << 5;
            char c = B[*x >> 30];
            if (i >= 2 && c == out[i - 1] && c == out[i - 2]) continue;
            out[i] = c;
            break;
        }
    }
}

static uint64_t mask_of(EvalStrata *s, EvalRef *r, long pos, const char *ref, const char *alt,
                        int multi) {
    EvalVar v = {0, pos, (char *)ref, (char *)alt, EVAL_HET, (uint8_t)multi, 0, -1};
    uint64_t m = 0;
    T_EQ_INT(eval_strata_mask(s, r, &v, &m), 0);
    return m;
}

#define BIT(i) (1ull << (i))
#define REPEATS (BIT(STRAT_HOMOPOLYMER) | BIT(STRAT_TANDEM) | BIT(STRAT_LOWCOMPLEX) | BIT(STRAT_NONREPEAT))

int main(void) {
    // DUST by hand: AAAAAA has 4 AAA triplets, 0+1+2+3 = 6 pairs over l-1 = 3: 2.0.
    T_NEAR(eval_dust_score("AAAAAA", 6), 2.0, 1e-12, 0);
    // ACACACAC: ACA x3 and CAC x3, 3 + 3 pairs over 6 - 1: 1.2.
    T_NEAR(eval_dust_score("ACACACAC", 8), 1.2, 1e-12, 0);
    T_NEAR(eval_dust_score("ACGTAC", 6), 0.0, 1e-12, 0);
    // N breaks triplets: AAANAAA has AAA twice, 1 pair over 2 - 1.
    T_NEAR(eval_dust_score("AAANAAA", 7), 1.0, 1e-12, 0);

    snprintf(dir, sizeof dir, "%s/calla-strat.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) T_SKIP("cannot create a temporary directory");
    // Layout (0-based): filler [0,100), A x7 [100,107), filler [107,207), C x6 [207,213),
    // filler [213,313), (AC) x5 [313,323), filler [323,423), AGT x3 [423,432), filler [432,532),
    // a low-complexity stretch [532,596), filler [596,700).
    static char seq[701];
    uint32_t x = 2463534242u;
    int p = 0;
    filler(seq + p, 100, &x), p += 100;
    memset(seq + p, 'A', 7), p += 7;
    filler(seq + p, 100, &x), p += 100;
    memset(seq + p, 'C', 6), p += 6;
    filler(seq + p, 100, &x), p += 100;
    memcpy(seq + p, "ACACACACAC", 10), p += 10;
    filler(seq + p, 100, &x), p += 100;
    memcpy(seq + p, "AGTAGTAGT", 9), p += 9;
    filler(seq + p, 100, &x), p += 100;
    // Imperfect G/A-rich repeat: no 7-base run, no perfect period 2-6 over 10 bp, high DUST.
    memcpy(seq + p, "GAGGAAGGAGAAGGAGGAAGAGGAAGGAGAAGGAGGAAGAGGAAGGAGAAGGAGGAAGAGGAAG", 64), p += 64;
    filler(seq + p, 104, &x), p += 104;
    seq[p] = '\0';
    T_EQ_INT(p, 700);
    // Junctions: bases that cannot extend the run or repeat next to them.
    seq[99] = seq[107] = seq[206] = seq[213] = seq[312] = seq[323] = seq[422] = 'G';
    seq[432] = 'C';
    // The junctions must not extend a run or a repeat: the test's own layout is checked here.
    T_CHECK(seq[99] != 'A' && seq[107] != 'A' && seq[206] != 'C' && seq[213] != 'C');
    T_CHECK(seq[312] != 'A' && seq[323] != 'A' && seq[422] != 'T' && seq[432] != 'A');
    T_CHECK(eval_dust_score(seq + 532, 64) > 2.0);

    char *fa = malloc(800);
    snprintf(fa, 800, ">s\n%s\n", seq);
    write_file("ref.fa", fa);
    free(fa);
    T_EQ_INT(fai_build(path("ref.fa")), 0);
    EvalRef *r = eval_ref_open(path("ref.fa"));
    T_CHECK(r != NULL);
    if (!r) T_DONE();
    EvalStrata *s = eval_strata_new();
    T_EQ_INT(eval_strata_n(s), STRAT_NBUILTIN);
    char a[2] = {0}, b[2] = {'N', 0};
#define SNP_AT(pos) (a[0] = seq[pos], b[0] = seq[pos] == 'A' ? 'C' : 'A', mask_of(s, r, pos, a, b, 0))

    // Homopolymer [100,107) widened by 5: [95,112).
    T_EQ_INT(SNP_AT(103) & REPEATS, BIT(STRAT_HOMOPOLYMER));
    T_EQ_INT(SNP_AT(95) & REPEATS, BIT(STRAT_HOMOPOLYMER));
    T_EQ_INT(SNP_AT(111) & REPEATS, BIT(STRAT_HOMOPOLYMER));
    T_EQ_INT(SNP_AT(94) & REPEATS, BIT(STRAT_NONREPEAT));
    T_EQ_INT(SNP_AT(112) & REPEATS, BIT(STRAT_NONREPEAT));
    // A 1-bp deletion anchored at 93 (REF = seq[93..95)) reaches 95 through its footprint
    // [93, 96): in; the SNP at 93 is not.
    char ref2[3] = {seq[93], seq[94], 0}, alt1[2] = {seq[93], 0};
    T_EQ_INT(mask_of(s, r, 93, ref2, alt1, 0) & REPEATS, BIT(STRAT_HOMOPOLYMER));
    T_EQ_INT(SNP_AT(93) & REPEATS, BIT(STRAT_NONREPEAT));
    // An insertion anchored at 93 has the footprint [93, 95): out; anchored at 94: in.
    char ins[3] = {seq[93], 'G', 0};
    T_EQ_INT(mask_of(s, r, 93, alt1, ins, 0) & REPEATS, BIT(STRAT_NONREPEAT));
    char a94[2] = {seq[94], 0}, ins94[3] = {seq[94], 'G', 0};
    T_EQ_INT(mask_of(s, r, 94, a94, ins94, 0) & REPEATS, BIT(STRAT_HOMOPOLYMER));
    // Six C's are no homopolymer.
    T_EQ_INT(SNP_AT(209) & REPEATS, BIT(STRAT_NONREPEAT));
    // (AC)x5 = 10 bp, 5 copies: tandem repeat, widened [308,328).
    T_EQ_INT(SNP_AT(317) & REPEATS, BIT(STRAT_TANDEM));
    T_EQ_INT(SNP_AT(308) & REPEATS, BIT(STRAT_TANDEM));
    T_EQ_INT(SNP_AT(327) & REPEATS, BIT(STRAT_TANDEM));
    T_EQ_INT(SNP_AT(328) & REPEATS, BIT(STRAT_NONREPEAT));
    // (AGT)x3 = 9 bp: below the 10-bp minimum.
    T_EQ_INT(SNP_AT(427) & REPEATS, BIT(STRAT_NONREPEAT));
    // The G/A-rich stretch: low complexity.
    T_CHECK(SNP_AT(560) & BIT(STRAT_LOWCOMPLEX));
    T_CHECK(!(SNP_AT(560) & BIT(STRAT_NONREPEAT)));
    // A plain site far from everything: non_repeat only, no multi-allelic or indel bins.
    T_EQ_INT(SNP_AT(160), BIT(STRAT_NONREPEAT));
    T_EQ_INT(mask_of(s, r, 160, a, b, 1), BIT(STRAT_NONREPEAT) | BIT(STRAT_MULTIALLELIC));

    // Indel length bins by |len(REF) - len(ALT)|: 1, 5, 6, 15, 16.
    char big[40];
    const int lens[5] = {1, 5, 6, 15, 16};
    const int bins[5] = {STRAT_INDEL_1, STRAT_INDEL_2_5, STRAT_INDEL_6_15, STRAT_INDEL_6_15,
                         STRAT_INDEL_GT15};
    for (int i = 0; i < 5; i++) {
        char anchor[2] = {seq[160], 0};
        big[0] = seq[160];
        memset(big + 1, 'T', lens[i]);
        big[1 + lens[i]] = '\0';
        uint64_t m = mask_of(s, r, 160, anchor, big, 0);
        T_EQ_INT(m & ~REPEATS, BIT(bins[i]));
    }

    // BED strata: half-open intervals, overlap with the footprint.
    write_file("hp.bed", "track name=x\ns\t150\t161\n#c\ns\t600\t610\n");
    T_EQ_INT(eval_strata_add_bed(s, "mine=" "/nonexistent/x.bed"), -1);
    T_EQ_INT(eval_strata_add_bed(s, "noequals"), -1);
    char spec[300];
    snprintf(spec, sizeof spec, "mine=%s", path("hp.bed"));
    T_EQ_INT(eval_strata_add_bed(s, spec), 0);
    T_EQ_INT(eval_strata_add_bed(s, spec), -1);  // the same name twice
    T_EQ_INT(eval_strata_n(s), STRAT_NBUILTIN + 1);
    T_CHECK(strcmp(eval_strata_name(s, STRAT_NBUILTIN), "mine") == 0);
    T_CHECK(SNP_AT(160) & BIT(STRAT_NBUILTIN));
    T_CHECK(SNP_AT(150) & BIT(STRAT_NBUILTIN));
    T_CHECK(!(SNP_AT(161) & BIT(STRAT_NBUILTIN)));
    T_CHECK(!(SNP_AT(149) & BIT(STRAT_NBUILTIN)));
    T_CHECK(SNP_AT(609) & BIT(STRAT_NBUILTIN));

    // Counts: truth {103 het, 160 het, 160 het (other allele: multi-allelic), 317 hom},
    // query {103 het (TP), 160 the first allele het (TP), 317 het (allele TP, genotype FP+FN),
    // 209 het (FP)}.
    EvalVarSet truth = {0}, query = {0};
    char r103[2] = {seq[103], 0}, r160[2] = {seq[160], 0}, r317[2] = {seq[317], 0},
         r209[2] = {seq[209], 0};
    const char *alt160a = seq[160] == 'G' ? "T" : "G", *alt160b = seq[160] == 'C' ? "T" : "C";
    evalset_push(&truth, 0, 103, r103, 1, "G", 1, EVAL_HET);
    evalset_push(&truth, 0, 160, r160, 1, alt160a, 1, EVAL_HET);
    evalset_push(&truth, 0, 160, r160, 1, alt160b, 1, EVAL_HET);
    evalset_push(&truth, 0, 317, r317, 1, "G", 1, EVAL_HOM);
    evalset_push(&query, 0, 103, r103, 1, "G", 1, EVAL_HET);
    evalset_push(&query, 0, 160, r160, 1, alt160a, 1, EVAL_HET);
    evalset_push(&query, 0, 317, r317, 1, "G", 1, EVAL_HET);
    evalset_push(&query, 0, 209, r209, 1, "G", 1, EVAL_HET);
    EvalResult all, res[EVAL_STRAT_MAX];
    eval_compare(&truth, &query, &all);
    T_EQ_INT(eval_strata_count(s, r, &truth, &query, res), 0);
    T_EQ_INT(all.allele[EVAL_SNP].tp, 3);
    T_EQ_INT(all.allele[EVAL_SNP].fp, 1);
    T_EQ_INT(all.allele[EVAL_SNP].fn, 1);
    const EvalCount *c = &res[STRAT_HOMOPOLYMER].genotype[EVAL_SNP];
    T_EQ_INT(c->tp, 1);
    T_EQ_INT(c->fp, 0);
    T_EQ_INT(c->fn, 0);
    c = &res[STRAT_TANDEM].allele[EVAL_SNP];
    T_EQ_INT(c->tp, 1);
    T_EQ_INT(c->fp, 0);
    T_EQ_INT(c->fn, 0);
    c = &res[STRAT_TANDEM].genotype[EVAL_SNP];
    T_EQ_INT(c->tp, 0);
    T_EQ_INT(c->fp, 1);
    T_EQ_INT(c->fn, 1);
    c = &res[STRAT_NONREPEAT].allele[EVAL_SNP];  // 160 x2 (truth), 209 (query FP)
    T_EQ_INT(c->tp, 1);
    T_EQ_INT(c->fp, 1);
    T_EQ_INT(c->fn, 1);
    c = &res[STRAT_MULTIALLELIC].allele[EVAL_SNP];  // both truth alleles at 160
    T_EQ_INT(c->tp, 1);
    T_EQ_INT(c->fp, 0);
    T_EQ_INT(c->fn, 1);
    // The homopolymer, tandem and non-repeat strata partition these sites: their sums are the
    // overall counts.
    for (int g = 0; g < 2; g++) {
        long tp = 0, fp = 0, fn = 0;
        for (int i = STRAT_HOMOPOLYMER; i <= STRAT_NONREPEAT; i++) {
            const EvalCount *k = g ? &res[i].genotype[EVAL_SNP] : &res[i].allele[EVAL_SNP];
            tp += k->tp, fp += k->fp, fn += k->fn;
        }
        const EvalCount *k = g ? &all.genotype[EVAL_SNP] : &all.allele[EVAL_SNP];
        T_EQ_INT(tp, k->tp);
        T_EQ_INT(fp, k->fp);
        T_EQ_INT(fn, k->fn);
    }
    evalset_free(&truth);
    evalset_free(&query);
    eval_strata_free(s);
    eval_ref_close(r);
    const char *files[] = {"ref.fa", "ref.fa.fai", "hp.bed"};
    for (int i = 0; i < 3; i++) unlink(path(files[i]));
    rmdir(dir);
    T_DONE();
}
