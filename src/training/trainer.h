// trainer.h — the training loop of `calla train`: batches from a Dataset, forward/backward, one
// optimizer step, per-epoch validation, JSONL log, checkpoints with exact resume, best model,
// early stopping, NaN guard and graceful stop on SIGINT/SIGTERM.
#ifndef CALLA_TRAINER_H
#define CALLA_TRAINER_H
#include <stdint.h>

#include "common/rng.h"
#include "network/model.h"
#include "training/optim.h"
#include "training/schedule.h"

typedef struct {
    char *const *inputs;
    int n_inputs;
    char *const *val;
    int n_val;
    double val_fraction;
    ModelArch arch;
    int batch, chunk, epochs, early_stop,
        threads;  // on --resume: epochs 0 / early_stop -1 = as saved
    double lr, weight_decay, min_lr_ratio;
    OptKind opt;
    SchedKind sched;
    int64_t warmup;  // steps; -1: 10% of all steps for warm-up schedules
    uint64_t seed;
    int64_t max_steps;  // stop (with a checkpoint) after this many updates; 0 = no limit
    const char *platform, *out, *ckpt, *resume, *log, *cmdline;
    // --init: a model file of the same architecture and parameter shapes whose parameters (and
    // state) replace the fresh initialisation (fine-tuning; clair3-fa: of any read-row count, as
    // its parameters do not depend on it). Not with resume: a checkpoint keeps the path
    // ("ckpt.init"), and a resumed run takes it back into init_saved (so that its model file
    // records training.init too).
    const char *init;
    char init_saved[1024];
    int no_phasing_copy;  // clair3-fa: train on every record and its unphased copy (dataset.h)
    // Data parallelism (docs/distributed.md); none of these is saved in checkpoints.
    int no_dropout;           // 1: forward in inference mode (exact rank-count equivalence tests)
    int lr_scaling;           // 1: Goyal et al. linear scaling, lr x batch / lr_base_batch
    int lr_base_batch;        // reference batch of the scaling (0: the per-rank batch, so x world)
    int64_t lr_scale_warmup;  // updates over which the scale factor ramps from 1 to its value
    size_t bucket;            // floats per gradient all-reduce bucket (0: 1 Mi floats)
    int zero;                 // 1: ZeRO-1, optimizer state sharded over ranks (training/zero.h)
    int cuda_graphs;          // 1: --device cuda steps replayed from CUDA graphs (docs/cuda.md)
} TrainConfig;

// Everything besides the model and optimizer tensors that a checkpoint restores.
typedef struct {
    int epoch;               // completed epochs
    int64_t batch_in_epoch;  // batches of the current epoch already done
    int64_t step;            // updates done
    Rng data_rng;            // data-order RNG at the start of the current epoch
    double best_val;         // lowest validation loss so far (INFINITY before the first)
    int best_epoch, since_best;
    double wall_s;          // cumulative training time
    double train_loss_sum;  // current epoch so far
    int64_t train_n;
} TrainState;

// Runs training; returns the process exit status (0, 1 runtime error, incl. NaN and interrupt).
int train_run(TrainConfig *c);

#endif
