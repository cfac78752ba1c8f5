// test_sim_hard.c — hard-case planting (sim/hard.h) on a synthetic genome around a set of existing
// variants: every REF matches the genome, variants are sorted and never within SIM_HARD_GAP of the
// existing ones, indels are left-aligned, multi-allelic sites are 1/2 with three distinct
// alleles, indels reach 16-50 bp but not beyond, clusters put a SNP 2-10 bp after an indel, every
// kind is planted, the stats add up, and the same seed gives the same variants.
#include <stdlib.h>
#include <string.h>

#include "sim/hard.h"
#include "testlib.h"

static void plant(const SimGenome *g, uint64_t seed, SimVars *vs, SimHardStats *st, int64_t *n_old) {
    Rng r;
    rng_seed(&r, seed);
    SimTarget t = {0, 0, g->ctg[0].len};
    SimPlantParams p;
    sim_plant_defaults(&p);
    p.snp_rate = 0.0005, p.indel_rate = 0.0002;  // the "existing" variants
    sim_plant(g, &t, &p, &r, vs);
    *n_old = vs->n;
    sim_plant_hard(g, &t, 0.002, &r, vs, st);
}

int main(void) {
    SimGenome g = {0};
    Rng r;
    rng_seed(&r, 5);
    sim_genome_synthetic(&g, 400000, 1, &r);
    const char *s = g.ctg[0].seq;
    SimVars vs = {0};
    SimHardStats st;
    int64_t n_old;
    plant(&g, 99, &vs, &st, &n_old);
    long total = 0;
    for (int k = 0; k < HARD_NKINDS; k++) {
        if (st.planted[k] < 10) fprintf(stderr, "kind %d planted %ld times\n", k, st.planted[k]);
        T_CHECK(st.planted[k] >= 10);
        total += st.planted[k] + (k == HARD_CLUSTER ? st.planted[k] : 0);  // a cluster is 2 records
    }
    T_EQ_INT(vs.n, n_old + total);

    // The existing variants, found again by (pos, REF, first ALT) in the sorted result, mark which
    // records are new; the new ones keep SIM_HARD_GAP from every old one.
    int64_t bad_ref = 0, unsorted = 0, near_old = 0, not_left = 0, multi = 0, bad_multi = 0;
    int64_t longest = 0, long16 = 0, cluster_pairs = 0;
    char *old = calloc((size_t)vs.n, 1);
    {
        Rng r2;
        rng_seed(&r2, 99);
        SimPlantParams p;
        sim_plant_defaults(&p);
        p.snp_rate = 0.0005, p.indel_rate = 0.0002;
        SimVars o = {0};
        SimTarget t = {0, 0, g.ctg[0].len};
        sim_plant(&g, &t, &p, &r2, &o);
        T_EQ_INT(o.n, n_old);
        int64_t j = 0;
        for (int64_t i = 0; i < vs.n && j < o.n; i++)
            if (vs.v[i].pos == o.v[j].pos && !strcmp(vs.v[i].alleles[0], o.v[j].alleles[0]) &&
                !strcmp(vs.v[i].alleles[1], o.v[j].alleles[1]))
                old[i] = 1, j++;
        T_EQ_INT(j, o.n);  // all existing variants kept, unchanged and in order
        sim_vars_free(&o);
    }
    for (int64_t i = 0; i < vs.n; i++) {
        const SimVar *v = &vs.v[i];
        int64_t lr = (int64_t)strlen(v->alleles[0]);
        if (strncmp(s + v->pos, v->alleles[0], (size_t)lr) != 0) bad_ref++;
        if (i && vs.v[i - 1].pos >= v->pos) unsorted++;
        if (!old[i])
            for (int64_t k = i - 3 < 0 ? 0 : i - 3; k < i + 4 && k < vs.n; k++) {
                if (!old[k]) continue;
                int64_t ke = vs.v[k].pos + (int64_t)strlen(vs.v[k].alleles[0]);
                if (v->pos < ke + SIM_HARD_GAP && vs.v[k].pos < v->pos + lr + SIM_HARD_GAP) near_old++;
            }
        for (int a = 1; a < v->n_allele; a++) {
            int64_t la = (int64_t)strlen(v->alleles[a]), d = la > lr ? la - lr : lr - la;
            if (d > longest) longest = d;
            if (d >= 16) long16++;
            if (v->n_allele == 2 && d > 0) {  // bi-allelic indel: left-aligned already
                char ref[128], alt[128];
                if (lr < 127 && la < 127) {
                    strcpy(ref, v->alleles[0]);
                    strcpy(alt, v->alleles[1]);
                    if (sim_left_align(s, v->pos, ref, alt) != v->pos) not_left++;
                }
            }
        }
        if (v->n_allele == 3) {
            multi++;
            if (v->gt[0] != 1 || v->gt[1] != 2 || !strcmp(v->alleles[1], v->alleles[2]) ||
                !strcmp(v->alleles[0], v->alleles[1]) || !strcmp(v->alleles[0], v->alleles[2]))
                bad_multi++;
        }
        // a new SNP 2-10 bases after a new bi-allelic indel's REF span: a cluster
        if (!old[i] && i && !old[i - 1] && lr == 1 && strlen(v->alleles[1]) == 1 && v->n_allele == 2) {
            const SimVar *u = &vs.v[i - 1];
            int64_t ue = u->pos + (int64_t)strlen(u->alleles[0]);
            if (u->n_allele == 2 && strlen(u->alleles[0]) != strlen(u->alleles[1]) &&
                v->pos - ue >= 1 && v->pos - ue <= 9)
                cluster_pairs++;
        }
    }
    fprintf(stderr, "old %lld new %ld multi %lld long16 %lld longest %lld clusters %lld\n", (long long)n_old, total, (long long)multi, (long long)long16, (long long)longest, (long long)cluster_pairs);
    T_EQ_INT(bad_ref, 0);
    T_EQ_INT(unsorted, 0);
    T_EQ_INT(near_old, 0);
    T_EQ_INT(not_left, 0);
    T_EQ_INT(bad_multi, 0);
    T_EQ_INT(multi, st.planted[HARD_REPEAT_MULTI] + st.planted[HARD_SNP_MULTI]);
    T_CHECK(longest <= SIM_HARD_MAX_INDEL);
    T_CHECK(long16 >= st.planted[HARD_LONG_INDEL]);
    T_EQ_INT(cluster_pairs, st.planted[HARD_CLUSTER]);
    // haplotypes carry allele gt[hap]: hap 0 of a 1/2 site has ALT1, hap 1 ALT2 (lengths add up)
    SimTarget t = {0, 0, g.ctg[0].len};
    for (int h = 0; h < 2; h++) {
        int64_t len, want = g.ctg[0].len;
        for (int64_t i = 0; i < vs.n; i++)
            want += (int64_t)strlen(vs.v[i].alleles[vs.v[i].gt[h]]) - (int64_t)strlen(vs.v[i].alleles[0]);
        char *hs = sim_haplotype(&g, &t, &vs, h, &len);
        T_EQ_INT(len, want);
        free(hs);
    }
    // the same seed, the same variants
    SimVars vs2 = {0};
    SimHardStats st2;
    int64_t n2;
    plant(&g, 99, &vs2, &st2, &n2);
    T_EQ_INT(vs2.n, vs.n);
    int same = vs2.n == vs.n;
    for (int64_t i = 0; same && i < vs.n; i++)
        same = vs.v[i].pos == vs2.v[i].pos && vs.v[i].n_allele == vs2.v[i].n_allele &&
               !strcmp(vs.v[i].alleles[vs.v[i].n_allele - 1], vs2.v[i].alleles[vs2.v[i].n_allele - 1]);
    T_CHECK(same);
    free(old);
    sim_vars_free(&vs);
    sim_vars_free(&vs2);
    sim_genome_free(&g);
    T_DONE();
}
