// tensorfile.c — writer and mmap reader of the calla tensor file (layout in docs/formats.md).
// The file is little-endian; calla only builds on little-endian hosts, so structs are written
// as they lie in memory (the static asserts pin their sizes).
#include "tensors/tensorfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"

_Static_assert(sizeof(TensorFileHeaderFixed) == 80, "tensor file fixed header is 80 bytes");
_Static_assert(sizeof(TensorRecordHead) == 12, "tensor record head is 12 bytes");
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "calla tensor files are little-endian; a big-endian port needs byte swapping here"
#endif

#define TF_HEADER_ALIGN 4096
#define TF_DTYPE_INT16 1
// Offset of n_records inside the fixed header (patched at close).
#define TF_NRECORDS_OFFSET 16
// Sanity limits that tell a corrupt header from a real one.
#define TF_MAX_CONTIGS 10000000u
#define TF_MAX_HEADER (1u << 30)

const char *feature_kind_name(FeatureKind k) {
    switch (k) {
    case FEAT_CLAIR3_PILEUP: return "clair3-pileup";
    case FEAT_CLAIRVOYANTE: return "clairvoyante";
    case FEAT_CLAIR3_FA: return "clair3-fa";
    }
    return "unknown";
}

int feature_kind_parse(const char *s, FeatureKind *k) {
    if (!s) return -1;
    if (strcmp(s, "clair3-pileup") == 0 || strcmp(s, "clair3") == 0 || strcmp(s, "pileup") == 0) {
        *k = FEAT_CLAIR3_PILEUP;
        return 0;
    }
    if (strcmp(s, "clairvoyante") == 0) {
        *k = FEAT_CLAIRVOYANTE;
        return 0;
    }
    if (strcmp(s, "clair3-fa") == 0 || strcmp(s, "fa") == 0) {
        *k = FEAT_CLAIR3_FA;
        return 0;
    }
    return -1;
}

int feature_kind_nchan(FeatureKind k) {
    switch (k) {
    case FEAT_CLAIR3_PILEUP: return TF_CLAIR3_NCHAN;
    case FEAT_CLAIRVOYANTE: return TF_CLV_NCHAN;
    case FEAT_CLAIR3_FA: return -1;  // rows * TF_FA_CHAN_PER_ROW: depends on the file
    }
    return -1;
}

int feature_kind_nlabels(FeatureKind k) {
    switch (k) {
    case FEAT_CLAIR3_PILEUP: return TF_CLAIR3_NLABELS;
    case FEAT_CLAIRVOYANTE: return TF_CLV_NLABELS;
    case FEAT_CLAIR3_FA: return TF_CLAIR3_NLABELS;
    }
    return -1;
}

int feature_kind_nchan_ok(FeatureKind k, int n_chan) {
    if (k == FEAT_CLAIR3_FA)
        return n_chan > 0 && n_chan % TF_FA_CHAN_PER_ROW == 0 &&
               n_chan <= TF_FA_MAX_ROWS * TF_FA_CHAN_PER_ROW;
    int nc = feature_kind_nchan(k);
    return nc > 0 && n_chan == nc;
}

static size_t record_bytes_for(int n_pos, int n_chan, int n_labels) {
    size_t n = tf_features_offset(n_labels) + 2 * (size_t)n_pos * (size_t)n_chan;
    return (n + 7) & ~(size_t)7;
}

size_t tensorfile_record_bytes(FeatureKind k) {
    int nc = feature_kind_nchan(k), nl = feature_kind_nlabels(k);
    if (nc < 0 || nl < 0) return 0;
    return record_bytes_for(TF_NPOS, nc, nl);
}

size_t tensorfile_record_bytes_nchan(FeatureKind k, int n_chan) {
    int nl = feature_kind_nlabels(k);
    if (nl < 0 || !feature_kind_nchan_ok(k, n_chan)) return 0;
    return record_bytes_for(TF_NPOS, n_chan, nl);
}

void tensorfile_meta_free(TensorFileMeta *m) {
    if (!m) return;
    for (int i = 0; i < m->n_contigs; i++) free(m->contig_names ? m->contig_names[i] : NULL);
    free(m->contig_names);
    free(m->contig_lens);
    free(m->platform);
    free(m->cmdline);
    memset(m, 0, sizeof(*m));
}

// ---- writer ----
struct TensorWriter {
    AtomicOut out;
    FILE *fp;
    uint64_t n_records;
    size_t record_bytes;
    int n_labels, n_pos, n_chan, n_contigs;
    uint8_t *rec;  // one record being assembled
};

