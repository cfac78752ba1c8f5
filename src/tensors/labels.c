// labels.c — truth VCF + confident BED -> per-candidate labels (clair3.md §4, clairvoyante.md §2).
//
// Decisions where the specs leave a choice (also in docs/formats.md, "Labels"):
// - Genotype: the GT subfield of the FORMAT column of the FIRST sample (GIAB truth files have one
//   sample; Clairvoyante reads the last column, which is the same there). '/' and '|' are both
//   separators, '.' reads as 0, alleles are sorted. A haploid GT "1" counts as 1/1; more than two
//   alleles, an allele index beyond the ALT list, or symbolic/non-ACGTN alleles exclude the site.
// - A truth VCF without a sample column or without a FORMAT/GT declaration is refused at open.
//   With several samples the first is used (a warning says so). Records with GT 0/0, a missing
//   GT ("." or "./.", or no GT in FORMAT) or ALT "." are skipped (they neither label nor mask
//   anything); `calla tensors` reports the records skipped for a missing genotype and those
//   excluded (symbolic ALTs such as <DEL>, a called '*' without another ALT, polyploid or
//   out-of-range GT) in one warning line.
// - Star alleles (§4.2): a '*' called together with a different non-reference allele (1/2 with
//   ALT X,*) is replaced by the reference, so the genotype becomes 0/1 with X. Any other called
//   '*' (0/*, */*) excludes the site (-1): the position is covered by an upstream deletion.
// - Several records at one position are merged into one genotype: the longest REF becomes the
//   common REF (the shorter REFs must be its prefix; their alleles are extended with the missing
//   suffix), and the non-reference haplotypes of all records are pooled. One -> 0/1, two -> 1/1
//   when equal, else 1/2. More than two non-reference haplotypes, or REFs that disagree, exclude
//   the position (-1).
// - A position strictly inside the REF span of a truth variant that starts earlier is -1, and so
//   is a truth variant that starts inside such a span (overlapping truth is contradictory).
// - Confidence is decided by the variant's start position only (as Clair3 and Clairvoyante do).
// - The candidate's reference base must equal the first base of the truth REF, else -1 (truth on
//   another reference build). A non-ACGT reference base is never labelled.
// - Clairvoyante base change for a het SNP/MNP whose ALT starts with the reference base (complex
//   allele such as AC>AT): the two 0.5 assignments land on one base, which keeps 0.5 (the
//   reference code assigns, it does not add).
#include "tensors/labels.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <htslib/hts.h>
#include <htslib/kstring.h>
#include <htslib/tbx.h>
#include <htslib/vcf.h>

#include "common/util.h"
#include "tensors/bed.h"

struct TruthSet {
    char *vcf_path;
    tbx_t *tbx;
    BedRegions *bed;  // NULL: everything confident
    pthread_mutex_t lock;
    long n_no_gt, n_excluded;  // records skipped (under lock; see truth_skip_counts)
};

typedef struct {
    int64_t pos, end;  // 0-based start and end of the REF span
    int ok;            // 0: excluded (labels -1 at pos)
    char *ref;
    char *alt[2];
    int n_alt;
    int g1, g2;
} TruthVar;

struct TruthRegion {
    int64_t beg, end;
    int use_bed;
    const BedContig *conf;
    int n;
    TruthVar *v;       // sorted by pos, one per position
    int64_t *maxend;   // maxend[i] = max(v[0..i].end)
    int npos;
    int64_t *pos;
};

static int base_index(char c) {
    switch (toupper((unsigned char)c)) {
    case 'A': return 0;
    case 'C': return 1;
    case 'G': return 2;
    case 'T': return 3;
    }
    return -1;
}

// ---- label encodings ----
enum { PART_DEL = 4, PART_INS = 5 };

static int clip16(long v) { return v < -16 ? -16 : v > 16 ? 16 : (int)v; }

static int is_star(const char *a) { return a[0] == '*' && a[1] == 0; }

