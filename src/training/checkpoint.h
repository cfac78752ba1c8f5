// checkpoint.h — training checkpoints: a model file (modelfile.h) plus tensors "optim.m",
// "optim.v" (and "optim.slow" for Lookahead), and "ckpt.*" metadata holding the configuration
// that must not change on resume, the schedule state, both RNG states (hex), epoch, step, batch
// within the epoch, best validation loss and the running epoch loss. Doubles are stored as C99
// hex floats ("%a") so that a resumed run continues bit-exactly.
#ifndef CALLA_CHECKPOINT_H
#define CALLA_CHECKPOINT_H
#include "training/trainer.h"

int checkpoint_save(const char *path, const TrainConfig *c, const Model *m, const Optimizer *o,
                    const Schedule *s, const TrainState *st);
// Restores c's fixed settings (arch, batch, chunk, optimizer, schedule, lr, weight decay, seed,
// val fraction; epochs and early stop unless set: > 0 and >= 0), creates and fills m, o, s and st.
// Returns 0 or -1 (one-line error printed).
int checkpoint_load(const char *path, TrainConfig *c, Model *m, Optimizer *o, Schedule *s,
                    TrainState *st);

#endif
