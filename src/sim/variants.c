// variants.c — planting, reading, left-aligning and writing truth variants; haplotype building.
#include "sim/variants.h"

#include <ctype.h>
#include <htslib/tbx.h>
#include <htslib/vcf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

void sim_plant_defaults(SimPlantParams *p) {
    p->snp_rate = 0.001;
    p->indel_rate = 0.0001;
    p->titv = 2.05;
    p->hom_frac = 0.37;
    p->indel_geom_p = 0.45;
    p->indel_max = 20;
    p->repeat_frac = 0.35;
}

static int is_acgt(char c) { return c == 'A' || c == 'C' || c == 'G' || c == 'T'; }

static void vars_push(SimVars *vs, int tid, int64_t pos, const char *ref, const char *alt, int g0,
                      int g1) {
    if (vs->n == vs->m) {
        vs->m = vs->m ? vs->m * 2 : 256;
        vs->v = xrealloc(vs->v, (size_t)vs->m * sizeof *vs->v);
    }
    SimVar *v = &vs->v[vs->n++];
    v->tid = tid;
    v->pos = pos;
    v->n_allele = 2;
    v->alleles = xmalloc(2 * sizeof(char *));
    v->alleles[0] = xstrdup(ref);
    v->alleles[1] = xstrdup(alt);
    v->gt[0] = g0;
    v->gt[1] = g1;
}

int64_t sim_left_align(const char *seq, int64_t pos, char *ref, char *alt) {
    size_t lr = strlen(ref), la = strlen(alt);
    if (lr == 0 || la == 0 || ref[0] != alt[0] || (lr > 1) == (la > 1)) return pos;
    if (lr > 1) {  // deletion of seq[p, p+L)
        int64_t p = pos + 1, L = (int64_t)lr - 1;
        while (p >= 2 && seq[p - 1] == seq[p + L - 1] && is_acgt(seq[p - 1])) p--;
        memcpy(ref, seq + p - 1, (size_t)L + 1);
        alt[0] = seq[p - 1];
        return p - 1;
    }
    // insertion of S = alt+1 before seq[p]
    int64_t p = pos + 1, L = (int64_t)la - 1;
    char *S = alt + 1;
    while (p >= 2 && seq[p - 1] == S[L - 1] && is_acgt(seq[p - 1])) {
        memmove(S + 1, S, (size_t)L - 1);
        S[0] = seq[p - 1];
        p--;
    }
    ref[0] = alt[0] = seq[p - 1];
    return p - 1;
}

// A homopolymer (unit 1, >= 4 copies) or tandem repeat (unit 2-4, >= 3 copies) starting at y.
static int repeat_at(const char *s, int64_t y, int64_t end, int *unit, int *copies) {
    static const int MIN_COPIES[5] = {0, 4, 3, 3, 3};
    for (int u = 1; u <= 4; u++) {
        int c = 1;
        while (y + (int64_t)(c + 1) * u <= end &&
               memcmp(s + y, s + y + (int64_t)c * u, (size_t)u) == 0)
            c++;
        int ok = 1;
        for (int i = 0; i < u; i++) ok &= is_acgt(s[y + i]);
        if (u > 1 && s[y] == s[y + 1]) ok = 0;  // a unit that is itself a homopolymer
        if (ok && c >= MIN_COPIES[u]) {
            *unit = u;
            *copies = c;
            return 1;
        }
    }
    return 0;
}

static int indel_length(Rng *r, const SimPlantParams *p) {
    int L = 1;
    while (L < p->indel_max && rng_uniform(r) > p->indel_geom_p) L++;
    return L;
}

static char random_base(Rng *r) {
    double u = rng_uniform(r);  // 41% GC
    return u < 0.205 ? 'G' : u < 0.41 ? 'C' : u < 0.705 ? 'A' : 'T';
}

static char transition_of(char b) {
    switch (b) {
    case 'A': return 'G';
    case 'G': return 'A';
    case 'C': return 'T';
    default: return 'C';
    }
}