// §4.2: a '*' paired with another ALT becomes the reference. Returns 0 or -1 (unrepresentable).
static int normalise_star(const char *const *alleles, int *g1, int *g2) {
    int s1 = is_star(alleles[*g1]), s2 = is_star(alleles[*g2]);
    if (!s1 && !s2) return 0;
    if (s1 && s2) return -1;
    if (*g1 == 0 || *g1 == *g2) return -1;
    if (s1)
        *g1 = 0;
    else {
        *g2 = *g1;
        *g1 = 0;
    }
    return 0;
}

static int allele_ok(const char *a) {
    if (!*a) return 0;
    for (const char *p = a; *p; p++)
        if (base_index(*p) < 0 && toupper((unsigned char)*p) != 'N') return 0;
    return 1;
}

static int clair3_part(const char *ref, const char *a) {
    size_t lr = strlen(ref), la = strlen(a);
    if (la < lr) return PART_DEL;
    if (la > lr) return PART_INS;
    return base_index(a[0]);
}

static int gt21_index(int p1, int p2) {
    if (p1 < 0 || p2 < 0) return -1;
    if (p1 > p2) {
        int t = p1;
        p1 = p2;
        p2 = t;
    }
    static const int two_bases[4][4] = {{0, 1, 2, 3}, {1, 4, 5, 6}, {2, 5, 7, 8}, {3, 6, 8, 9}};
    if (p2 < 4) return two_bases[p1][p2];
    if (p1 < 4) return (p2 == PART_DEL ? 11 : 16) + p1;  // base + Del / base + Ins
    if (p1 == PART_DEL && p2 == PART_DEL) return 10;
    if (p1 == PART_INS) return 15;  // InsIns
    return 20;                      // InsDel
}

static int labels_clair3(const char *ref, const char *a, const char *b, int hom, float *L) {
    int gt = gt21_index(clair3_part(ref, a), clair3_part(ref, b));
    if (gt < 0) return -1;
    long lr = (long)strlen(ref);
    int l1 = clip16((long)strlen(a) - lr), l2 = clip16((long)strlen(b) - lr);
    if (l1 > l2) {
        int t = l1;
        l1 = l2;
        l2 = t;
    }
    L[0] = (float)gt;
    L[1] = hom ? 1.0f : 2.0f;
    L[2] = (float)(l1 + 16);
    L[3] = (float)(l2 + 16);
    return 0;
}

static int labels_clairvoyante(const char *ref, const char *alt, int het, float *L) {
    memset(L, 0, TF_CLV_NLABELS * sizeof(float));
    size_t lr = strlen(ref), la = strlen(alt);
    int type = (lr > 1 && la == 1) ? 3 : (la > 1 && lr == 1) ? 2 : 1;  // DEL, INS, SNP
    int rb = base_index(ref[0]), ab = base_index(alt[0]);
    if (rb < 0) return -1;
    if (type == 1) {
        if (ab < 0) return -1;
        if (het) {
            L[rb] = 0.5f;
            L[ab] = 0.5f;
        } else {
            L[ab] = 1.0f;
        }
    } else if (het) {
        L[rb] = 0.5f;
    }
    L[het ? 4 : 5] = 1.0f;
    L[6 + type] = 1.0f;
    size_t d = lr > la ? lr - la : la - lr;
    L[10 + (d >= 5 ? 5 : d)] = 1.0f;
    return 0;
}

void labels_nonvariant(FeatureKind kind, char ref, float *labels) {
    int b = base_index(ref);
    if (kind == FEAT_CLAIR3_PILEUP) {
        static const int refref[4] = {0, 4, 7, 9};  // AA CC GG TT
        labels[0] = b < 0 ? -1.0f : (float)refref[b];
        labels[1] = 0.0f;
        labels[2] = 16.0f;
        labels[3] = 16.0f;
    } else {
        memset(labels, 0, TF_CLV_NLABELS * sizeof(float));
        if (b >= 0) labels[b] = 1.0f;
        labels[5] = 1.0f;   // non-variant -> HOM
        labels[6] = 1.0f;   // REF
        labels[10] = 1.0f;  // length 0
    }
}

