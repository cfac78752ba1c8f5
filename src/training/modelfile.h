// modelfile.h — model files: the parameters of a Model as F32 safetensors, one tensor per
// ParamTensor (same names and shapes), with "__metadata__" describing the model:
//   architecture   "clair3-pileup" | "clairvoyante" | "clair3-fa"   (checked on load)
//   fa_rows        clair3-fa only: read rows of its input (model_create_rows)
//   feature_kind   the tensor-file feature kind the model reads
//   platform, normalization, calla_version, and training provenance (inputs, epochs, seed, val_*)
// Checkpoints are model files with extra "optim.*" tensors and "ckpt.*" metadata (checkpoint.h).
#ifndef CALLA_MODELFILE_H
#define CALLA_MODELFILE_H
#include "network/model.h"
#include "training/safetensors.h"

// Writes m's parameters plus architecture/feature_kind/calla_version and the extra metadata
// (extra tensors, e.g. optimizer state, may be appended). Atomic. Returns 0 or -1 (message
// printed).
int modelfile_save(const char *path, const Model *m, const StMeta *meta, int n_meta,
                   const StTensorOut *extra, int n_extra);

// m's parameters, then its state tensors (clair3-fa's batch-norm running statistics, e.g.
// "res1.bn2.moving_variance"), as safetensors output tensors (the ParamTensor names and shapes),
// each stored as dtype; an array of modelfile_n_tensors(m) to free().
StTensorOut *modelfile_tensors(const Model *m, StDtype dtype);
int modelfile_n_tensors(const Model *m);

// Reads the architecture (and clair3-fa's fa_rows) from the file, creates the model
// (model_create_rows with batch_max) and loads every tensor it expects, state included, checking
// shapes. Tensors other than the model's are an error unless
// their name starts with "optim.". expect: the architecture the caller needs, or 0 for any.
// Returns 0, or -1 after a one-line error naming the file (m is then freed).
int modelfile_load(const char *path, Model *m, int batch_max, int expect);
// The same from an already opened file.
int modelfile_load_st(const StFile *f, Model *m, int batch_max, int expect);

#endif
