// features_fa.c — Clair3 full-alignment tensors (layout and channels in features_fa.h).
// A read is decoded once along the reference (one cell byte and one base-quality byte per
// reference position, plus its insertions and deletions); a candidate then reads 33 cells of
// each selected read.
#include "tensors/features_fa.h"

#include <htslib/sam.h>
#include <stdlib.h>
#include <string.h>

#include "common/rng.h"
#include "common/util.h"
#include "tensors/tensorfile.h"

// Cell byte: low 4 bits the read base (htslib nt16 code) when FA_BASE is set.
#define FA_BASE 0x10     // the read has a base here
#define FA_INS 0x20      // an insertion follows this base (anchor)
#define FA_DEL 0x40      // a deletion starts after this base (anchor)
#define FA_DELETED 0x80  // this reference base is deleted in the read

typedef struct {
    int64_t anchor;
    int len;
    int off;  // into ins_seq
} FaIns;

typedef struct {
    int64_t anchor;
    int len;
} FaDel;

struct FaRead {
    int64_t beg, end, order;
    uint64_t name_hash;
    char *name;
    uint8_t strand_v, mq_v, hp;
    int n_ins, n_del;
    FaIns *ins;
    FaDel *del;
    char *ins_seq;  // upper-case inserted bases, concatenated
    uint8_t *cell;  // end - beg cells
    uint8_t *bq;    // end - beg normalised base qualities
};

// A read and an index (into the caller's array or the eligible list) for sorting.
typedef struct {
    const FaRead *r;
    int i;
} RefIdx;

typedef struct {
    const FaRead *r;
    int kind, i, idx;
} EvKey;

struct FaScratch {
    int cap;
    int *sel;      // per input read: dropped (step 1); then the selected reads (step 3)
    int *af;       // per eligible read: channel 5 value
    int *ev_kind;  // per eligible read: 0 none, 1 insertion, 2 deletion, 3 base
    int *ev_i;     // insertion/deletion index in the read, or the nt16 code
    FaRead **rd;   // the eligible reads, coordinate order
    RefIdx *ri, *ord;
    EvKey *ev;
};

static const int8_t FA_ALT_INS = -50, FA_ALT_DEL = -100;

// Clair3's base code table (num2countbase_fa): A 100, C 25, G 75, T 50, N 100, anything else 0.
static int8_t base_code_fa(char c) {
    switch (c) {
    case 'A': case 'a': return 100;
    case 'C': case 'c': return 25;
    case 'G': case 'g': return 75;
    case 'T': case 't': return 50;
    case 'N': case 'n': return 100;
    default: return 0;
    }
}

// Reference code: non-ACGT reference bases (N and IUPAC codes) are N (100), so that every cell
// where a read has a base is non-empty (Clair3's C path would give IUPAC codes 0).
static int8_t ref_code_fa(char c) {
    int8_t v = base_code_fa(c);
    return v ? v : 100;
}

static uint8_t hp_code(int hp) { return hp == 1 ? 30 : hp == 2 ? 90 : 60; }

int fa_hp_from_tag(void *ud, const bam1_t *b) {
    (void)ud;
    uint8_t *t = bam_aux_get(b, "HP");
    if (!t) return 0;
    char ty = (char)t[0];
    if (ty != 'c' && ty != 'C' && ty != 's' && ty != 'S' && ty != 'i' && ty != 'I') return 0;
    int64_t v = bam_aux2i(t);
    return v == 1 || v == 2 ? (int)v : 0;
}

void fa_params_default(FaParams *p, int rows) {
    p->rows = rows;
    p->min_mapq = 5;
    p->excl_flags = BAM_FUNMAP | BAM_FMUNMAP | BAM_FSECONDARY | BAM_FSUPPLEMENTARY;  // 2316
    p->seed = 0;
    p->read_hp = fa_hp_from_tag;
    p->hp_ud = NULL;
}

static uint64_t name_hash(const char *s) {
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ULL;
    return h;
}

static int clamp_norm(int v, int cap) { return v < cap ? 100 * v / cap : 100; }

