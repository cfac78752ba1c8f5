// tensorfile.h — the calla tensor file (".ctf"): a header and fixed-size records, memory-mappable.
// The byte layout is specified in docs/formats.md; this header is its C view.
//
// Layout (little-endian):
//   [0, header_bytes)   header: fixed part (TensorFileHeaderFixed) followed by variable sections
//                       (contig table, platform, command line), zero-padded to a multiple of 4096
//   [header_bytes, ...) n_records records of record_bytes each:
//       int32  contig    index into the contig table
//       int32  pos       0-based reference position of the candidate (window centre)
//       char   ref       reference base at pos (A/C/G/T)
//       uint8  labelled  1 when labels are meaningful, 0 when unlabelled (calling)
//       uint8  pad[2]
//       float  labels[n_labels]
//       int16  features[n_pos * n_chan]   position-major: features[p * n_chan + c]
//       zero padding to record_bytes (a multiple of 8)
#ifndef CALLA_TENSORFILE_H
#define CALLA_TENSORFILE_H
#include <stddef.h>
#include <stdint.h>

#define TF_MAGIC "CALLATNS"
#define TF_VERSION 1
#define TF_NPOS 33
#define TF_FLANK 16

typedef enum { FEAT_CLAIR3_PILEUP = 1, FEAT_CLAIRVOYANTE = 2, FEAT_CLAIR3_FA = 3 } FeatureKind;

// Clair3 full-alignment tensors (clair3.md §2): `rows` reads x 33 positions x 8 channels, stored
// position-major like the other kinds, with n_chan = rows * TF_FA_CHAN_PER_ROW:
//   features[p * n_chan + r * TF_FA_CHAN_PER_ROW + c]   (p: position, r: read row, c: channel)
// values are Clair3's int8 codes (-100..100; the network divides by 100). Labels as pileup (4).
// Rows per platform (clair3.md §2.1): ilmn 55, hifi 55, ont 89.
#define TF_FA_CHAN_PER_ROW 8
#define TF_FA_ROWS_ILMN 55
#define TF_FA_ROWS_HIFI 55
#define TF_FA_ROWS_ONT 89
// Largest row count a file may declare (a sanity bound for the reader; records stay < 1 MiB).
#define TF_FA_MAX_ROWS 1024

// Channels per position: 18 (Clair3 pileup, spec order A C G T I I1 D D1 * a c g t i i1 d d1 #),
// 16 (Clairvoyante: base A,C,G,T major, channel minor: index 4*base + channel, after the
// "channels 1..3 minus channel 0" step of clairvoyante.md §1.1).
// Labels: Clair3 pileup stores 4 class indices as floats: gt21 (0..20), zygosity (0..2),
// indel length 1 and 2 (0..32, value+16); Clairvoyante stores the 16-element vector of §2.2.
#define TF_CLAIR3_NCHAN 18
#define TF_CLAIR3_NLABELS 4
#define TF_CLV_NCHAN 16
#define TF_CLV_NLABELS 16

const char *feature_kind_name(FeatureKind k);  // "clair3-pileup" / "clairvoyante" / "clair3-fa"
// "clair3-pileup" (also "clair3", "pileup"), "clairvoyante", "clair3-fa" (also "fa").
int feature_kind_parse(const char *s, FeatureKind *k);  // 0 ok, -1 unknown
// Channels per position of the fixed-shape kinds; -1 for clair3-fa (rows * 8, per file).
int feature_kind_nchan(FeatureKind k);
int feature_kind_nlabels(FeatureKind k);
// 1 when n_chan is valid for kind k: 18 / 16 for the fixed kinds, a positive multiple of
// TF_FA_CHAN_PER_ROW up to TF_FA_MAX_ROWS rows for clair3-fa; else 0.
int feature_kind_nchan_ok(FeatureKind k, int n_chan);

