// fa_window.c — the sliding read window of full-alignment tensors (see fa_window.h).
#include "tensors/fa_window.h"

#include <htslib/sam.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "tensors/tensorfile.h"

struct FaWindow {
    FaParams p;
    int tid, n, next;  // next: first candidate not yet encoded
    const int64_t *pos;
    const char *ref;
    int64_t ref_beg, ref_len;
    FaEmitFn emit;
    void *ud;
    FaRead **act;  // active reads, in arrival (coordinate) order
    int n_act, cap_act;
    int64_t order;
    long n_reads;
    FaScratch *scratch;
    int8_t *feat;
};

FaWindow *fa_window_new(const FaParams *p, int tid, const int64_t *pos, int n, const char *ref,
                        int64_t ref_beg, int64_t ref_len, FaEmitFn emit, void *ud) {
    FaWindow *w = xcalloc(1, sizeof *w);
    w->p = *p;
    w->tid = tid;
    w->pos = pos;
    w->n = n;
    w->ref = ref;
    w->ref_beg = ref_beg;
    w->ref_len = ref_len;
    w->emit = emit;
    w->ud = ud;
    w->scratch = fa_scratch_new();
    w->feat = xmalloc((size_t)fa_nfeat(p->rows));
    return w;
}

void fa_window_free(FaWindow *w) {
    if (!w) return;
    for (int i = 0; i < w->n_act; i++) fa_read_free(w->act[i]);
    free(w->act);
    fa_scratch_free(w->scratch);
    free(w->feat);
    free(w);
}

long fa_window_reads(const FaWindow *w) { return w->n_reads; }

// Frees the reads that end before the window of candidate i (they cannot reach later ones).
static void prune(FaWindow *w, int64_t wbeg) {
    int k = 0;
    for (int i = 0; i < w->n_act; i++) {
        if (fa_read_end(w->act[i]) <= wbeg) fa_read_free(w->act[i]);
        else w->act[k++] = w->act[i];
    }
    w->n_act = k;
}

static int encode_next(FaWindow *w) {
    int64_t c = w->pos[w->next];
    prune(w, c - TF_FLANK);
    char ref[TF_NPOS];
    for (int k = 0; k < TF_NPOS; k++) {
        int64_t q = c - TF_FLANK + k - w->ref_beg;
        ref[k] = q >= 0 && q < w->ref_len ? w->ref[q] : 'N';
    }
    int nr = fa_encode(&w->p, w->scratch, w->act, w->n_act, ref, w->tid, c, w->feat);
    return w->emit(w->ud, w->next++, w->feat, nr);
}

int fa_window_add(FaWindow *w, const bam1_t *b) {
    int64_t start = b->core.pos;
    // Candidates whose window ends before this read starts are complete.
    while (w->next < w->n && w->pos[w->next] + TF_FLANK < start) {
        int rc = encode_next(w);
        if (rc) return rc;
    }
    if (w->next >= w->n) return 0;
    if (b->core.flag & (w->p.excl_flags | BAM_FUNMAP) || b->core.qual < w->p.min_mapq) return 0;
    int64_t end = bam_endpos(b);
    if (end <= w->pos[w->next] - TF_FLANK) return 0;  // ends before every pending window
    int hp = w->p.read_hp ? w->p.read_hp(w->p.hp_ud, b) : 0;
    // Only the part inside the pending windows is decoded (long reads).
    FaRead *r = fa_read_new(b, &w->p, hp, w->order, w->pos[w->next] - TF_FLANK,
                            w->pos[w->n - 1] + TF_FLANK + 1);
    if (!r) return 0;
    w->order++;
    w->n_reads++;
    if (w->n_act == w->cap_act) {
        w->cap_act = w->cap_act ? 2 * w->cap_act : 256;
        w->act = xrealloc(w->act, sizeof *w->act * (size_t)w->cap_act);
    }
    w->act[w->n_act++] = r;
    return 0;
}

int fa_window_finish(FaWindow *w) {
    while (w->next < w->n) {
        int rc = encode_next(w);
        if (rc) return rc;
    }
    return 0;
}

// ---- raw read buffer ----

struct FaReadBuf {
    bam1_t **b;  // b[0..n) in use; b[n..cap) allocated for reuse
    size_t n, cap;
    const FaParams *p;
    int64_t lo, hi;
};

FaReadBuf *fa_readbuf_new(void) { return xcalloc(1, sizeof(FaReadBuf)); }

void fa_readbuf_reset(FaReadBuf *rb, const FaParams *p, int64_t lo, int64_t hi) {
    rb->n = 0;
    rb->p = p;
    rb->lo = lo;
    rb->hi = hi;
}

int fa_readbuf_add(void *ud, const bam1_t *b) {
    FaReadBuf *rb = ud;
    if (b->core.flag & (rb->p->excl_flags | BAM_FUNMAP) || b->core.qual < rb->p->min_mapq) return 0;
    if (b->core.pos >= rb->hi || bam_endpos(b) <= rb->lo) return 0;
    if (rb->n == rb->cap) {
        size_t c = rb->cap ? 2 * rb->cap : 1024;
        rb->b = xrealloc(rb->b, sizeof *rb->b * c);
        for (size_t i = rb->cap; i < c; i++) rb->b[i] = NULL;
        rb->cap = c;
    }
    if (!rb->b[rb->n]) {
        rb->b[rb->n] = bam_init1();
        if (!rb->b[rb->n]) calla_die("out of memory");
    }
    if (!bam_copy1(rb->b[rb->n], b)) calla_die("out of memory");
    rb->n++;
    return 0;
}

int fa_readbuf_feed(const FaReadBuf *rb, FaWindow *w) {
    for (size_t i = 0; i < rb->n; i++) {
        int rc = fa_window_add(w, rb->b[i]);
        if (rc) return rc;
    }
    return 0;
}

void fa_readbuf_free(FaReadBuf *rb) {
    if (!rb) return;
    for (size_t i = 0; i < rb->cap; i++)
        if (rb->b[i]) bam_destroy1(rb->b[i]);
    free(rb->b);
    free(rb);
}