FaRead *fa_read_new(const bam1_t *b, const FaParams *p, int hp, int64_t order, int64_t lo,
                    int64_t hi) {
    const bam1_core_t *c = &b->core;
    if (c->flag & (p->excl_flags | BAM_FUNMAP)) return NULL;
    if (c->qual < p->min_mapq || c->tid < 0 || c->pos < 0) return NULL;
    const uint32_t *cig = bam_get_cigar(b);
    int64_t rlen = bam_cigar2rlen((int)c->n_cigar, cig);
    if (rlen <= 0 || c->l_qseq <= 0) return NULL;
    // The kept span [beg, end): the alignment clipped to [lo, hi).
    const int64_t beg = c->pos > lo ? c->pos : lo, end = c->pos + rlen < hi ? c->pos + rlen : hi;
    if (beg >= end) return NULL;
    int n_ins = 0, n_del = 0, ins_bases = 0;
    for (uint32_t i = 0; i < c->n_cigar; i++) {
        int op = bam_cigar_op(cig[i]);
        if (op == BAM_CINS) n_ins++, ins_bases += (int)bam_cigar_oplen(cig[i]);
        else if (op == BAM_CDEL) n_del++;
    }
    FaRead *r = xcalloc(1, sizeof *r);
    r->beg = beg;
    r->end = end;
    r->order = order;
    r->name = xstrdup(bam_get_qname(b));
    r->name_hash = name_hash(r->name);
    r->strand_v = bam_is_rev(b) ? 50 : 100;
    r->mq_v = (uint8_t)clamp_norm(c->qual, 60);
    r->hp = (uint8_t)(hp == 1 || hp == 2 ? hp : 0);
    r->cell = xcalloc((size_t)(end - beg), 1);
    r->bq = xcalloc((size_t)(end - beg), 1);
    r->ins = n_ins ? xmalloc(sizeof *r->ins * (size_t)n_ins) : NULL;
    r->del = n_del ? xmalloc(sizeof *r->del * (size_t)n_del) : NULL;
    r->ins_seq = xmalloc((size_t)ins_bases + 1);
    const uint8_t *seq = bam_get_seq(b), *qual = bam_get_qual(b);
    int64_t rpos = c->pos;
    int qpos = 0, nseq = 0;
    for (uint32_t i = 0; i < c->n_cigar; i++) {
        int op = bam_cigar_op(cig[i]), len = (int)bam_cigar_oplen(cig[i]);
        switch (op) {
        case BAM_CMATCH: case BAM_CEQUAL: case BAM_CDIFF: {
            int64_t k0 = beg > rpos ? beg - rpos : 0, k1 = end < rpos + len ? end - rpos : len;
            if (k1 > c->l_qseq - qpos) k1 = c->l_qseq - qpos;
            for (int64_t k = k0; k < k1; k++) {
                size_t o = (size_t)(rpos + k - beg);
                r->cell[o] = (uint8_t)(FA_BASE | bam_seqi(seq, qpos + k));
                r->bq[o] = (uint8_t)clamp_norm(qual[qpos + k], 40);
            }
            rpos += len;
            qpos += len;
            break;
        }
        case BAM_CINS: {
            // Anchored on the base before it; a run of I ops (P between them) is one insertion.
            int64_t a = rpos - 1;
            if (a >= beg && a < end && (r->cell[a - beg] & FA_BASE)) {
                FaIns *last = r->n_ins ? &r->ins[r->n_ins - 1] : NULL;
                if (!last || last->anchor != a || last->off + last->len != nseq) {
                    r->ins[r->n_ins++] = (FaIns){a, 0, nseq};
                    last = &r->ins[r->n_ins - 1];
                }
                for (int k = 0; k < len && qpos + k < c->l_qseq; k++) {
                    r->ins_seq[nseq++] = seq_nt16_str[bam_seqi(seq, qpos + k)];
                    last->len++;
                }
                r->cell[a - beg] |= FA_INS;
            }
            qpos += len;
            break;
        }
        case BAM_CDEL: {
            int64_t a = rpos - 1;
            if (a >= beg && a < end && (r->cell[a - beg] & FA_BASE)) {
                r->del[r->n_del++] = (FaDel){a, len};
                r->cell[a - beg] |= FA_DEL;
            }
            for (int64_t q = rpos > beg ? rpos : beg; q < rpos + len && q < end; q++)
                r->cell[q - beg] = FA_DELETED;
            rpos += len;
            break;
        }
        case BAM_CREF_SKIP: rpos += len; break;
        case BAM_CSOFT_CLIP: qpos += len; break;
        default: break;  // H, P
        }
    }
    r->ins_seq[nseq] = 0;
    return r;
}

