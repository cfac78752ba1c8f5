// test_tensorfile.c — tensor file writer/reader: round trip, header fields, atomic output,
// corrupt/truncated/wrong-magic/wrong-version files.
// `test_tensorfile --write PATH KIND` writes the fixture that tests/cli/test_view.sh checks:
// contigs chr1 (1000 bp) and chrX (500 bp); record i (i = 0..n-1, n = 3) has
//   contig i % 2, pos 10 * (i % 40) + 5, ref "ACGT"[i % 4], feature[p][c] = feat_value(i, p, c),
//   labels: record 1 unlabelled; otherwise fixture_labels().
// clair3-fa fixtures have FA_ROWS (3) rows: n_chan = 24, feature index p * 24 + r * 8 + c.
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "tensors/tensorfile.h"
#include "testlib.h"

static int16_t feat_value(int i, int p, int c) {
    return (int16_t)((i * 7 + p * 3 + c) % 201 - 100);
}

static void fixture_labels(FeatureKind k, int i, float *L) {
    int nl = feature_kind_nlabels(k);
    for (int j = 0; j < nl; j++) L[j] = 0;
    if (k == FEAT_CLAIR3_PILEUP || k == FEAT_CLAIR3_FA) {
        L[0] = (float)(2 + i);  // gt21
        L[1] = 2;
        L[2] = 14;
        L[3] = 16 + i;
    } else {
        L[0] = 0.5f;
        L[2] = 0.5f;
        L[4] = 1;
        L[7] = 1;
        L[10] = 1;
    }
}

#define FA_ROWS 3

// Channels per position of the fixtures: the kind's, or FA_ROWS x 8 for clair3-fa.
static int fixture_nchan(FeatureKind k) {
    return k == FEAT_CLAIR3_FA ? FA_ROWS * TF_FA_CHAN_PER_ROW : feature_kind_nchan(k);
}

static char *names[2] = {"chr1", "chrX"};
static int64_t lens[2] = {1000, 500};

static TensorFileMeta make_meta(FeatureKind k) {
    TensorFileMeta m;
    memset(&m, 0, sizeof(m));
    m.kind = k;
    m.n_pos = TF_NPOS;
    m.n_chan = fixture_nchan(k);
    m.n_labels = feature_kind_nlabels(k);
    m.record_bytes = tensorfile_record_bytes_nchan(k, m.n_chan);
    m.n_contigs = 2;
    m.contig_names = names;
    m.contig_lens = lens;
    m.platform = "ilmn";
    m.cmdline = "calla tensors -b x.bam -f ref.fa";
    return m;
}

static int write_fixture(const char *path, FeatureKind k, int n) {
    TensorFileMeta m = make_meta(k);
    TensorWriter *w = tensorwriter_open(path, &m);
    if (!w) return -1;
    int nc = m.n_chan;
    int16_t *f = malloc(sizeof(int16_t) * TF_NPOS * nc);
    float L[TF_CLV_NLABELS];
    for (int i = 0; i < n; i++) {
        for (int p = 0; p < TF_NPOS; p++)
            for (int c = 0; c < nc; c++) f[p * nc + c] = feat_value(i, p, c);
        fixture_labels(k, i, L);
        const float *lab = i == 1 ? NULL : L;
        if (tensorwriter_append(w, i % 2, 10 * (i % 40) + 5, "ACGT"[i % 4], lab, f) != 0) {
            free(f);
            tensorwriter_abort(w);
            return -1;
        }
    }
    free(f);
    return tensorwriter_close(w);
}

static long file_size(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 ? (long)st.st_size : -1;
}

static int tmp_exists(const char *dir) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls '%s' | grep -q '\\.tmp\\.'", dir);
    return system(cmd) == 0;
}

