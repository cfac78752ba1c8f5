// reads.c — see reads.h. Parameters and their rationale are in docs/simulate.md.
#include "sim/reads.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "sim/genome.h"

int sim_platform_parse(const char *s, SimPlatform *p) {
    if (strcmp(s, "ilmn") == 0)
        *p = SIM_ILMN;
    else if (strcmp(s, "hifi") == 0)
        *p = SIM_HIFI;
    else if (strcmp(s, "ont") == 0)
        *p = SIM_ONT;
    else
        return -1;
    return 0;
}

const char *sim_platform_name(SimPlatform p) {
    return p == SIM_ILMN ? "ilmn" : p == SIM_HIFI ? "hifi" : "ont";
}

void sim_qdist_set(SimQDist *d, const double *w) {
    double tot = 0, ep = 0;
    for (int q = 0; q < SIM_QN; q++) tot += w[q] > 0 ? w[q] : 0;
    double c = 0;
    for (int q = 0; q < SIM_QN; q++) {
        double x = w[q] > 0 ? w[q] / tot : 0;
        c += x;
        ep += x * pow(10.0, -q / 10.0);
        d->cum[q] = c;
    }
    d->cum[SIM_QN - 1] = 1.0;
    d->mean_p = ep;
}

int sim_qdist_draw(const SimQDist *d, Rng *r) {
    double u = rng_uniform(r);
    int lo = 0, hi = SIM_QN - 1;  // first q with cum[q] > u
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (d->cum[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

// Base-quality histograms (per 100,000 bases, by Phred value) of the real reads in
// /work/shared/data: HG001 Illumina HiSeq 2x101 (all primary reads of the 10.0-10.1 Mb slice)
// and HG002 ONT R10.4.1 sup (25 kb slice; Q > 50, 0.7% of bases, folded into Q50; the 2% at
// Q90 dropped). The simulator's components are the parts of these histograms below / above a
// split (Q30 Illumina, Q20 ONT), so the simulated Q values have the real values' shape.
static const int ILMN_QHIST[42] = {
    0,    0,    27,   0,    0,    74,   41,   470,  258,  129,  225,  101,  52,  150,
    41,   113,  91,   128,  250,  174,  239,  105,  200,  255,  335,  484,  682, 542,
    496,  871,  1236, 2111, 1528, 2208, 6279, 10208, 5650, 9672, 5461, 11053, 12154, 25908};
static const int ONT_QHIST[51] = {
    0,    0,    31,   169,  405,  615,  738,  825,  846,  788,  731,  686,  643,
    624,  598,  607,  614,  626,  636,  667,  700,  726,  778,  842,  920,  1009,
    1154, 1314, 1524, 1808, 2190, 2624, 3140, 3776, 4560, 5426, 6292, 7081, 7532,
    7346, 6545, 5413, 4094, 2994, 2143, 1461, 1021, 746,  515,  366,  700};

static void qdist_from_hist(SimQDist *d, const int *h, int n, int qlo, int qhi) {
    double w[SIM_QN] = {0};
    for (int q = qlo; q <= qhi && q < n; q++) w[q] = h[q];
    sim_qdist_set(d, w);
}

static void qdist_flat(SimQDist *d, int qlo, int qhi) {
    double w[SIM_QN] = {0};
    for (int q = qlo; q <= qhi; q++) w[q] = 1;
    sim_qdist_set(d, w);
}

// Per-run homopolymer length-change probabilities by run length k (index 0..SIM_HPK).
// Fitted so that bench/read_profile.sh on simulated chr20 reads gives the rates measured on
// the real slices (docs/read-fidelity.md); the profile also counts random indels that fall
// inside a run, so the table sits below the measured rates for short runs.
static const double ILMN_HP[SIM_HPK + 1] = {0,     0,     0,     0,     0,    0,    0,    0,   0,
                                            0.065, 0.085, 0.105, 0.125, 0.15, 0.17, 0.19, 0.21};
static const double HIFI_HP[SIM_HPK + 1] = {0, 0, 0.001, 0.004, 0.008, 0.012, 0.02, 0.03, 0.04,
                                            0.10, 0.13, 0.16, 0.20, 0.24, 0.28, 0.32, 0.36};
static const double ONT_HP[SIM_HPK + 1] = {0, 0, 0, 0, 0.002, 0.004, 0.02, 0.03, 0.04,
                                           0.42, 0.48, 0.54, 0.59, 0.63, 0.66, 0.69, 0.72};

void sim_read_model_defaults(SimReadModel *m, SimPlatform p) {
    memset(m, 0, sizeof *m);
    m->platform = p;
    // indel lengths (all platforms, measured on both real slices): 70% 1 bp, 19% 2, 6% 3, rest
    // 4 + Geometric(0.5) (mean 5)
    m->len_p[0] = 0.70, m->len_p[1] = 0.19, m->len_p[2] = 0.06, m->len_geo = 0.5;
    m->hp_short = 0.55;
    switch (p) {
    case SIM_ILMN:  // 2x150; HiSeq-like qualities: mean ~Q37, errors in a ~5% low tail
        m->paired = 1;
        m->len_mean = 150;
        m->len_min = 30;
        m->insert_mean = 400, m->insert_sd = 50;
        qdist_from_hist(&m->q_hi, ILMN_QHIST, 42, 30, 41);
        qdist_from_hist(&m->q_lo, ILMN_QHIST, 42, 2, 29);
        m->q_hp = m->q_lo;
        m->w_low = 0.05, m->ramp = 0.4;  // low tail 0.6x at the 5' end, 1.8x at the 3' end
        // mean error ~0.23%/base: substitutions ~0.21%, insertion / deletion events ~0.7e-4 /
        // 0.8e-4 (~0.011% / 0.013% of bases, as measured on HG001)
        m->f_ins = 0.03, m->f_del = 0.035, m->f_sub = 0.935;
        memcpy(m->hp_run, ILMN_HP, sizeof m->hp_run);
        m->hp_short = 0.45;
        m->read_sd = 0.3, m->q_max = 41;
        // 1 in 1,000 contexts per strand; p up to 0.35 puts about half of them above the 0.08
        // candidate allele-frequency threshold at 50x (one strand carries half of the depth).
        // Real HG001 (52x) has ~1.4-2 candidates per true variant, the model without hotspots
        // ~1.17; with them ~1.6 (docs/read-fidelity.md).
        m->hot_rate = 1e-3, m->hot_pmin = 0.02, m->hot_pmax = 0.35, m->hot_del = 0.05;
        break;
    case SIM_HIFI:  // ~15 kb, ~Q30, errors mostly homopolymer length changes
        m->len_mean = 15000, m->len_sigma = 0.2, m->len_min = 1000;
        {
            double w[SIM_QN] = {0};  // Q30-45 bell around Q39
            for (int q = 30; q <= 45; q++) w[q] = exp(-0.5 * (q - 39) * (q - 39) / 9.0);
            sim_qdist_set(&m->q_hi, w);
        }
        qdist_flat(&m->q_lo, 15, 29);
        qdist_flat(&m->q_hp, 5, 20);
        m->w_low = 0.01;
        m->f_sub = 0.3, m->f_ins = 0.35, m->f_del = 0.35;
        memcpy(m->hp_run, HIFI_HP, sizeof m->hp_run);
        m->read_sd = 0.3, m->bad_frac = 0.05, m->bad_mult = 4, m->q_max = 45;
        m->hot_rate = 2e-4, m->hot_pmin = 0.02, m->hot_pmax = 0.25, m->hot_del = 0.5;  // no real HiFi to fit
        break;
    case SIM_ONT:  // R10.4.1 sup-like: lognormal lengths mean 20 kb, ~Q20, indel-heavy
        m->len_mean = 20000, m->len_sigma = 0.7, m->len_min = 500;
        qdist_from_hist(&m->q_hi, ONT_QHIST, 51, 20, 50);
        qdist_from_hist(&m->q_lo, ONT_QHIST, 51, 2, 19);
        m->q_hp = m->q_lo;
        m->w_low = 0.07;  // x mean multiplier 2.03: 14% of bases below Q20 (real: 10.8%)
        // median read: substitutions ~0.25%, insertion events ~0.45%, deletion events ~0.4%
        m->f_sub = 0.2, m->f_ins = 0.42, m->f_del = 0.38;
        memcpy(m->hp_run, ONT_HP, sizeof m->hp_run);
        m->hp_short = 0.75;  // random indels in runs lean to insertions; real total 57% shorter
        // heavy tail of bad reads (10% with 8x): mean multiplier ~2x the median
        m->read_sd = 0.6, m->bad_frac = 0.10, m->bad_mult = 8, m->q_max = 50;
        // real HG002 ONT (54x): 1.9 candidates per true variant; without hotspots 1.18
        m->hot_rate = 1e-3, m->hot_pmin = 0.02, m->hot_pmax = 0.40, m->hot_del = 0.5;
        break;
    }
}

int64_t sim_draw_read_length(const SimReadModel *m, Rng *r) {
    if (m->paired || m->len_sigma <= 0) return (int64_t)llround(m->len_mean);
    double mu = log(m->len_mean) - 0.5 * m->len_sigma * m->len_sigma;
    for (int tries = 0;; tries++) {
        int64_t L = (int64_t)llround(exp(mu + m->len_sigma * rng_normal(r)));
        if (L >= m->len_min || tries > 1000) return L < 1 ? 1 : L;
    }
}

int64_t sim_draw_insert(const SimReadModel *m, Rng *r) {
    int64_t f = (int64_t)llround(m->insert_mean + m->insert_sd * rng_normal(r));
    return f < 1 ? 1 : f;
}

int sim_draw_indel_len(const SimReadModel *m, Rng *r) {
    double u = rng_uniform(r);
    if (u < m->len_p[0]) return 1;
    if (u < m->len_p[0] + m->len_p[1]) return 2;
    if (u < m->len_p[0] + m->len_p[1] + m->len_p[2]) return 3;
    int L = 4;
    while (L < 1000 && rng_uniform(r) < m->len_geo) L++;
    return L;
}

double sim_hp_run_prob(const SimReadModel *m, int64_t k) {
    if (k < 0) return 0;
    return m->hp_run[k > SIM_HPK ? SIM_HPK : k];
}

static const char BASES[] = "ACGT";

static char other_base(Rng *r, char c) {
    char d;
    do d = BASES[rng_below(r, 4)];
    while (d == c);
    return d;
}

static int base_code(char c) {
    return c == 'A' ? 0 : c == 'C' ? 1 : c == 'G' ? 2 : c == 'T' ? 3 : -1;
}

double sim_hotspot(const SimReadModel *m, const char *t, int64_t i, char *alt) {
    if (m->hot_rate <= 0 || i < SIM_HOT_K - 1) return 0;
    uint64_t key = 0x9e3779b97f4a7c15ULL;
    for (int64_t j = i - SIM_HOT_K + 1; j <= i; j++) {
        int b = base_code(t[j]);
        if (b < 0) return 0;
        key = (key << 2) | (uint64_t)b;
    }
    // a fixed property of the "chemistry", the same for every run and seed
    uint64_t x = key ^ 0x5ca1ab1e0ddba11ULL;
    uint64_t h = rng_splitmix64(&x), h2 = rng_splitmix64(&x);
    if ((double)(h >> 11) * (1.0 / 9007199254740992.0) >= m->hot_rate) return 0;
    double u = (double)(h2 >> 11) * (1.0 / 9007199254740992.0);
    if ((double)(h2 & 0xffff) / 65536.0 < m->hot_del) {
        *alt = '-';
    } else {
        int c = base_code(t[i]), k = (int)((h2 >> 16) % 3);
        *alt = BASES[(c + 1 + k) % 4];
    }
    return m->hot_pmin + (m->hot_pmax - m->hot_pmin) * u;
}

int64_t sim_apply_errors(const SimReadModel *m, const char *t, int64_t n, Rng *r, char *seq,
                         char *qual, SimErrStats *st) {
    double mult = 1.0;
    if (m->read_sd > 0) mult = exp(m->read_sd * rng_normal(r));
    if (m->bad_frac > 0 && rng_uniform(r) < m->bad_frac) mult *= m->bad_mult;
    int64_t o = 0, run_end = 0;
    double pi_hp = 0;  // share of this run's bases in the homopolymer component
    int run_short = 0;  // this run's homopolymer errors shorten it
    for (int64_t i = 0; i < n; i++) {
        char c = t[i];
        if (c != 'A' && c != 'C' && c != 'G' && c != 'T') {
            seq[o] = 'N', qual[o++] = 33 + 2;
            continue;
        }
        if (i >= run_end) {  // entering a run (possibly mid-run after a deletion)
            int64_t beg = i;
            while (beg > 0 && t[beg - 1] == c) beg--;
            run_end = i + 1;
            while (run_end < n && t[run_end] == c) run_end++;
            double P = sim_hp_run_prob(m, run_end - beg);
            pi_hp = 0;
            if (P > 0) {  // per-base event probability h with 1 - (1 - h)^k = P
                double h = 1.0 - pow(1.0 - P, 1.0 / (double)(run_end - beg));
                pi_hp = h / m->q_hp.mean_p;
                if (pi_hp > 1) pi_hp = 1;
                run_short = rng_uniform(r) < m->hp_short;
            }
        }
        char alt;
        double ph = sim_hotspot(m, t, i, &alt);
        if (ph > 0 && rng_uniform(r) < ph) {  // systematic error: low-tail quality
            int q = sim_qdist_draw(&m->q_lo, r);
            if (q < 2) q = 2;
            if (q > m->q_max) q = m->q_max;
            st->hot_errs++;
            if (alt == '-') {
                st->dels++;
            } else {
                st->subs++;
                seq[o] = alt, qual[o++] = (char)(33 + q);
            }
            continue;
        }
        double x = n > 1 ? (double)i / (double)(n - 1) : 0.0;
        double w = m->w_low * mult * ((1.0 - m->ramp) + 3.0 * m->ramp * x * x);
        if (w > 0.95) w = 0.95;
        double u = rng_uniform(r);
        int hp = u < pi_hp;
        const SimQDist *d = hp ? &m->q_hp : u < pi_hp + (1.0 - pi_hp) * w ? &m->q_lo : &m->q_hi;
        int q = sim_qdist_draw(d, r);
        if (q < 2) q = 2;
        if (q > m->q_max) q = m->q_max;
        double p_eff = pow(10.0, -q / 10.0);
        st->bases++;
        st->sum_p += p_eff;
        st->q_n[q]++;
        char qc = (char)(33 + q);
        if (rng_uniform(r) >= p_eff) {
            seq[o] = c, qual[o++] = qc;
            continue;
        }
        st->q_err[q]++;
        if (hp) {
            if (run_short) {
                st->hp_dels++;
            } else {
                st->hp_ins++;
                seq[o] = c, qual[o++] = qc;
                seq[o] = c, qual[o++] = qc;
            }
            continue;
        }
        double v = rng_uniform(r) * (m->f_sub + m->f_ins + m->f_del);
        if (v < m->f_sub) {
            st->subs++;
            seq[o] = other_base(r, c), qual[o++] = qc;
        } else if (v < m->f_sub + m->f_ins) {
            // cap so the rest of the template (<= 2 bases each) still fits in 2n+64
            int64_t cap = 2 * i + 64 - o, L = sim_draw_indel_len(m, r);
            if (L > cap) L = cap;
            st->ins++;
            seq[o] = c, qual[o++] = qc;
            for (int64_t j = 0; j < L; j++) seq[o] = BASES[rng_below(r, 4)], qual[o++] = qc;
        } else {
            int64_t L = sim_draw_indel_len(m, r);
            st->dels++;
            i += L - 1;  // this base and the next L-1 are not emitted
        }
    }
    seq[o] = 0;
    qual[o] = 0;
    return o;
}

void sim_revcomp(char *s, int64_t n) {
    for (int64_t i = 0, j = n - 1; i <= j; i++, j--) {
        char a = sim_complement(s[i]), b = sim_complement(s[j]);
        s[i] = b, s[j] = a;
    }
}

static int64_t count_n(const char *s, int64_t n) {
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++) k += s[i] == 'N';
    return k;
}

typedef struct {
    char *tmpl, *seq, *qual;
    int64_t cap;
} ReadBufs;

static void bufs_reserve(ReadBufs *b, int64_t n) {
    if (n <= b->cap) return;
    b->cap = n * 2;
    b->tmpl = xrealloc(b->tmpl, (size_t)b->cap + 1);
    b->seq = xrealloc(b->seq, (size_t)b->cap * 2 + 64);
    b->qual = xrealloc(b->qual, (size_t)b->cap * 2 + 64);
}

static int write_record(FILE *fq, const char *name, const char *seq, const char *qual) {
    return fprintf(fq, "@%s\n%s\n+\n%s\n", name, seq, qual) < 0 ? -1 : 0;
}

int sim_reads_fastq(FILE *fq, const SimReadModel *m, const char *prefix, int hap, const char *hseq,
                    int64_t hlen, double depth, Rng *r, SimErrStats *st, int64_t *n_reads,
                    int64_t *n_bases) {
    double target = depth * (double)(hlen - count_n(hseq, hlen));
    double done = 0;
    int64_t k = 0, rejected = 0;
    ReadBufs b = {0};
    char name[512];
    int rc = 0;
    while (done < target && hlen > 0 && rc == 0) {
        int64_t L = sim_draw_read_length(m, r);
        if (L > hlen) L = hlen;  // small genomes: clamp to the contig
        int64_t F = L;
        if (m->paired) {
            F = sim_draw_insert(m, r);
            if (F < L) F = L;
            if (F > hlen) F = hlen;
        }
        if (L > F) L = F;
        double add = (double)(m->paired ? 2 * L : L);
        if (done > 0 && done + 0.5 * add > target) break;  // unbiased end: no systematic overshoot
        int64_t start = (int64_t)rng_below(r, (uint64_t)(hlen - F + 1));
        int rev = (int)rng_below(r, 2);
        if (count_n(hseq + start, F) * 2 > F) {  // mostly assembly gap: draw again
            if (++rejected > 100000) break;
            continue;
        }
        bufs_reserve(&b, F);
        memcpy(b.tmpl, hseq + start, (size_t)F);
        if (rev) sim_revcomp(b.tmpl, F);
        snprintf(name, sizeof name, "%s_h%d_%lld_%c_%lld", prefix, hap, (long long)start,
                 rev ? 'r' : 'f', (long long)k);
        sim_apply_errors(m, b.tmpl, L, r, b.seq, b.qual, st);
        rc = write_record(fq, name, b.seq, b.qual);
        done += (double)L;
        if (m->paired && rc == 0) {  // mate: the other end of the fragment, other strand
            char *t2 = b.tmpl + F - L;
            sim_revcomp(t2, L);
            sim_apply_errors(m, t2, L, r, b.seq, b.qual, st);
            rc = write_record(fq, name, b.seq, b.qual);
            done += (double)L;
        }
        k++;
    }
    *n_reads += m->paired ? 2 * k : k;
    *n_bases += (int64_t)done;
    free(b.tmpl);
    free(b.seq);
    free(b.qual);
    return rc;
}