void fa_read_free(FaRead *r) {
    if (!r) return;
    free(r->name);
    free(r->cell);
    free(r->bq);
    free(r->ins);
    free(r->del);
    free(r->ins_seq);
    free(r);
}

int64_t fa_read_beg(const FaRead *r) { return r->beg; }
int64_t fa_read_end(const FaRead *r) { return r->end; }

FaScratch *fa_scratch_new(void) { return xcalloc(1, sizeof(FaScratch)); }

void fa_scratch_free(FaScratch *s) {
    if (!s) return;
    free(s->sel);
    free(s->af);
    free(s->ev_kind);
    free(s->ev_i);
    free(s->rd);
    free(s->ri);
    free(s->ev);
    free(s->ord);
    free(s);
}

static void scratch_reserve(FaScratch *s, int n) {
    if (n <= s->cap) return;
    int c = s->cap ? s->cap : 64;
    while (c < n) c *= 2;
    s->sel = xrealloc(s->sel, sizeof(int) * (size_t)c);
    s->af = xrealloc(s->af, sizeof(int) * (size_t)c);
    s->ev_kind = xrealloc(s->ev_kind, sizeof(int) * (size_t)c);
    s->ev_i = xrealloc(s->ev_i, sizeof(int) * (size_t)c);
    s->rd = xrealloc(s->rd, sizeof(FaRead *) * (size_t)c);
    s->ri = xrealloc(s->ri, sizeof(RefIdx) * (size_t)c);
    s->ev = xrealloc(s->ev, sizeof(EvKey) * (size_t)c);
    s->ord = xrealloc(s->ord, sizeof(RefIdx) * (size_t)c);
    s->cap = c;
}

// Index of the insertion (or deletion) anchored at a, or -1 (binary search: sorted by anchor).
static int find_ins(const FaRead *r, int64_t a) {
    int lo = 0, hi = r->n_ins;
    while (lo < hi) {
        int m = (lo + hi) / 2;
        if (r->ins[m].anchor < a) lo = m + 1;
        else hi = m;
    }
    return lo < r->n_ins && r->ins[lo].anchor == a ? lo : -1;
}

static int find_del(const FaRead *r, int64_t a) {
    int lo = 0, hi = r->n_del;
    while (lo < hi) {
        int m = (lo + hi) / 2;
        if (r->del[m].anchor < a) lo = m + 1;
        else hi = m;
    }
    return lo < r->n_del && r->del[lo].anchor == a ? lo : -1;
}

static int cmp_name(const void *a, const void *b) {
    const RefIdx *x = a, *y = b;
    if (x->r->name_hash != y->r->name_hash) return x->r->name_hash < y->r->name_hash ? -1 : 1;
    if (x->r->order != y->r->order) return x->r->order < y->r->order ? -1 : 1;
    return 0;
}

static int cmp_hp_order(const void *a, const void *b) {
    const RefIdx *x = a, *y = b;
    if (x->r->hp != y->r->hp) return x->r->hp < y->r->hp ? -1 : 1;
    if (x->r->order != y->r->order) return x->r->order < y->r->order ? -1 : 1;
    return 0;
}

