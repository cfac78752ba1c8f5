// eval_ref.c — reference access (faidx with a windowed cache) and allele normalisation.
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <htslib/faidx.h>

#include "common/util.h"
#include "eval/eval_ref.h"

// Extra bases fetched on each side of a request, so that left-alignment walking through a
// repeat and consecutive records on one contig rarely go back to the file.
#define EVAL_REF_PAD 65536

typedef struct {
    const char *name;
    int idx;
} CtgName;

struct EvalRef {
    char *path;
    faidx_t *fai;
    int nctg;
    int64_t *len;
    CtgName *by_name;  // sorted by name for eval_ref_ctg
    int cache_ctg;     // -1: empty
    int64_t cache_beg, cache_end;
    char *cache;
};

static int ctgname_cmp(const void *a, const void *b) {
    return strcmp(((const CtgName *)a)->name, ((const CtgName *)b)->name);
}

EvalRef *eval_ref_open(const char *path) {
    faidx_t *fai = fai_load3(path, NULL, NULL, 0);
    if (!fai) {
        calla_err("failed to open reference \"%s\" with its .fai index (run `samtools faidx %s`)",
                  path, path);
        return NULL;
    }
    EvalRef *r = xcalloc(1, sizeof(*r));
    r->path = xstrdup(path);
    r->fai = fai;
    r->nctg = faidx_nseq(fai);
    r->len = xcalloc(r->nctg ? r->nctg : 1, sizeof(*r->len));
    r->by_name = xcalloc(r->nctg ? r->nctg : 1, sizeof(*r->by_name));
    for (int i = 0; i < r->nctg; i++) {
        r->by_name[i].name = faidx_iseq(fai, i);
        r->by_name[i].idx = i;
        r->len[i] = faidx_seq_len(fai, r->by_name[i].name);
    }
    qsort(r->by_name, r->nctg, sizeof(*r->by_name), ctgname_cmp);
    r->cache_ctg = -1;
    return r;
}

void eval_ref_close(EvalRef *r) {
    if (!r) return;
    fai_destroy(r->fai);
    free(r->path);
    free(r->len);
    free(r->by_name);
    free(r->cache);
    free(r);
}

const char *eval_ref_path(const EvalRef *r) { return r->path; }
int eval_ref_nctg(const EvalRef *r) { return r->nctg; }
const char *eval_ref_ctg_name(const EvalRef *r, int ctg) { return faidx_iseq(r->fai, ctg); }
int64_t eval_ref_ctg_len(const EvalRef *r, int ctg) { return r->len[ctg]; }

int eval_ref_ctg(const EvalRef *r, const char *name) {
    CtgName key = {name, -1};
    const CtgName *hit = bsearch(&key, r->by_name, r->nctg, sizeof(*r->by_name), ctgname_cmp);
    return hit ? hit->idx : -1;
}

const char *eval_ref_seq(EvalRef *r, int ctg, int64_t beg, int64_t end) {
    const char *name = faidx_iseq(r->fai, ctg);
    if (beg < 0 || end > r->len[ctg] || beg > end) {
        calla_err("position %s:%lld-%lld lies outside the reference \"%s\" (contig length %lld)",
                  name, (long long)beg + 1, (long long)end, r->path, (long long)r->len[ctg]);
        return NULL;
    }
    if (r->cache_ctg != ctg || beg < r->cache_beg || end > r->cache_end) {
        int64_t fb = beg > EVAL_REF_PAD ? beg - EVAL_REF_PAD : 0;
        int64_t fe = end + EVAL_REF_PAD < r->len[ctg] ? end + EVAL_REF_PAD : r->len[ctg];
        free(r->cache);
        r->cache = NULL;
        r->cache_ctg = -1;
        hts_pos_t got = 0;
        char *s = fe > fb ? faidx_fetch_seq64(r->fai, name, fb, fe - 1, &got) : xstrdup("");
        if (!s || got != fe - fb) {
            free(s);
            calla_err("failed to read %s:%lld-%lld from reference \"%s\"", name,
                      (long long)fb + 1, (long long)fe, r->path);
            return NULL;
        }
        for (hts_pos_t i = 0; i < got; i++) s[i] = (char)toupper((unsigned char)s[i]);
        r->cache = s;
        r->cache_ctg = ctg;
        r->cache_beg = fb;
        r->cache_end = fe;
    }
    return r->cache + (beg - r->cache_beg);
}

static void ks_drop_last(kstring_t *s) { s->s[--s->l] = '\0'; }

static void ks_drop_first(kstring_t *s) {
    memmove(s->s, s->s + 1, s->l);  // moves the NUL too
    s->l--;
}

static int ks_prepend(kstring_t *s, char c) {
    if (ks_resize(s, s->l + 2) < 0) return -1;
    memmove(s->s + 1, s->s, s->l + 1);
    s->s[0] = c;
    s->l++;
    return 0;
}

int eval_normalize(EvalRef *r, int ctg, int64_t *pos, kstring_t *ref, kstring_t *alt) {
    if (ref->l == alt->l && memcmp(ref->s, alt->s, ref->l) == 0) return 0;  // nothing to move
    for (;;) {
        if (ref->l > 0 && alt->l > 0 && ref->s[ref->l - 1] == alt->s[alt->l - 1]) {
            ks_drop_last(ref);
            ks_drop_last(alt);
        } else if (ref->l == 0 || alt->l == 0) {
            if (*pos == 0) {
                // At the contig start there is no base to the left: anchor on the right instead.
                const char *b = eval_ref_seq(r, ctg, ref->l, ref->l + 1);
                if (!b || kputc(*b, ref) < 0 || kputc(*b, alt) < 0) return -1;
                break;
            }
            const char *b = eval_ref_seq(r, ctg, *pos - 1, *pos);
            if (!b || ks_prepend(ref, *b) < 0 || ks_prepend(alt, *b) < 0) return -1;
            (*pos)--;
        } else {
            break;
        }
    }
    while (ref->l >= 2 && alt->l >= 2 && ref->s[0] == alt->s[0]) {
        ks_drop_first(ref);
        ks_drop_first(alt);
        (*pos)++;
    }
    return 0;
}
