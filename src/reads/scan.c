// scan.c — open and validate BAM/CRAM + FASTA, walk the reads of a region through their CIGARs,
// count per-position evidence, select candidates (clair3.md §3.1) and build their tensors.
//
// A region is processed in blocks of SCAN_BLOCK positions; each block loads only the reads and
// reference that overlap it plus the 16-bp flanks (and one more position on the left for the
// insertion anchored just before the window), so memory does not grow with the region length.
#include <htslib/bgzf.h>
#include <htslib/faidx.h>
#include <htslib/hts.h>
#include <htslib/sam.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"
#include "reads/candidates.h"
#include "tensors/features_pileup.h"

#define SCAN_BLOCK 100000

typedef struct {
    int32_t next;    // next event at the same anchor, -1 ends
    int32_t len;     // indel length
    int64_t seq;     // insertion: offset of the inserted bases in the pool
    uint8_t kind;    // 'I' or 'D'
    uint8_t strand;  // 0 forward, 1 reverse
} IndelEvent;

struct ScanInputs {
    char *bam_path, *ref_path;
    samFile *fp;
    sam_hdr_t *hdr;
    hts_idx_t *idx;
    faidx_t *fai;
    uint8_t *in_ref;  // per BAM contig
    bam1_t *b;
    // block buffers, reused
    PileupCol *cols;
    int32_t *ev_head;
    size_t cap_cols;
    IndelEvent *ev;
    size_t n_ev, cap_ev;
    char *pool;
    size_t n_pool, cap_pool;
    long n_saturated;
};

const char *platform_name(Platform p) {
    switch (p) {
    case PLATFORM_ILMN: return "ilmn";
    case PLATFORM_HIFI: return "hifi";
    case PLATFORM_ONT: return "ont";
    }
    return "?";
}

int platform_parse(const char *s, Platform *p) {
    if (!strcmp(s, "ilmn")) *p = PLATFORM_ILMN;
    else if (!strcmp(s, "hifi")) *p = PLATFORM_HIFI;
    else if (!strcmp(s, "ont")) *p = PLATFORM_ONT;
    else return -1;
    return 0;
}

void scan_params_default(ScanParams *p, Platform platform, FeatureKind kind) {
    p->platform = platform;
    p->kind = kind;
    p->snp_af = 0.08;
    p->indel_af = platform == PLATFORM_ONT ? 0.15 : 0.08;
    p->min_depth = 2;
    p->min_mapq = 5;
    p->max_indel_len = 50;
    p->max_depth = 144;
    p->excl_flags = BAM_FUNMAP | BAM_FSECONDARY | BAM_FSUPPLEMENTARY | BAM_FDUP | BAM_FQCFAIL;
    p->drop_improper = 0;
    p->compat = p->ref_as_a = p->n_quirk = p->indel_htslib = 0;
}

int scan_params_compat(ScanParams *p, const char *name) {
    if (!strcmp(name, "calla")) return 0;  // the defaults
    int mp;  // 1: the samtools-mpileup path, 0: the C pileup path
    if (!strcmp(name, "clair3")) mp = p->platform == PLATFORM_ILMN;
    else if (!strcmp(name, "clair3-mpileup")) mp = 1;
    else if (!strcmp(name, "clair3-c")) mp = 0;
    else return -1;
    p->compat = 1;
    p->ref_as_a = 1;
    if (mp) {  // samtools mpileup --excl-flags 2316, no -A
        p->excl_flags = BAM_FUNMAP | BAM_FMUNMAP | BAM_FSECONDARY | BAM_FSUPPLEMENTARY;
        p->drop_improper = 1;
        p->n_quirk = p->indel_htslib = 0;
    } else {  // C pileup: medaka_bamiter read_bam filters = calla's defaults
        p->n_quirk = p->indel_htslib = 1;
    }
    return 0;
}