int labels_from_alleles(FeatureKind kind, const char *const *alleles, int n_alleles, int gt1,
                        int gt2, float *labels) {
    if (n_alleles < 2 || gt1 < 0 || gt2 < 0 || gt1 >= n_alleles || gt2 >= n_alleles) return -1;
    if (gt1 > gt2) {
        int t = gt1;
        gt1 = gt2;
        gt2 = t;
    }
    if (gt2 == 0) return -1;  // 0/0 is not a truth variant
    if (normalise_star(alleles, &gt1, &gt2) != 0) return -1;
    const char *ref = alleles[0], *a = alleles[gt1], *b = alleles[gt2];
    if (!allele_ok(ref) || !allele_ok(a) || !allele_ok(b)) return -1;
    if (kind == FEAT_CLAIR3_PILEUP) return labels_clair3(ref, a, b, gt1 == gt2, labels);
    if (kind == FEAT_CLAIRVOYANTE) {
        // clairvoyante.md §2.1: 1/2 becomes 0/1 with the shortest ALT (the first on a tie).
        const char *alt = b;
        int het = gt1 != gt2;
        if (gt1 > 0 && het && strlen(a) <= strlen(b)) alt = a;
        return labels_clairvoyante(ref, alt, het, labels);
    }
    return -1;
}

// ---- truth set ----
TruthSet *truth_open(const char *vcf_path, const char *bed_path) {
    FILE *probe = fopen(vcf_path, "rb");
    if (!probe) {
        calla_err("failed to open truth VCF \"%s\": %s", vcf_path, strerror(errno));
        return NULL;
    }
    fclose(probe);
    htsFile *fp = hts_open(vcf_path, "r");
    if (!fp) {
        calla_err("failed to open truth VCF \"%s\": unreadable", vcf_path);
        return NULL;
    }
    const htsFormat *fmt = hts_get_format(fp);
    int is_vcf_bgzf = fmt->format == vcf && fmt->compression == bgzf;
    if (!is_vcf_bgzf) {
        hts_close(fp);
        calla_err("truth VCF \"%s\" is not a bgzipped VCF (compress it with bgzip and index it "
                  "with tabix -p vcf)",
                  vcf_path);
        return NULL;
    }
    // A genotype is needed: refuse a sites-only file or one without FORMAT/GT up front (every
    // record would be skipped, leaving no labels); several samples: the first one is used.
    bcf_hdr_t *h = bcf_hdr_read(fp);
    int gt_id = h ? bcf_hdr_id2int(h, BCF_DT_ID, "GT") : -1;
    const char *why = !h                         ? "its header cannot be read"
                      : bcf_hdr_nsamples(h) == 0 ? "it has no sample column (a genotype is needed)"
                      : gt_id < 0 || !bcf_hdr_idinfo_exists(h, BCF_HL_FMT, gt_id)
                          ? "it declares no FORMAT/GT (a genotype is needed)"
                          : NULL;
    if (!why && bcf_hdr_nsamples(h) > 1)
        calla_warn("truth VCF \"%s\" has %d samples; labels use the first, \"%s\"", vcf_path,
                   bcf_hdr_nsamples(h), h->samples[0]);
    if (h) bcf_hdr_destroy(h);
    if (hts_close(fp) != 0 && !why) why = "it cannot be closed";
    if (why) {
        calla_err("truth VCF \"%s\" is unusable: %s", vcf_path, why);
        return NULL;
    }
    tbx_t *tbx = tbx_index_load3(vcf_path, NULL, HTS_IDX_SILENT_FAIL);
    if (!tbx) {
        calla_err("truth VCF \"%s\" has no index (\"%s.tbi\" or \"%s.csi\"); run tabix -p vcf",
                  vcf_path, vcf_path, vcf_path);
        return NULL;
    }
    BedRegions *bed = NULL;
    if (bed_path && !(bed = bed_read(bed_path))) {
        tbx_destroy(tbx);
        return NULL;
    }
    TruthSet *t = xcalloc(1, sizeof(*t));
    t->vcf_path = xstrdup(vcf_path);
    t->tbx = tbx;
    t->bed = bed;
    pthread_mutex_init(&t->lock, NULL);
    return t;
}

