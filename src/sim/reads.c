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

void sim_read_model_defaults(SimReadModel *m, SimPlatform p) {
    memset(m, 0, sizeof *m);
    m->platform = p;
    switch (p) {
    case SIM_ILMN:  // 2x150, substitutions rising 0.1% -> 1% along the read (mean ~0.4%)
        m->paired = 1;
        m->len_mean = 150;
        m->len_min = 30;
        m->insert_mean = 400, m->insert_sd = 50;
        m->sub_start = 0.001, m->sub_end = 0.01;
        m->ins = 0.00002, m->del = 0.00002;
        m->read_sd = 0.2, m->q_jitter = 2.0, m->q_max = 41;
        break;
    case SIM_HIFI:  // ~15 kb, ~Q30, errors mostly homopolymer length changes
        m->len_mean = 15000, m->len_sigma = 0.2, m->len_min = 1000;
        m->sub_start = m->sub_end = 0.0001;
        m->ins = 0.00006, m->del = 0.00006;
        m->hp_coef = 0.0008;
        m->read_sd = 0.3, m->q_jitter = 2.0, m->q_max = 50;
        break;
    case SIM_ONT:  // R10.4.1-like: lognormal lengths mean ~10 kb, ~Q20, indel-heavy
        m->len_mean = 10000, m->len_sigma = 0.7, m->len_min = 500;
        m->sub_start = m->sub_end = 0.003;
        m->ins = 0.0015, m->del = 0.0025;
        m->hp_coef = 0.002;
        m->read_sd = 0.4, m->q_jitter = 3.0, m->q_max = 50;
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

static const char BASES[] = "ACGT";

static char other_base(Rng *r, char c) {
    char d;
    do d = BASES[rng_below(r, 4)];
    while (d == c);
    return d;
}

int64_t sim_apply_errors(const SimReadModel *m, const char *t, int64_t n, Rng *r, char *seq,
                         char *qual, SimErrStats *st) {
    double mult = 1.0;
    if (m->read_sd > 0) mult = exp(m->read_sd * rng_normal(r) - 0.5 * m->read_sd * m->read_sd);
    int64_t o = 0, run_beg = 0;
    for (int64_t i = 0; i < n; i++) {
        char c = t[i];
        if (c != 'A' && c != 'C' && c != 'G' && c != 'T') {
            seq[o] = 'N', qual[o++] = 33 + 2;
            continue;
        }
        if (i == 0 || t[i - 1] != c) run_beg = i;
        int64_t run_end = i + 1;
        while (run_end < n && t[run_end] == c) run_end++;
        int64_t k = run_end - run_beg;  // length of the homopolymer holding base i
        double x = n > 1 ? (double)i / (double)(n - 1) : 0.0;
        double p_sub = m->sub_start + (m->sub_end - m->sub_start) * x * x;
        double p_hp = k >= 2 ? m->hp_coef * (double)(k - 1) : 0.0;
        double p_tot = (p_sub + m->ins + m->del + p_hp) * mult;
        double qf = -10.0 * log10(p_tot > 1e-10 ? p_tot : 1e-10) + m->q_jitter * rng_normal(r);
        int q = (int)lround(qf);
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
        double w = rng_uniform(r) * (p_sub + m->ins + m->del + p_hp);
        if (w < p_sub) {
            st->subs++;
            seq[o] = other_base(r, c), qual[o++] = qc;
        } else if (w < p_sub + m->ins) {
            st->ins++;
            seq[o] = c, qual[o++] = qc;
            seq[o] = BASES[rng_below(r, 4)], qual[o++] = qc;
        } else if (w < p_sub + m->ins + m->del) {
            st->dels++;
        } else if (rng_below(r, 2)) {  // homopolymer one longer
            st->hp_ins++;
            seq[o] = c, qual[o++] = qc;
            seq[o] = c, qual[o++] = qc;
        } else {  // homopolymer one shorter
            st->hp_dels++;
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
    b->seq = xrealloc(b->seq, (size_t)b->cap * 2 + 1);
    b->qual = xrealloc(b->qual, (size_t)b->cap * 2 + 1);
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
