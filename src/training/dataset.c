// dataset.c — chunked train/validation split and batch assembly.
#include "training/dataset.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

static int check_file(const Dataset *d, const TensorFile *tf, FeatureKind expect,
                      const char *model_name) {
    if (tf->meta.kind != expect) {
        calla_err("\"%s\" holds %s tensors but model %s needs %s tensors", tf->path,
                  feature_kind_name(tf->meta.kind), model_name, feature_kind_name(expect));
        return -1;
    }
    (void)d;
    for (uint64_t i = 0; i < tf->n_records; i++)
        if (!tf_head(tensorfile_record(tf, i))->labelled) {
            calla_err("\"%s\": record %llu is unlabelled; training needs labelled tensors",
                      tf->path, (unsigned long long)i);
            return -1;
        }
    return 0;
}

int64_t dataset_file_train_chunks(int64_t N, int chunk, double val_fraction) {
    int64_t C = N > chunk ? (N - chunk) / chunk : 0;  // the last chunk's room for the offset
    if (val_fraction <= 0) return C;
    // Rows below (T+1)*chunk are the training side (T chunks plus their offset room), about
    // (1-f)*N of them; the epsilon keeps exact products such as 1000*0.9 from rounding down.
    int64_t T = (int64_t)floor((double)N * (1.0 - val_fraction) / chunk + 1e-9) - 1;
    if (T > C) T = C;
    return T > 0 ? T : 0;
}

int64_t dataset_file_val_from(int64_t N, int chunk, double val_fraction) {
    if (val_fraction <= 0) return N;
    int64_t T = dataset_file_train_chunks(N, chunk, val_fraction);
    int64_t v = T > 0 ? (T + 1) * chunk : 0;
    return v < N ? v : N;
}

// The fewest rows from which one file yields a training chunk under the split above (search from
// 2 chunks, the floor without a validation fraction; -1 if none up to 1000 chunks' worth).
static int64_t file_min_rows(int chunk, double val_fraction) {
    for (int64_t n = 2 * (int64_t)chunk; n <= 1000 * (int64_t)chunk; n++)
        if (dataset_file_train_chunks(n, chunk, val_fraction) >= 1) return n;
    return -1;
}

int dataset_open(Dataset *d, char *const *train_paths, int n_train, char *const *val_paths,
                 int n_val, double val_fraction, int batch, int chunk, FeatureKind expect,
                 const char *model_name) {
    return dataset_open_opts(d, train_paths, n_train, val_paths, n_val, val_fraction, batch, chunk,
                             expect, model_name, NULL);
}

int dataset_open_opts(Dataset *d, char *const *train_paths, int n_train, char *const *val_paths,
                      int n_val, double val_fraction, int batch, int chunk, FeatureKind expect,
                      const char *model_name, const DatasetOpts *opts) {
    memset(d, 0, sizeof *d);
    d->dup = 1;
    if (opts && opts->no_phasing_copy) {
        if (expect != FEAT_CLAIR3_FA) {
            calla_err("the no-phasing copy applies to clair3-fa (full-alignment) tensors only");
            return -1;
        }
        d->dup = 2;
    }
    if (chunk < 1 || batch < chunk || batch % chunk) {
        calla_err("the batch size (%d) must be a positive multiple of the chunk size (%d)", batch,
                  chunk);
        return -1;
    }
    d->kind = expect;
    d->batch = batch;
    d->chunk = chunk;
    d->cpb = batch / chunk;
    d->files = xcalloc(n_train + n_val, sizeof *d->files);
    for (int i = 0; i < n_train + n_val; i++) {
        const char *p = i < n_train ? train_paths[i] : val_paths[i - n_train];
        if (tensorfile_open(&d->files[i], p) < 0) goto fail;
        d->n_files++;
        if (check_file(d, &d->files[i], expect, model_name) < 0) goto fail;
        if (expect == FEAT_CLAIR3_FA) {
            int rows = d->files[i].meta.n_chan / TF_FA_CHAN_PER_ROW;
            if (i == 0) d->fa_rows = rows;
            if (rows != d->fa_rows) {
                calla_err("\"%s\" holds full-alignment tensors of %d read rows but \"%s\" has %d; "
                          "all inputs of one run need the same rows (calla tensors --fa-rows)",
                          p, rows, train_paths[0], d->fa_rows);
                goto fail;
            }
        }
    }
    int64_t cap_t = 0, cap_v = 0;
    for (int i = 0; i < n_train + n_val; i++) {
        const TensorFile *tf = &d->files[i];
        int64_t N = (int64_t)tf->n_records * d->dup;  // rows (record r: rows r*dup ..)
        if (i >= n_train) {  // separate validation file: every row
            if (d->n_val + N > cap_v) {
                cap_v = (d->n_val + N) * 2;
                d->val_rows = xrealloc(d->val_rows, cap_v * sizeof *d->val_rows);
            }
            for (int64_t r = 0; r < N; r++) d->val_rows[d->n_val++] = (RowRef){i, r};
            continue;
        }
        d->n_train_rows_total += N;
        int64_t T = dataset_file_train_chunks(N, chunk, n_val == 0 ? val_fraction : 0);
        int64_t val_from = dataset_file_val_from(N, chunk, n_val == 0 ? val_fraction : 0);
        if (d->n_train_chunks + T > cap_t) {
            cap_t = (d->n_train_chunks + T) * 2 + 1;
            d->train_chunks = xrealloc(d->train_chunks, cap_t * sizeof *d->train_chunks);
        }
        for (int64_t c = 0; c < T; c++)
            d->train_chunks[d->n_train_chunks++] = (RowRef){i, c * chunk};
        if (val_from < N) {
            if (d->n_val + (N - val_from) > cap_v) {
                cap_v = (d->n_val + N - val_from) * 2;
                d->val_rows = xrealloc(d->val_rows, cap_v * sizeof *d->val_rows);
            }
            for (int64_t r = val_from; r < N; r++) d->val_rows[d->n_val++] = (RowRef){i, r};
        }
    }
    if (d->n_train_chunks < d->cpb) {
        double f = n_val == 0 ? val_fraction : 0;
        calla_err("too few training records for one batch of %d (%lld records in %d file(s) give "
                  "%lld training chunks of %d; a file needs at least %lld records for one chunk "
                  "with --chunk %d and a validation fraction of %g)",
                  batch, (long long)d->n_train_rows_total, n_train, (long long)d->n_train_chunks,
                  chunk, (long long)file_min_rows(chunk, f), chunk, f);
        goto fail;
    }
    return 0;
fail:
    dataset_close(d);
    return -1;
}

