// shipped.h — the models that come with calla (models/*.safetensors) and how `calla call -m`
// names them: a path to a file, or the name of a shipped model ("ilmn", "hifi", "ont",
// "clairvoyante-ilmn"); without -m, the shipped model named after --platform.
//
// Where the shipped models are looked for, first hit wins:
//   1. $CALLA_MODELS (a directory)
//   2. <directory of the calla executable>/../models      (a build tree: build/calla -> models/)
//   3. <directory of the calla executable>/../share/calla/models  (an installed prefix)
#ifndef CALLA_SHIPPED_H
#define CALLA_SHIPPED_H
#include <stddef.h>

// Copies into buf the first existing directory of the list above. Returns 0, or -1 when none
// exists (buf then holds a description of the places tried, for an error message).
int shipped_models_dir(char *buf, size_t n);

// Resolves `spec` (a model path or a shipped name; NULL: the shipped model for `platform`).
// Returns a malloc'd path, or NULL after a one-line error naming what was looked for.
char *shipped_model_resolve(const char *spec, const char *platform);

// The shipped full-alignment model of a platform (<models dir>/<platform>-fa.safetensors, e.g.
// hifi-fa), used by `calla call`'s cascade when the pileup model is a shipped one. Returns a
// malloc'd path, or NULL (silently) when there is none.
char *shipped_fa_model_find(const char *platform);

#endif