static void roundtrip(const char *dir, FeatureKind k, int n) {
    char path[512];
    snprintf(path, sizeof path, "%s/rt-%d.ctf", dir, (int)k);
    T_EQ_INT(write_fixture(path, k, n), 0);
    T_CHECK(!tmp_exists(dir));
    int nc = fixture_nchan(k), nl = feature_kind_nlabels(k);
    size_t rb = 12 + 4 * (size_t)nl + 2 * 33 * (size_t)nc;
    rb = (rb + 7) / 8 * 8;  // 1216 (clair3), 1136 (clairvoyante), 1616 (clair3-fa, 3 rows)
    T_EQ_INT(rb, k == FEAT_CLAIR3_PILEUP ? 1216 : k == FEAT_CLAIRVOYANTE ? 1136 : 1616);
    T_EQ_INT(tensorfile_record_bytes_nchan(k, nc), rb);
    if (k != FEAT_CLAIR3_FA) T_EQ_INT(tensorfile_record_bytes(k), rb);
    T_EQ_INT(file_size(path), 4096 + (long)n * (long)rb);

    // Raw header bytes at the documented offsets.
    FILE *fp = fopen(path, "rb");
    unsigned char h[96];
    T_EQ_INT(fread(h, 1, 96, fp), 96);
    fclose(fp);
    T_CHECK(memcmp(h, "CALLATNS", 8) == 0);
    uint32_t u32;
    uint64_t u64;
    memcpy(&u32, h + 8, 4);
    T_EQ_INT(u32, 1);
    memcpy(&u32, h + 12, 4);
    T_EQ_INT(u32, 4096);
    memcpy(&u64, h + 16, 8);
    T_EQ_INT(u64, n);
    memcpy(&u32, h + 24, 4);
    T_EQ_INT(u32, rb);
    memcpy(&u32, h + 28, 4);
    T_EQ_INT(u32, (int)k);
    memcpy(&u32, h + 32, 4);
    T_EQ_INT(u32, 33);
    memcpy(&u32, h + 36, 4);
    T_EQ_INT(u32, nc);
    memcpy(&u32, h + 40, 4);
    T_EQ_INT(u32, 1);
    memcpy(&u32, h + 44, 4);
    T_EQ_INT(u32, nl);
    memcpy(&u32, h + 48, 4);
    T_EQ_INT(u32, 2);
    memcpy(&u32, h + 52, 4);
    T_EQ_INT(u32, 4);
    memcpy(&u32, h + 56, 4);
    T_EQ_INT(u32, strlen("calla tensors -b x.bam -f ref.fa"));
    memcpy(&u32, h + 80, 4);  // first contig name length
    T_EQ_INT(u32, 4);
    T_CHECK(memcmp(h + 84, "chr1", 4) == 0);
    memcpy(&u64, h + 88, 8);
    T_EQ_INT(u64, 1000);

    TensorFile tf;
    T_EQ_INT(tensorfile_open(&tf, path), 0);
    T_EQ_INT(tf.n_records, n);
    T_EQ_INT(tf.meta.kind, k);
    T_EQ_INT(tf.meta.n_pos, 33);
    T_EQ_INT(tf.meta.n_chan, nc);
    T_EQ_INT(tf.meta.n_labels, nl);
    T_EQ_INT(tf.meta.record_bytes, rb);
    T_EQ_INT(tf.meta.n_contigs, 2);
    T_CHECK(strcmp(tf.meta.contig_names[1], "chrX") == 0);
    T_EQ_INT(tf.meta.contig_lens[1], 500);
    T_CHECK(strcmp(tf.meta.platform, "ilmn") == 0);
    T_CHECK(strcmp(tf.meta.cmdline, "calla tensors -b x.bam -f ref.fa") == 0);
    int bad = 0;
    for (int i = 0; i < n; i++) {
        const uint8_t *rec = tensorfile_record(&tf, i);
        const TensorRecordHead *hd = tf_head(rec);
        T_EQ_INT(tensorfile_check_record(&tf, i), 0);
        T_EQ_INT(hd->contig, i % 2);
        T_EQ_INT(hd->pos, 10 * (i % 40) + 5);
        T_EQ_INT(hd->ref, "ACGT"[i % 4]);
        T_EQ_INT(hd->labelled, i == 1 ? 0 : 1);
        float L[TF_CLV_NLABELS];
        fixture_labels(k, i, L);
        for (int j = 0; j < nl; j++)
            if (tf_labels(rec)[j] != (i == 1 ? 0.0f : L[j])) bad++;
        const int16_t *f = tf_features(rec, nl);
        for (int p = 0; p < 33; p++)
            for (int c = 0; c < nc; c++)
                if (f[p * nc + c] != feat_value(i, p, c)) bad++;
        for (size_t b = tf_features_offset(nl) + 2 * 33 * nc; b < rb; b++)
            if (rec[b] != 0) bad++;  // padding is zero
    }
    T_EQ_INT(bad, 0);
    tensorfile_close(&tf);
}

