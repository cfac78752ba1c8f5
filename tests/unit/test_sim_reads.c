// Read-length and sequencing-error models of `calla simulate`, with stated tolerances.
#include <math.h>
#include <string.h>

#include "sim/reads.h"
#include "testlib.h"

static void test_lengths(void) {
    Rng r;
    rng_seed(&r, 1);
    SimReadModel m;
    const int N = 40000;
    // HiFi lognormal(mean 15 kb, sigma 0.2): CV = sqrt(exp(0.04)-1) = 0.2020
    // ONT lognormal(mean 10 kb, sigma 0.7): CV = sqrt(exp(0.49)-1) = 0.7952 (500 bp floor: P <
    // 1e-4)
    SimPlatform ps[2] = {SIM_HIFI, SIM_ONT};
    double cv_exp[2] = {0.2020, 0.7952}, mean_tol[2] = {0.01, 0.025};
    for (int k = 0; k < 2; k++) {
        sim_read_model_defaults(&m, ps[k]);
        double s = 0, s2 = 0;
        int64_t lo = INT64_MAX;
        for (int i = 0; i < N; i++) {
            int64_t L = sim_draw_read_length(&m, &r);
            s += (double)L, s2 += (double)L * (double)L;
            if (L < lo) lo = L;
        }
        double mean = s / N, sd = sqrt(s2 / N - mean * mean);
        T_NEAR(mean, m.len_mean, 0, mean_tol[k]);  // ~5 standard errors
        T_NEAR(sd / mean, cv_exp[k], 0, 0.08);
        T_CHECK(lo >= m.len_min);
    }
    sim_read_model_defaults(&m, SIM_ILMN);
    T_EQ_INT(sim_draw_read_length(&m, &r), 150);
    double s = 0, s2 = 0;
    for (int i = 0; i < N; i++) {
        double f = (double)sim_draw_insert(&m, &r);
        s += f, s2 += f * f;
    }
    double mean = s / N, sd = sqrt(s2 / N - mean * mean);
    T_NEAR(mean, 400, 1.5, 0);  // se 0.25
    T_NEAR(sd, 50, 1.5, 0);  // se 0.18
}

static char *random_template(Rng *r, int64_t n) {
    char *t = malloc((size_t)n + 1);
    for (int64_t i = 0; i < n; i++) t[i] = "ACGT"[rng_below(r, 4)];
    t[n] = 0;
    return t;
}

// For each platform: realised error events match the probabilities used (binomial, 5 sd), the
// mean rate lies in the platform's intended range, qualities are calibrated per Phred bin, and
// the error types have the intended mix.
static void test_error_models(void) {
    SimPlatform ps[3] = {SIM_ILMN, SIM_HIFI, SIM_ONT};
    double lo[3] = {0.002, 0.0005, 0.007}, hi[3] = {0.008, 0.002, 0.016};
    for (int k = 0; k < 3; k++) {
        SimReadModel m;
        sim_read_model_defaults(&m, ps[k]);
        Rng r;
        rng_seed(&r, 100 + k);
        int64_t L = ps[k] == SIM_ILMN ? 150 : 10000, nreads = ps[k] == SIM_ILMN ? 20000 : 300;
        SimErrStats st = {0};
        char *seq = malloc((size_t)L * 2 + 1), *qual = malloc((size_t)L * 2 + 1);
        int64_t mism_head = 0, mism_tail = 0, same_len = 0;
        for (int64_t i = 0; i < nreads; i++) {
            char *t = random_template(&r, L);
            int64_t n = sim_apply_errors(&m, t, L, &r, seq, qual, &st);
            T_EQ_INT((int64_t)strlen(seq), n);
            T_EQ_INT((int64_t)strlen(qual), n);
            if (n == L) {  // no indel: compare position by position, independently of st
                same_len++;
                for (int64_t j = 0; j < 30; j++) mism_head += seq[j] != t[j];
                for (int64_t j = L - 30; j < L; j++) mism_tail += seq[j] != t[j];
            }
            free(t);
        }
        int64_t events = st.subs + st.ins + st.dels + st.hp_ins + st.hp_dels;
        double rate = (double)events / (double)st.bases, pm = st.sum_p / (double)st.bases;
        fprintf(stderr,
                "%s: bases=%lld rate=%.5f expected=%.5f sub=%lld ins=%lld del=%lld hp=%lld\n",
                sim_platform_name(ps[k]), (long long)st.bases, rate, pm, (long long)st.subs,
                (long long)st.ins, (long long)st.dels, (long long)(st.hp_ins + st.hp_dels));
        T_NEAR(rate, pm, 5 * sqrt(pm / (double)st.bases), 0);
        T_CHECK(pm > lo[k] && pm < hi[k]);
        for (int q = 0; q < 100; q++) {
            if (st.q_n[q] < 20000) continue;
            double e = pow(10, -q / 10.0), obs = (double)st.q_err[q] / (double)st.q_n[q];
            T_NEAR(obs, e, 5 * sqrt(e / (double)st.q_n[q]), 0);
        }
        if (ps[k] == SIM_ILMN) {
            T_CHECK(st.subs > 0.95 * events);
            // substitutions rise along the read: 0.1% at the start, 1% at the end
            T_CHECK(same_len > nreads * 9 / 10);
            double head = (double)mism_head / (30.0 * same_len),
                   tail = (double)mism_tail / (30.0 * same_len);
            fprintf(stderr, "ilmn mismatch rate first 30 bp %.5f, last 30 bp %.5f\n", head, tail);
            T_CHECK(tail > 4 * head);
            T_NEAR(tail, 0.0085, 0.003, 0);
        } else if (ps[k] == SIM_HIFI) {
            T_CHECK(st.hp_ins + st.hp_dels > events / 2);  // mostly homopolymer length errors
        } else {
            T_CHECK(st.ins + st.dels + st.hp_ins + st.hp_dels > 0.6 * events);  // indel-heavy
        }
        free(seq), free(qual);
    }
}

static void test_determinism(void) {
    SimReadModel m;
    sim_read_model_defaults(&m, SIM_ONT);
    Rng r1, r2, r3;
    rng_seed(&r1, 9), rng_seed(&r2, 9), rng_seed(&r3, 10);
    Rng tr;
    rng_seed(&tr, 1);
    char *t = random_template(&tr, 5000);
    char a[10001], qa[10001], b[10001], qb[10001], c[10001], qc[10001];
    SimErrStats st = {0};
    sim_apply_errors(&m, t, 5000, &r1, a, qa, &st);
    sim_apply_errors(&m, t, 5000, &r2, b, qb, &st);
    sim_apply_errors(&m, t, 5000, &r3, c, qc, &st);
    T_CHECK(strcmp(a, b) == 0 && strcmp(qa, qb) == 0);
    T_CHECK(strcmp(a, c) != 0);
    char rc[] = "AACGTN";
    sim_revcomp(rc, 6);
    T_CHECK(strcmp(rc, "NACGTT") == 0);
    free(t);
}

int main(void) {
    test_lengths();
    test_error_models();
    test_determinism();
    T_DONE();
}