// Events at the centre: equal when same kind and same insertion sequence / deletion length / base.
static int ev_equal(const FaRead *a, int ka, int ia, const FaRead *b, int kb, int ib) {
    if (ka != kb) return 0;
    if (ka == 1)
        return a->ins[ia].len == b->ins[ib].len &&
               memcmp(a->ins_seq + a->ins[ia].off, b->ins_seq + b->ins[ib].off,
                      (size_t)a->ins[ia].len) == 0;
    if (ka == 2) return a->del[ia].len == b->del[ib].len;
    return ia == ib;
}

static int cmp_ev(const void *a, const void *b) {
    const EvKey *x = a, *y = b;
    if (x->kind != y->kind) return x->kind - y->kind;
    if (x->kind == 1) {
        const FaIns *p = &x->r->ins[x->i], *q = &y->r->ins[y->i];
        if (p->len != q->len) return p->len - q->len;
        int c = memcmp(x->r->ins_seq + p->off, y->r->ins_seq + q->off, (size_t)p->len);
        if (c) return c;
    } else if (x->kind == 2) {
        if (x->r->del[x->i].len != y->r->del[y->i].len)
            return x->r->del[x->i].len - y->r->del[y->i].len;
    } else if (x->i != y->i) {
        return x->i - y->i;
    }
    return x->idx - y->idx;
}