int scan_parse_flags(const char *s, unsigned *flags) {
    static const struct {
        const char *name;
        unsigned v;
    } names[] = {{"PAIRED", BAM_FPAIRED},   {"PROPER_PAIR", BAM_FPROPER_PAIR},
                 {"UNMAP", BAM_FUNMAP},     {"MUNMAP", BAM_FMUNMAP},
                 {"REVERSE", BAM_FREVERSE}, {"MREVERSE", BAM_FMREVERSE},
                 {"READ1", BAM_FREAD1},     {"READ2", BAM_FREAD2},
                 {"SECONDARY", BAM_FSECONDARY}, {"QCFAIL", BAM_FQCFAIL},
                 {"DUP", BAM_FDUP},         {"SUPPLEMENTARY", BAM_FSUPPLEMENTARY}};
    if (!s || !*s) return -1;
    if (s[0] >= '0' && s[0] <= '9') {
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 0);
        if (errno || *end || v > 0xFFFF) return -1;
        *flags = (unsigned)v;
        return 0;
    }
    unsigned v = 0;
    const char *t = s;
    while (*t) {
        size_t l = strcspn(t, ",");
        int found = 0;
        for (size_t k = 0; k < sizeof names / sizeof *names && !found; k++)
            if (strlen(names[k].name) == l && !strncasecmp(t, names[k].name, l)) {
                v |= names[k].v;
                found = 1;
            }
        if (!found) return -1;
        t += l;
        if (*t == ',') {
            t++;
            if (!*t) return -1;
        }
    }
    *flags = v;
    return 0;
}

static int check_sorted_header(const sam_hdr_t *hdr, const char *path) {
    kstring_t so = {0, 0, NULL};
    int r = sam_hdr_find_tag_hd((sam_hdr_t *)hdr, "SO", &so);
    int bad = r == 0 && strcmp(so.s, "coordinate") != 0;
    if (bad) calla_err("\"%s\" is not coordinate-sorted (header SO:%s); run samtools sort", path, so.s);
    free(so.s);
    return bad ? -1 : 0;
}

ScanInputs *scan_inputs_open(const char *bam_path, const char *ref_path) {
    ScanInputs *in = xcalloc(1, sizeof *in);
    in->bam_path = xstrdup(bam_path);
    in->ref_path = xstrdup(ref_path);
    FILE *t = fopen(bam_path, "rb");
    if (!t) {
        calla_err("failed to open \"%s\": %s", bam_path, strerror(errno));
        goto fail;
    }
    fclose(t);
    in->fp = sam_open(bam_path, "r");
    if (!in->fp) {
        calla_err("failed to open \"%s\": %s", bam_path, strerror(errno));
        goto fail;
    }
    const htsFormat *fmt = hts_get_format(in->fp);
    if (fmt->format != bam && fmt->format != cram) {
        calla_err("\"%s\" is not a BAM or CRAM file", bam_path);
        goto fail;
    }
    // A BAM cut at a block boundary reads as a short, valid file: require the BGZF EOF marker.
    if (fmt->format == bam && fmt->compression == bgzf && bgzf_check_EOF(in->fp->fp.bgzf) == 0) {
        calla_err("\"%s\" is truncated (no BGZF end-of-file marker)", bam_path);
        goto fail;
    }
    in->hdr = sam_hdr_read(in->fp);
    if (!in->hdr) {
        calla_err("failed to read the header of \"%s\": truncated or corrupt file", bam_path);
        goto fail;
    }
    if (check_sorted_header(in->hdr, bam_path) < 0) goto fail;
    // The reference is attached only after the header is read: htslib would otherwise rewrite the
    // header's @SQ lengths with the reference's, hiding a BAM/reference mismatch.
    if (fmt->format == cram && hts_set_fai_filename(in->fp, ref_path) != 0) {
        calla_err("failed to set reference \"%s\" for CRAM \"%s\"", ref_path, bam_path);
        goto fail;
    }
    in->idx = sam_index_load(in->fp, bam_path);
    if (!in->idx) {
        calla_err("failed to load the index of \"%s\": missing or unreadable (run samtools index)",
                  bam_path);
        goto fail;
    }
    t = fopen(ref_path, "rb");
    if (!t) {
        calla_err("failed to open \"%s\": %s", ref_path, strerror(errno));
        goto fail;
    }
    fclose(t);
    // FAI_CREATE off: a missing .fai is an error rather than a file written next to the input.
    in->fai = fai_load3_format(ref_path, NULL, NULL, 0, FAI_FASTA);
    if (!in->fai) {
        calla_err("failed to load the index of reference \"%s\": missing or unreadable .fai (run "
                  "samtools faidx)", ref_path);
        goto fail;
    }
    int n = sam_hdr_nref(in->hdr), shared = 0;
    in->in_ref = xcalloc(n > 0 ? n : 1, 1);
    for (int i = 0; i < n; i++) {
        const char *name = sam_hdr_tid2name(in->hdr, i);
        if (!faidx_has_seq(in->fai, name)) continue;
        hts_pos_t flen = faidx_seq_len(in->fai, name), blen = sam_hdr_tid2len(in->hdr, i);
        if (flen != blen) {
            calla_err("contig \"%s\" has length %lld in \"%s\" but %lld in reference \"%s\"", name,
                      (long long)blen, bam_path, (long long)flen, ref_path);
            goto fail;
        }
        in->in_ref[i] = 1;
        shared++;
    }
    if (n > 0 && shared == 0) {
        calla_err("no contig of \"%s\" is in reference \"%s\" (wrong reference?)", bam_path, ref_path);
        goto fail;
    }
    in->b = bam_init1();
    return in;
fail:
    scan_inputs_close(in);
    return NULL;
}