void truth_close(TruthSet *t) {
    if (!t) return;
    tbx_destroy(t->tbx);
    bed_free(t->bed);
    pthread_mutex_destroy(&t->lock);
    free(t->vcf_path);
    free(t);
}

int truth_has_contig(const TruthSet *t, const char *contig) {
    pthread_mutex_lock((pthread_mutex_t *)&t->lock);
    int tid = tbx_name2id(t->tbx, contig);
    pthread_mutex_unlock((pthread_mutex_t *)&t->lock);
    return tid >= 0;
}

const BedRegions *truth_confident(const TruthSet *t) { return t->bed; }

void truth_skip_counts(const TruthSet *t, long *no_gt, long *excluded) {
    pthread_mutex_lock((pthread_mutex_t *)&t->lock);
    *no_gt = t->n_no_gt;
    *excluded = t->n_excluded;
    pthread_mutex_unlock((pthread_mutex_t *)&t->lock);
}

// One parsed VCF line: alleles and the called pair (after star normalisation), or excluded.
typedef struct {
    int64_t pos;
    char *ref;
    char *hap[2];  // called alleles; a reference allele is a copy of ref
    int ok;
} RawVar;

static void rawvar_free(RawVar *r) {
    free(r->ref);
    free(r->hap[0]);
    free(r->hap[1]);
}

// Parses the GT of the first sample into sorted g1 <= g2; returns 0, 1 (skip: no GT, or every
// allele missing) or -1
// (unrepresentable: polyploid or malformed).
static int parse_gt(char *format, char *sample, int *g1, int *g2) {
    if (!format || !sample) return 1;
    int idx = -1, k = 0;
    for (char *f = format, *e; f; f = e ? e + 1 : NULL, k++) {
        e = strchr(f, ':');
        if ((e ? (size_t)(e - f) : strlen(f)) == 2 && f[0] == 'G' && f[1] == 'T') {
            idx = k;
            break;
        }
    }
    if (idx < 0) return 1;
    char *s = sample;
    for (k = 0; k < idx && s; k++) {
        s = strchr(s, ':');
        if (s) s++;
    }
    if (!s) return 1;
    int g[3], n = 0, called = 0;
    while (*s && *s != ':') {
        if (n == 3) return -1;
        if (*s == '.') {
            g[n++] = 0;
            s++;
        } else if (isdigit((unsigned char)*s)) {
            long v = strtol(s, &s, 10);
            if (v > 1000) return -1;
            g[n++] = (int)v;
            called = 1;
        } else {
            return -1;
        }
        if (*s == '/' || *s == '|') s++;
        else if (*s && *s != ':') return -1;
    }
    if (n == 0 || !called) return 1;  // "", ".", "./.": no genotype
    if (n > 2) return -1;
    if (n == 1) g[1] = g[0];  // haploid call counts as homozygous
    *g1 = g[0] < g[1] ? g[0] : g[1];
    *g2 = g[0] < g[1] ? g[1] : g[0];
    return 0;
}