// Serialises the whole header (fixed part, contig table, strings, zero padding) into a buffer.
static uint8_t *header_build(const TensorFileMeta *m, size_t rb, uint32_t *header_bytes) {
    const char *plat = m->platform ? m->platform : "";
    const char *cmd = m->cmdline ? m->cmdline : "";
    size_t need = sizeof(TensorFileHeaderFixed) + strlen(plat) + strlen(cmd);
    for (int i = 0; i < m->n_contigs; i++) need += 4 + strlen(m->contig_names[i]) + 8;
    size_t hb = (need + TF_HEADER_ALIGN - 1) / TF_HEADER_ALIGN * TF_HEADER_ALIGN;
    uint8_t *buf = xcalloc(hb, 1);
    TensorFileHeaderFixed h;
    memset(&h, 0, sizeof(h));
    memcpy(h.magic, TF_MAGIC, 8);
    h.version = TF_VERSION;
    h.header_bytes = (uint32_t)hb;
    h.n_records = 0;
    h.record_bytes = (uint32_t)rb;
    h.feature_kind = (uint32_t)m->kind;
    h.n_pos = (uint32_t)m->n_pos;
    h.n_chan = (uint32_t)m->n_chan;
    h.dtype = TF_DTYPE_INT16;
    h.n_labels = (uint32_t)m->n_labels;
    h.n_contigs = (uint32_t)m->n_contigs;
    h.platform_len = (uint32_t)strlen(plat);
    h.cmdline_len = (uint32_t)strlen(cmd);
    memcpy(buf, &h, sizeof(h));
    size_t o = sizeof(h);
    for (int i = 0; i < m->n_contigs; i++) {
        uint32_t nl = (uint32_t)strlen(m->contig_names[i]);
        uint64_t len = (uint64_t)m->contig_lens[i];
        memcpy(buf + o, &nl, 4);
        memcpy(buf + o + 4, m->contig_names[i], nl);
        memcpy(buf + o + 4 + nl, &len, 8);
        o += 12 + nl;
    }
    memcpy(buf + o, plat, h.platform_len);
    o += h.platform_len;
    memcpy(buf + o, cmd, h.cmdline_len);
    *header_bytes = (uint32_t)hb;
    return buf;
}

TensorWriter *tensorwriter_open(const char *path, const TensorFileMeta *meta) {
    int nl = feature_kind_nlabels(meta->kind);
    if (nl < 0 || !feature_kind_nchan_ok(meta->kind, meta->n_chan) || meta->n_labels != nl ||
        meta->n_pos != TF_NPOS) {
        calla_err("cannot write \"%s\": feature kind %d with shape %dx%d and %d labels is not "
                  "defined",
                  path, (int)meta->kind, meta->n_pos, meta->n_chan, meta->n_labels);
        return NULL;
    }
    for (int i = 0; i < meta->n_contigs; i++) {
        if (!meta->contig_names[i] || meta->contig_lens[i] < 0) {
            calla_err("cannot write \"%s\": contig %d has no name or a negative length", path, i);
            return NULL;
        }
    }
    TensorWriter *w = xcalloc(1, sizeof(*w));
    w->record_bytes = record_bytes_for(meta->n_pos, meta->n_chan, meta->n_labels);
    w->n_labels = meta->n_labels;
    w->n_pos = meta->n_pos;
    w->n_chan = meta->n_chan;
    w->n_contigs = meta->n_contigs;
    if (atomic_begin(&w->out, path) != 0) {
        free(w);
        return NULL;
    }
    w->fp = fopen(w->out.tmp, "wb");
    if (!w->fp) {
        calla_err("cannot write \"%s\": %s", w->out.tmp, strerror(errno));
        atomic_abort(&w->out);
        free(w);
        return NULL;
    }
    setvbuf(w->fp, NULL, _IOFBF, 1 << 20);
    uint32_t hb;
    uint8_t *hdr = header_build(meta, w->record_bytes, &hb);
    size_t nw = fwrite(hdr, 1, hb, w->fp);
    free(hdr);
    if (nw != hb) {
        calla_err("failed to write \"%s\": %s", w->out.path, strerror(errno));
        tensorwriter_abort(w);
        return NULL;
    }
    w->rec = xcalloc(w->record_bytes, 1);
    return w;
}

int tensorwriter_append(TensorWriter *w, int contig, int64_t pos, char ref, const float *labels,
                        const int16_t *features) {
    if (contig < 0 || contig >= w->n_contigs || pos < 0 || pos > INT32_MAX) {
        calla_err("internal error writing \"%s\": record contig %d pos %lld out of range",
                  w->out.path, contig, (long long)pos);
        return -1;
    }
    TensorRecordHead h = {contig, (int32_t)pos, ref, labels ? 1 : 0, {0, 0}};
    memcpy(w->rec, &h, sizeof(h));
    if (labels)
        memcpy(w->rec + TF_LABELS_OFFSET, labels, 4 * (size_t)w->n_labels);
    else
        memset(w->rec + TF_LABELS_OFFSET, 0, 4 * (size_t)w->n_labels);
    memcpy(w->rec + tf_features_offset(w->n_labels), features,
           2 * (size_t)w->n_pos * (size_t)w->n_chan);
    if (fwrite(w->rec, 1, w->record_bytes, w->fp) != w->record_bytes) {
        calla_err("failed to write \"%s\": %s", w->out.path, strerror(errno));
        return -1;
    }
    w->n_records++;
    return 0;
}