void sim_plant(const SimGenome *g, const SimTarget *t, const SimPlantParams *p, Rng *rng,
               SimVars *out) {
    double rate = p->snp_rate + p->indel_rate;
    if (rate <= 0) return;
    const char *s = g->ctg[t->tid].seq;
    int64_t lo = t->beg + 20, hi = t->end - 25;  // keep clear of the target's edges
    int64_t last_end = lo;  // one past the previous REF span
    size_t cap = (size_t)p->indel_max * 4 + 16;
    char *ref = xmalloc(cap), *alt = xmalloc(cap);
    int64_t x = lo;
    for (;;) {
        double u = rng_uniform(rng);
        x += 1 + (int64_t)(-log(1.0 - u) / rate);
        if (x >= hi) break;
        int64_t pos;
        if (rng_uniform(rng) * rate < p->snp_rate) {
            char b = s[x];
            if (!is_acgt(b)) continue;
            char a;
            if (rng_uniform(rng) < p->titv / (1.0 + p->titv)) {
                a = transition_of(b);
            } else {  // the two transversions of b: the bases of the other class
                const char *tv = (b == 'A' || b == 'G') ? "CT" : "AG";
                a = tv[rng_below(rng, 2)];
            }
            ref[0] = b, ref[1] = 0, alt[0] = a, alt[1] = 0;
            pos = x;
        } else {
            int ins = rng_uniform(rng) < 0.5;
            int64_t y = x, L;
            int from_repeat = 0;
            if (rng_uniform(rng) < p->repeat_frac) {  // an extra or missing repeat unit
                int unit = 0, copies = 0, found = 0;
                for (y = x; y < x + 300 && y + 8 < hi; y++)
                    if (repeat_at(s, y, hi, &unit, &copies)) {
                        found = 1;
                        break;
                    }
                if (!found) continue;
                int n = 1;
                while (rng_uniform(rng) < 0.25 && n < copies - 1) n++;
                L = (int64_t)n * unit;
                if (L > p->indel_max) L = unit;
                x = y;
                from_repeat = 1;
            } else {
                L = indel_length(rng, p);
            }
            if (y < lo + 1 || y + L >= hi) continue;
            ref[0] = alt[0] = s[y - 1];
            if (ins) {
                for (int64_t i = 0; i < L; i++)
                    alt[1 + i] = from_repeat ? s[y + i] : random_base(rng);
                alt[1 + L] = 0;
                ref[1] = 0;
            } else {
                memcpy(ref + 1, s + y, (size_t)L);
                ref[1 + L] = 0;
                alt[1] = 0;
            }
            pos = sim_left_align(s, y - 1, ref, alt);
        }
        size_t lr = strlen(ref), la = strlen(alt);
        if (pos < last_end + 1 || pos + (int64_t)lr > hi) continue;  // overlap or edge
        int ok = 1;
        for (size_t i = 0; i < lr; i++) ok &= is_acgt(ref[i]);
        for (size_t i = 0; i < la; i++) ok &= is_acgt(alt[i]);
        if (!ok) continue;
        int g0 = 1, g1 = 1;
        if (rng_uniform(rng) >= p->hom_frac) {
            if (rng_below(rng, 2))
                g0 = 0;
            else
                g1 = 0;
        }
        vars_push(out, t->tid, pos, ref, alt, g0, g1);
        last_end = pos + (int64_t)lr;
        if (x < last_end) x = last_end;
    }
    free(ref);
    free(alt);
}