// Parses one tab-separated VCF line. Returns 1 (kept, in *rv; rv->ok 0 when excluded), 0 (skipped:
// ALT "." or a 0/0 genotype), 2 (skipped: no genotype) or -1 (malformed).
static int parse_line(char *line, RawVar *rv) {
    memset(rv, 0, sizeof(*rv));
    char *col[10] = {0};
    int nc = 0;
    for (char *p = line; p && nc < 10; nc++) {
        col[nc] = p;
        p = strchr(p, '\t');
        if (p) *p++ = 0;
    }
    if (nc < 5) return -1;
    if (nc >= 10) {
        char *t = strchr(col[9], '\t');
        if (t) *t = 0;
    }
    char *end;
    long long pos1 = strtoll(col[1], &end, 10);
    if (*end || pos1 < 1) return -1;
    rv->pos = pos1 - 1;
    rv->ref = xstrdup(col[3]);
    if (strcmp(col[4], ".") == 0) return 0;
    int g1 = 0, g2 = 0;
    int rc = parse_gt(nc >= 9 ? col[8] : NULL, nc >= 10 ? col[9] : NULL, &g1, &g2);
    if (rc == 1) return 2;  // no GT, "." or "./.": skipped (counted)
    if (rc == 0 && g2 == 0) return 0;
    // Alleles: REF then the comma-separated ALTs.
    const char *al[64];
    int na = 0;
    al[na++] = col[3];
    for (char *a = col[4], *c; a && na < 64; a = c) {
        c = strchr(a, ',');
        if (c) *c++ = 0;
        al[na++] = a;
    }
    rv->ok = rc == 0 && g2 < na && normalise_star(al, &g1, &g2) == 0 && allele_ok(al[0]) &&
             allele_ok(al[g1]) && allele_ok(al[g2]);
    if (rv->ok) {
        rv->hap[0] = xstrdup(al[g1]);
        rv->hap[1] = xstrdup(al[g2]);
    }
    return 1;
}

