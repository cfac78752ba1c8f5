// genome.c — synthetic genomes with human-like local structure, FASTA load/write.
#include "sim/genome.h"

#include <ctype.h>
#include <errno.h>
#include <htslib/faidx.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

typedef struct {
    char *s;
    int64_t n, m;
} Buf;

static void buf_put(Buf *b, char c) {
    if (b->n + 1 >= b->m) {
        b->m = b->m ? b->m * 2 : 4096;
        b->s = xrealloc(b->s, (size_t)b->m);
    }
    b->s[b->n++] = c;
}

static char random_base(Rng *r, double gc) {
    double u = rng_uniform(r);
    if (u < gc) return u < gc / 2 ? 'G' : 'C';
    return u < gc + (1 - gc) / 2 ? 'A' : 'T';
}

static const char BASES[] = "ACGT";

// Geometric number of extra units with the given mean (>= 0).
static int geometric(Rng *r, double mean) {
    double p = 1.0 / (1.0 + mean);
    int k = 0;
    while (rng_uniform(r) > p && k < 1000) k++;
    return k;
}

char sim_complement(char c) {
    switch (c) {
    case 'A': return 'T';
    case 'C': return 'G';
    case 'G': return 'C';
    case 'T': return 'A';
    default: return 'N';
    }
}

// Interspersed repeat families, shaped loosely after Alu (~300 bp, GC-rich) and L1 fragments
// (kb-scale, AT-rich); each copy is a diverged fragment of its family consensus.
#define N_FAMILIES 4
static const int FAMILY_LEN[N_FAMILIES] = {300, 1200, 2500, 6000};
static const double FAMILY_GC[N_FAMILIES] = {0.52, 0.45, 0.40, 0.38};

// Appends src[0..n) (reverse-complemented when rev) with substitutions at rate div and small
// insertions/deletions at a tenth of it.
static void put_diverged(Buf *b, const char *src, int64_t n, int rev, double div, Rng *r) {
    for (int64_t i = 0; i < n; i++) {
        char c = rev ? sim_complement(src[n - 1 - i]) : src[i];
        double u = rng_uniform(r);
        if (u < div) {
            char d;
            do d = BASES[rng_below(r, 4)];
            while (d == c);
            buf_put(b, d);
        } else if (u < div * 1.05) {
            continue;  // small deletion in the copy
        } else if (u < div * 1.10) {
            buf_put(b, c);
            buf_put(b, BASES[rng_below(r, 4)]);  // small insertion
        } else {
            buf_put(b, c);
        }
    }
}

static void put_repeat_copy(Buf *b, char **fam, Rng *r) {
    int f = (int)rng_below(r, N_FAMILIES);
    int flen = FAMILY_LEN[f];
    int beg = 0, end = flen;
    if (rng_uniform(r) >= 0.4) {  // most copies are truncated fragments
        int len = 100 + (int)rng_below(r, (uint64_t)(flen - 99));
        beg = (int)rng_below(r, (uint64_t)(flen - len + 1));
        end = beg + len;
    }
    // a quarter young (0-2% from the consensus: multi-mapping reads), the rest 2-15%
    double div = rng_uniform(r) < 0.25 ? 0.02 * rng_uniform(r) : 0.02 + 0.13 * rng_uniform(r);
    int rev = rng_uniform(r) < 0.5;
    put_diverged(b, fam[f] + beg, end - beg, rev, div, r);
}

// Segmental-duplication-like copy of 1-10 kb of the contig so far, 0.5-4% diverged.
static void put_segdup(Buf *b, Rng *r) {
    int64_t len = 1000 + (int64_t)rng_below(r, 9001);
    if (b->n < 2 * len) return;
    int64_t from = (int64_t)rng_below(r, (uint64_t)(b->n - len));
    char *src = xmalloc((size_t)len);  // b->s may move while appending
    memcpy(src, b->s + from, (size_t)len);
    put_diverged(b, src, len, rng_uniform(r) < 0.5, 0.005 + 0.035 * rng_uniform(r), r);
    free(src);
}

static void synth_contig(Buf *b, int64_t len, char **fam, Rng *r) {
    double gc = 0.41;
    int64_t next_gc = 0;
    while (b->n < len) {
        if (b->n >= next_gc) {  // isochore-like local GC variation
            double g = 0.41 + 0.05 * rng_normal(r);
            gc = g < 0.28 ? 0.28 : g > 0.58 ? 0.58 : g;
            next_gc = b->n + 2000;
        }
        int chunk = 1 + geometric(r, 200);
        for (int i = 0; i < chunk; i++) buf_put(b, random_base(r, gc));
        double u = rng_uniform(r);
        if (u < 0.20) {  // homopolymer, mostly poly-A/T as in human
            char c = rng_uniform(r) < 0.7 ? (rng_uniform(r) < 0.5 ? 'A' : 'T')
                                          : (rng_uniform(r) < 0.5 ? 'C' : 'G');
            int n = 4 + geometric(r, 3);
            if (n > 30) n = 30;
            for (int i = 0; i < n; i++) buf_put(b, c);
        } else if (u < 0.28) {  // short tandem repeat
            double v = rng_uniform(r);
            int unit_len = v < 0.6 ? 2 : v < 0.9 ? 3 : 4;
            char unit[4];
            do {
                for (int i = 0; i < unit_len; i++) unit[i] = BASES[rng_below(r, 4)];
            } while (unit[0] == unit[1]);  // not a homopolymer
            int copies = 3 + geometric(r, 5);
            if (copies > 25) copies = 25;
            for (int c = 0; c < copies; c++)
                for (int i = 0; i < unit_len; i++)
                    buf_put(b, rng_uniform(r) < 0.01 ? BASES[rng_below(r, 4)] : unit[i]);
        } else if (u < 0.31) {
            put_repeat_copy(b, fam, r);
        } else if (u < 0.3115) {
            put_segdup(b, r);
        }
    }
    b->n = len;
}