int tensorwriter_close(TensorWriter *w) {
    if (!w) return -1;
    int ok = fflush(w->fp) == 0 && fseek(w->fp, TF_NRECORDS_OFFSET, SEEK_SET) == 0 &&
             fwrite(&w->n_records, 8, 1, w->fp) == 1 && fflush(w->fp) == 0;
    int err = errno;
    int rc = fclose(w->fp);
    w->fp = NULL;
    if (!ok || rc != 0) {
        calla_err("failed to write \"%s\": %s", w->out.path, strerror(ok ? errno : err));
        tensorwriter_abort(w);
        return -1;
    }
    rc = atomic_commit(&w->out);  // removes the temporary file on failure
    free(w->rec);
    free(w);
    return rc;
}

void tensorwriter_abort(TensorWriter *w) {
    if (!w) return;
    if (w->fp) fclose(w->fp);
    atomic_abort(&w->out);
    free(w->rec);
    free(w);
}

// ---- reader ----
static int tf_fail(TensorFile *tf, const char *path, const char *why) {
    calla_err("failed to open tensor file \"%s\": %s", path, why);
    tensorfile_close(tf);
    return -1;
}

int tensorfile_open(TensorFile *tf, const char *path) {
    memset(tf, 0, sizeof(*tf));
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        calla_err("failed to open tensor file \"%s\": %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return tf_fail(tf, path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return tf_fail(tf, path, "not a regular file");
    }
    size_t fsize = (size_t)st.st_size;
    if (fsize < sizeof(TensorFileHeaderFixed)) {
        char m[8];
        int bad_magic = fsize >= 8 && pread(fd, m, 8, 0) == 8 && memcmp(m, TF_MAGIC, 8) != 0;
        close(fd);
        if (bad_magic) return tf_fail(tf, path, "not a calla tensor file (bad magic)");
        return tf_fail(tf, path, fsize == 0 ? "empty file" : "truncated header");
    }
    void *map = mmap(NULL, fsize, PROT_READ, MAP_SHARED, fd, 0);
    int e = errno;
    close(fd);
    if (map == MAP_FAILED) return tf_fail(tf, path, strerror(e));
    tf->map = map;
    tf->map_bytes = fsize;
    const uint8_t *base = map;
    TensorFileHeaderFixed h;
    memcpy(&h, base, sizeof(h));
    if (memcmp(h.magic, TF_MAGIC, 8) != 0)
        return tf_fail(tf, path, "not a calla tensor file (bad magic)");
    char why[160];
    if (h.version != TF_VERSION) {
        snprintf(why, sizeof why, "unsupported version %u (this build reads version %d)",
                 h.version, TF_VERSION);
        return tf_fail(tf, path, why);
    }
    int nl = feature_kind_nlabels((FeatureKind)h.feature_kind);
    if (nl < 0) {
        snprintf(why, sizeof why, "corrupt header: unknown feature kind %u", h.feature_kind);
        return tf_fail(tf, path, why);
    }
    if (h.feature_kind == FEAT_CLAIR3_FA &&
        (h.n_chan > INT32_MAX || !feature_kind_nchan_ok(FEAT_CLAIR3_FA, (int)h.n_chan))) {
        snprintf(why, sizeof why,
                 "corrupt header: clair3-fa n_chan %u is not a positive multiple of %d (rows x %d "
                 "channels, at most %d rows)",
                 h.n_chan, TF_FA_CHAN_PER_ROW, TF_FA_CHAN_PER_ROW, TF_FA_MAX_ROWS);
        return tf_fail(tf, path, why);
    }
    int nc = h.feature_kind == FEAT_CLAIR3_FA ? (int)h.n_chan
                                               : feature_kind_nchan((FeatureKind)h.feature_kind);
    if (h.n_pos != TF_NPOS || h.n_chan != (uint32_t)nc || h.n_labels != (uint32_t)nl ||
        h.dtype != TF_DTYPE_INT16 || h.record_bytes != record_bytes_for(TF_NPOS, nc, nl)) {
        snprintf(why, sizeof why,
                 "corrupt header: shape %ux%u, %u labels, dtype %u, record %u bytes do not match "
                 "kind %s",
                 h.n_pos, h.n_chan, h.n_labels, h.dtype, h.record_bytes,
                 feature_kind_name((FeatureKind)h.feature_kind));
        return tf_fail(tf, path, why);
    }
    if (h.header_bytes == 0 || h.header_bytes % TF_HEADER_ALIGN != 0 ||
        h.header_bytes > TF_MAX_HEADER || h.n_contigs > TF_MAX_CONTIGS) {
        snprintf(why, sizeof why, "corrupt header: header size %u, %u contigs", h.header_bytes,
                 h.n_contigs);
        return tf_fail(tf, path, why);
    }
    if (h.header_bytes > fsize) return tf_fail(tf, path, "truncated (header incomplete)");
    // File size must be exactly header + records.
    if (h.n_records > (UINT64_MAX - h.header_bytes) / h.record_bytes)
        return tf_fail(tf, path, "corrupt header: record count overflows");
    uint64_t want = h.header_bytes + h.n_records * h.record_bytes;
    if ((uint64_t)fsize < want) {
        snprintf(why, sizeof why, "truncated: %llu bytes, header says %llu records need %llu",
                 (unsigned long long)fsize, (unsigned long long)h.n_records,
                 (unsigned long long)want);
        return tf_fail(tf, path, why);
    }
    if ((uint64_t)fsize > want) {
        snprintf(why, sizeof why,
                 "corrupt: %llu bytes, more than the %llu that %llu records need (unfinished "
                 "write?)",
                 (unsigned long long)fsize, (unsigned long long)want,
                 (unsigned long long)h.n_records);
        return tf_fail(tf, path, why);
    }
    // Variable header sections.
    TensorFileMeta *m = &tf->meta;
    m->kind = (FeatureKind)h.feature_kind;
    m->n_pos = (int)h.n_pos;
    m->n_chan = (int)h.n_chan;
    m->n_labels = (int)h.n_labels;
    m->record_bytes = h.record_bytes;
    m->contig_names = xcalloc(h.n_contigs ? h.n_contigs : 1, sizeof(char *));
    m->contig_lens = xcalloc(h.n_contigs ? h.n_contigs : 1, sizeof(int64_t));
    size_t o = sizeof(h), end = h.header_bytes;
    for (uint32_t i = 0; i < h.n_contigs; i++) {
        uint32_t len;
        uint64_t clen;
        if (end - o < 4) return tf_fail(tf, path, "corrupt header: contig table overruns header");
        memcpy(&len, base + o, 4);
        if (len == 0 || end - o - 4 < (uint64_t)len + 8)
            return tf_fail(tf, path, "corrupt header: contig table overruns header");
        char *name = xmalloc(len + 1);
        memcpy(name, base + o + 4, len);
        name[len] = 0;
        m->contig_names[i] = name;
        m->n_contigs = (int)i + 1;
        if (memchr(name, 0, len))
            return tf_fail(tf, path, "corrupt header: contig name contains a NUL byte");
        memcpy(&clen, base + o + 4 + len, 8);
        if (clen > INT64_MAX) return tf_fail(tf, path, "corrupt header: contig length");
        m->contig_lens[i] = (int64_t)clen;
        o += 12 + len;
    }
    m->n_contigs = (int)h.n_contigs;
    if (end - o < (uint64_t)h.platform_len + h.cmdline_len)
        return tf_fail(tf, path, "corrupt header: platform/command line overrun header");
    m->platform = xmalloc(h.platform_len + 1);
    memcpy(m->platform, base + o, h.platform_len);
    m->platform[h.platform_len] = 0;
    o += h.platform_len;
    m->cmdline = xmalloc(h.cmdline_len + 1);
    memcpy(m->cmdline, base + o, h.cmdline_len);
    m->cmdline[h.cmdline_len] = 0;
    tf->n_records = h.n_records;
    tf->records = base + h.header_bytes;
    tf->path = xstrdup(path);
    return 0;
}

int tensorfile_check_record(const TensorFile *tf, uint64_t i) {
    const TensorRecordHead *h = tf_head(tensorfile_record(tf, i));
    if (h->contig < 0 || h->contig >= tf->meta.n_contigs || h->pos < 0 ||
        h->pos >= tf->meta.contig_lens[h->contig] || h->labelled > 1) {
        calla_err("corrupt tensor file \"%s\": record %llu has contig %d, position %d", tf->path,
                  (unsigned long long)i, h->contig, h->pos);
        return -1;
    }
    return 0;
}

void tensorfile_close(TensorFile *tf) {
    if (!tf) return;
    if (tf->map) munmap(tf->map, tf->map_bytes);
    tensorfile_meta_free(&tf->meta);
    free(tf->path);
    memset(tf, 0, sizeof(*tf));
}
