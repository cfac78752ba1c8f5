// Planting, left-alignment, haplotypes and the truth VCF of `calla simulate` (no aligner).
#include <string.h>
#include <unistd.h>

#include "sim/genome.h"
#include "sim/variants.h"
#include "testlib.h"

static void test_left_align(void) {
    // deletion of one A from the run "AAAA" (seq GCAAAAT): anchored at the base before the run
    const char *s1 = "GCAAAAT";
    char ref[16] = "AA", alt[16] = "A";
    int64_t p = sim_left_align(s1, 4, ref, alt);
    T_EQ_INT(p, 1);
    T_CHECK(strcmp(ref, "CA") == 0 && strcmp(alt, "C") == 0);
    // insertion of "CA" after position 6 of TTGCACACGG shifts through the CA repeat to after G2
    const char *s2 = "TTGCACACGG";
    char r2[16] = "A", a2[16] = "ACA";
    p = sim_left_align(s2, 6, r2, a2);
    T_EQ_INT(p, 2);
    T_CHECK(strcmp(r2, "G") == 0 && strcmp(a2, "GCA") == 0);
    // SNPs and already left-aligned records are unchanged
    char r3[4] = "G", a3[4] = "T";
    T_EQ_INT(sim_left_align(s2, 2, r3, a3), 2);
    char r4[8] = "TGC", a4[8] = "T";  // deletes GC at 2..3; seq[1]=T != seq[3]=C
    T_EQ_INT(sim_left_align(s2, 1, r4, a4), 1);
    T_CHECK(strcmp(r4, "TGC") == 0);
}

static void add_var(SimVars *vs, int64_t pos, const char *ref, const char *alt, int g0, int g1) {
    if (vs->n == vs->m) {
        vs->m = vs->m ? 2 * vs->m : 8;
        vs->v = realloc(vs->v, (size_t)vs->m * sizeof *vs->v);
    }
    SimVar *v = &vs->v[vs->n++];
    v->tid = 0, v->pos = pos, v->n_allele = 2;
    v->alleles = malloc(2 * sizeof(char *));
    v->alleles[0] = strdup(ref), v->alleles[1] = strdup(alt);
    v->gt[0] = g0, v->gt[1] = g1;
}

static void test_haplotype_and_vcf(void) {
    SimGenome g = {0};
    g.n = 1;
    g.ctg = calloc(1, sizeof *g.ctg);
    g.ctg[0].name = strdup("c1");
    g.ctg[0].seq = strdup("ACGTACGTACGTACGTACGT");
    g.ctg[0].len = 20;
    SimVars vs = {0};
    add_var(&vs, 2, "G", "T", 1, 0);  // SNP on hap 0
    add_var(&vs, 5, "CGT", "C", 1, 1);  // hom deletion of GT at 6..7
    add_var(&vs, 12, "A", "AGG", 0, 1);  // insertion after 12 on hap 1
    SimTarget t = {0, 0, 20};
    int64_t n0, n1;
    char *h0 = sim_haplotype(&g, &t, &vs, 0, &n0), *h1 = sim_haplotype(&g, &t, &vs, 1, &n1);
    // by hand: ACGTACGTACGTACGTACGT -> hap0 ACTTAC..ACGTACGTACGT (GT removed)
    T_CHECK(strcmp(h0, "ACTTACACGTACGTACGT") == 0);
    T_CHECK(strcmp(h1, "ACGTACACGTAGGCGTACGT") == 0);
    T_EQ_INT(n0, 18);
    T_EQ_INT(n1, 20);
    // a target that cuts the deletion leaves it out
    SimTarget t2 = {0, 6, 20};
    int64_t n2;
    char *h2 = sim_haplotype(&g, &t2, &vs, 1, &n2);
    T_CHECK(strcmp(h2, "GTACGTAGGCGTACGT") == 0);
    free(h0), free(h1), free(h2);

    // VCF round trip: written phased, read back identical
    char path[] = "/tmp/calla-test-simvcf-XXXXXX";
    int fd = mkstemp(path);
    T_CHECK(fd >= 0);
    close(fd);
    char vcf[300], tbi[310];
    snprintf(vcf, sizeof vcf, "%s.vcf.gz", path);
    snprintf(tbi, sizeof tbi, "%s.tbi", vcf);
    T_EQ_INT(sim_vars_write_vcf(&vs, &g, "S1", vcf), 0);
    T_CHECK(access(tbi, F_OK) == 0);
    SimVars back = {0};
    Rng r;
    rng_seed(&r, 3);
    T_EQ_INT(sim_vars_read_vcf(vcf, &g, &t, &r, &back), 0);
    T_EQ_INT(back.n, 3);
    for (int64_t i = 0; i < back.n && i < 3; i++) {
        T_EQ_INT(back.v[i].pos, vs.v[i].pos);
        T_CHECK(strcmp(back.v[i].alleles[0], vs.v[i].alleles[0]) == 0);
        T_CHECK(strcmp(back.v[i].alleles[1], vs.v[i].alleles[1]) == 0);
        T_EQ_INT(back.v[i].gt[0], vs.v[i].gt[0]);
        T_EQ_INT(back.v[i].gt[1], vs.v[i].gt[1]);
    }
    unlink(path), unlink(vcf), unlink(tbi);
    sim_vars_free(&back);
    sim_vars_free(&vs);
    sim_genome_free(&g);
}