typedef struct {
    char magic[8];          // "CALLATNS"
    uint32_t version;       // TF_VERSION
    uint32_t header_bytes;  // offset of the first record (multiple of 4096)
    uint64_t n_records;
    uint32_t record_bytes;
    uint32_t feature_kind;  // FeatureKind
    uint32_t n_pos;         // 33
    uint32_t n_chan;        // 18, 16, or rows * 8 (clair3-fa)
    uint32_t dtype;         // 1 = int16 (the only one defined)
    uint32_t n_labels;      // 4 or 16
    uint32_t n_contigs;
    uint32_t platform_len;  // bytes of the platform string that follows the contig table
    uint32_t cmdline_len;   // bytes of the command line that follows the platform
    uint32_t reserved[5];
} TensorFileHeaderFixed;    // 80 bytes; then per contig: uint32 name_len, name, uint64 length

typedef struct {
    int32_t contig;
    int32_t pos;
    char ref;
    uint8_t labelled;
    uint8_t pad[2];
} TensorRecordHead;  // 12 bytes, then labels, then features

// In-memory description shared by the writer and the reader.
typedef struct {
    FeatureKind kind;
    int n_pos, n_chan, n_labels;
    size_t record_bytes;
    int n_contigs;
    char **contig_names;
    int64_t *contig_lens;
    char *platform;  // "ilmn", "hifi", "ont" or ""
    char *cmdline;
} TensorFileMeta;

// Record size of a fixed-shape kind (0 for clair3-fa, whose size depends on its rows).
size_t tensorfile_record_bytes(FeatureKind k);
// Record size for kind k with n_chan channels per position (any kind); 0 when n_chan is not
// valid for k (feature_kind_nchan_ok).
size_t tensorfile_record_bytes_nchan(FeatureKind k, int n_chan);
// Offsets inside a record.
#define TF_LABELS_OFFSET 12
static inline size_t tf_features_offset(int n_labels) { return 12 + 4 * (size_t)n_labels; }

// ---- writer: streams records to "<path>.tmp.<pid>", renamed on close ----
typedef struct TensorWriter TensorWriter;
// Returns NULL after printing a one-line error (e.g. unwritable path).
TensorWriter *tensorwriter_open(const char *path, const TensorFileMeta *meta);
// Appends one record; labels may be NULL (unlabelled). Returns 0 or -1 (I/O error printed).
int tensorwriter_append(TensorWriter *w, int contig, int64_t pos, char ref, const float *labels,
                        const int16_t *features);
// Finalises the header (record count) and renames; returns 0 or -1. Frees w either way.
int tensorwriter_close(TensorWriter *w);
// Removes the temporary file and frees w.
void tensorwriter_abort(TensorWriter *w);

// ---- reader: mmaps the file, validates the header and size ----
typedef struct {
    TensorFileMeta meta;
    uint64_t n_records;
    const uint8_t *records;  // first record
    void *map;
    size_t map_bytes;
    char *path;
} TensorFile;
// Returns 0, or -1 after printing a one-line error naming the file and the problem
// (missing, not a tensor file, unsupported version, truncated, corrupt header).
int tensorfile_open(TensorFile *tf, const char *path);
void tensorfile_close(TensorFile *tf);
// Checks record i (contig index in range, 0 <= pos < contig length, labelled is 0 or 1); the
// reader does not scan records at open. Returns 0, or -1 after a one-line error naming the file.
int tensorfile_check_record(const TensorFile *tf, uint64_t i);
static inline const uint8_t *tensorfile_record(const TensorFile *tf, uint64_t i) {
    return tf->records + i * tf->meta.record_bytes;
}
static inline const TensorRecordHead *tf_head(const uint8_t *rec) {
    return (const TensorRecordHead *)rec;
}
static inline const float *tf_labels(const uint8_t *rec) {
    return (const float *)(rec + TF_LABELS_OFFSET);
}
static inline const int16_t *tf_features(const uint8_t *rec, int n_labels) {
    return (const int16_t *)(rec + tf_features_offset(n_labels));
}

void tensorfile_meta_free(TensorFileMeta *m);

#endif