// Copies src to dst, optionally truncating to `len` bytes (-1: whole) and patching bytes.
static void copy_patch(const char *src, const char *dst, long len, long off, const void *b,
                       size_t nb) {
    FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
    long sz = file_size(src);
    if (len < 0) len = sz;
    char *buf = malloc(sz);
    if (fread(buf, 1, sz, in) != (size_t)sz) abort();
    if (b) memcpy(buf + off, b, nb);
    if (fwrite(buf, 1, len, out) != (size_t)len) abort();
    fclose(in);
    fclose(out);
    free(buf);
}

static void expect_open_fails(const char *path) {
    TensorFile tf;
    int rc = tensorfile_open(&tf, path);
    T_EQ_INT(rc, -1);
    if (rc == 0) tensorfile_close(&tf);
}

int main(int argc, char **argv) {
    calla_set_cmd("test");
    if (argc == 4 && strcmp(argv[1], "--write") == 0) {
        FeatureKind k;
        if (feature_kind_parse(argv[3], &k) != 0) return 2;
        return write_fixture(argv[2], k, 3) == 0 ? 0 : 1;
    }
    char dir[] = "/tmp/calla-tf-XXXXXX";
    if (!mkdtemp(dir)) T_SKIP("mkdtemp failed");

    // helpers
    FeatureKind k;
    T_EQ_INT(feature_kind_parse("clair3-pileup", &k), 0);
    T_EQ_INT(k, FEAT_CLAIR3_PILEUP);
    T_EQ_INT(feature_kind_parse("clairvoyante", &k), 0);
    T_EQ_INT(k, FEAT_CLAIRVOYANTE);
    T_EQ_INT(feature_kind_parse("nope", &k), -1);
    T_CHECK(strcmp(feature_kind_name(FEAT_CLAIRVOYANTE), "clairvoyante") == 0);
    T_EQ_INT(feature_kind_nchan(FEAT_CLAIR3_PILEUP), 18);
    T_EQ_INT(feature_kind_nlabels(FEAT_CLAIRVOYANTE), 16);

    T_EQ_INT(feature_kind_parse("clair3-fa", &k), 0);
    T_EQ_INT(k, FEAT_CLAIR3_FA);
    T_CHECK(strcmp(feature_kind_name(FEAT_CLAIR3_FA), "clair3-fa") == 0);
    T_EQ_INT(feature_kind_nlabels(FEAT_CLAIR3_FA), 4);
    // clair3-fa: rows x 8 channels, rows 1..TF_FA_MAX_ROWS; the fixed kinds take their own only.
    T_EQ_INT(feature_kind_nchan_ok(FEAT_CLAIR3_FA, 8), 1);
    T_EQ_INT(feature_kind_nchan_ok(FEAT_CLAIR3_FA, 89 * 8), 1);
    T_EQ_INT(feature_kind_nchan_ok(FEAT_CLAIR3_FA, TF_FA_MAX_ROWS * 8), 1);
    T_EQ_INT(feature_kind_nchan_ok(FEAT_CLAIR3_FA, TF_FA_MAX_ROWS * 8 + 8), 0);
    T_EQ_INT(feature_kind_nchan_ok(FEAT_CLAIR3_FA, 0), 0);
    T_EQ_INT(feature_kind_nchan_ok(FEAT_CLAIR3_FA, 20), 0);
    T_EQ_INT(feature_kind_nchan_ok(FEAT_CLAIR3_FA, -8), 0);
    T_EQ_INT(feature_kind_nchan_ok(FEAT_CLAIR3_PILEUP, 18), 1);
    T_EQ_INT(feature_kind_nchan_ok(FEAT_CLAIR3_PILEUP, 24), 0);
    T_EQ_INT(tensorfile_record_bytes(FEAT_CLAIR3_FA), 0);
    T_EQ_INT(tensorfile_record_bytes_nchan(FEAT_CLAIR3_FA, 20), 0);
    // 55 rows (ilmn/hifi): 12 + 16 + 2 * 33 * 440 = 29068 -> 29072; 89 rows (ont): 47024.
    T_EQ_INT(tensorfile_record_bytes_nchan(FEAT_CLAIR3_FA, 55 * 8), 29072);
    T_EQ_INT(tensorfile_record_bytes_nchan(FEAT_CLAIR3_FA, 89 * 8), 47024);
    T_EQ_INT(tensorfile_record_bytes_nchan(FEAT_CLAIR3_PILEUP, 18), 1216);

    roundtrip(dir, FEAT_CLAIR3_PILEUP, 57);
    roundtrip(dir, FEAT_CLAIRVOYANTE, 5);
    roundtrip(dir, FEAT_CLAIR3_FA, 7);

    // Empty file (zero records) is valid.
    char path[512], bad[512];
    snprintf(path, sizeof path, "%s/empty.ctf", dir);
    T_EQ_INT(write_fixture(path, FEAT_CLAIR3_PILEUP, 0), 0);
    TensorFile tf;
    T_EQ_INT(tensorfile_open(&tf, path), 0);
    T_EQ_INT(tf.n_records, 0);
    tensorfile_close(&tf);

    // Atomic output: an aborted writer leaves neither the final file nor the temporary.
    snprintf(path, sizeof path, "%s/aborted.ctf", dir);
    TensorFileMeta m = make_meta(FEAT_CLAIR3_PILEUP);
    TensorWriter *w = tensorwriter_open(path, &m);
    T_CHECK(w != NULL);
    int16_t f[33 * 18] = {0};
    T_EQ_INT(tensorwriter_append(w, 0, 1, 'A', NULL, f), 0);
    T_CHECK(tmp_exists(dir));  // streaming into "<path>.tmp.<pid>"
    T_EQ_INT(file_size(path), -1);
    tensorwriter_abort(w);
    T_EQ_INT(file_size(path), -1);
    T_CHECK(!tmp_exists(dir));
    // Bad contig index is refused.
    w = tensorwriter_open(path, &m);
    T_EQ_INT(tensorwriter_append(w, 2, 1, 'A', NULL, f), -1);
    tensorwriter_abort(w);
    // Unwritable directory -> NULL.
    T_CHECK(tensorwriter_open("/nonexistent-dir/x.ctf", &m) == NULL);
    // Mismatched shape -> NULL.
    m.n_chan = 16;
    T_CHECK(tensorwriter_open(path, &m) == NULL);
    TensorFileMeta mf = make_meta(FEAT_CLAIR3_FA);
    mf.n_chan = 20;  // not rows x 8
    T_CHECK(tensorwriter_open(path, &mf) == NULL);
    // Full disk: a file-size limit makes writes fail (EFBIG) like ENOSPC would. In a child, so
    // the limit does not leak; the writer must fail and leave neither file nor temporary.
    snprintf(path, sizeof path, "%s/full.ctf", dir);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {100000, 100000};
        setrlimit(RLIMIT_FSIZE, &rl);
        _exit(write_fixture(path, FEAT_CLAIR3_PILEUP, 300) == -1 ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    T_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    T_EQ_INT(file_size(path), -1);
    T_CHECK(!tmp_exists(dir));

    // Corrupt files, each derived from a good one.
    snprintf(path, sizeof path, "%s/good.ctf", dir);
    T_EQ_INT(write_fixture(path, FEAT_CLAIR3_PILEUP, 4), 0);
    snprintf(bad, sizeof bad, "%s/bad.ctf", dir);
    copy_patch(path, bad, 4096 + 4 * 1216 - 1, 0, NULL, 0);  // truncated last record
    expect_open_fails(bad);
    copy_patch(path, bad, 2000, 0, NULL, 0);  // truncated header
    expect_open_fails(bad);
    copy_patch(path, bad, 40, 0, NULL, 0);  // shorter than the fixed header
    expect_open_fails(bad);
    copy_patch(path, bad, -1, 0, "CALLATNX", 8);  // wrong magic
    expect_open_fails(bad);
    uint32_t v2 = 2;
    copy_patch(path, bad, -1, 8, &v2, 4);  // wrong version
    expect_open_fails(bad);
    uint32_t kind9 = 9;
    copy_patch(path, bad, -1, 28, &kind9, 4);  // unknown feature kind
    expect_open_fails(bad);
    uint32_t chan17 = 17;
    copy_patch(path, bad, -1, 36, &chan17, 4);  // shape inconsistent with kind
    expect_open_fails(bad);
    uint64_t nrec5 = 5;
    copy_patch(path, bad, -1, 16, &nrec5, 8);  // record count larger than the data
    expect_open_fails(bad);
    uint32_t hb = 1000;
    copy_patch(path, bad, -1, 12, &hb, 4);  // header size not a multiple of 4096
    expect_open_fails(bad);
    uint32_t name_len = 5000;
    copy_patch(path, bad, -1, 80, &name_len, 4);  // contig name overruns the header
    expect_open_fails(bad);
    uint32_t ncontig = 200;
    copy_patch(path, bad, -1, 48, &ncontig, 4);  // contig table overruns the header
    expect_open_fails(bad);
    // A record with an out-of-range contig index opens but fails the record check.
    int32_t c7 = 7;
    copy_patch(path, bad, -1, 4096 + 1216, &c7, 4);
    T_EQ_INT(tensorfile_open(&tf, bad), 0);
    T_EQ_INT(tensorfile_check_record(&tf, 0), 0);
    T_EQ_INT(tensorfile_check_record(&tf, 1), -1);
    tensorfile_close(&tf);
    snprintf(bad, sizeof bad, "%s/missing.ctf", dir);
    expect_open_fails(bad);

    // clair3-fa: n_chan must be rows x 8 (the record size is checked too).
    snprintf(path, sizeof path, "%s/fa.ctf", dir);
    T_EQ_INT(write_fixture(path, FEAT_CLAIR3_FA, 2), 0);
    snprintf(bad, sizeof bad, "%s/fa-bad.ctf", dir);
    uint32_t c20 = 20, c0 = 0, c16 = 16, cbig = (TF_FA_MAX_ROWS + 1) * 8;
    copy_patch(path, bad, -1, 36, &c20, 4);  // not a multiple of 8
    expect_open_fails(bad);
    copy_patch(path, bad, -1, 36, &c0, 4);  // zero rows
    expect_open_fails(bad);
    copy_patch(path, bad, -1, 36, &cbig, 4);  // too many rows
    expect_open_fails(bad);
    copy_patch(path, bad, -1, 36, &c16, 4);  // 2 rows, but the records are sized for 3
    expect_open_fails(bad);
    T_EQ_INT(tensorfile_open(&tf, path), 0);
    T_EQ_INT(tf.meta.n_chan, 24);
    tensorfile_close(&tf);

    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "warning: could not remove %s\n", dir);
    T_DONE();
}
