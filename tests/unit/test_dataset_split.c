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
    // batch 50 = 2 chunks of 25. File a: C = (1000-25)/25 = 39 chunks, T = min(39, floor(1000*0.9/25)
    // - 1) = 35, chunk 35 (rows 875..899) is the offset room, validation rows 900..999 (100 rows).
    // File b: C = (430-25)/25 = 16, T = floor(387/25) - 1 = 14, validation 375..429 (55 rows).
    T_EQ_INT(dataset_open(&d, two, 2, NULL, 0, 0.1, 50, 25, FEAT_CLAIR3_PILEUP, "clair3-pileup"),
             0);
    T_EQ_INT(d.n_train_chunks, 35 + 14);
    T_EQ_INT(d.n_val, 100 + 55);
    T_EQ_INT(dataset_steps_per_epoch(&d), 24);
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
    T_EQ_INT(min_val[0], 900);
    T_EQ_INT(min_val[1], 375);
    T_CHECK(max_train[0] < min_val[0] && max_train[1] < min_val[1]);
    T_CHECK(max_train[0] < 1000 && max_train[1] < 430);
    // Epoch orders: permutations, deterministic in the seed, rows of a batch are whole chunks.
    int64_t perm[49], perm2[49];
    int off, off2;
    Rng r1, r2, r3;
    rng_seed(&r1, 9);
    rng_seed(&r2, 9);
    rng_seed(&r3, 10);
    dataset_epoch_order(&d, &r1, perm, &off);
    dataset_epoch_order(&d, &r2, perm2, &off2);
    T_CHECK(memcmp(perm, perm2, sizeof perm) == 0 && off == off2);
    T_CHECK(off >= 0 && off < 25);
    int seen[49] = {0};
    for (int i = 0; i < 49; i++) seen[perm[i]]++;
    for (int i = 0; i < 49; i++) T_EQ_INT(seen[i], 1);
    dataset_epoch_order(&d, &r3, perm2, &off2);
    T_CHECK(memcmp(perm, perm2, sizeof perm) != 0);
    RowRef rows[50];
    uint8_t *used = calloc(1430, 1);
    for (int64_t bi = 0; bi < 24; bi++) {
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
    // drop_last: 49 chunks -> 24 batches of 2; each row at most once per epoch
    int n_used = 0;
    for (int i = 0; i < 1430; i++) {
        T_CHECK(used[i] <= 1);
        n_used += used[i];
    }
    T_EQ_INT(n_used, 24 * 50);
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
    // Many small files (issue #14): each loses one chunk (the offset room), not a batch. Five
    // files of 130 rows, batch 50 = 2 chunks of 25, f = 0.1: C = (130-25)/25 = 4, T = min(4,
    // floor(117/25) - 1) = 3 chunks (rows 0..99 with the offset), validation rows 100..129 (30):
    // 15 chunks, 7 batches, 150 validation rows. (Clair3's split: floor((4-2)*0.9) = 1 chunk each.)
    {
        char sp[5][4096], *small[5];
        for (int i = 0; i < 5; i++) {
            char nm[32];
            snprintf(nm, sizeof nm, "s%d.ctf", i);
            snprintf(sp[i], sizeof sp[i], "%s", tu_path(nm));
            T_EQ_INT(synth_write(sp[i], FEAT_CLAIR3_PILEUP, 130, 10 + i), 0);
            small[i] = sp[i];
        }
        T_EQ_INT(dataset_open(&d, small, 5, NULL, 0, 0.1, 50, 25, FEAT_CLAIR3_PILEUP, "c3"), 0);
        T_EQ_INT(d.n_train_chunks, 15);
        T_EQ_INT(d.n_val, 150);
        T_EQ_INT(dataset_steps_per_epoch(&d), 7);
        for (int64_t i = 0; i < d.n_train_chunks; i++) {
            T_EQ_INT(d.train_chunks[i].file, i / 3);
            T_EQ_INT(d.train_chunks[i].row, (i % 3) * 25);
        }
        for (int64_t i = 0; i < d.n_val; i++) {
            T_EQ_INT(d.val_rows[i].file, i / 30);
            T_EQ_INT(d.val_rows[i].row, 100 + i % 30);
        }
        dataset_close(&d);
        // The case: 1,229-record files at batch 500 in chunks of 250. C = 979/250 = 3,
        // T = min(3, floor(1106.1/250) - 1) = 3, validation rows 1000..1228 (229 per file).
        T_EQ_INT(dataset_file_train_chunks(1229, 250, 0.1), 3);
        T_EQ_INT(dataset_file_val_from(1229, 250, 0.1), 1000);
        // No validation: all C chunks; a file under 2 chunks gives none and (with f) validates.
        T_EQ_INT(dataset_file_train_chunks(1229, 250, 0), 3);
        T_EQ_INT(dataset_file_val_from(1229, 250, 0), 1229);
        T_EQ_INT(dataset_file_train_chunks(499, 250, 0.1), 0);
        T_EQ_INT(dataset_file_val_from(499, 250, 0.1), 0);
        // f = 0.5 on 1000 rows: floor(500/25) - 1 = 19 chunks, validation from 500.
        T_EQ_INT(dataset_file_train_chunks(1000, 25, 0.5), 19);
        T_EQ_INT(dataset_file_val_from(1000, 25, 0.5), 500);
    }
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
