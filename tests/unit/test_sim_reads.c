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

// Q distributions: draws follow the weights, mean_p is E[10^(-Q/10)].
static void test_qdist(void) {
    double w[SIM_QN] = {0};
    w[10] = 1, w[20] = 2, w[30] = 7;
    SimQDist d;
    sim_qdist_set(&d, w);
    T_NEAR(d.mean_p, 0.1 * 0.1 + 0.2 * 0.01 + 0.7 * 0.001, 1e-12, 0);
    Rng r;
    rng_seed(&r, 5);
    int n[SIM_QN] = {0};
    const int N = 100000;
    for (int i = 0; i < N; i++) n[sim_qdist_draw(&d, &r)]++;
    T_EQ_INT(n[10] + n[20] + n[30], N);
    T_NEAR(n[10] / (double)N, 0.1, 5 * sqrt(0.1 * 0.9 / N), 0);
    T_NEAR(n[30] / (double)N, 0.7, 5 * sqrt(0.7 * 0.3 / N), 0);
}

// Indel length spectrum: P(1) 0.70, P(2) 0.19, P(3) 0.06, then 4 + Geometric(0.5) (mean 5).
static void test_indel_lengths(void) {
    SimReadModel m;
    sim_read_model_defaults(&m, SIM_ONT);
    Rng r;
    rng_seed(&r, 6);
    const int N = 200000;
    int64_t c[4] = {0}, long_sum = 0;
    for (int i = 0; i < N; i++) {
        int L = sim_draw_indel_len(&m, &r);
        T_CHECK(L >= 1);
        c[L >= 4 ? 3 : L <= 1 ? 0 : L - 1]++;
        if (L >= 4) long_sum += L;
    }
    double e[4] = {0.70, 0.19, 0.06, 0.05};
    for (int k = 0; k < 4; k++) T_NEAR(c[k] / (double)N, e[k], 5 * sqrt(e[k] * (1 - e[k]) / N), 0);
    // mean of the 4+ class: 4 + 0.5/(1-0.5) = 5, sd sqrt(0.5)/0.5 = 1.41, n ~ 10000
    T_NEAR((double)long_sum / (double)c[3], 5.0, 5 * 1.41 / sqrt((double)c[3]), 0);
}

// With homopolymer events off and no per-read spread, the mean error probability is the
// mixture's: E_hi + (E_lo - E_hi) * w_low * mean position ramp (mean of x^2 over the read).
static void test_mixture_mean(void) {
    SimPlatform ps[3] = {SIM_ILMN, SIM_HIFI, SIM_ONT};
    for (int k = 0; k < 3; k++) {
        SimReadModel m;
        sim_read_model_defaults(&m, ps[k]);
        memset(m.hp_run, 0, sizeof m.hp_run);
        m.read_sd = 0, m.bad_frac = 0;
        Rng r;
        rng_seed(&r, 50 + k);
        const int64_t L = 150, nreads = 20000;
        char *seq = malloc((size_t)L * 2 + 64), *qual = malloc((size_t)L * 2 + 64);
        SimErrStats st = {0};
        for (int64_t i = 0; i < nreads; i++) {
            char *t = random_template(&r, L);
            sim_apply_errors(&m, t, L, &r, seq, qual, &st);
            free(t);
        }
        double x2 = 0;
        for (int64_t j = 0; j < L; j++) x2 += (j / (double)(L - 1)) * (j / (double)(L - 1));
        x2 /= (double)L;
        double ramp = (1 - m.ramp) + 3 * m.ramp * x2;
        double e = m.q_hi.mean_p + (m.q_lo.mean_p - m.q_hi.mean_p) * m.w_low * ramp;
        double pm = st.sum_p / (double)st.bases;
        fprintf(stderr, "%s mixture: mean p %.6f expected %.6f\n", sim_platform_name(ps[k]), pm, e);
        T_NEAR(pm, e, 0, 0.03);
        free(seq), free(qual);
    }
}