void sim_genome_synthetic(SimGenome *g, int64_t total_len, int n_contigs, Rng *rng) {
    if (n_contigs < 1) n_contigs = 1;
    char *fam[N_FAMILIES];
    for (int f = 0; f < N_FAMILIES; f++) {
        fam[f] = xmalloc((size_t)FAMILY_LEN[f] + 1);
        for (int i = 0; i < FAMILY_LEN[f]; i++) fam[f][i] = random_base(rng, FAMILY_GC[f]);
        fam[f][FAMILY_LEN[f]] = 0;
    }
    g->n = n_contigs;
    g->ctg = xcalloc((size_t)n_contigs, sizeof *g->ctg);
    // Unequal contig sizes (weights n, n-1, ..., 1) so that contigs are distinguishable.
    int64_t assigned = 0;
    for (int c = 0; c < n_contigs; c++) {
        int64_t wsum = (int64_t)n_contigs * (n_contigs + 1) / 2;
        g->ctg[c].len =
            c == n_contigs - 1 ? total_len - assigned : total_len * (n_contigs - c) / wsum;
        assigned += g->ctg[c].len;
    }
    for (int c = 0; c < n_contigs; c++) {
        char name[32];
        snprintf(name, sizeof name, "sim%d", c + 1);
        g->ctg[c].name = xstrdup(name);
        Buf b = {0};
        synth_contig(&b, g->ctg[c].len, fam, rng);
        buf_put(&b, 0);
        b.s[g->ctg[c].len] = 0;
        g->ctg[c].seq = b.s;
    }
    for (int f = 0; f < N_FAMILIES; f++) free(fam[f]);
}

int sim_genome_load(SimGenome *g, const char *fasta, const char *only) {
    memset(g, 0, sizeof *g);
    faidx_t *fai = fai_load(fasta);
    if (!fai) {
        calla_err("failed to open or index reference \"%s\"", fasta);
        return -1;
    }
    int n = faidx_nseq(fai);
    g->ctg = xcalloc((size_t)(n ? n : 1), sizeof *g->ctg);
    for (int i = 0; i < n; i++) {
        const char *name = faidx_iseq(fai, i);
        if (only && strcmp(only, name) != 0) continue;
        hts_pos_t len = 0;
        char *s = faidx_fetch_seq64(fai, name, 0, HTS_POS_MAX, &len);
        if (!s || len < 0) {
            calla_err("failed to read contig \"%s\" from \"%s\"", name, fasta);
            free(s);
            fai_destroy(fai);
            sim_genome_free(g);
            return -1;
        }
        for (hts_pos_t k = 0; k < len; k++) {
            char c = (char)toupper((unsigned char)s[k]);
            s[k] = (c == 'A' || c == 'C' || c == 'G' || c == 'T') ? c : 'N';
        }
        g->ctg[g->n].name = xstrdup(name);
        g->ctg[g->n].seq = s;
        g->ctg[g->n].len = len;
        g->n++;
    }
    fai_destroy(fai);
    if (g->n == 0) {
        if (only)
            calla_err("contig \"%s\" not found in \"%s\"", only, fasta);
        else
            calla_err("no sequences in \"%s\"", fasta);
        sim_genome_free(g);
        return -1;
    }
    return 0;
}

int sim_genome_find(const SimGenome *g, const char *name) {
    for (int i = 0; i < g->n; i++)
        if (strcmp(g->ctg[i].name, name) == 0) return i;
    return -1;
}

int sim_genome_write_fasta(const SimGenome *g, const char *path) {
    FILE *f = fopen(path, "w");
    if (!f) {
        calla_err("failed to write \"%s\": %s", path, strerror(errno));
        return -1;
    }
    for (int c = 0; c < g->n; c++) {
        fprintf(f, ">%s\n", g->ctg[c].name);
        for (int64_t i = 0; i < g->ctg[c].len; i += 60) {
            int64_t k = g->ctg[c].len - i < 60 ? g->ctg[c].len - i : 60;
            fwrite(g->ctg[c].seq + i, 1, (size_t)k, f);
            fputc('\n', f);
        }
    }
    if (ferror(f) | (fclose(f) != 0)) {
        calla_err("failed to write \"%s\": %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

void sim_genome_free(SimGenome *g) {
    for (int i = 0; i < g->n; i++) {
        free(g->ctg[i].name);
        free(g->ctg[i].seq);
    }
    free(g->ctg);
    g->ctg = NULL;
    g->n = 0;
}

double sim_gc_fraction(const char *s, int64_t n) {
    int64_t gc = 0, acgt = 0;
    for (int64_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == 'G' || c == 'C')
            gc++, acgt++;
        else if (c == 'A' || c == 'T')
            acgt++;
    }
    return acgt ? (double)gc / (double)acgt : 0.0;
}