static int is_transition(char a, char b) {
    return (a == 'A' && b == 'G') || (a == 'G' && b == 'A') || (a == 'C' && b == 'T') ||
           (a == 'T' && b == 'C');
}

static void test_plant_spectrum(void) {
    SimGenome g = {0};
    Rng r;
    rng_seed(&r, 11);
    sim_genome_synthetic(&g, 1000000, 1, &r);
    SimPlantParams p;
    sim_plant_defaults(&p);
    p.snp_rate = 0.004, p.indel_rate = 0.001;
    SimTarget t = {0, 0, g.ctg[0].len};
    SimVars vs = {0};
    sim_plant(&g, &t, &p, &r, &vs);
    const char *s = g.ctg[0].seq;
    int64_t ti = 0, tv = 0, hom = 0, het = 0, nindel = 0, short_indel = 0, in_repeat = 0;
    int64_t prev_end = -1, bad_ref = 0, overlap = 0, not_left = 0, maxlen = 0;
    for (int64_t i = 0; i < vs.n; i++) {
        const SimVar *v = &vs.v[i];
        const char *ref = v->alleles[0], *alt = v->alleles[1];
        int64_t lr = (int64_t)strlen(ref), la = (int64_t)strlen(alt);
        if (strncmp(s + v->pos, ref, (size_t)lr) != 0) bad_ref++;
        if (v->pos <= prev_end) overlap++;  // at least one base between REF spans
        prev_end = v->pos + lr;
        if (v->gt[0] == 1 && v->gt[1] == 1)
            hom++;
        else if (v->gt[0] + v->gt[1] == 1)
            het++;
        if (lr == 1 && la == 1) {
            if (is_transition(ref[0], alt[0]))
                ti++;
            else
                tv++;
            continue;
        }
        nindel++;
        int64_t L = lr > la ? lr - 1 : la - 1;
        if (L > maxlen) maxlen = L;
        if (L <= 2) short_indel++;
        const char *indel = lr > la ? ref + 1 : alt + 1;
        char last = indel[L - 1];
        if (ref[0] == last) not_left++;  // could shift one base left
        // a repeat context: the indel sequence is repeated right after the anchor (+deletion)
        const char *next = s + v->pos + 1 + (lr > la ? L : 0);
        if (strncmp(next, indel, (size_t)L) == 0) in_repeat++;
    }
    T_EQ_INT(bad_ref, 0);
    T_EQ_INT(overlap, 0);
    T_EQ_INT(not_left, 0);
    double titv = (double)ti / (double)tv, het_hom = (double)het / (double)hom;
    fprintf(stderr,
            "n=%lld snp=%lld indel=%lld titv=%.3f het/hom=%.3f short=%.3f repeat=%.3f max=%lld\n",
            (long long)vs.n, (long long)(ti + tv), (long long)nindel, titv, het_hom,
            (double)short_indel / nindel, (double)in_repeat / nindel, (long long)maxlen);
    // ~4000 SNPs: the sd of Ti/Tv is ~0.07 around 2.05
    T_CHECK(ti + tv > 3000 && ti + tv < 4500);
    T_CHECK(titv > 1.85 && titv < 2.25);
    T_CHECK(het_hom > 1.45 && het_hom < 2.0);
    T_EQ_INT(hom + het, vs.n);
    T_CHECK(nindel > 700 && nindel < 1200);
    T_CHECK((double)short_indel / nindel > 0.6);
    T_CHECK(maxlen >= 8 && maxlen <= 20);
    T_CHECK((double)in_repeat / nindel > 0.3);
    sim_vars_free(&vs);

    // determinism: same seed, same variants
    SimVars a = {0}, b = {0};
    Rng r1, r2;
    rng_seed(&r1, 5), rng_seed(&r2, 5);
    sim_plant(&g, &t, &p, &r1, &a);
    sim_plant(&g, &t, &p, &r2, &b);
    T_EQ_INT(a.n, b.n);
    int same = a.n == b.n;
    for (int64_t i = 0; same && i < a.n; i++)
        same = a.v[i].pos == b.v[i].pos && strcmp(a.v[i].alleles[1], b.v[i].alleles[1]) == 0;
    T_CHECK(same);
    sim_vars_free(&a), sim_vars_free(&b);
    sim_genome_free(&g);
}