// For each platform: realised error events match the probabilities used (binomial, 5 sd), the
// mean rate lies in the platform's intended range, qualities are calibrated per Phred bin, and
// the error types have the intended mix.
static void test_error_models(void) {
    SimPlatform ps[3] = {SIM_ILMN, SIM_HIFI, SIM_ONT};
    double lo[3] = {0.0015, 0.0002, 0.01}, hi[3] = {0.004, 0.0015, 0.04};
    for (int k = 0; k < 3; k++) {
        SimReadModel m;
        sim_read_model_defaults(&m, ps[k]);
        Rng r;
        rng_seed(&r, 100 + k);
        int64_t L = ps[k] == SIM_ILMN ? 150 : 10000, nreads = ps[k] == SIM_ILMN ? 40000 : 600;
        SimErrStats st = {0};
        char *seq = malloc((size_t)L * 2 + 64), *qual = malloc((size_t)L * 2 + 64);
        int64_t mism_head = 0, mism_tail = 0, same_len = 0, mism = 0, mism_q = 0, nq = 0, sq = 0;
        for (int64_t i = 0; i < nreads; i++) {
            char *t = random_template(&r, L);
            int64_t n = sim_apply_errors(&m, t, L, &r, seq, qual, &st);
            T_EQ_INT((int64_t)strlen(seq), n);
            T_EQ_INT((int64_t)strlen(qual), n);
            for (int64_t j = 0; j < n; j++) sq += qual[j] - 33, nq++;
            if (n == L) {  // no indel: compare position by position, independently of st
                same_len++;
                for (int64_t j = 0; j < 30; j++) mism_head += seq[j] != t[j];
                for (int64_t j = L - 30; j < L; j++) mism_tail += seq[j] != t[j];
                for (int64_t j = 0; j < L; j++)
                    if (seq[j] != t[j]) mism++, mism_q += qual[j] - 33;
            }
            free(t);
        }
        // systematic-error hotspots (test_hotspots) are outside the calibrated draw: not in sum_p
        int64_t events = st.subs + st.ins + st.dels + st.hp_ins + st.hp_dels - st.hot_errs;
        double rate = (double)events / (double)st.bases, pm = st.sum_p / (double)st.bases;
        double mean_q = (double)sq / (double)nq, mism_mean_q = mism ? (double)mism_q / mism : 0;
        fprintf(stderr,
                "%s: bases=%lld rate=%.5f expected=%.5f sub=%lld ins=%lld del=%lld hp=%lld "
                "meanQ=%.1f mismatchQ=%.1f\n",
                sim_platform_name(ps[k]), (long long)st.bases, rate, pm, (long long)st.subs,
                (long long)st.ins, (long long)st.dels, (long long)(st.hp_ins + st.hp_dels), mean_q,
                mism_mean_q);
        T_NEAR(rate, pm, 5 * sqrt(pm / (double)st.bases), 0);
        T_CHECK(pm > lo[k] && pm < hi[k]);
        for (int q = 0; q < 100; q++) {
            if (st.q_n[q] < 20000) continue;
            double e = pow(10, -q / 10.0), obs = (double)st.q_err[q] / (double)st.q_n[q];
            T_NEAR(obs, e, 5 * sqrt(e / (double)st.q_n[q]), 0);
        }
        // qualities flag errors: error events sit far below the mean quality (Illumina: checked
        // on mismatches found by comparing same-length reads with the template)
        double eq = 0, ne = 0;
        for (int q = 0; q < 100; q++)
            eq += (double)q * (double)st.q_err[q], ne += (double)st.q_err[q];
        T_CHECK(ne > 100 && eq / ne < mean_q - 15);
        if (ps[k] == SIM_ILMN) {
            T_CHECK(mean_q > 35.5 && mean_q < 38.5);  // real HG001: 36.8
            T_CHECK(mism > 1000);
            T_CHECK(mism_mean_q > 8 && mism_mean_q < 18);  // real: 12.8
            T_CHECK(st.subs > 0.85 * events);
            // 3' ramp of the low-quality tail: factor 0.6 at the start, ~1.7 over the last 30 bp
            T_CHECK(same_len > nreads * 9 / 10);
            double head = (double)mism_head / (30.0 * same_len),
                   tail = (double)mism_tail / (30.0 * same_len);
            fprintf(stderr, "ilmn mismatch rate first 30 bp %.5f, last 30 bp %.5f\n", head, tail);
            T_CHECK(tail > 2 * head);
        } else if (ps[k] == SIM_HIFI) {
            T_CHECK(mean_q > 35 && mean_q < 41);
        } else {
            T_CHECK(mean_q > 31 && mean_q < 37);  // real HG002 sup: 34.8
            T_CHECK(st.ins + st.dels + st.hp_ins + st.hp_dels > 0.7 * events);  // indel-heavy
            T_CHECK(st.ins > st.dels);  // real R10.4.1: more inserted than deleted bases
        }
        free(seq), free(qual);
    }
}