void scan_inputs_close(ScanInputs *in) {
    if (!in) return;
    if (in->b) bam_destroy1(in->b);
    if (in->idx) hts_idx_destroy(in->idx);
    if (in->hdr) sam_hdr_destroy(in->hdr);
    if (in->fp) sam_close(in->fp);
    if (in->fai) fai_destroy(in->fai);
    free(in->in_ref);
    free(in->cols);
    free(in->ev_head);
    free(in->ev);
    free(in->pool);
    free(in->bam_path);
    free(in->ref_path);
    free(in);
}

int scan_inputs_ncontigs(const ScanInputs *in) { return sam_hdr_nref(in->hdr); }
const char *scan_inputs_contig_name(const ScanInputs *in, int tid) {
    return sam_hdr_tid2name(in->hdr, tid);
}
int64_t scan_inputs_contig_len(const ScanInputs *in, int tid) { return sam_hdr_tid2len(in->hdr, tid); }
int scan_inputs_tid(const ScanInputs *in, const char *name) { return sam_hdr_name2tid(in->hdr, name); }
int scan_inputs_contig_in_ref(const ScanInputs *in, int tid) {
    return tid >= 0 && tid < sam_hdr_nref(in->hdr) && in->in_ref[tid];
}
const char *scan_inputs_bam_path(const ScanInputs *in) { return in->bam_path; }
const char *scan_inputs_ref_path(const ScanInputs *in) { return in->ref_path; }
long scan_inputs_saturated(const ScanInputs *in) { return in->n_saturated; }

char *scan_inputs_fetch_ref(ScanInputs *in, int tid, int64_t beg, int64_t end, int64_t *len) {
    int64_t clen = scan_inputs_contig_len(in, tid);
    if (beg < 0) beg = 0;
    if (end > clen) end = clen;
    *len = 0;
    if (end <= beg) return xcalloc(1, 1);
    const char *name = scan_inputs_contig_name(in, tid);
    hts_pos_t n = 0;
    char *s = faidx_fetch_seq64(in->fai, name, beg, end - 1, &n);
    if (!s || n != end - beg) {
        calla_err("failed to read %s:%lld-%lld from reference \"%s\"", name, (long long)beg + 1,
                  (long long)end, in->ref_path);
        free(s);
        return NULL;
    }
    for (hts_pos_t i = 0; i < n; i++)
        if (s[i] >= 'a' && s[i] <= 'z') s[i] -= 32;
    *len = n;
    return s;
}

// ---- one block: counts of [lo, hi) ----

static void add_event(ScanInputs *in, int64_t col, int kind, int strand, int len, int64_t seq) {
    if (in->n_ev == in->cap_ev) {
        in->cap_ev = in->cap_ev ? 2 * in->cap_ev : 4096;
        in->ev = xrealloc(in->ev, in->cap_ev * sizeof *in->ev);
    }
    IndelEvent *e = &in->ev[in->n_ev];
    e->kind = (uint8_t)kind;
    e->strand = (uint8_t)strand;
    e->len = len;
    e->seq = seq;
    e->next = in->ev_head[col];
    in->ev_head[col] = (int32_t)in->n_ev++;
}

static int64_t pool_add(ScanInputs *in, const bam1_t *b, int qpos, int len) {
    if (in->n_pool + len > in->cap_pool) {
        while (in->n_pool + len > in->cap_pool) in->cap_pool = in->cap_pool ? 2 * in->cap_pool : 65536;
        in->pool = xrealloc(in->pool, in->cap_pool);
    }
    const uint8_t *s = bam_get_seq(b);
    int64_t off = (int64_t)in->n_pool;
    for (int i = 0; i < len; i++) in->pool[in->n_pool++] = seq_nt16_str[bam_seqi(s, qpos + i)];
    return off;
}

