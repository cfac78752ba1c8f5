// eval_strat.c — reference-derived and BED strata for `calla eval` (eval_strat.h).
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <htslib/regidx.h>

#include "common/util.h"
#include "eval/eval_report.h"
#include "eval/eval_strat.h"
#include "tensors/bed.h"

static const char *BUILTIN_NAME[STRAT_NBUILTIN] = {
    "homopolymer", "tandem_repeat", "low_complexity", "non_repeat", "multiallelic",
    "indel_1",     "indel_2-5",     "indel_6-15",     "indel_16+",
};

// Repeats are searched this far beyond the footprint's slop, so that a repeat cut by the window
// still shows at least this many bases (more than any length threshold above).
#define STRAT_MARGIN 100
#define DUST_WIN 64
#define DUST_MAX 2.0  // score threshold: ~4x the ~0.5 of random sequence

struct EvalStrata {
    int n;  // STRAT_NBUILTIN + BED strata
    char *name[EVAL_STRAT_MAX];
    regidx_t *bed[EVAL_STRAT_MAX];  // NULL for the built-in strata
};

EvalStrata *eval_strata_new(void) {
    EvalStrata *s = xcalloc(1, sizeof(*s));
    for (int i = 0; i < STRAT_NBUILTIN; i++) s->name[i] = xstrdup(BUILTIN_NAME[i]);
    s->n = STRAT_NBUILTIN;
    return s;
}

void eval_strata_free(EvalStrata *s) {
    if (!s) return;
    for (int i = 0; i < s->n; i++) {
        free(s->name[i]);
        if (s->bed[i]) regidx_destroy(s->bed[i]);
    }
    free(s);
}

int eval_strata_n(const EvalStrata *s) { return s->n; }
const char *eval_strata_name(const EvalStrata *s, int i) { return s->name[i]; }

int eval_strata_add_bed(EvalStrata *s, const char *spec) {
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec || !eq[1]) {
        calla_err("--strat expects NAME=FILE.bed, got \"%s\"", spec);
        return -1;
    }
    if (s->n == EVAL_STRAT_MAX) {
        calla_err("too many strata (at most %d BED strata)", EVAL_STRAT_MAX - STRAT_NBUILTIN);
        return -1;
    }
    char *name = xstrdup(spec);
    name[eq - spec] = '\0';
    for (const char *c = name; *c; c++) {
        if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20) {
            calla_err("--strat name \"%s\" has a character not allowed in a name", name);
            free(name);
            return -1;
        }
    }
    for (int i = 0; i < s->n; i++) {
        if (strcmp(s->name[i], name) == 0) {
            calla_err("--strat: stratum \"%s\" given twice (or a built-in name)", name);
            free(name);
            return -1;
        }
    }
    const char *path = eq + 1;
    if (access(path, R_OK) != 0) {
        calla_err("failed to open stratification BED \"%s\": %s", path, strerror(errno));
        free(name);
        return -1;
    }
    // The one BED reader of calla (tensors/bed.h): the same header-line rules and the same
    // one-line errors (file and line) as -R; then htslib's interval index for the queries.
    BedRecord *recs;
    size_t nrec;
    if (bed_read_records(path, &recs, &nrec) < 0) {
        free(name);
        return -1;
    }
    regidx_t *idx = regidx_init(NULL, NULL, NULL, 0, NULL);
    int ok = idx != NULL;
    for (size_t i = 0; i < nrec && ok; i++) {
        char *ctg = recs[i].name;
        // regidx takes the contig as [chr_beg, chr_end] and 0-based inclusive coordinates.
        ok = regidx_push(idx, ctg, ctg + strlen(ctg) - 1, (hts_pos_t)recs[i].beg,
                         (hts_pos_t)recs[i].end - 1, NULL) >= 0;
    }
    bed_records_free(recs, nrec);
    if (!ok) {
        calla_err("failed to index stratification BED \"%s\"", path);
        if (idx) regidx_destroy(idx);
        free(name);
        return -1;
    }
    s->name[s->n] = name;
    s->bed[s->n] = idx;
    s->n++;
    return 0;
}

static int is_acgt(char c) { return c == 'A' || c == 'C' || c == 'G' || c == 'T'; }

static int code(char c) {
    switch (c) {
    case 'A': return 0;
    case 'C': return 1;
    case 'G': return 2;
    case 'T': return 3;
    default: return -1;
    }
}

double eval_dust_score(const char *seq, int n) {
    int cnt[64] = {0}, l = 0;
    long pairs = 0;
    for (int i = 0; i + 2 < n; i++) {
        int a = code(seq[i]), b = code(seq[i + 1]), c = code(seq[i + 2]);
        if (a < 0 || b < 0 || c < 0) continue;
        int t = a << 4 | b << 2 | c;
        pairs += cnt[t]++;
        l++;
    }
    return l > 1 ? (double)pairs / (l - 1) : 0.0;
}

