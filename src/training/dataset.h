// dataset.h — training and validation rows over memory-mapped tensor files, with a chunked split
// after Clair3's (clair3.md §6.2), but losing at most one chunk per file:
//   * each file is cut into chunks of `chunk` contiguous rows; a file of N rows has
//     C = (N - chunk) / chunk chunks (one chunk is held back so that the per-epoch random row
//     offset in [0, chunk) stays inside the file);
//   * with a validation fraction f, the first T = min(C, floor(N * (1 - f) / chunk) - 1) chunks
//     train (none if that is < 1), the next chunk is the room for the offset, and rows from
//     (T + 1) * chunk to the end of the file validate (every row when T = 0); a training chunk i
//     reads rows [i*chunk + off, (i+1)*chunk + off) with off < chunk, so no row is in both sets.
//     (Clair3 keeps a whole batch of chunks between the two sets, so that a file smaller than
//     about batch + 2 chunks trains nothing; calla needs 2 chunks.)
//   * with separate validation files every chunk of the training files trains and every row of the
//     validation files validates;
//   * clair3-fa with the no-phasing copy (DatasetOpts.no_phasing_copy, Clair3's
//     --add_no_phasing_data_training): every record r of every file is two rows, 2r (as stored)
//     and 2r + 1 (its unphased copy, dataset_fa_unphase), so a file of N records is a file of 2N
//     rows to the split above (copies sit next to their original, as Clair3 writes them);
//   * each epoch shuffles the training chunk list (Fisher–Yates from the data RNG), draws one row
//     offset shared by all chunks, and cuts the list into batches of cpb chunks, dropping the rest.
#ifndef CALLA_DATASET_H
#define CALLA_DATASET_H
#include <stdint.h>

#include "common/rng.h"
#include "network/model.h"
#include "tensors/tensorfile.h"

typedef struct {
    int32_t file;
    int64_t row;
} RowRef;

typedef struct {
    int n_files;  // training files then validation files
    TensorFile *files;
    FeatureKind kind;
    int batch, chunk, cpb;
    int64_t n_train_chunks;
    RowRef *train_chunks;  // first row of each training chunk (before the epoch offset)
    int64_t n_val;
    RowRef *val_rows;
    int64_t n_train_rows_total;  // rows in the training files (for messages)
    int fa_rows;                 // clair3-fa: read rows of every file (n_chan / 8); else 0
    int dup;                     // rows per record: 2 with the no-phasing copy, else 1
} Dataset;

typedef struct {
    int no_phasing_copy;  // clair3-fa: add an unphased copy of every record (see above)
} DatasetOpts;

// Opens the files (tensorfile_open) and builds the split. `expect` is the model's feature kind.
// batch must be a multiple of chunk. Returns 0, or -1 after a one-line error (unreadable file,
// feature-kind mismatch, unlabelled records, too few rows for one batch).
int dataset_open(Dataset *d, char *const *train_paths, int n_train, char *const *val_paths,
                 int n_val, double val_fraction, int batch, int chunk, FeatureKind expect,
                 const char *model_name);
// The same with options (NULL: none). clair3-fa inputs must all have the same read rows (else a
// one-line error naming the first file that differs).
int dataset_open_opts(Dataset *d, char *const *train_paths, int n_train, char *const *val_paths,
                      int n_val, double val_fraction, int batch, int chunk, FeatureKind expect,
                      const char *model_name, const DatasetOpts *opts);
// The unphased copy of one clair3-fa record of `rows` read rows, in place: channel 7 (haplotype)
// becomes 60 (unknown) wherever it is set (every cell where the read has a base), and the
// non-empty rows are re-sorted by the column of their first non-zero cell (stable), the order
// `calla tensors --no-phasing` gives by read start, approximated (docs/training.md); the empty
// (padding) rows stay where they are.
void dataset_fa_unphase(int16_t *f, int rows);
void dataset_close(Dataset *d);
// The split of one training file of N rows: T (training chunks) and the first validation row
// (N when nothing validates). val_fraction 0 means no validation rows from this file.
int64_t dataset_file_train_chunks(int64_t N, int chunk, double val_fraction);
int64_t dataset_file_val_from(int64_t N, int chunk, double val_fraction);

int64_t dataset_steps_per_epoch(const Dataset *d);
// One epoch's order: perm (n_train_chunks entries) and the shared row offset, from rng.
void dataset_epoch_order(const Dataset *d, Rng *rng, int64_t *perm, int *offset);
// The rows of training batch b of an epoch (batch entries).
void dataset_batch_rows(const Dataset *d, const int64_t *perm, int offset, int64_t b, RowRef *rows);
// Fills x [B, n_pos*n_chan] and labels [B, n_labels] for the given rows.
void dataset_fill(const Dataset *d, const Model *m, const RowRef *rows, int B, float *x,
                  float *labels);

#endif