// One insertion or deletion of `len` anchored at absolute column `at` (skipped outside [lo, hi)).
static void add_indel(ScanInputs *in, const bam1_t *b, int64_t at, int64_t lo, int64_t hi, int strand,
                      int kind, int len, int qpos) {
    if (at < lo || at >= hi || len <= 0) return;
    if (kind == 'I') {
        in->cols[at - lo].ins[strand]++;
        add_event(in, at - lo, 'I', strand, len, pool_add(in, b, qpos, len));
    } else {
        in->cols[at - lo].del[strand]++;
        add_event(in, at - lo, 'D', strand, len, 0);
    }
}

// htslib's bam_pileup1_t.indel at the last reference position of CIGAR op i (an M/=/X or D):
// the next op alone decides it (I: +len, D: -len, P: the I ops after the pads). Returns the
// signed length, 0 for none. This is what Clair3's C pileup (calculate_clair3_pileup) reads.
static int htslib_next_indel(const uint32_t *cig, uint32_t n, uint32_t i) {
    if (i + 1 >= n) return 0;
    int op2 = bam_cigar_op(cig[i + 1]), l2 = bam_cigar_oplen(cig[i + 1]);
    if (op2 == BAM_CDEL) return -l2;
    if (op2 == BAM_CINS) return l2;
    if (op2 != BAM_CPAD) return 0;
    int l3 = 0;
    for (uint32_t k = i + 2; k < n; k++) {
        int o = bam_cigar_op(cig[k]);
        if (o == BAM_CINS) l3 += bam_cigar_oplen(cig[k]);
        else if (o == BAM_CDEL || o == BAM_CMATCH || o == BAM_CREF_SKIP || o == BAM_CEQUAL ||
                 o == BAM_CDIFF)
            break;
    }
    return l3;
}

// Walks one read's CIGAR and adds its evidence to the columns [lo, hi).
// Indel attachment (docs/tensors.md "Read walk"):
//  - default (samtools mpileup text, Clair3's Python/Illumina path): a run of I ops (P between
//    them ignored) is one insertion; an indel is anchored at the last reference position of the
//    preceding M/=/X or D op, so 2D3I puts the insertion on the last deleted position, 3I2D puts
//    both on the base before them, 1D2D gives a 1-bp deletion at the anchor and a 2-bp one on the
//    deleted base;
//  - p->indel_htslib (Clair3's C path): only the op right after an M/=/X or D op counts (3I2D
//    has no deletion start, 1I2I is a 1-bp insertion).
// Read bases other than A/C/G/T count in nbase (and n_next of the position before).
static void count_read(ScanInputs *in, const ScanParams *prm, const bam1_t *b, int64_t lo,
                       int64_t hi) {
    static const int8_t nt16_code[16] = {-1, 0, 1, -1, 2, -1, -1, -1, 3, -1, -1, -1, -1, -1, -1, -1};
    const uint32_t *cig = bam_get_cigar(b);
    const uint32_t n = b->core.n_cigar;
    const uint8_t *seq = bam_get_seq(b);
    const int strand = bam_is_rev(b) ? 1 : 0, hts = prm->indel_htslib;
    int64_t rpos = b->core.pos, anchor = -1;
    int qpos = 0;
    for (uint32_t i = 0; i < n && rpos < hi + 1; i++) {
        int op = bam_cigar_op(cig[i]), len = bam_cigar_oplen(cig[i]);
        switch (op) {
        case BAM_CMATCH: case BAM_CEQUAL: case BAM_CDIFF: {
            int64_t s = rpos < lo ? lo : rpos, e = rpos + len < hi ? rpos + len : hi;
            for (int64_t p = s; p < e; p++) {
                int c = nt16_code[bam_seqi(seq, qpos + (int)(p - rpos))];
                if (c >= 0) {
                    in->cols[p - lo].base[strand][c]++;
                } else {
                    in->cols[p - lo].nbase++;
                    if (p - 1 >= lo) in->cols[p - 1 - lo].n_next++;
                }
            }
            rpos += len;
            qpos += len;
            anchor = rpos - 1;
            if (hts) {
                int d = htslib_next_indel(cig, n, i);
                add_indel(in, b, anchor, lo, hi, strand, d > 0 ? 'I' : 'D', d > 0 ? d : -d, qpos);
            }
            break;
        }
        case BAM_CINS: {
            if (hts) {  // already counted by the peek of the op before
                qpos += len;
                break;
            }
            int total = len;
            while (i + 1 < n && (bam_cigar_op(cig[i + 1]) == BAM_CINS ||
                                 bam_cigar_op(cig[i + 1]) == BAM_CPAD)) {
                i++;
                if (bam_cigar_op(cig[i]) == BAM_CINS) total += bam_cigar_oplen(cig[i]);
            }
            if (anchor >= 0) add_indel(in, b, anchor, lo, hi, strand, 'I', total, qpos);
            qpos += total;
            break;
        }
        case BAM_CDEL: {
            if (!hts && anchor >= 0) add_indel(in, b, anchor, lo, hi, strand, 'D', len, qpos);
            int64_t s = rpos < lo ? lo : rpos, e = rpos + len < hi ? rpos + len : hi;
            for (int64_t p = s; p < e; p++) in->cols[p - lo].delcov[strand]++;
            rpos += len;
            anchor = rpos - 1;
            if (hts) {
                int d = htslib_next_indel(cig, n, i);
                add_indel(in, b, anchor, lo, hi, strand, d > 0 ? 'I' : 'D', d > 0 ? d : -d, qpos);
            }
            break;
        }
        case BAM_CREF_SKIP:
            rpos += len;
            anchor = -1;
            break;
        case BAM_CSOFT_CLIP:
            qpos += len;
            anchor = -1;
            break;
        default:  // H, P
            break;
        }
    }
}