void dataset_close(Dataset *d) {
    for (int i = 0; i < d->n_files; i++) tensorfile_close(&d->files[i]);
    free(d->files);
    free(d->train_chunks);
    free(d->val_rows);
    memset(d, 0, sizeof *d);
}

int64_t dataset_steps_per_epoch(const Dataset *d) { return d->n_train_chunks / d->cpb; }

void dataset_epoch_order(const Dataset *d, Rng *rng, int64_t *perm, int *offset) {
    int64_t n = d->n_train_chunks;
    for (int64_t i = 0; i < n; i++) perm[i] = i;
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)rng_below(rng, (uint64_t)i + 1);
        int64_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    *offset = (int)rng_below(rng, (uint64_t)d->chunk);
}

void dataset_batch_rows(const Dataset *d, const int64_t *perm, int offset, int64_t b,
                        RowRef *rows) {
    for (int c = 0; c < d->cpb; c++) {
        RowRef ch = d->train_chunks[perm[b * d->cpb + c]];
        for (int j = 0; j < d->chunk; j++)
            rows[c * d->chunk + j] = (RowRef){ch.file, ch.row + offset + j};
    }
}

// The stable order of the non-empty rows by their first non-zero column (insertion sort: at most
// a few hundred rows, mostly in order already).
void dataset_fa_unphase(int16_t *f, int rows) {
    const int C = TF_FA_CHAN_PER_ROW, nc = rows * C;
    int *first = xmalloc((size_t)rows * sizeof *first), *ord = xmalloc((size_t)rows * sizeof *ord);
    int n = 0;
    for (int r = 0; r < rows; r++) {
        first[r] = -1;
        for (int p = 0; p < TF_NPOS && first[r] < 0; p++)
            for (int c = 0; c < C; c++)
                if (f[p * nc + r * C + c]) {
                    first[r] = p;
                    break;
                }
        for (int p = 0; p < TF_NPOS; p++)
            if (f[p * nc + r * C + 7]) f[p * nc + r * C + 7] = 60;
        if (first[r] >= 0) ord[n++] = r;
    }
    for (int i = 1; i < n; i++) {  // stable: equal keys keep their order
        int v = ord[i], j = i - 1;
        while (j >= 0 && first[ord[j]] > first[v]) ord[j + 1] = ord[j], j--;
        ord[j + 1] = v;
    }
    int16_t *tmp = xmalloc((size_t)TF_NPOS * nc * sizeof *tmp);
    memcpy(tmp, f, (size_t)TF_NPOS * nc * sizeof *tmp);
    // the k-th non-empty slot (in row order) receives the k-th row of the sorted order
    for (int r = 0, k = 0; r < rows; r++) {
        if (first[r] < 0) continue;
        int src = ord[k++];
        if (src != r)
            for (int p = 0; p < TF_NPOS; p++)
                memcpy(f + p * nc + r * C, tmp + p * nc + src * C, C * sizeof *f);
    }
    free(tmp);
    free(first);
    free(ord);
}

void dataset_fill(const Dataset *d, const Model *m, const RowRef *rows, int B, float *x,
                  float *labels) {
    const size_t in = (size_t)m->n_pos * m->n_chan;
    const int nl = m->n_labels;
#pragma omp parallel for schedule(static)
    for (int i = 0; i < B; i++) {
        const TensorFile *tf = &d->files[rows[i].file];
        const uint8_t *rec = tensorfile_record(tf, (uint64_t)(rows[i].row / d->dup));
        const int16_t *feat = tf_features(rec, tf->meta.n_labels);
        if (d->dup > 1 && rows[i].row % d->dup) {  // the unphased copy
            int16_t *cp = xmalloc(in * sizeof *cp);
            memcpy(cp, feat, in * sizeof *cp);
            dataset_fa_unphase(cp, d->fa_rows);
            model_input_from_features(m, cp, x + i * in);
            free(cp);
        } else {
            model_input_from_features(m, feat, x + i * in);
        }
        memcpy(labels + (size_t)i * nl, tf_labels(rec), nl * sizeof(float));
    }
}
