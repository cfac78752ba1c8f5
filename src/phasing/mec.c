// mec.c — MEC phasing of a read × site allele matrix (mec.h).
#include "phasing/mec.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define MEC_MAX_ROUNDS 100

static int valid_allele(uint8_t a) { return a == 1 || a == 2; }

long mec_cost(const AlleleMatrix *m, const uint8_t *hap1, const int *block) {
    long cost = 0;
    for (int r = 0; r < m->n_reads; r++) {
        int cur = -1, c1 = 0, c2 = 0;
        for (int e = m->row_off[r]; e < m->row_off[r + 1]; e++) {
            int s = m->col[e];
            if (!valid_allele(m->allele[e]) || block[s] < 0) continue;
            if (block[s] != cur) {
                cost += c1 < c2 ? c1 : c2;
                cur = block[s];
                c1 = c2 = 0;
            }
            if (m->allele[e] == hap1[s]) c2++;
            else c1++;
        }
        cost += c1 < c2 ? c1 : c2;
    }
    return cost;
}

// Fragments: the valid entries of a read at the phased sites of one block (>= 2 of them).
typedef struct {
    int n_frag;
    int *off;         // n_frag + 1
    int *site;        // entries
    uint8_t *al;
    int *c1, *c2;     // mismatches to haplotype 1 / 2
    // site -> (fragment, entry) lists
    int *s_off;       // n_sites + 1
    int *s_frag, *s_ent;
} Frags;

static void frags_build(const AlleleMatrix *m, const int *block, Frags *F) {
    int cap_e = m->row_off[m->n_reads] + 1, cap_f = 16, nf = 0, ne = 0;
    F->off = xmalloc((size_t)(cap_f + 1) * sizeof *F->off);
    F->site = xmalloc((size_t)cap_e * sizeof *F->site);
    F->al = xmalloc((size_t)cap_e);
    F->off[0] = 0;
    for (int r = 0; r < m->n_reads; r++) {
        int cur = -1, start = ne;
        for (int e = m->row_off[r]; e <= m->row_off[r + 1]; e++) {
            int end = e == m->row_off[r + 1];
            int s = end ? -1 : m->col[e];
            if (!end && (!valid_allele(m->allele[e]) || block[s] < 0)) continue;
            if (end || block[s] != cur) {  // close the open fragment
                if (ne - start >= 2) {
                    if (nf + 1 > cap_f) {
                        cap_f *= 2;
                        F->off = xrealloc(F->off, (size_t)(cap_f + 1) * sizeof *F->off);
                    }
                    F->off[++nf] = ne;
                } else {
                    ne = start;
                }
                if (end) break;
                cur = block[s];
                start = ne;
            }
            F->site[ne] = s;
            F->al[ne++] = m->allele[e];
        }
    }
    F->n_frag = nf;
    F->c1 = xcalloc((size_t)nf + 1, sizeof *F->c1);
    F->c2 = xcalloc((size_t)nf + 1, sizeof *F->c2);
    F->s_off = xcalloc((size_t)m->n_sites + 1, sizeof *F->s_off);
    for (int e = 0; e < ne; e++) F->s_off[F->site[e] + 1]++;
    for (int s = 0; s < m->n_sites; s++) F->s_off[s + 1] += F->s_off[s];
    F->s_frag = xmalloc((size_t)(ne + 1) * sizeof *F->s_frag);
    F->s_ent = xmalloc((size_t)(ne + 1) * sizeof *F->s_ent);
    int *fill = xmalloc(((size_t)m->n_sites + 1) * sizeof *fill);
    memcpy(fill, F->s_off, ((size_t)m->n_sites + 1) * sizeof *fill);
    for (int f = 0; f < nf; f++)
        for (int e = F->off[f]; e < F->off[f + 1]; e++) {
            int k = fill[F->site[e]]++;
            F->s_frag[k] = f;
            F->s_ent[k] = e;
        }
    free(fill);
}

static void frags_free(Frags *F) {
    free(F->off);
    free(F->site);
    free(F->al);
    free(F->c1);
    free(F->c2);
    free(F->s_off);
    free(F->s_frag);
    free(F->s_ent);
}

static int imin(int a, int b) { return a < b ? a : b; }