typedef struct {
    const IndelEvent *e;
    const char *seq;  // insertion bases (NULL for deletions)
} EvRef;

static int evref_cmp(const void *a, const void *b) {
    const EvRef *x = a, *y = b;
    if (x->e->kind != y->e->kind) return x->e->kind < y->e->kind ? -1 : 1;
    if (x->e->len != y->e->len) return x->e->len < y->e->len ? -1 : 1;
    if (x->seq) {
        int c = memcmp(x->seq, y->seq, x->e->len);
        if (c) return c;
    }
    return 0;
}

// Gathers the events of column `col` sorted by (kind, length, sequence); returns their number.
static int gather_events(const ScanInputs *in, int64_t col, EvRef **buf, int *cap) {
    int n = 0;
    for (int32_t k = in->ev_head[col]; k >= 0; k = in->ev[k].next) {
        if (n == *cap) {
            *cap = *cap ? 2 * *cap : 64;
            *buf = xrealloc(*buf, *cap * sizeof **buf);
        }
        (*buf)[n].e = &in->ev[k];
        (*buf)[n].seq = in->ev[k].kind == 'I' ? in->pool + in->ev[k].seq : NULL;
        n++;
    }
    if (n > 1) qsort(*buf, n, sizeof **buf, evref_cmp);
    return n;
}

// Fills ins_best / del_best: per strand, the read count of the most frequent allele.
static void best_alleles(PileupCol *c, const EvRef *ev, int n) {
    for (int i = 0; i < n;) {
        int j = i, cnt[2] = {0, 0};
        while (j < n && evref_cmp(&ev[i], &ev[j]) == 0) cnt[ev[j++].e->strand]++;
        for (int s = 0; s < 2; s++) {
            int32_t *best = ev[i].e->kind == 'I' ? &c->ins_best[s] : &c->del_best[s];
            if (cnt[s] > *best) *best = cnt[s];
        }
        i = j;
    }
}

typedef struct {
    int64_t lo, hi;   // counted columns
    int64_t rbeg;     // reference loaded from rbeg
    char *ref;        // upper-case reference of [rbeg, rbeg + ref_len)
    hts_pos_t ref_len;
} Block;