// Whether [a, b) overlaps [c, d).
static int overlaps(int64_t a, int64_t b, int64_t c, int64_t d) { return a < d && c < b; }

// Repeat context of the footprint [fb, fe) on a window seq[0..n) that starts at w0.
static void repeat_bits(const char *seq, int64_t w0, int n, int64_t fb, int64_t fe, uint64_t *m) {
    const int64_t sb = fb - EVAL_STRAT_SLOP, se = fe + EVAL_STRAT_SLOP;
    // Homopolymers: maximal runs of one base.
    for (int i = 0; i < n;) {
        int j = i + 1;
        while (j < n && seq[j] == seq[i]) j++;
        if (is_acgt(seq[i]) && j - i >= 7 && overlaps(w0 + i, w0 + j, sb, se))
            *m |= 1ull << STRAT_HOMOPOLYMER;
        i = j;
    }
    // Tandem repeats: for unit k, a run of L positions with seq[i] == seq[i+k] spans L+k bases.
    for (int k = 2; k <= 6 && !(*m >> STRAT_TANDEM & 1); k++) {
        for (int i = 0; i + k < n;) {
            if (!is_acgt(seq[i]) || seq[i] != seq[i + k]) {
                i++;
                continue;
            }
            int j = i;
            while (j + k < n && is_acgt(seq[j]) && seq[j] == seq[j + k]) j++;
            int span = j - i + k, single = 1;
            for (int u = 1; u < k; u++) single &= seq[i + u] == seq[i];
            if (!single && span >= 10 && span / k >= 3 && overlaps(w0 + i, w0 + i + span, sb, se)) {
                *m |= 1ull << STRAT_TANDEM;
                break;
            }
            i = j + 1;
        }
    }
    // Low complexity: any 64-bp window overlapping the widened footprint, scored by DUST
    // (counts of the window's triplets, updated as the window slides).
    int win = n < DUST_WIN ? n : DUST_WIN;
    int64_t first = sb - w0 - win + 1, last = se - w0 - 1;  // window starts (relative)
    if (first < 0) first = 0;
    if (last > n - win) last = n - win;
    if (first > last) return;
    int cnt[64] = {0}, l = 0;
    long pairs = 0;
    for (int64_t st = first; st <= last; st++) {
        if (st == first) {
            for (int i = 0; i + 2 < win; i++) {
                int a = code(seq[st + i]), b = code(seq[st + i + 1]), c = code(seq[st + i + 2]);
                if (a < 0 || b < 0 || c < 0) continue;
                pairs += cnt[a << 4 | b << 2 | c]++;
                l++;
            }
        } else {
            // Slide by one: drop the triplet at st-1, add the one ending at st+win-1.
            int old = code(seq[st - 1]), o1 = code(seq[st]), o2 = code(seq[st + 1]);
            if (old >= 0 && o1 >= 0 && o2 >= 0) {
                int t = old << 4 | o1 << 2 | o2;
                pairs -= --cnt[t];
                l--;
            }
            int64_t e = st + win - 3;
            int a = code(seq[e]), b = code(seq[e + 1]), c = code(seq[e + 2]);
            if (a >= 0 && b >= 0 && c >= 0) {
                int t = a << 4 | b << 2 | c;
                pairs += cnt[t]++;
                l++;
            }
        }
        if (l > 1 && (double)pairs / (l - 1) > DUST_MAX) {
            *m |= 1ull << STRAT_LOWCOMPLEX;
            return;
        }
    }
}

// A site is multi-allelic when the genotype carried two ALT alleles (v->multi) or when the set
// holds another allele at the same position and both are heterozygous (a 1/2 genotype written as
// two records). Sets are sorted, so such alleles are neighbours.
static int site_multi(const EvalVarSet *set, size_t k) {
    const EvalVar *v = &set->v[k];
    if (v->multi) return 1;
    if (v->zyg != EVAL_HET) return 0;
    for (int d = -1; d <= 1; d += 2) {
        if ((d < 0 && k == 0) || (d > 0 && k + 1 >= set->n)) continue;
        const EvalVar *w = &set->v[k + d];
        if (w->ctg == v->ctg && w->pos == v->pos && w->zyg == EVAL_HET) return 1;
    }
    return 0;
}

