// test_dataset_split.c — the chunked split of clair3.md §6.2: counts computed by hand, no row
// both trains and validates for any epoch offset, every training batch holds whole chunks of
// contiguous rows, the epoch order is a seeded permutation, separate validation files, feature-kind
// mismatch and too-small inputs rejected, and batch assembly copies the right records.
#include "testlib.h"
#include "training/dataset.h"
#include "unit/train_synth.h"
#include "unit/train_util.h"

int main(void) {
    if (tu_mkdir() < 0) T_SKIP("no temporary directory");
    char a[300], b[300], v[300];
    snprintf(a, sizeof a, "%s", tu_path("a.ctf"));
    snprintf(b, sizeof b, "%s", tu_path("b.ctf"));
    snprintf(v, sizeof v, "%s", tu_path("v.ctf"));
    T_EQ_INT(synth_write(a, FEAT_CLAIR3_PILEUP, 1000, 1), 0);
    T_EQ_INT(synth_write(b, FEAT_CLAIR3_PILEUP, 430, 2), 0);
    T_EQ_INT(synth_write(v, FEAT_CLAIR3_PILEUP, 77, 3), 0);
    char *two[2] = {a, b};
    Dataset d;
    // batch 50 = 2 chunks of 25. File a: C = (1000-25)/25 = 39 chunks, T = floor(37*0.9) = 33,
    // validation rows from (33+2)*25 = 875 to 999 (125 rows). File b: C = 16, T = floor(14*0.9) =
    // 12, validation from 350 to 429 (80 rows).
    T_EQ_INT(dataset_open(&d, two, 2, NULL, 0, 0.1, 50, 25, FEAT_CLAIR3_PILEUP, "clair3-pileup"),
             0);
    T_EQ_INT(d.n_train_chunks, 33 + 12);
    T_EQ_INT(d.n_val, 125 + 80);
    T_EQ_INT(dataset_steps_per_epoch(&d), 22);
    // Rows each set can touch, per file.
    int64_t max_train[2] = {-1, -1}, min_val[2] = {1 << 30, 1 << 30};
    for (int64_t i = 0; i < d.n_train_chunks; i++) {
        RowRef r = d.train_chunks[i];
        int64_t last = r.row + 2 * 25 - 2;  // offset up to 24, then 25 rows
        if (last > max_train[r.file]) max_train[r.file] = last;
    }
    for (int64_t i = 0; i < d.n_val; i++) {
        RowRef r = d.val_rows[i];
        if (r.row < min_val[r.file]) min_val[r.file] = r.row;
        if (i) T_CHECK(!(r.file == d.val_rows[i - 1].file && r.row != d.val_rows[i - 1].row + 1));
    }
    T_EQ_INT(min_val[0], 875);
    T_EQ_INT(min_val[1], 350);
    T_CHECK(max_train[0] < min_val[0] && max_train[1] < min_val[1]);
    T_CHECK(max_train[0] < 1000 && max_train[1] < 430);
    // Epoch orders: permutations, deterministic in the seed, rows of a batch are whole chunks.
    int64_t perm[45], perm2[45];
    int off, off2;
    Rng r1, r2, r3;
    rng_seed(&r1, 9);
    rng_seed(&r2, 9);
    rng_seed(&r3, 10);
    dataset_epoch_order(&d, &r1, perm, &off);
    dataset_epoch_order(&d, &r2, perm2, &off2);
    T_CHECK(memcmp(perm, perm2, sizeof perm) == 0 && off == off2);
    T_CHECK(off >= 0 && off < 25);
    int seen[45] = {0};
    for (int i = 0; i < 45; i++) seen[perm[i]]++;
    for (int i = 0; i < 45; i++) T_EQ_INT(seen[i], 1);
    dataset_epoch_order(&d, &r3, perm2, &off2);
    T_CHECK(memcmp(perm, perm2, sizeof perm) != 0);
    RowRef rows[50];
    uint8_t *used = calloc(1430, 1);
    for (int64_t bi = 0; bi < 22; bi++) {
        dataset_batch_rows(&d, perm, off, bi, rows);
        for (int c = 0; c < 2; c++) {
            RowRef ch = d.train_chunks[perm[bi * 2 + c]];
            for (int j = 0; j < 25; j++) {
                RowRef r = rows[c * 25 + j];
                T_CHECK(r.file == ch.file && r.row == ch.row + off + j);
                used[r.file * 1000 + r.row]++;
            }
        }
    }
    // drop_last: 45 chunks -> 22 batches of 2; each row at most once per epoch
    int n_used = 0;
    for (int i = 0; i < 1430; i++) {
        T_CHECK(used[i] <= 1);
        n_used += used[i];
    }
    T_EQ_INT(n_used, 22 * 50);
    free(used);
    // Batch assembly: the records' labels and features reach the arrays.
    Model m;
    T_EQ_INT(model_create(&m, ARCH_CLAIR3_PILEUP, 50), 0);
    float *x = malloc(sizeof(float) * 50 * m.n_pos * m.n_chan), lab[50 * 4];
    dataset_batch_rows(&d, perm, off, 3, rows);
    dataset_fill(&d, &m, rows, 50, x, lab);
    for (int i = 0; i < 50; i++) {
        T_NEAR(x[(size_t)i * m.n_pos * m.n_chan], (double)rows[i].row, 0, 0);  // synth marks row
        const uint8_t *rec = tensorfile_record(&d.files[rows[i].file], rows[i].row);
        T_CHECK(memcmp(lab + 4 * i, tf_labels(rec), 16) == 0);
        T_CHECK(lab[4 * i + 1] >= 0 && lab[4 * i + 1] <= 2);
    }
    free(x);
    model_free(&m);
    dataset_close(&d);

    // A separate validation file: all chunks train, all of v validates.
    char *vv[1] = {v};
    T_EQ_INT(dataset_open(&d, two, 1, vv, 1, 0.1, 50, 25, FEAT_CLAIR3_PILEUP, "clair3-pileup"), 0);
    T_EQ_INT(d.n_train_chunks, 39);
    T_EQ_INT(d.n_val, 77);
    dataset_close(&d);
    // No validation at all.
    T_EQ_INT(dataset_open(&d, two, 1, NULL, 0, 0.0, 50, 25, FEAT_CLAIR3_PILEUP, "clair3-pileup"),
             0);
    T_EQ_INT(d.n_train_chunks, 39);
    T_EQ_INT(d.n_val, 0);
    dataset_close(&d);
    fprintf(stderr, "(expected errors follow)\n");
    T_EQ_INT(dataset_open(&d, two, 2, NULL, 0, 0.1, 50, 25, FEAT_CLAIRVOYANTE, "clairvoyante"), -1);
    T_EQ_INT(dataset_open(&d, two, 1, NULL, 0, 0.1, 60, 25, FEAT_CLAIR3_PILEUP, "clair3-pileup"),
             -1);
    T_EQ_INT(dataset_open(&d, vv, 1, NULL, 0, 0.1, 50, 25, FEAT_CLAIR3_PILEUP, "clair3-pileup"),
             -1);
    char *missing[1] = {(char *)tu_path("none.ctf")};
    T_EQ_INT(dataset_open(&d, missing, 1, NULL, 0, 0.1, 50, 25, FEAT_CLAIR3_PILEUP, "x"), -1);
    T_DONE();
}