// Per-run homopolymer model: template of A-runs of length k between "CGTCGTCG" spacers, all
// other errors made negligible (high mode at Q63); each output A-run is compared with k. The
// share of runs whose length changed must be the model's per-run probability, and the share of
// shortened runs hp_short (binomial, 5 sd).
static void test_homopolymer_runs(void) {
    SimPlatform ps[3] = {SIM_ILMN, SIM_HIFI, SIM_ONT};
    const int ks[6] = {4, 5, 7, 9, 12, 20};
    const char *spacer = "CGTCGTCG";
    for (int p = 0; p < 3; p++) {
        SimReadModel m;
        sim_read_model_defaults(&m, ps[p]);
        double w[SIM_QN] = {0};
        w[63] = 1;
        sim_qdist_set(&m.q_hi, w);
        m.q_max = 63, m.w_low = 0;
        Rng r;
        rng_seed(&r, 300 + p);
        for (int ki = 0; ki < 6; ki++) {
            int k = ks[ki], blocks = 100, reads = ps[p] == SIM_ILMN && k < 9 ? 2000 : 400;
            int64_t L = (int64_t)blocks * (k + 8);
            char *t = malloc((size_t)L + 1), *seq = malloc((size_t)L * 2 + 64),
                 *qual = malloc((size_t)L * 2 + 64);
            for (int b = 0; b < blocks; b++) {
                memset(t + (int64_t)b * (k + 8), 'A', (size_t)k);
                memcpy(t + (int64_t)b * (k + 8) + k, spacer, 8);
            }
            t[L] = 0;
            int64_t runs = 0, changed = 0, shorter = 0, bad_parse = 0, ch = 0, sh_ = 0;
            SimErrStats st = {0};
            for (int i = 0; i < reads; i++) {
                int64_t n = sim_apply_errors(&m, t, L, &r, seq, qual, &st), j = 0, nr = 0;
                ch = sh_ = 0;
                while (j < n) {
                    int64_t a = 0;
                    while (j < n && seq[j] == 'A') a++, j++;
                    if (a > 0) {
                        nr++;
                        if (a != k) ch++, sh_ += a < k;
                    }
                    while (j < n && seq[j] != 'A') j++;
                }
                // a rare non-homopolymer error (p 5e-7 per base) that adds or removes an A-run
                // breaks the run-by-run comparison: such reads are left out
                if (nr != blocks) {
                    bad_parse++;
                    continue;
                }
                runs += nr, changed += ch, shorter += sh_;
            }
            double e = sim_hp_run_prob(&m, k), obs = (double)changed / (double)runs;
            double sh = changed ? (double)shorter / (double)changed : 0;
            fprintf(stderr, "%s hp k=%d: changed %.4f expected %.4f shorter %.2f\n",
                    sim_platform_name(ps[p]), k, obs, e, sh);
            T_CHECK(bad_parse <= 3);
            T_NEAR(obs, e, 5 * sqrt(e * (1 - e) / (double)runs) + 1e-4, 0);
            if (changed >= 200)
                T_NEAR(sh, m.hp_short, 5 * sqrt(m.hp_short * (1 - m.hp_short) / changed), 0);
            free(t), free(seq), free(qual);
        }
    }
    // the fitted tables rise with run length (ONT: ~4% at 4-5, ~10% at 6-8, ~55% at 9+)
    SimReadModel o;
    sim_read_model_defaults(&o, SIM_ONT);
    for (int k = 3; k < 40; k++) T_CHECK(sim_hp_run_prob(&o, k + 1) >= sim_hp_run_prob(&o, k));
    T_CHECK(sim_hp_run_prob(&o, 9) > 0.35 && sim_hp_run_prob(&o, 9) < 0.7);
}