static void test_synthetic_genome(void) {
    SimGenome g = {0}, g2 = {0};
    Rng r, r2;
    rng_seed(&r, 7), rng_seed(&r2, 7);
    sim_genome_synthetic(&g, 500000, 3, &r);
    sim_genome_synthetic(&g2, 500000, 3, &r2);
    T_EQ_INT(g.n, 3);
    int64_t total = 0;
    for (int c = 0; c < g.n; c++) {
        total += g.ctg[c].len;
        T_EQ_INT((int64_t)strlen(g.ctg[c].seq), g.ctg[c].len);
        T_CHECK(strcmp(g.ctg[c].seq, g2.ctg[c].seq) == 0);
    }
    T_EQ_INT(total, 500000);
    T_CHECK(strcmp(g.ctg[0].name, "sim1") == 0 && strcmp(g.ctg[2].name, "sim3") == 0);
    const char *s = g.ctg[0].seq;
    int64_t n = g.ctg[0].len;
    double gc = sim_gc_fraction(s, n);
    T_NEAR(gc, 0.41, 0.025, 0);
    // homopolymers of >= 8: a uniform 41%-GC sequence has ~n*0.3*0.3^7*... (a handful);
    // the model plants ~1 per 1.1 kb of length >= 4, a good share of them >= 8.
    int64_t hp8 = 0, run = 1;
    for (int64_t i = 1; i < n; i++) {
        run = s[i] == s[i - 1] ? run + 1 : 1;
        if (run == 8) hp8++;
    }
    // dinucleotide repeats of >= 6 copies (12 bp)
    int64_t str = 0;
    for (int64_t i = 0; i + 12 <= n; i++) {
        if (s[i] == s[i + 1]) continue;
        int ok = 1;
        for (int k = 2; k < 12 && ok; k++) ok = s[i + k] == s[i + (k & 1)];
        if (ok) str++, i += 11;
    }
    // interspersed repeats: 16-mers seen more than once (a random sequence has almost none)
    int64_t dup = 0, tot = 0;
    for (int64_t i = 0; i + 16 <= n && i < 300000; i += 97) {
        tot++;
        const char *hit = memmem(s, (size_t)n, s + i, 16);
        if (hit && hit != s + i)
            dup++;
        else if (memmem(s + i + 1, (size_t)(n - i - 1), s + i, 16))
            dup++;
    }
    fprintf(stderr, "gc=%.3f hp8=%lld str=%lld dup16=%.3f\n", gc, (long long)hp8, (long long)str,
            (double)dup / tot);
    T_CHECK(hp8 > 20);
    T_CHECK(str > 20);
    T_CHECK((double)dup / tot > 0.005);  // ~50x the random expectation (~1e-4)
    sim_genome_free(&g), sim_genome_free(&g2);
}

int main(void) {
    test_left_align();
    test_haplotype_and_vcf();
    test_plant_spectrum();
    test_synthetic_genome();
    T_DONE();
}