static long frags_recount(Frags *F, const uint8_t *hap1) {
    long cost = 0;
    for (int f = 0; f < F->n_frag; f++) {
        int c1 = 0, c2 = 0;
        for (int e = F->off[f]; e < F->off[f + 1]; e++) {
            if (F->al[e] == hap1[F->site[e]]) c2++;
            else c1++;
        }
        F->c1[f] = c1;
        F->c2[f] = c2;
        cost += imin(c1, c2);
    }
    return cost;
}

// One pass of single-site flips in position order; returns the cost change (<= 0).
static long sweep_sites(Frags *F, int n_sites, uint8_t *hap1, const int *block) {
    long gain = 0;
    for (int s = 0; s < n_sites; s++) {
        if (block[s] < 0) continue;
        long d = 0;
        for (int k = F->s_off[s]; k < F->s_off[s + 1]; k++) {
            int f = F->s_frag[k], e = F->s_ent[k], c1 = F->c1[f], c2 = F->c2[f];
            if (F->al[e] == hap1[s]) d += imin(c1 + 1, c2 - 1) - imin(c1, c2);
            else d += imin(c1 - 1, c2 + 1) - imin(c1, c2);
        }
        if (d >= 0) continue;
        gain += d;
        for (int k = F->s_off[s]; k < F->s_off[s + 1]; k++) {
            int f = F->s_frag[k], e = F->s_ent[k];
            if (F->al[e] == hap1[s]) F->c1[f]++, F->c2[f]--;
            else F->c1[f]--, F->c2[f]++;
        }
        hap1[s] = (uint8_t)(3 - hap1[s]);
    }
    return gain;
}

// One pass of suffix flips (switches) over every block, boundaries in position order. A switch
// before site k flips every site of the block from k on; it is applied lazily (inv) as the sweep
// moves on, and a fragment's counts are taken when the sweep reaches its first site.
// Expects c1/c2 up to date; leaves them stale (recount afterwards). Returns the cost change.
static long sweep_switches(Frags *F, int n_sites, uint8_t *hap1, const int *block) {
    long gain = 0;
    int *active = xmalloc(((size_t)F->n_frag + 1) * sizeof *active);
    int *p1 = xcalloc((size_t)F->n_frag + 1, sizeof *p1);  // prefix mismatches to haplotype 1
    int *np = xcalloc((size_t)F->n_frag + 1, sizeof *np);  // prefix entries
    int s = 0;
    while (s < n_sites) {
        if (block[s] < 0) {
            s++;
            continue;
        }
        int b0 = s, b1 = s;  // block sites [b0, b1]; blocks are contiguous runs of site indices
        while (b1 + 1 < n_sites && (block[b1 + 1] == block[b0] || block[b1 + 1] < 0)) b1++;
        while (block[b1] != block[b0]) b1--;
        int inv = 0, n_act = 0;
        for (int k = b0 + 1; k <= b1; k++) {
            int prev = k - 1;
            if (block[prev] >= 0 && inv) hap1[prev] = (uint8_t)(3 - hap1[prev]);  // materialize
            if (block[prev] < 0) continue;
            // fragments starting at prev become active (counted against the current haplotypes)
            for (int j = F->s_off[prev]; j < F->s_off[prev + 1]; j++) {
                int f = F->s_frag[j];
                if (F->s_ent[j] != F->off[f]) continue;
                int c1 = 0, c2 = 0;
                for (int e = F->off[f]; e < F->off[f + 1]; e++) {
                    int st = F->site[e];
                    uint8_t h = hap1[st];
                    if (st > prev && inv) h = (uint8_t)(3 - h);
                    if (F->al[e] == h) c2++;
                    else c1++;
                }
                F->c1[f] = c1;
                F->c2[f] = c2;
                p1[f] = np[f] = 0;
                active[n_act++] = f;
            }
            for (int j = F->s_off[prev]; j < F->s_off[prev + 1]; j++) {
                int f = F->s_frag[j];
                if (F->al[F->s_ent[j]] != hap1[prev]) p1[f]++;
                np[f]++;
            }
            // drop fragments that end at prev
            int w = 0;
            for (int i = 0; i < n_act; i++) {
                int f = active[i];
                if (F->site[F->off[f + 1] - 1] > prev) active[w++] = f;
            }
            n_act = w;
            long d = 0;
            for (int i = 0; i < n_act; i++) {
                int f = active[i], n = F->off[f + 1] - F->off[f];
                int a1 = F->c1[f] - p1[f], a2 = (n - np[f]) - a1;
                int c1n = p1[f] + a2, c2n = (np[f] - p1[f]) + a1;
                d += imin(c1n, c2n) - imin(F->c1[f], F->c2[f]);
            }
            if (d >= 0) continue;
            gain += d;
            inv ^= 1;
            for (int i = 0; i < n_act; i++) {
                int f = active[i], n = F->off[f + 1] - F->off[f];
                int a1 = F->c1[f] - p1[f], a2 = (n - np[f]) - a1;
                F->c1[f] = p1[f] + a2;
                F->c2[f] = (np[f] - p1[f]) + a1;
            }
        }
        if (inv) hap1[b1] = (uint8_t)(3 - hap1[b1]);
        s = b1 + 1;
    }
    free(active);
    free(p1);
    free(np);
    return gain;
}

