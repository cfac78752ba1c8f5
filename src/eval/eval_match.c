// eval_match.c — sorting, de-duplication and truth-vs-query matching of normalised variants.
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "eval/eval.h"

EvalType eval_var_type(const EvalVar *v) {
    return (strlen(v->ref) == 1 && strlen(v->alt) == 1) ? EVAL_SNP : EVAL_INDEL;
}

void evalset_push(EvalVarSet *s, int32_t ctg, int64_t pos, const char *ref, size_t ref_len,
                  const char *alt, size_t alt_len, int zyg) {
    if (s->n == s->m) {
        s->m = s->m ? s->m * 2 : 256;
        s->v = xrealloc(s->v, s->m * sizeof(*s->v));
    }
    char *buf = xmalloc(ref_len + alt_len + 2);
    memcpy(buf, ref, ref_len);
    buf[ref_len] = '\0';
    memcpy(buf + ref_len + 1, alt, alt_len);
    buf[ref_len + 1 + alt_len] = '\0';
    EvalVar *v = &s->v[s->n++];
    v->ctg = ctg;
    v->pos = pos;
    v->ref = buf;
    v->alt = buf + ref_len + 1;
    v->zyg = (uint8_t)zyg;
    v->multi = 0;
    v->match = 0;
    v->gq = -1;
}

void evalset_free(EvalVarSet *s) {
    for (size_t i = 0; i < s->n; i++) free(s->v[i].ref);
    free(s->v);
    s->v = NULL;
    s->n = s->m = 0;
}

static int var_cmp(const EvalVar *a, const EvalVar *b) {
    if (a->ctg != b->ctg) return a->ctg < b->ctg ? -1 : 1;
    if (a->pos != b->pos) return a->pos < b->pos ? -1 : 1;
    int c = strcmp(a->ref, b->ref);
    return c ? c : strcmp(a->alt, b->alt);
}

static int var_qsort_cmp(const void *a, const void *b) { return var_cmp(a, b); }

void evalset_sort_merge(EvalVarSet *s) {
    if (s->n == 0) return;
    qsort(s->v, s->n, sizeof(*s->v), var_qsort_cmp);
    size_t w = 0;
    for (size_t i = 1; i < s->n; i++) {
        if (var_cmp(&s->v[w], &s->v[i]) == 0) {
            // The same allele twice on one side: on two haplotypes, hence homozygous.
            s->v[w].zyg = EVAL_HOM;
            s->v[w].multi |= s->v[i].multi;
            free(s->v[i].ref);
        } else {
            s->v[++w] = s->v[i];
        }
    }
    s->n = w + 1;
}

void eval_compare(EvalVarSet *truth, EvalVarSet *query, EvalResult *res) {
    evalset_sort_merge(truth);
    evalset_sort_merge(query);
    size_t i = 0, j = 0;
    while (i < truth->n || j < query->n) {
        int c = i == truth->n ? 1 : j == query->n ? -1 : var_cmp(&truth->v[i], &query->v[j]);
        if (c < 0) {
            truth->v[i++].match = 0;
        } else if (c > 0) {
            query->v[j++].match = 0;
        } else {
            uint8_t m = EVAL_MATCH_ALLELE;
            if (truth->v[i].zyg == query->v[j].zyg) m |= EVAL_MATCH_GENOTYPE;
            truth->v[i++].match = query->v[j++].match = m;
        }
    }
    eval_count(truth, query, res);
}

void eval_count(const EvalVarSet *truth, const EvalVarSet *query, EvalResult *res) {
    memset(res, 0, sizeof(*res));
    for (size_t i = 0; i < truth->n; i++) {
        const EvalVar *v = &truth->v[i];
        EvalType t = eval_var_type(v);
        if (v->match & EVAL_MATCH_ALLELE) res->allele[t].tp++;
        else res->allele[t].fn++;
        if (v->match & EVAL_MATCH_GENOTYPE) res->genotype[t].tp++;
        else res->genotype[t].fn++;
    }
    for (size_t j = 0; j < query->n; j++) {
        const EvalVar *v = &query->v[j];
        EvalType t = eval_var_type(v);
        if (v->match & EVAL_MATCH_ALLELE) res->allele[t].tpq++;
        else res->allele[t].fp++;
        if (v->match & EVAL_MATCH_GENOTYPE) res->genotype[t].tpq++;
        else res->genotype[t].fp++;
    }
}

double eval_precision(const EvalCount *c) {
    long d = c->tpq + c->fp;
    return d ? (double)c->tpq / d : 0.0;
}

double eval_recall(const EvalCount *c) {
    long d = c->tp + c->fn;
    return d ? (double)c->tp / d : 0.0;
}

double eval_f1(const EvalCount *c) {
    double p = eval_precision(c), r = eval_recall(c);
    return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}