static void test_determinism(void) {
    SimReadModel m;
    sim_read_model_defaults(&m, SIM_ONT);
    Rng r1, r2, r3;
    rng_seed(&r1, 9), rng_seed(&r2, 9), rng_seed(&r3, 10);
    Rng tr;
    rng_seed(&tr, 1);
    char *t = random_template(&tr, 5000);
    char a[10064], qa[10064], b[10064], qb[10064], c[10064], qc[10064];
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

// Systematic-error hotspots: their share of positions is hot_rate; at a hotspot every read errs
// with the hotspot's own p, always to the same base; elsewhere a read with all random errors
// switched off is error-free; the reverse complement of a template has its own, different set of
// hotspots (strand-specific). Counted here from the reads' bases against the template.
static void test_hotspots(void) {
    SimReadModel m;
    sim_read_model_defaults(&m, SIM_ILMN);
    m.hot_rate = 0.01, m.hot_pmin = 0.1, m.hot_pmax = 0.5, m.hot_del = 0;  // substitutions only
    // no random errors: high mode at Q63 (p = 5e-7), no low tail, no homopolymer events
    double w[SIM_QN] = {0};
    w[SIM_QN - 1] = 1;
    sim_qdist_set(&m.q_hi, w);
    m.q_max = SIM_QN - 1, m.w_low = 0, m.read_sd = 0, m.bad_frac = 0;
    memset(m.hp_run, 0, sizeof m.hp_run);
    Rng tr;
    rng_seed(&tr, 5);
    const int64_t L = 20000;
    char *t = random_template(&tr, L);
    char *rc = malloc((size_t)L + 1);
    memcpy(rc, t, (size_t)L + 1);
    sim_revcomp(rc, L);
    int64_t n_hot = 0, shared = 0;
    double *p = calloc((size_t)L, sizeof *p);
    char *alt = calloc((size_t)L, 1);
    for (int64_t i = 0; i < L; i++) {
        p[i] = sim_hotspot(&m, t, i, &alt[i]);
        if (p[i] > 0) {
            n_hot++;
            T_CHECK(p[i] >= 0.1 && p[i] <= 0.5 && alt[i] != t[i] && alt[i] != '-');
            // the same genomic base seen from the other strand: position L-1-i of rc
            char a2;
            if (sim_hotspot(&m, rc, L - 1 - i, &a2) > 0) shared++;
        }
    }
    // share of hotspots: binomial(L - K + 1, 0.01): 199.9 +- 14
    T_CHECK(n_hot > 200 - 5 * 14 && n_hot < 200 + 5 * 14);
    // other strand: a hotspot there too only by chance (rate 0.01)
    T_CHECK(shared < 12);
    // 400 reads of the whole template: per-hotspot error fractions ~ p (binomial), none elsewhere
    Rng r;
    rng_seed(&r, 6);
    char *seq = malloc((size_t)L * 2 + 64), *qual = malloc((size_t)L * 2 + 64);
    int *errs = calloc((size_t)L, sizeof *errs);
    int64_t wrong_alt = 0, bad_len = 0;
    SimErrStats st = {0};
    const int R = 400;
    for (int k = 0; k < R; k++) {
        int64_t o = sim_apply_errors(&m, t, L, &r, seq, qual, &st);
        if (o != L) {
            bad_len++;
            continue;
        }
        for (int64_t i = 0; i < L; i++)
            if (seq[i] != t[i]) {
                errs[i]++;
                if (p[i] == 0 || seq[i] != alt[i]) wrong_alt++;
            }
    }
    T_EQ_INT(bad_len, 0);
    // the only other errors are the random ones at Q63: 400 * 20000 * 5e-7 = 4 expected
    // (Poisson; more than 20 has probability < 1e-8)
    T_CHECK(wrong_alt <= 20);
    int off = 0;
    double z2 = 0;
    for (int64_t i = 0; i < L; i++) {
        if (p[i] == 0) continue;
        double e = R * p[i], sd = sqrt(R * p[i] * (1 - p[i]));
        if (fabs(errs[i] - e) > 5 * sd) off++;
        z2 += (errs[i] - e) * (errs[i] - e) / (sd * sd);
    }
    T_EQ_INT(off, 0);
    T_CHECK(z2 / (double)n_hot < 1.5);  // mean squared z ~ 1
    T_CHECK(st.hot_errs <= st.subs && st.subs - st.hot_errs <= 20);
    free(t), free(rc), free(p), free(alt), free(seq), free(qual), free(errs);
}

int main(void) {
    test_hotspots();
    test_lengths();
    test_qdist();
    test_indel_lengths();
    test_mixture_mean();
    test_error_models();
    test_homopolymer_runs();
    test_determinism();
    T_DONE();
}