long mec_phase(const AlleleMatrix *m, uint8_t *hap1, int *block) {
    int ns = m->n_sites;
    for (int s = 0; s < ns; s++) {
        hap1[s] = 0;
        block[s] = -1;
    }
    if (ns == 0) return 0;
    // informative sites: a valid allele in a read with >= 2 valid alleles
    uint8_t *inf = xcalloc((size_t)ns, 1);
    for (int r = 0; r < m->n_reads; r++) {
        int nv = 0;
        for (int e = m->row_off[r]; e < m->row_off[r + 1]; e++) nv += valid_allele(m->allele[e]);
        if (nv < 2) continue;
        for (int e = m->row_off[r]; e < m->row_off[r + 1]; e++)
            if (valid_allele(m->allele[e])) inf[m->col[e]] = 1;
    }
    int *next = xmalloc((size_t)ns * sizeof *next);  // next informative site, or -1
    for (int s = ns - 1, nx = -1; s >= 0; s--) {
        next[s] = nx;
        if (inf[s]) nx = s;
    }
    // link votes between an informative site and the next one (adjacent valid entries of a read)
    int *cis = xcalloc((size_t)ns, sizeof *cis), *trans = xcalloc((size_t)ns, sizeof *trans);
    for (int r = 0; r < m->n_reads; r++) {
        int ps = -1;
        uint8_t pa = 0;
        for (int e = m->row_off[r]; e < m->row_off[r + 1]; e++) {
            if (!valid_allele(m->allele[e])) continue;
            int s = m->col[e];
            if (ps >= 0 && inf[ps] && next[ps] == s) {
                if (m->allele[e] == pa) cis[ps]++;
                else trans[ps]++;
            }
            ps = s;
            pa = m->allele[e];
        }
    }
    // chain
    int first = -1;
    for (int s = 0; s < ns; s++)
        if (inf[s]) {
            first = s;
            break;
        }
    int cur_block = -1;
    for (int s = first; s >= 0; s = next[s]) {
        if (cur_block < 0) {
            cur_block = s;
            block[s] = s;
            hap1[s] = 1;
        }
        int t = next[s];
        if (t < 0) break;
        if (cis[s] != trans[s]) {
            block[t] = cur_block;
            hap1[t] = cis[s] > trans[s] ? hap1[s] : (uint8_t)(3 - hap1[s]);
        } else {
            cur_block = -1;
        }
    }
    // one-site blocks stay unphased
    int *size = xcalloc((size_t)ns, sizeof *size);
    for (int s = 0; s < ns; s++)
        if (block[s] >= 0) size[block[s]]++;
    for (int s = 0; s < ns; s++)
        if (block[s] >= 0 && size[block[s]] < 2) {
            block[s] = -1;
            hap1[s] = 0;
        }
    free(size);
    free(cis);
    free(trans);
    free(next);
    free(inf);
    // refinement
    Frags F;
    frags_build(m, block, &F);
    long cost = frags_recount(&F, hap1);
    for (int round = 0; round < MEC_MAX_ROUNDS; round++) {
        long g = sweep_sites(&F, ns, hap1, block);
        cost = frags_recount(&F, hap1);
        long g2 = sweep_switches(&F, ns, hap1, block);
        cost = frags_recount(&F, hap1);
        if (g == 0 && g2 == 0) break;
    }
    frags_free(&F);
    return cost;
}