// on_read (may be NULL) gets every record read whose position is >= skip_before (the reads
// before it were handed over with the previous block).
static int load_block(ScanInputs *in, const ScanParams *prm, int tid, int64_t beg, int64_t end,
                      Block *blk, ScanReadFn on_read, void *read_ud, int64_t skip_before) {
    int64_t clen = scan_inputs_contig_len(in, tid);
    const char *name = scan_inputs_contig_name(in, tid);
    blk->lo = beg - TF_FLANK - 1 < 0 ? 0 : beg - TF_FLANK - 1;
    // One column past the last window column: its read N bases go to n_next of the column before.
    blk->hi = end + TF_FLANK + 1 > clen ? clen : end + TF_FLANK + 1;
    size_t n = (size_t)(blk->hi - blk->lo);
    if (n > in->cap_cols) {
        in->cap_cols = n;
        in->cols = xrealloc(in->cols, n * sizeof *in->cols);
        in->ev_head = xrealloc(in->ev_head, n * sizeof *in->ev_head);
    }
    memset(in->cols, 0, n * sizeof *in->cols);
    memset(in->ev_head, 0xff, n * sizeof *in->ev_head);
    in->n_ev = in->n_pool = 0;
    // Reference: the window plus room for the sequence of deletions anchored at the block's end.
    int64_t rend = blk->hi + (prm->max_indel_len > 0 ? prm->max_indel_len : 0) + 1;
    if (rend > clen) rend = clen;
    blk->rbeg = blk->lo;
    blk->ref = faidx_fetch_seq64(in->fai, name, blk->lo, rend - 1, &blk->ref_len);
    if (!blk->ref || blk->ref_len != rend - blk->lo) {
        calla_err("failed to read %s:%lld-%lld from reference \"%s\"", name, (long long)blk->lo + 1,
                  (long long)rend, in->ref_path);
        free(blk->ref);
        blk->ref = NULL;
        return -1;
    }
    for (hts_pos_t i = 0; i < blk->ref_len; i++)
        if (blk->ref[i] >= 'a' && blk->ref[i] <= 'z') blk->ref[i] -= 32;

    hts_itr_t *itr = sam_itr_queryi(in->idx, tid, blk->lo, blk->hi);
    if (!itr) {
        calla_err("failed to query %s:%lld-%lld in \"%s\"", name, (long long)blk->lo + 1,
                  (long long)blk->hi, in->bam_path);
        return -1;
    }
    int r;
    int64_t last = -1;
    while ((r = sam_itr_next(in->fp, itr, in->b)) >= 0) {
        const bam1_t *b = in->b;
        if (b->core.pos < last) {
            calla_err("\"%s\" is not coordinate-sorted (%s:%lld after %lld); run samtools sort",
                      in->bam_path, name, (long long)b->core.pos + 1, (long long)last + 1);
            hts_itr_destroy(itr);
            return -1;
        }
        last = b->core.pos;
        if (on_read && b->core.pos >= skip_before && on_read(read_ud, b) != 0) {
            hts_itr_destroy(itr);
            return -1;
        }
        if (b->core.flag & prm->excl_flags) continue;
        if (prm->drop_improper && (b->core.flag & BAM_FPAIRED) && !(b->core.flag & BAM_FPROPER_PAIR))
            continue;
        if (b->core.qual < prm->min_mapq) continue;
        count_read(in, prm, b, blk->lo, blk->hi);
    }
    hts_itr_destroy(itr);
    if (r < -1) {
        calla_err("failed to read \"%s\" near %s:%lld: truncated or corrupt file%s", in->bam_path,
                  name, (long long)(last >= 0 ? last + 1 : blk->lo + 1),
                  index_older_than_data(in->bam_path)
                      ? " (its index is older than the file: re-run samtools index)"
                      : "");
        return -1;
    }
    // Most frequent insertion / deletion allele per strand.
    EvRef *buf = NULL;
    int cap = 0;
    for (size_t c = 0; c < n; c++) {
        if (in->ev_head[c] < 0) continue;
        int m = gather_events(in, (int64_t)c, &buf, &cap);
        best_alleles(&in->cols[c], buf, m);
    }
    free(buf);
    return 0;
}

static char block_ref(const Block *blk, int64_t pos) {
    if (pos < blk->rbeg || pos >= blk->rbeg + blk->ref_len) return 'N';
    return blk->ref[pos - blk->rbeg];
}

// clair3.md §3.1 on the column at pos (ref base already known to be ACGT).
static int passes_af(const PileupCol *c, int r, int depth, const ScanParams *p) {
    int cnt[4], ins = c->ins[0] + c->ins[1], del = c->del[0] + c->del[1];
    for (int b = 0; b < 4; b++) cnt[b] = c->base[0][b] + c->base[1][b];
    int ref_cnt = cnt[r], best = 0, tie_ok = 0;
    for (int b = 0; b < 4; b++)
        if (b != r && cnt[b] > best) best = cnt[b];
    // (b): ties with the best alt broken in favour of the variant when ref < alt in ASCII order.
    for (int b = r + 1; b < 4; b++)
        if (cnt[b] == best && best > 0) tie_ok = 1;
    if (ref_cnt < best || ref_cnt < ins || ref_cnt < del) return 1;  // (a)
    if (ref_cnt == best && tie_ok) return 1;                         // (b)
    if (depth <= 0) return 0;
    if ((double)best / depth >= p->snp_af) return 1;    // (c)
    if ((double)del / depth >= p->indel_af) return 1;   // (d)
    if ((double)ins / depth >= p->indel_af) return 1;   // (e)
    return 0;
}