static int var_cmp(const void *a, const void *b) {
    const SimVar *x = a, *y = b;
    if (x->tid != y->tid) return x->tid < y->tid ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

void sim_vars_sort(SimVars *vars) {
    if (vars->n > 1) qsort(vars->v, (size_t)vars->n, sizeof *vars->v, var_cmp);
}

int sim_vars_read_vcf(const char *path, const SimGenome *g, const SimTarget *t, Rng *rng,
                      SimVars *out) {
    htsFile *fp = hts_open(path, "r");
    if (!fp) {
        calla_err("failed to open \"%s\"", path);
        return -1;
    }
    bcf_hdr_t *hdr = bcf_hdr_read(fp);
    if (!hdr) {
        calla_err("failed to read the VCF header of \"%s\"", path);
        hts_close(fp);
        return -1;
    }
    if (bcf_hdr_nsamples(hdr) < 1) {
        calla_err("\"%s\" has no sample column (genotypes are needed)", path);
        bcf_hdr_destroy(hdr);
        hts_close(fp);
        return -1;
    }
    bcf1_t *rec = bcf_init();
    int32_t *gt = NULL;
    int ngt_arr = 0, rc = 0, ret;
    int64_t n_overlap = 0, n_symbolic = 0, last_end = -1, last_pos = -1;
    const char *s = g->ctg[t->tid].seq;
    const char *tname = g->ctg[t->tid].name;
    while ((ret = bcf_read(fp, hdr, rec)) == 0) {
        if (strcmp(bcf_hdr_id2name(hdr, rec->rid), tname) != 0) continue;
        int64_t pos = rec->pos, end = rec->pos + rec->rlen;
        if (pos < t->beg || end > t->end) continue;
        if (bcf_unpack(rec, BCF_UN_STR) < 0) {
            calla_err("failed to parse a record of \"%s\" at %s:%lld", path, tname,
                      (long long)pos + 1);
            rc = -1;
            break;
        }
        int ngt = bcf_get_genotypes(hdr, rec, &gt, &ngt_arr);
        int ploidy = ngt / bcf_hdr_nsamples(hdr);
        if (ngt <= 0 || ploidy < 1) continue;
        int a[2], phased = 0, missing = 0;
        for (int i = 0; i < 2; i++) {
            int32_t v = gt[ploidy > 1 ? i : 0];
            if (bcf_gt_is_missing(v) || v == bcf_int32_vector_end)
                missing = 1;
            else
                a[i] = bcf_gt_allele(v);
        }
        if (missing || (a[0] == 0 && a[1] == 0)) continue;
        if (ploidy > 1) phased = bcf_gt_is_phased(gt[1]);
        if (a[0] >= rec->n_allele || a[1] >= rec->n_allele) {
            calla_err("genotype allele out of range in \"%s\" at %s:%lld", path, tname,
                      (long long)pos + 1);
            rc = -1;
            break;
        }
        int symbolic = 0;
        for (int h = 0; h < 2; h++)
            for (const char *c = rec->d.allele[a[h]]; *c; c++)
                if (!is_acgt((char)toupper((unsigned char)*c))) symbolic = 1;
        for (const char *c = rec->d.allele[0]; *c; c++)
            if (!is_acgt((char)toupper((unsigned char)*c)) && *c != 'N') symbolic = 1;
        if (symbolic) {
            n_symbolic++;
            continue;
        }
        if (pos < last_pos) {
            calla_err("\"%s\" is not sorted (%s:%lld after %lld)", path, tname, (long long)pos + 1,
                      (long long)last_pos + 1);
            rc = -1;
            break;
        }
        last_pos = pos;
        if (pos < last_end) {
            n_overlap++;
            continue;
        }
        const char *r = rec->d.allele[0];
        for (int64_t i = 0; r[i]; i++)
            if (toupper((unsigned char)r[i]) != s[pos + i]) {
                calla_err("REF \"%s\" of %s:%lld in \"%s\" does not match the reference", r, tname,
                          (long long)pos + 1, path);
                rc = -1;
                break;
            }
        if (rc) break;
        if (!phased && a[0] != a[1] && rng_below(rng, 2)) {
            int tmp = a[0];
            a[0] = a[1];
            a[1] = tmp;
        }
        // keep REF plus the alleles the genotype uses, renumbered
        int used[2] = {a[0], a[1]}, map[2];
        char *als[3];
        int n = 0;
        als[n++] = rec->d.allele[0];
        for (int h = 0; h < 2; h++) {
            if (used[h] == 0) {
                map[h] = 0;
                continue;
            }
            if (h == 1 && used[1] == used[0]) {
                map[1] = map[0];
                continue;
            }
            map[h] = n;
            als[n++] = rec->d.allele[used[h]];
        }
        vars_push(out, t->tid, pos, als[0], als[1], map[0], map[1]);
        SimVar *v = &out->v[out->n - 1];
        if (n == 3) {
            v->alleles = xrealloc(v->alleles, 3 * sizeof(char *));
            v->alleles[2] = xstrdup(als[2]);
            v->n_allele = 3;
        }
        for (int i = 0; i < v->n_allele; i++)
            for (char *c = v->alleles[i]; *c; c++) *c = (char)toupper((unsigned char)*c);
        last_end = end;
    }
    if (rc == 0 && ret < -1) {
        calla_err("failed to read \"%s\" (truncated or malformed)", path);
        rc = -1;
    }
    if (rc == 0 && n_overlap)
        calla_warn("skipped %lld record(s) of \"%s\" overlapping an earlier one",
                   (long long)n_overlap, path);
    if (rc == 0 && n_symbolic)
        calla_warn("skipped %lld record(s) of \"%s\" with symbolic or non-ACGT alleles",
                   (long long)n_symbolic, path);
    free(gt);
    bcf_destroy(rec);
    bcf_hdr_destroy(hdr);
    if (hts_close(fp) != 0 && rc == 0) {
        calla_err("failed to close \"%s\"", path);
        rc = -1;
    }
    return rc;
}

int sim_vars_write_vcf(SimVars *vars, const SimGenome *g, const char *sample, const char *path) {
    sim_vars_sort(vars);
    bcf_hdr_t *h = bcf_hdr_init("w");
    char line[1024];
    int rc = bcf_hdr_append(h, "##source=calla simulate");
    for (int c = 0; c < g->n && rc == 0; c++) {
        snprintf(line, sizeof line, "##contig=<ID=%s,length=%lld>", g->ctg[c].name,
                 (long long)g->ctg[c].len);
        rc = bcf_hdr_append(h, line);
    }
    if (rc == 0)
        rc = bcf_hdr_append(h, "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">");
    if (rc == 0) rc = bcf_hdr_add_sample(h, sample);
    if (rc == 0) rc = bcf_hdr_sync(h);
    if (rc != 0) {
        calla_err("failed to build the VCF header for \"%s\"", path);
        bcf_hdr_destroy(h);
        return -1;
    }
    htsFile *fp = hts_open(path, "wz");
    if (!fp) {
        calla_err("failed to write \"%s\"", path);
        bcf_hdr_destroy(h);
        return -1;
    }
    if (bcf_hdr_write(fp, h) != 0) rc = -1;
    bcf1_t *rec = bcf_init();
    int pass = bcf_hdr_id2int(h, BCF_DT_ID, "PASS");
    for (int64_t i = 0; i < vars->n && rc == 0; i++) {
        const SimVar *v = &vars->v[i];
        bcf_clear(rec);
        rec->rid = bcf_hdr_name2id(h, g->ctg[v->tid].name);
        rec->pos = v->pos;
        bcf_float_set_missing(rec->qual);
        int32_t gts[2] = {bcf_gt_unphased(v->gt[0]), bcf_gt_phased(v->gt[1])};
        if (bcf_update_alleles(h, rec, (const char **)v->alleles, v->n_allele) < 0 ||
            bcf_update_filter(h, rec, &pass, 1) < 0 || bcf_update_genotypes(h, rec, gts, 2) < 0 ||
            bcf_write(fp, h, rec) != 0)
            rc = -1;
    }
    bcf_destroy(rec);
    bcf_hdr_destroy(h);
    if (hts_close(fp) != 0) rc = -1;
    if (rc != 0) {
        calla_err("failed to write \"%s\"", path);
        return -1;
    }
    if (tbx_index_build(path, 0, &tbx_conf_vcf) != 0) {
        calla_err("failed to build the tabix index of \"%s\"", path);
        return -1;
    }
    return 0;
}

char *sim_haplotype(const SimGenome *g, const SimTarget *t, const SimVars *vars, int hap,
                    int64_t *len) {
    const char *s = g->ctg[t->tid].seq;
    int64_t cap = (t->end - t->beg) + 1024, n = 0, at = t->beg;
    char *h = xmalloc((size_t)cap);
    for (int64_t i = 0; i < vars->n; i++) {
        const SimVar *v = &vars->v[i];
        int64_t rl = (int64_t)strlen(v->alleles[0]);
        if (v->tid != t->tid || v->pos < at || v->pos + rl > t->end) continue;
        const char *a = v->alleles[v->gt[hap]];
        int64_t al = (int64_t)strlen(a);
        int64_t need = n + (v->pos - at) + al + (t->end - v->pos) + 1;
        if (need > cap) {
            cap = need * 2;
            h = xrealloc(h, (size_t)cap);
        }
        memcpy(h + n, s + at, (size_t)(v->pos - at));
        n += v->pos - at;
        memcpy(h + n, a, (size_t)al);
        n += al;
        at = v->pos + rl;
    }
    if (n + (t->end - at) + 1 > cap) h = xrealloc(h, (size_t)(n + (t->end - at) + 1));
    memcpy(h + n, s + at, (size_t)(t->end - at));
    n += t->end - at;
    h[n] = 0;
    *len = n;
    return h;
}

void sim_vars_free(SimVars *vars) {
    for (int64_t i = 0; i < vars->n; i++) {
        for (int k = 0; k < vars->v[i].n_allele; k++) free(vars->v[i].alleles[k]);
        free(vars->v[i].alleles);
    }
    free(vars->v);
    vars->v = NULL;
    vars->n = vars->m = 0;
}