int fa_encode(const FaParams *p, FaScratch *s, FaRead *const *reads, int n, const char *ref,
              int tid, int64_t centre, int8_t *out) {
    const int rows = p->rows, nch = rows * TF_FA_CHAN_PER_ROW;
    memset(out, 0, (size_t)fa_nfeat(rows));
    const int64_t wbeg = centre - TF_FLANK, wend = centre + TF_FLANK + 1;
    scratch_reserve(s, n > 0 ? n : 1);
    RefIdx *ri = s->ri;  // reads overlapping the window
    // 1. Reads overlapping the window; the first (coordinate order) of each name.
    int m = 0;
    for (int i = 0; i < n; i++)
        if (reads[i]->beg < wend && reads[i]->end > wbeg) ri[m++] = (RefIdx){reads[i], i};
    int *drop = s->sel;  // per input read: 1 when an earlier read of its name overlaps too
    for (int i = 0; i < m; i++) drop[ri[i].i] = 0;
    if (m > 1) {
        qsort(ri, (size_t)m, sizeof *ri, cmp_name);
        for (int i = 1; i < m; i++)
            for (int j = i - 1; j >= 0 && ri[j].r->name_hash == ri[i].r->name_hash; j--)
                if (strcmp(ri[j].r->name, ri[i].r->name) == 0) {
                    drop[ri[i].i] = 1;
                    break;
                }
    }
    int ne = 0;  // the kept reads, in the input (coordinate) order
    for (int i = 0; i < n; i++)
        if (reads[i]->beg < wend && reads[i]->end > wbeg && !drop[i]) s->rd[ne++] = reads[i];
    // 2. Centre events and depth over all eligible reads (clair3.md §2.2 channel 5).
    int depth = 0, nev = 0;
    EvKey *ev = s->ev;
    const char cref = ref[TF_FLANK];
    for (int i = 0; i < ne; i++) {
        const FaRead *r = s->rd[i];
        s->ev_kind[i] = 0;
        s->af[i] = 0;
        if (centre < r->beg || centre >= r->end) continue;
        uint8_t cl = r->cell[centre - r->beg];
        if (cl & FA_DELETED) depth++;
        if (!(cl & FA_BASE)) continue;
        depth++;
        int k = 0, idx = 0;
        if ((cl & FA_INS) && (idx = find_ins(r, centre)) >= 0) k = 1;
        else if ((cl & FA_DEL) && (idx = find_del(r, centre)) >= 0) k = 2;
        else {
            char b = seq_nt16_str[cl & 15];
            char rc = cref >= 'a' && cref <= 'z' ? (char)(cref - 32) : cref;
            if (b != rc) k = 3, idx = cl & 15;
        }
        s->ev_kind[i] = k;
        s->ev_i[i] = idx;
        if (k) ev[nev++] = (EvKey){r, k, idx, i};
    }
    if (nev > 1) qsort(ev, (size_t)nev, sizeof *ev, cmp_ev);
    for (int a = 0; a < nev;) {
        int b = a + 1;
        while (b < nev && ev_equal(ev[a].r, ev[a].kind, ev[a].i, ev[b].r, ev[b].kind, ev[b].i)) b++;
        float x = (float)(b - a) / (float)depth;  // Clair3: normalize_af(count / (float)depth)
        int v = x < 1.0f ? (int)(100 * x) : 100;
        for (int k = a; k < b; k++) s->af[ev[k].idx] = v;
        a = b;
    }
    // 3. Rows: a seeded subsample when there are more reads than rows, then (HP, start order).
    int nsel = ne;
    for (int i = 0; i < ne; i++) s->sel[i] = i;
    if (ne > rows) {
        Rng rng;
        uint64_t x = p->seed + 0x9e3779b97f4a7c15ULL * (uint64_t)(tid + 1);
        rng_seed_stream(&rng, rng_splitmix64(&x), (uint64_t)centre);
        for (int i = 0; i < rows; i++) {  // partial Fisher-Yates
            int j = i + (int)rng_below(&rng, (uint64_t)(ne - i));
            int t = s->sel[i];
            s->sel[i] = s->sel[j];
            s->sel[j] = t;
        }
        nsel = rows;
    }
    RefIdx *order = s->ord;
    for (int i = 0; i < nsel; i++) order[i] = (RefIdx){s->rd[s->sel[i]], s->sel[i]};
    if (nsel > 1) qsort(order, (size_t)nsel, sizeof *order, cmp_hp_order);
    const int top = (rows - nsel) / 2;
    int8_t refv[TF_NPOS];
    for (int k = 0; k < TF_NPOS; k++) refv[k] = ref_code_fa(ref[k]);
    char refu[TF_NPOS];
    for (int k = 0; k < TF_NPOS; k++)
        refu[k] = ref[k] >= 'a' && ref[k] <= 'z' ? (char)(ref[k] - 32) : ref[k];
    // 4. Cells.
    for (int ri2 = 0; ri2 < nsel; ri2++) {
        const FaRead *r = order[ri2].r;
        const int e = order[ri2].i;
        const int row = top + ri2;
        const int8_t af = (int8_t)s->af[e], hpv = (int8_t)hp_code(r->hp);
        int64_t k0 = r->beg > wbeg ? r->beg - wbeg : 0;
        int64_t k1 = r->end < wend ? r->end - wbeg : TF_NPOS;
        for (int64_t k = k0; k < k1; k++) {
            uint8_t cl = r->cell[wbeg + k - r->beg];
            if (!(cl & FA_BASE)) continue;  // deleted base or reference skip: all zero
            int8_t *o = out + (size_t)k * nch + (size_t)row * TF_FA_CHAN_PER_ROW;
            int8_t alt = 0;
            int ii = -1;
            if ((cl & FA_INS) && (ii = find_ins(r, wbeg + k)) >= 0) alt = FA_ALT_INS;
            else if ((cl & FA_DEL) && find_del(r, wbeg + k) >= 0) alt = FA_ALT_DEL;
            else if (seq_nt16_str[cl & 15] != refu[k]) alt = base_code_fa(seq_nt16_str[cl & 15]);
            o[0] = refv[k];
            o[1] = alt;
            o[2] = (int8_t)r->strand_v;
            o[3] = (int8_t)r->mq_v;
            o[4] = (int8_t)r->bq[wbeg + k - r->beg];
            if (af > 0) o[5] = af;
            o[7] = hpv;
            if (ii >= 0 && k < TF_NPOS - 1) {
                const FaIns *in = &r->ins[ii];
                int lim = in->len < TF_NPOS - (int)k ? in->len : TF_NPOS - (int)k;
                for (int t = 0; t < lim; t++)
                    out[(size_t)(k + t) * nch + (size_t)row * TF_FA_CHAN_PER_ROW + 6] =
                        base_code_fa(r->ins_seq[in->off + t]);
            }
        }
    }
    return ne;
}