int eval_strata_mask(EvalStrata *s, EvalRef *ref, const EvalVar *v, uint64_t *mask) {
    uint64_t m = 0;
    int64_t rl = (int64_t)strlen(v->ref), al = (int64_t)strlen(v->alt);
    int indel = !(rl == 1 && al == 1);
    int64_t clen = eval_ref_ctg_len(ref, v->ctg);
    int64_t fb = v->pos, fe = v->pos + rl + (indel ? 1 : 0);
    if (fe > clen) fe = clen;
    if (fe <= fb) fe = fb + 1;
    int64_t w0 = fb - EVAL_STRAT_SLOP - STRAT_MARGIN, w1 = fe + EVAL_STRAT_SLOP + STRAT_MARGIN;
    if (w0 < 0) w0 = 0;
    if (w1 > clen) w1 = clen;
    const char *seq = eval_ref_seq(ref, v->ctg, w0, w1);
    if (!seq) return -1;
    repeat_bits(seq, w0, (int)(w1 - w0), fb, fe, &m);
    if (!(m & (1ull << STRAT_HOMOPOLYMER | 1ull << STRAT_TANDEM | 1ull << STRAT_LOWCOMPLEX)))
        m |= 1ull << STRAT_NONREPEAT;
    if (v->multi) m |= 1ull << STRAT_MULTIALLELIC;
    if (indel) {
        int64_t d = rl > al ? rl - al : al - rl;
        if (d == 0) d = (rl > al ? rl : al) - 1;  // complex, equal lengths (not produced by eval_vcf)
        m |= 1ull << (d <= 1 ? STRAT_INDEL_1 : d <= 5 ? STRAT_INDEL_2_5 : d <= 15 ? STRAT_INDEL_6_15
                                                                               : STRAT_INDEL_GT15);
    }
    const char *ctg = NULL;
    for (int i = STRAT_NBUILTIN; i < s->n; i++) {
        if (!ctg) ctg = eval_ref_ctg_name(ref, v->ctg);
        // regidx coordinates are 0-based, inclusive.
        if (regidx_overlap(s->bed[i], ctg, (hts_pos_t)fb, (hts_pos_t)(fe - 1), NULL))
            m |= 1ull << i;
    }
    *mask = m;
    return 0;
}

int eval_strata_count(EvalStrata *s, EvalRef *ref, const EvalVarSet *truth,
                      const EvalVarSet *query, EvalResult *res) {
    memset(res, 0, sizeof(*res) * s->n);
    for (int side = 0; side < 2; side++) {
        const EvalVarSet *set = side ? query : truth;
        for (size_t k = 0; k < set->n; k++) {
            EvalVar v1 = set->v[k];
            v1.multi = (uint8_t)site_multi(set, k);
            const EvalVar *v = &v1;
            uint64_t m;
            if (eval_strata_mask(s, ref, v, &m) < 0) return -1;
            EvalType t = eval_var_type(v);
            for (int i = 0; i < s->n; i++) {
                if (!(m >> i & 1)) continue;
                EvalResult *r = &res[i];
                if (side == 0) {
                    if (v->match & EVAL_MATCH_ALLELE) r->allele[t].tp++;
                    else r->allele[t].fn++;
                    if (v->match & EVAL_MATCH_GENOTYPE) r->genotype[t].tp++;
                    else r->genotype[t].fn++;
                } else {
                    if (v->match & EVAL_MATCH_ALLELE) r->allele[t].tpq++;
                    else r->allele[t].fp++;
                    if (v->match & EVAL_MATCH_GENOTYPE) r->genotype[t].tpq++;
                    else r->genotype[t].fp++;
                }
            }
        }
    }
    return 0;
}

static const char *TYPE_NAME[EVAL_NTYPES] = {"SNP", "INDEL"};

static int any(const EvalCount *c) { return c->tp || c->fp || c->fn; }

void eval_strata_print(FILE *out, const EvalStrata *s, const EvalResult *res) {
    fprintf(out, "\n%-16s %-6s %-9s %8s %8s %8s %9s %8s %8s\n", "Stratum", "Type", "Level", "TP",
            "FP", "FN", "Precision", "Recall", "F1");
    for (int i = 0; i < s->n; i++) {
        for (int t = 0; t < EVAL_NTYPES; t++) {
            for (int g = 0; g < 2; g++) {
                const EvalCount *c = g ? &res[i].genotype[t] : &res[i].allele[t];
                if (!any(&res[i].allele[t]) && !any(&res[i].genotype[t])) continue;
                fprintf(out, "%-16s %-6s %-9s %8ld %8ld %8ld %9.4f %8.4f %8.4f\n", s->name[i],
                        TYPE_NAME[t], g ? "genotype" : "allele", c->tp, c->fp, c->fn,
                        eval_precision(c), eval_recall(c), eval_f1(c));
            }
        }
    }
}

void eval_strata_json(FILE *out, const EvalStrata *s, const EvalResult *res) {
    fputs("{", out);
    for (int i = 0; i < s->n; i++) {
        fprintf(out, "%s\n    \"%s\": {", i ? "," : "", s->name[i]);
        for (int t = 0; t < EVAL_NTYPES; t++) {
            fprintf(out, "%s\"%s\": {\"allele\": ", t ? ", " : "", TYPE_NAME[t]);
            eval_json_count(out, &res[i].allele[t], res[i].tp_query);
            fputs(", \"genotype\": ", out);
            eval_json_count(out, &res[i].genotype[t], res[i].tp_query);
            fputs("}", out);
        }
        fputs("}", out);
    }
    fputs("\n  }", out);
}