static int rawvar_cmp(const void *a, const void *b) {
    const RawVar *x = a, *y = b;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int prefix_ci(const char *p, const char *s) {
    for (; *p; p++, s++)
        if (toupper((unsigned char)*p) != toupper((unsigned char)*s)) return 0;
    return 1;
}

static int eq_ci(const char *a, const char *b) { return strlen(a) == strlen(b) && prefix_ci(a, b); }

// Merges the records r[0..n) at one position into v (see the header comment).
static void merge_position(RawVar *r, int n, TruthVar *v) {
    memset(v, 0, sizeof(*v));
    v->pos = r[0].pos;
    int longest = 0;
    for (int i = 1; i < n; i++)
        if (strlen(r[i].ref) > strlen(r[longest].ref)) longest = i;
    const char *R = r[longest].ref;
    size_t lR = strlen(R);
    v->end = v->pos + (int64_t)(lR ? lR : 1);
    int ok = 1, nalt = 0;
    char *alts[2] = {NULL, NULL};
    for (int i = 0; i < n && ok; i++) {
        if (!r[i].ok || !prefix_ci(r[i].ref, R)) {
            ok = 0;
            break;
        }
        size_t lr = strlen(r[i].ref);
        for (int h = 0; h < 2; h++) {
            if (eq_ci(r[i].hap[h], r[i].ref)) continue;
            if (nalt == 2) {
                ok = 0;
                break;
            }
            size_t la = strlen(r[i].hap[h]);
            char *x = xmalloc(la + (lR - lr) + 1);
            memcpy(x, r[i].hap[h], la);
            memcpy(x + la, R + lr, lR - lr + 1);
            alts[nalt++] = x;
        }
    }
    if (!ok || nalt == 0) {
        free(alts[0]);
        free(alts[1]);
        return;  // v->ok stays 0
    }
    v->ok = 1;
    v->ref = xstrdup(R);
    if (nalt == 2 && eq_ci(alts[0], alts[1])) {
        free(alts[1]);
        alts[1] = NULL;
        v->n_alt = 1;
        v->g1 = v->g2 = 1;
    } else if (nalt == 2) {
        if (strcmp(alts[0], alts[1]) > 0) {
            char *t = alts[0];
            alts[0] = alts[1];
            alts[1] = t;
        }
        v->n_alt = 2;
        v->g1 = 1;
        v->g2 = 2;
    } else {
        v->n_alt = 1;
        v->g1 = 0;
        v->g2 = 1;
    }
    v->alt[0] = alts[0];
    v->alt[1] = alts[1];
}

static int truthvar_labels(const TruthVar *v, FeatureKind kind, float *labels) {
    const char *al[3] = {v->ref, v->alt[0], v->alt[1]};
    return labels_from_alleles(kind, al, 1 + v->n_alt, v->g1, v->g2, labels);
}

TruthRegion *truth_region_load(const TruthSet *t, const char *contig, int64_t beg, int64_t end) {
    return truth_region_load_counted(t, contig, beg, end, beg, end);
}

TruthRegion *truth_region_load_counted(const TruthSet *t, const char *contig, int64_t beg,
                                       int64_t end, int64_t count_beg, int64_t count_end) {
    TruthRegion *r = xcalloc(1, sizeof(*r));
    r->beg = beg;
    r->end = end;
    r->use_bed = t->bed != NULL;
    r->conf = bed_contig(t->bed, contig);
    pthread_mutex_lock((pthread_mutex_t *)&t->lock);
    int tid = tbx_name2id(t->tbx, contig);
    hts_itr_t *itr = tid >= 0 && end > beg ? tbx_itr_queryi(t->tbx, tid, beg, end) : NULL;
    pthread_mutex_unlock((pthread_mutex_t *)&t->lock);
    if (tid < 0 || end <= beg) return r;  // a contig absent from the VCF has no truth
    if (!itr) {
        calla_err("failed to query truth VCF \"%s\" at %s:%lld-%lld", t->vcf_path, contig,
                  (long long)beg + 1, (long long)end);
        truth_region_free(r);
        return NULL;
    }
    htsFile *fp = hts_open(t->vcf_path, "r");
    if (!fp) {
        calla_err("failed to open truth VCF \"%s\"", t->vcf_path);
        hts_itr_destroy(itr);
        truth_region_free(r);
        return NULL;
    }
    RawVar *raw = NULL;
    int nraw = 0, cap = 0, ret, bad = 0;
    long n_no_gt = 0, n_excluded = 0;
    kstring_t line = {0, 0, NULL};
    while ((ret = tbx_itr_next(fp, t->tbx, itr, &line)) >= 0) {
        if (nraw == cap) {
            cap = cap ? 2 * cap : 64;
            raw = xrealloc(raw, cap * sizeof(*raw));
        }
        int k = parse_line(line.s, &raw[nraw]);
        if (k < 0) {
            calla_err("malformed record in truth VCF \"%s\" near %s:%lld", t->vcf_path, contig,
                      (long long)beg + 1);
            if (raw[nraw].ref) rawvar_free(&raw[nraw]);
            bad = 1;
            break;
        }
        // count each record once: in the chunk it starts in
        int own = raw[nraw].pos >= count_beg && raw[nraw].pos < count_end;
        if (k == 2 && own) n_no_gt++;
        if (k == 1 && !raw[nraw].ok && own) n_excluded++;
        if (k != 1)
            rawvar_free(&raw[nraw]);
        else
            nraw++;
    }
    if (!bad && ret < -1) {
        calla_err("failed to read truth VCF \"%s\" at %s:%lld-%lld", t->vcf_path, contig,
                  (long long)beg + 1, (long long)end);
        bad = 1;
    }
    free(line.s);
    hts_itr_destroy(itr);
    pthread_mutex_lock((pthread_mutex_t *)&t->lock);
    ((TruthSet *)t)->n_no_gt += n_no_gt;
    ((TruthSet *)t)->n_excluded += n_excluded;
    pthread_mutex_unlock((pthread_mutex_t *)&t->lock);
    if (hts_close(fp) != 0 && !bad) {
        calla_err("failed to close truth VCF \"%s\"", t->vcf_path);
        bad = 1;
    }
    if (!bad) {
        if (nraw) qsort(raw, nraw, sizeof(*raw), rawvar_cmp);  // raw is NULL when empty
        r->v = xcalloc(nraw ? nraw : 1, sizeof(TruthVar));
        r->maxend = xcalloc(nraw ? nraw : 1, sizeof(int64_t));
        for (int i = 0; i < nraw;) {
            int j = i;
            while (j < nraw && raw[j].pos == raw[i].pos) j++;
            TruthVar *v = &r->v[r->n];
            merge_position(raw + i, j - i, v);
            float tmp[TF_CLV_NLABELS];
            if (v->ok && (truthvar_labels(v, FEAT_CLAIR3_PILEUP, tmp) != 0 ||
                          truthvar_labels(v, FEAT_CLAIRVOYANTE, tmp) != 0))
                v->ok = 0;
            r->maxend[r->n] = r->n && r->maxend[r->n - 1] > v->end ? r->maxend[r->n - 1] : v->end;
            r->n++;
            i = j;
        }
        // Positions training keeps: labelled variants starting in the region, confident, and not
        // inside another variant's span.
        r->pos = xmalloc((r->n ? r->n : 1) * sizeof(int64_t));
        for (int i = 0; i < r->n; i++) {
            const TruthVar *v = &r->v[i];
            if (!v->ok || v->pos < beg || v->pos >= end) continue;
            if (i > 0 && r->maxend[i - 1] > v->pos) continue;
            if (r->use_bed && !bed_contains(r->conf, v->pos)) continue;
            r->pos[r->npos++] = v->pos;
        }
    }
    for (int i = 0; i < nraw; i++) rawvar_free(&raw[i]);
    free(raw);
    if (bad) {
        truth_region_free(r);
        return NULL;
    }
    return r;
}

void truth_region_free(TruthRegion *r) {
    if (!r) return;
    for (int i = 0; i < r->n; i++) {
        free(r->v[i].ref);
        free(r->v[i].alt[0]);
        free(r->v[i].alt[1]);
    }
    free(r->v);
    free(r->maxend);
    free(r->pos);
    free(r);
}

int truth_region_npos(const TruthRegion *r) { return r->npos; }
const int64_t *truth_region_pos(const TruthRegion *r) { return r->pos; }

int truth_region_label(const TruthRegion *r, FeatureKind kind, int64_t pos, char ref,
                       float *labels) {
    if (pos < r->beg || pos >= r->end) return -1;
    if (r->use_bed && !bed_contains(r->conf, pos)) return -1;
    if (base_index(ref) < 0) return -1;
    int lo = 0, hi = r->n;  // first variant with start >= pos
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (r->v[mid].pos < pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    int inside = lo > 0 && r->maxend[lo - 1] > pos;
    if (lo < r->n && r->v[lo].pos == pos) {
        const TruthVar *v = &r->v[lo];
        if (inside || !v->ok) return -1;
        if (toupper((unsigned char)v->ref[0]) != toupper((unsigned char)ref)) return -1;
        return truthvar_labels(v, kind, labels) == 0 ? 1 : -1;
    }
    if (inside) return -1;
    labels_nonvariant(kind, ref, labels);
    return 0;
}

int truth_region_nvar(const TruthRegion *r) { return r->n; }

int truth_region_var(const TruthRegion *r, int i, int64_t *pos, const char **ref,
                     const char **alt, int *n_alt, int *g1, int *g2) {
    const TruthVar *v = &r->v[i];
    *pos = v->pos;
    *ref = v->ref;
    alt[0] = v->alt[0];
    alt[1] = v->alt[1];
    *n_alt = v->n_alt;
    *g1 = v->g1;
    *g2 = v->g2;
    if (v->pos < r->beg) return -1;
    if (!v->ok || (i > 0 && r->maxend[i - 1] > v->pos)) return 0;
    return 1;
}

int truth_region_confident(const TruthRegion *r, int64_t pos) {
    if (pos < r->beg || pos >= r->end) return 0;
    return !r->use_bed || bed_contains(r->conf, pos);
}