static int indel_cmp(const void *a, const void *b) {
    const IndelAllele *x = a, *y = b;
    if (x->count != y->count) return x->count > y->count ? -1 : 1;
    if (x->kind != y->kind) return x->kind < y->kind ? -1 : 1;
    return strcmp(x->seq, y->seq);
}

// Builds the candidate's alleles and tensor and calls emit.
static int emit_candidate(ScanInputs *in, const ScanParams *p, const Block *blk, int tid, int64_t pos,
                          int r, int depth, int16_t *feat, EvRef **evbuf, int *evcap,
                          CandidateFn emit, void *ud) {
    const PileupCol *c = &in->cols[pos - blk->lo];
    Candidate cand;
    memset(&cand, 0, sizeof cand);
    cand.tid = tid;
    cand.pos = pos;
    cand.ref = "ACGT"[r];
    cand.depth = depth;
    for (int b = 0; b < 4; b++) cand.base_count[b] = c->base[0][b] + c->base[1][b];
    int rc = cand.base_count[r] - (c->ins[0] + c->ins[1]) - (c->del[0] + c->del[1]);
    cand.ref_count = rc < 0 ? 0 : rc;
    // Indel alleles (those longer than max_indel_len are left out, as in clair3.md §1.5).
    int m = gather_events(in, pos - blk->lo, evbuf, evcap);
    IndelAllele *al = m ? xmalloc(m * sizeof *al) : NULL;
    int na = 0;
    for (int i = 0; i < m;) {
        int j = i;
        while (j < m && evref_cmp(&(*evbuf)[i], &(*evbuf)[j]) == 0) j++;
        const IndelEvent *e = (*evbuf)[i].e;
        if (p->max_indel_len <= 0 || e->len <= p->max_indel_len) {
            char *s = xmalloc(e->len + 1);
            if (e->kind == 'I') memcpy(s, (*evbuf)[i].seq, e->len);
            else
                for (int k = 0; k < e->len; k++) s[k] = block_ref(blk, pos + 1 + k);
            s[e->len] = 0;
            al[na].kind = (char)e->kind;
            al[na].seq = s;
            al[na].count = j - i;
            na++;
        }
        i = j;
    }
    if (na > 1) qsort(al, na, sizeof *al, indel_cmp);
    cand.n_indels = na;
    cand.indels = al;

    // Window columns; positions outside the contig stay zero (padding).
    PileupCol win[TF_NPOS];
    char wref[TF_NPOS];
    int64_t ws = pos - TF_FLANK;
    for (int k = 0; k < TF_NPOS; k++) {
        int64_t q = ws + k;
        if (q >= blk->lo && q < blk->hi) win[k] = in->cols[q - blk->lo];
        else memset(&win[k], 0, sizeof win[k]);
        wref[k] = (q >= blk->lo && q < blk->hi) ? block_ref(blk, q) : 'N';
    }
    if (!feat) {
        // clair3-fa: the caller builds the tensor from the reads (tensors/fa_window.h)
    } else if (p->kind == FEAT_CLAIR3_PILEUP) {
        int fl = (p->ref_as_a ? C3F_REF_AS_A : 0) | (p->n_quirk ? C3F_N_PREV_DEL : 0);
        in->n_saturated += features_clair3_ex(win, wref, depth, p->max_depth, fl, feat);
    } else {
        int32_t insb[TF_NPOS][4];
        memset(insb, 0, sizeof insb);
        // Insertions anchored at ws-1+c put their k-th base in column min(c+k, 32).
        for (int cidx = 0; cidx < TF_NPOS; cidx++) {
            int64_t a = ws - 1 + cidx;
            if (a < blk->lo || a >= blk->hi) continue;
            for (int32_t k = in->ev_head[a - blk->lo]; k >= 0; k = in->ev[k].next) {
                const IndelEvent *e = &in->ev[k];
                if (e->kind != 'I') continue;
                const char *s = in->pool + e->seq;
                for (int t = 0; t < e->len; t++) {
                    int bc = base_code(s[t]);
                    if (bc < 0) continue;
                    int col = cidx + t > TF_NPOS - 1 ? TF_NPOS - 1 : cidx + t;
                    insb[col][bc]++;
                }
            }
        }
        in->n_saturated += features_clairvoyante(win, wref, (const int32_t(*)[4])insb, feat);
    }
    cand.features = feat;
    int ret = emit(&cand, ud);
    for (int i = 0; i < na; i++) free(al[i].seq);
    free(al);
    return ret;
}

int scan_region(ScanInputs *in, const ScanParams *p, int tid, int64_t beg, int64_t end,
                const int64_t *force, int n_force, CandidateFn emit, void *ud) {
    return scan_region_reads(in, p, tid, beg, end, force, n_force, emit, ud, NULL, NULL);
}

int scan_region_reads(ScanInputs *in, const ScanParams *p, int tid, int64_t beg, int64_t end,
                      const int64_t *force, int n_force, CandidateFn emit, void *ud,
                      ScanReadFn on_read, void *read_ud) {
    if (!scan_inputs_contig_in_ref(in, tid)) {
        calla_err("contig \"%s\" of \"%s\" is absent from reference \"%s\"",
                  tid >= 0 && tid < scan_inputs_ncontigs(in) ? scan_inputs_contig_name(in, tid) : "?",
                  in->bam_path, in->ref_path);
        return -1;
    }
    int64_t clen = scan_inputs_contig_len(in, tid);
    if (beg < 0) beg = 0;
    if (end > clen) end = clen;
    int nchan = feature_kind_nchan(p->kind);  // -1 for clair3-fa: no pileup tensor
    int16_t *feat = nchan > 0 ? xmalloc(sizeof(int16_t) * TF_NPOS * nchan) : NULL;
    EvRef *evbuf = NULL;
    int evcap = 0, fi = 0, ret = 0;
    int64_t prev_hi = INT64_MIN;  // reads before it went to on_read with the previous block
    for (int64_t bb = beg; bb < end && ret == 0; bb += SCAN_BLOCK) {
        int64_t be = bb + SCAN_BLOCK < end ? bb + SCAN_BLOCK : end;
        Block blk = {0};
        if (load_block(in, p, tid, bb, be, &blk, on_read, read_ud, prev_hi) < 0) {
            ret = -1;
            free(blk.ref);
            break;
        }
        prev_hi = blk.hi;
        while (fi < n_force && force[fi] < bb) fi++;
        for (int64_t pos = bb; pos < be; pos++) {
            int forced = 0;
            while (fi < n_force && force[fi] < pos) fi++;
            if (fi < n_force && force[fi] == pos) forced = 1;
            const PileupCol *c = &in->cols[pos - blk.lo];
            int r = base_code(block_ref(&blk, pos));
            if (r < 0) continue;
            int depth = pileup_depth(c) + (p->n_quirk ? c->nbase : 0);
            if (forced ? depth <= 0 : depth < p->min_depth) continue;
            if (!forced && !passes_af(c, r, depth, p)) continue;
            int e = emit_candidate(in, p, &blk, tid, pos, r, depth, feat, &evbuf, &evcap, emit, ud);
            if (e) {  // the callback asked to stop (> 0) or failed (< 0)
                ret = e < 0 ? -1 : 0;
                free(blk.ref);
                goto done;
            }
        }
        free(blk.ref);
    }
done:
    free(evbuf);
    free(feat);
    return ret;
}

int scan_region_counts(ScanInputs *in, const ScanParams *p, int tid, int64_t beg, int64_t end,
                       FILE *out) {
    if (!scan_inputs_contig_in_ref(in, tid)) {
        calla_err("contig \"%s\" is absent from reference \"%s\"", scan_inputs_contig_name(in, tid),
                  in->ref_path);
        return -1;
    }
    int64_t clen = scan_inputs_contig_len(in, tid);
    if (end > clen) end = clen;
    const char *name = scan_inputs_contig_name(in, tid);
    for (int64_t bb = beg < 0 ? 0 : beg; bb < end; bb += SCAN_BLOCK) {
        int64_t be = bb + SCAN_BLOCK < end ? bb + SCAN_BLOCK : end;
        Block blk = {0};
        if (load_block(in, p, tid, bb, be, &blk, NULL, NULL, 0) < 0) return -1;
        for (int64_t pos = bb; pos < be; pos++) {
            const PileupCol *c = &in->cols[pos - blk.lo];
            int depth = pileup_depth(c);
            if (depth == 0) continue;
            fprintf(out, "%s\t%lld\t%c\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", name,
                    (long long)pos + 1, block_ref(&blk, pos), c->base[0][0], c->base[0][1],
                    c->base[0][2], c->base[0][3], c->base[1][0], c->base[1][1], c->base[1][2],
                    c->base[1][3], c->delcov[0], c->delcov[1], depth);
        }
        free(blk.ref);
    }
    return 0;
}
