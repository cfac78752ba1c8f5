// trainer.c — the training loop.
#include "training/trainer.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "network/gemm.h"
#include "common/blas.h"
#include "common/util.h"
#include "training/checkpoint.h"
#include "training/dataset.h"
#include "training/dist.h"
#include "training/metrics.h"
#include "training/modelfile.h"
#include "cuda/cuda_backend.h"  // --device cuda (docs/cuda.md)
#include "training/zero.h"

// Messages about the run come from rank 0 only; errors from the rank that meets them.
#define INFO(...)                                    \
    do {                                             \
        if (dist_rank() == 0) calla_info(__VA_ARGS__); \
    } while (0)

// --device cuda: reads B rows into input slot k of the device model and starts their upload
// (cuda_batch_slot: page-locked memory, a copy stream).
static void slot_fill(const Dataset *d, Model *m, CudaModel *cm, const RowRef *rows, int B, int k) {
    float *sx, *sl;
    cuda_batch_slot(cm, k, &sx, &sl);
    dataset_fill(d, m, rows, B, sx, sl);
    cuda_batch_upload(cm, k, B);
}

// --device cuda: the metrics of the validation batch in input slot k (its labels are still in
// the slot's page-locked memory: the slot is refilled only after this).
static void val_collect(CudaModel *cm, Model *m, int k, int B, Metrics *out) {
    float *sx, *sl;
    memcpy(m->out, cuda_infer_wait(cm, k), sizeof(float) * (size_t)B * m->n_out);
    double loss = cuda_infer_loss(cm, m, k);
    cuda_batch_slot(cm, k, &sx, &sl);
    metrics_add(out, m, sl, B, loss);
}

// Validation over the held-out rows in batches of up to bmax: rank r of N takes the contiguous
// rows [r*n/N, (r+1)*n/N) and the sums and counts are added over all ranks, so every rank ends
// with the metrics of the whole validation set.
static void validate(const Dataset *d, Model *m, CudaModel *cm, int bmax, float *x, float *labels,
                     Metrics *out) {
    memset(out, 0, sizeof *out);
    const int W = dist_world(), R = dist_rank();
    const int64_t lo = d->n_val * R / W, hi = d->n_val * (R + 1) / W;
    RowRef *rows = xmalloc((size_t)bmax * sizeof *rows);
    int k = 0, prev = -1, b_prev = 0;  // --device cuda: the input slots (as in training)
    for (int64_t at = lo; at < hi; at += bmax) {
        int B = (int)(hi - at < bmax ? hi - at : bmax);
        memcpy(rows, d->val_rows + at, (size_t)B * sizeof *rows);
        if (!cm) {
            dataset_fill(d, m, rows, B, x, labels);
            metrics_add(out, m, labels, B, model_forward(m, x, labels, B, 0));
            continue;
        }
        // read this batch into slot k and enqueue its pass, then collect the previous batch
        // while the device computes this one
        slot_fill(d, m, cm, rows, B, k);
        cuda_infer_enqueue(cm, m, k);
        if (prev >= 0) val_collect(cm, m, prev, b_prev, out);
        prev = k, b_prev = B, k ^= 1;
    }
    if (prev >= 0) val_collect(cm, m, prev, b_prev, out);
    free(rows);
    if (W > 1) {
        double dv[1 + MODEL_MAX_HEADS];
        int64_t iv[5 + MODEL_MAX_HEADS];
        dv[0] = out->loss_sum;
        memcpy(dv + 1, out->head_loss_sum, sizeof out->head_loss_sum);
        iv[0] = out->n, iv[1] = out->tp, iv[2] = out->fp, iv[3] = out->fn, iv[4] = out->gt_tp;
        memcpy(iv + 5, out->head_correct, sizeof out->head_correct);
        dist_sum_f64(dv, 1 + MODEL_MAX_HEADS, "validation all-reduce");
        dist_sum_i64(iv, 5 + MODEL_MAX_HEADS, "validation all-reduce");
        out->loss_sum = dv[0];
        memcpy(out->head_loss_sum, dv + 1, sizeof out->head_loss_sum);
        out->n = iv[0], out->tp = iv[1], out->fp = iv[2], out->fn = iv[3], out->gt_tp = iv[4];
        memcpy(out->head_correct, iv + 5, sizeof out->head_correct);
    }
}

// Goyal et al. (2017): with a global batch k times the reference batch, the learning rate is k
// times the base rate, reached by a linear ramp from 1x over the first `lr_scale_warmup` updates.
static double lr_factor(const TrainConfig *c, int64_t step) {
    if (!c->lr_scaling) return 1.0;
    int base = c->lr_base_batch > 0 ? c->lr_base_batch : c->batch / dist_world();
    double k = (double)c->batch / (base > 0 ? base : 1);
    if (c->lr_scale_warmup > 0 && step < c->lr_scale_warmup)
        return 1.0 + (k - 1.0) * (double)step / (double)c->lr_scale_warmup;
    return k;
}

// Hands gradients [lo, hi) (floats) to the bucketed all-reduce once the backward pass has made
// them final. Clair3's loss is a mean over the rows: a rank's gradients are weighted by its share
// of the global batch (b_local / B), so that the sum over ranks is the gradient of the global
// mean. Clairvoyante's loss is a sum over the rows: the plain sum over ranks is already right.
typedef struct {
    Model *m;
    DistReducer *red;
    float share;
} GradReady;

static void grads_ready(void *ud, size_t lo, size_t hi) {
    GradReady *g = ud;
    if (g->m->arch != ARCH_CLAIRVOYANTE)  // clair3-pileup and clair3-fa: batch-mean losses
        for (size_t i = lo; i < hi; i++) g->m->grads[i] *= g->share;
    dist_reducer_ready(g->red, lo, hi);
}

// The same on the device (--device cuda on several ranks): the scaling is a kernel on the
// model's stream, enqueued after the kernels that produced the range (the same float multiply).
typedef struct {
    GradReady g;
    CudaModel *cm;
} DevGradReady;

static void dev_grads_ready(void *ud, size_t lo, size_t hi) {
    DevGradReady *d = ud;
    if (d->g.m->arch != ARCH_CLAIRVOYANTE) cuda_model_scale_grads(d->cm, lo, hi, d->g.share);
    dist_reducer_ready(d->g.red, lo, hi);
}

// Multi-GPU reduction backend: NCCL in a real CUDA build with NCCL, else host-staged MPI (the
// emulation build, whose device memory is host memory, always stages). CALLA_DIST_BACKEND=staged
// forces the staged path on GPUs (to compare the two).
static DistBackend device_backend(void) {
    const char *e = getenv("CALLA_DIST_BACKEND");
    if (e && !strcmp(e, "staged")) return DIST_STAGED;
    return cuda_backend_kind() == 1 && dist_have_nccl() ? DIST_NCCL : DIST_STAGED;
}

// The same for training batch b (this rank's rows of it).
static void device_fill(const Dataset *d, Model *m, CudaModel *cm, const int64_t *perm, int offset,
                        int64_t b, RowRef *rows, int lo_row, int b_local, int k) {
    dataset_batch_rows(d, perm, offset, b, rows);
    slot_fill(d, m, cm, rows + lo_row, b_local, k);
}

// FNV-1a over the parameter bytes, then the state's (clair3-fa's batch-norm running
// statistics): every rank must hold the same model after each update.
static uint64_t params_hash(const Model *m) {
    uint64_t h = 1469598103934665603ULL;
    const unsigned char *p = (const unsigned char *)m->params;
    for (size_t i = 0; i < m->n_params * sizeof(float); i++) h = (h ^ p[i]) * 1099511628211ULL;
    p = (const unsigned char *)m->state;
    for (size_t i = 0; i < m->n_state * sizeof(float); i++) h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

// Data parallelism with batch norm (clair3-fa): each rank's training forward normalises with the
// statistics of its own rows and moves its own running means and variances. After every update
// the ranks replace them by their average over the ranks, summed in rank order from an all-gather
// so that every rank computes the same floats (docs/distributed.md).
static void sync_state(Model *m, float *all) {
    const int W = dist_world();
    const size_t n = m->n_state;
    if (W == 1 || n == 0) return;
    dist_allgather(m->state, n * sizeof(float), all, "batch-norm statistics all-gather");
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (int r = 0; r < W; r++) s += all[(size_t)r * n + i];
        m->state[i] = (float)(s / W);
    }
}

static void check_same_params(const Model *m, int epoch) {
    const int W = dist_world();
    if (W == 1) return;
    uint64_t h = params_hash(m), *all = xmalloc((size_t)W * sizeof *all);
    dist_allgather(&h, sizeof h, all, "parameter check");
    for (int r = 1; r < W; r++)
        if (all[r] != all[0]) {
            if (dist_rank() == r)
                dist_abort("parameters after epoch %d differ from rank 0's (ranks out of step)",
                           epoch);
        }
    for (int r = 1; r < W; r++)
        if (all[r] != all[0]) dist_barrier("parameter check");  // the differing rank aborts
    free(all);
}

// Tests: CALLA_TEST_FAIL_RANK=r CALLA_TEST_FAIL_AT_STEP=s CALLA_TEST_FAIL_MODE=error|kill|hang
// makes rank r meet bad data (an error), be killed (SIGKILL) or hang, before update s.
static int test_fail(int64_t step) {
    const char *r = getenv("CALLA_TEST_FAIL_RANK"), *s = getenv("CALLA_TEST_FAIL_AT_STEP");
    if (!r || !s || atoi(r) != dist_rank() || atoll(s) != step) return 0;
    const char *mode = getenv("CALLA_TEST_FAIL_MODE");
    if (mode && !strcmp(mode, "kill")) raise(SIGKILL);
    if (mode && !strcmp(mode, "hang"))
        for (;;) sleep(1);
    calla_err("bad training record at step %" PRId64 " (injected by CALLA_TEST_FAIL_RANK)", step);
    return -1;
}

static int params_finite(const Model *m) {
    for (size_t i = 0; i < m->n_params; i++)
        if (!isfinite(m->params[i])) return 0;
    for (size_t i = 0; i < m->n_state; i++)  // batch-norm running statistics
        if (!isfinite(m->state[i])) return 0;
    return 1;
}

// Writes the checkpoint (rank 0). With ZeRO-1 every rank must call it: the shards of the optimizer
// state are gathered to rank 0 first, so the file is the one an unsharded run writes (any rank
// count and --zero setting can resume it).
static int save_checkpoint(const TrainConfig *c, const Model *m, const Optimizer *o,
                           const Schedule *s, const TrainState *st) {
    if (!c->zero) return dist_rank() == 0 ? checkpoint_save(c->ckpt, c, m, o, s, st) : 0;
    Optimizer full;
    zero_optim_gather(o, &full, m->n_params, 0);
    int rc = dist_rank() == 0 ? checkpoint_save(c->ckpt, c, m, &full, s, st) : 0;
    if (dist_rank() == 0) optim_free(&full);
    return rc;
}

// --init: the parameters and state of model file c->init, whose architecture and every
// parameter and state tensor (name and shape) must be m's. Returns 0, or -1 after a one-line
// error naming the file.
static int init_from_model(const TrainConfig *c, Model *m) {
    Model im;
    memset(&im, 0, sizeof im);
    if (modelfile_load(c->init, &im, 1, 0) < 0) return -1;
    int ok = im.arch == m->arch;
    const char *why = ok ? NULL : model_arch_name(im.arch);
    if (ok && (im.n_tensors != m->n_tensors || im.n_params != m->n_params ||
               im.n_state_tensors != m->n_state_tensors || im.n_state != m->n_state))
        ok = 0, why = "another number of parameters";
    for (int t = 0; ok && t < m->n_tensors + m->n_state_tensors; t++) {
        const ParamTensor *a = t < m->n_tensors ? &m->tensors[t] : &m->state_tensors[t - m->n_tensors];
        const ParamTensor *b = t < m->n_tensors ? &im.tensors[t] : &im.state_tensors[t - m->n_tensors];
        if (strcmp(a->name, b->name) || a->ndim != b->ndim || a->offset != b->offset ||
            memcmp(a->shape, b->shape, sizeof a->shape))
            ok = 0, why = a->name;
    }
    if (!ok) {
        if (im.arch != m->arch)
            calla_err("--init \"%s\" is a %s model; the training data need %s", c->init, why,
                      model_arch_name(m->arch));
        else
            calla_err("--init \"%s\": its parameters do not fit a %s model for these data (%s)",
                      c->init, model_arch_name(m->arch), why);
        model_free(&im);
        return -1;
    }
    memcpy(m->params, im.params, m->n_params * sizeof *m->params);
    if (m->n_state) memcpy(m->state, im.state, m->n_state * sizeof *m->state);
    model_free(&im);
    INFO("parameters initialised from \"%s\" (fine-tuning)", c->init);
    return 0;
}

// Model-file metadata: provenance of the best model.
static int save_model(const TrainConfig *c, const Model *m, int epoch, const Metrics *v) {
    char inputs[4096] = "", ep[32], seed[32], vl[64], vf1[64], vgf1[64];
    for (int i = 0; i < c->n_inputs; i++)
        snprintf(inputs + strlen(inputs), sizeof inputs - strlen(inputs), "%s%s", i ? "," : "",
                 c->inputs[i]);
    snprintf(ep, sizeof ep, "%d", epoch);
    snprintf(seed, sizeof seed, "%" PRIu64, c->seed);
    double n = v && v->n ? (double)v->n : 0;
    snprintf(vl, sizeof vl, "%.9g", n ? v->loss_sum / n : NAN);
    snprintf(vf1, sizeof vf1, "%.6f", v ? metrics_f1(v) : 0);
    snprintf(vgf1, sizeof vgf1, "%.6f", v ? metrics_genotype_f1(v) : 0);
    StMeta md[] = {
        {"platform", c->platform ? c->platform : ""},
        {"normalization", "model_input_from_features (see docs/design.md)"},
        {"training.inputs", inputs},
        {"training.optimizer", optim_kind_name(c->opt)},
        {"training.epochs", ep},
        {"training.seed", seed},
        {"training.val_loss", vl},
        {"training.val_f1", vf1},
        {"training.val_genotype_f1", vgf1},
        {"training.init", c->init ? c->init : ""},  // last: left out without --init
    };
    const int n_md = (int)(sizeof md / sizeof md[0]) - (c->init ? 0 : 1);
    return modelfile_save(c->out, m, md, n_md, NULL, 0);
}

// The log's first line (fresh runs only; a resumed run appends epochs): what trains and what
// validates. Readers tell it from epoch records by the "header" key.
static void log_header(FILE *lf, const TrainConfig *c, const Model *m, const Dataset *d,
                       int64_t spe) {
    fprintf(lf,
            "{\"header\":\"calla train\",\"version\":\"%s\",\"model\":\"%s\",\"n_params\":%zu,"
            "\"train_files\":%d,\"val_files\":%d,\"train_file_rows\":%" PRId64
            ",\"train_rows\":%" PRId64 ",\"train_chunks\":%" PRId64
            ",\"chunk\":%d,\"batch\":%d,\"batches_per_epoch\":%" PRId64
            ",\"val_rows\":%" PRId64 ",\"val_fraction\":%g,\"seed\":%" PRIu64 "}\n",
            CALLA_VERSION, model_arch_name(c->arch), m->n_params, c->n_inputs, c->n_val,
            d->n_train_rows_total, d->n_train_chunks * d->chunk, d->n_train_chunks, d->chunk,
            c->batch, spe, d->n_val, c->n_val ? 0.0 : c->val_fraction, (uint64_t)c->seed);
    fflush(lf);
}

static void log_epoch(FILE *lf, const Model *m, const TrainState *st, double lr, const Metrics *v,
                      double samples_per_s) {
    if (!lf) return;
    double tl = st->train_n ? st->train_loss_sum / st->train_n : NAN;
    fprintf(lf, "{\"epoch\":%d,\"step\":%" PRId64 ",\"lr\":%.9g,\"train_loss\":%.9g", st->epoch,
            st->step, lr, tl);
    if (v->n) {
        fprintf(lf, ",\"val_loss\":%.9g", v->loss_sum / v->n);
        for (int h = 0; h < m->n_heads; h++)
            fprintf(lf, ",\"val_loss_%s\":%.9g,\"val_acc_%s\":%.6f", m->heads[h].name,
                    v->head_loss_sum[h] / v->n, m->heads[h].name,
                    (double)v->head_correct[h] / v->n);
        fprintf(lf,
                ",\"val_precision\":%.6f,\"val_recall\":%.6f,\"val_f1\":%.6f,"
                "\"val_genotype_f1\":%.6f",
                metrics_precision(v), metrics_recall(v), metrics_f1(v), metrics_genotype_f1(v));
    }
    fprintf(lf, ",\"samples_per_s\":%.1f,\"wall_s\":%.3f}\n", samples_per_s, st->wall_s);
    fflush(lf);
}

static void fmt_hms(double s, char *buf, size_t n) {
    if (!isfinite(s) || s < 0) s = 0;
    long t = (long)s;
    snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
}

int train_run(TrainConfig *c) {
    Model m;
    Optimizer o;
    Schedule s;
    TrainState st;
    Dataset d;
    int rc = CALLA_EXIT_RUNTIME, wrote_model = 0;
    memset(&m, 0, sizeof m);
    memset(&o, 0, sizeof o);
    memset(&st, 0, sizeof st);
    FILE *lf = NULL;
    float *x = NULL, *labels = NULL, *state_all = NULL;
    int64_t *perm = NULL;
    RowRef *rows = NULL;
    uint8_t *mask = NULL;
    int have_model = 0, have_data = 0;
    int ckpt_exists = c->resume != NULL;  // for the NaN message
    int agreed = 0;  // the error is one that every rank reached together (no abort needed)
    DistReducer *red = NULL;
    CudaModel *cm = NULL;  // --device cuda: the model on the GPU (docs/cuda.md)
    const int W = dist_world(), R = dist_rank();
    // ZeRO-1: this rank updates (and keeps optimizer state for) params[z_lo, z_hi) only, from
    // the reduced gradient shard g_shard; without it the shard is everything.
    size_t z_lo = 0, z_hi = 0;
    float *g_shard = NULL;  // allocated with ZeRO-1 on several ranks, else m.grads is used

    // OpenMP threads partition the work; OpenBLAS itself stays single-threaded (network/gemm.h).
    network_set_threads(c->threads);
    if (c->resume) {
        if (checkpoint_load(c->resume, c, &m, &o, &s, &st) < 0) return CALLA_EXIT_RUNTIME;
        have_model = 1;
    }
    if (c->no_phasing_copy && c->arch != ARCH_CLAIR3_FA) {
        calla_err("--add-no-phasing-copy applies to clair3-fa (full-alignment) training only");
        goto done;
    }
    DatasetOpts dop = {.no_phasing_copy = c->no_phasing_copy};
    if (dataset_open_opts(&d, c->inputs, c->n_inputs, c->val, c->n_val, c->val_fraction, c->batch,
                          c->chunk, model_arch_feature_kind(c->arch), model_arch_name(c->arch),
                          &dop) < 0)
        goto done;
    have_data = 1;
    if (c->arch == ARCH_CLAIR3_FA && c->resume && m.fa_rows != d.fa_rows) {
        calla_err("\"%s\" holds full-alignment tensors of %d read rows but checkpoint \"%s\" is "
                  "a model of %d rows",
                  c->inputs[0], d.fa_rows, c->resume, m.fa_rows);
        goto done;
    }
    if (!c->platform && d.files[0].meta.platform && d.files[0].meta.platform[0])
        c->platform = d.files[0].meta.platform;  // recorded in the model file
    const int64_t spe = dataset_steps_per_epoch(&d);
    // Rank R trains on rows [lo_row, hi_row) of every global batch (contiguous, so that chunks
    // mostly stay on one rank).
    if (c->batch < W) {
        calla_err("the global batch (%d) is smaller than the number of ranks (%d)", c->batch, W);
        goto done;
    }
    const int lo_row = (int)((int64_t)c->batch * R / W), hi_row = (int)((int64_t)c->batch * (R + 1) / W);
    const int b_local = hi_row - lo_row, b_max = (c->batch + W - 1) / W;
    if (!c->resume) {
        if (model_create_rows(&m, c->arch, d.fa_rows, b_max) < 0) {
            calla_err("cannot create a %s model with batch %d", model_arch_name(c->arch), c->batch);
            goto done;
        }
        have_model = 1;
        model_init_params(&m, c->seed);
        if (c->init && init_from_model(c, &m) < 0) goto done;
        optim_init(&o, c->opt, m.n_params, c->weight_decay, m.params);
        int64_t total = spe * c->epochs;
        int64_t warm = c->warmup >= 0 ? c->warmup : total / 10;
        if (c->sched != SCHED_WARMUP_LINEAR && c->sched != SCHED_WARMUP_COSINE) warm = 0;
        schedule_init(&s, c->sched, c->lr, warm, total, c->min_lr_ratio);
        rng_seed_stream(&st.data_rng, c->seed, 1);
        st.best_val = INFINITY;
    } else if (st.batch_in_epoch > spe) {
        calla_err("checkpoint \"%s\" is at batch %" PRId64
                  " of an epoch but the inputs give %" PRId64
                  " batches per epoch; resume with the same inputs",
                  c->resume, st.batch_in_epoch, spe);
        goto done;
    }
    z_hi = m.n_params;
    if (c->zero) {  // every rank built (or read) the whole state: keep only its shard
        zero_shard_range(m.n_params, W, R, ZERO_ALIGN, &z_lo, &z_hi);
        Optimizer sh;
        zero_optim_slice(&sh, &o, z_lo, z_hi);
        optim_free(&o);
        o = sh;
        if (W > 1 && calla_device_get() < 0)  // (on a GPU the shard is a device buffer)
            g_shard = xmalloc((z_hi - z_lo + 1) * sizeof(float));
    }
    mask = xmalloc(m.n_params ? m.n_params : 1);
    for (int i = 0; i < m.n_tensors; i++)
        memset(mask + m.tensors[i].offset, m.tensors[i].decay ? 1 : 0, m.tensors[i].numel);
    float *dev_shard = NULL;  // --device cuda with ZeRO-1: the device gradient shard
    if (calla_device_get() >= 0) {  // --device cuda: parameters, gradients, state on the GPU
        int dev = calla_device_get();
        if (W > 1) {  // one GPU per rank: the local rank's (docs/cuda.md "Several GPUs")
            if (dev > 0) {
                agreed = 1;
                if (R == 0)
                    calla_err("--device cuda:%d names one GPU; with %d ranks give --device cuda "
                              "(rank -> GPU by local rank; CUDA_VISIBLE_DEVICES picks the set)",
                              dev, W);
                goto done;
            }
            int ndev = cuda_device_count(NULL, 0);
            dev = dist_device_index(ndev);
            if (device_backend() == DIST_NCCL && dist_local_world() > ndev) {
                agreed = 1;
                if (R == 0)
                    calla_err("%d ranks on a node with %d GPU%s: NCCL needs one GPU per rank "
                              "(fewer ranks, or CALLA_DIST_BACKEND=staged)",
                              dist_local_world(), ndev, ndev == 1 ? "" : "s");
                goto done;
            }
        }
        cm = cuda_model_new(&m, dev, calla_device_get_precision());
        if (!cm) goto done;
        if (c->cuda_graphs && W == 1) cuda_model_set_graphs(cm, 1);  // one-process steps only
        else if (c->cuda_graphs)
            INFO("--cuda-graphs: not used with %d ranks (the step is split around the reduction)", W);
        if (W > 1 && c->zero)  // optimizer on the shard, on the device
            dev_shard = cuda_optim_attach_shard(cm, &o, mask, z_lo,
                                                zero_padded_len(m.n_params, W, ZERO_ALIGN));
        else
            cuda_optim_attach(cm, &o, mask);
    }
    x = xmalloc((size_t)b_max * m.n_pos * m.n_chan * sizeof(float));
    labels = xmalloc((size_t)b_max * m.n_labels * sizeof(float));
    if (W > 1) {
        DistReducerOpts ro = {.backend = DIST_HOST, .zero = c->zero,
                              .bucket = c->bucket ? c->bucket : (size_t)1 << 20};
        if (cm) {  // the device gradient buffer, on the model's stream or staged through the host
            ro.backend = device_backend();
            ro.copy.to_host = cuda_copy_to_host, ro.copy.to_device = cuda_copy_to_device;
            ro.copy.ctx = cm;
            ro.stream = cuda_model_stream(cm);
            red = dist_reducer_open(cuda_model_grads_dev(cm), dev_shard, m.n_params, &ro);
        } else {
            red = dist_reducer_open(m.grads, g_shard, m.n_params, &ro);
        }
    }
    if (W > 1 && m.n_state) state_all = xmalloc((size_t)W * m.n_state * sizeof *state_all);
    perm = xmalloc((size_t)d.n_train_chunks * sizeof *perm);
    rows = xmalloc((size_t)c->batch * sizeof *rows);
    if (!cm) blas_check_buffer(c->threads);  // under ulimit -v: an error now, not a hang at a GEMM
    if (c->log && R == 0) {
        lf = strcmp(c->log, "-") == 0 ? stdout : fopen(c->log, c->resume ? "a" : "w");
        if (!lf) {
            calla_err("cannot write log \"%s\": %s", c->log, strerror(errno));
            goto done;
        }
    }
    INFO("%s: %zu parameters; %" PRId64 " training rows in %" PRId64 " chunks of %d (%" PRId64
         " batches of %d per epoch, %" PRId64 " rows), %" PRId64
         " validation rows; %s, lr %g, %s",
         model_arch_name(c->arch), m.n_params, d.n_train_chunks * d.chunk, d.n_train_chunks,
         d.chunk, spe, c->batch, spe * c->batch, d.n_val, optim_kind_name(c->opt), c->lr,
         schedule_kind_name(c->sched));
    if (m.arch == ARCH_CLAIR3_FA)
        INFO("full-alignment tensors of %d read rows%s", d.fa_rows,
             d.dup > 1 ? "; every record also trains as its unphased copy (2 rows per record)" : "");
    if (lf && !c->resume) log_header(lf, c, &m, &d, spe);
    if (W > 1)
        INFO("%d ranks x %d rows of each global batch of %d; gradient all-reduce in %d bucket(s)%s%s%s",
             W, b_max, c->batch, dist_reducer_buckets(red),
             c->lr_scaling ? "; linear learning-rate scaling" : "", cm ? "; GPU per rank, " : "",
             cm ? dist_backend_name(device_backend()) : "");
    if (W > 1 && c->zero)
        INFO("ZeRO-1: gradients reduce-scattered, each rank updates a shard of %zu parameters "
             "(rank 0: [%zu, %zu)), parameters all-gathered",
             zero_shard_size(m.n_params, W, ZERO_ALIGN), z_lo, z_hi);

    // tests: CALLA_TEST_NO_BN_SYNC keeps each rank's batch-norm statistics (the identity check
    // must then stop the job)
    const int no_bn_sync = getenv("CALLA_TEST_NO_BN_SYNC") != NULL;
    const char *nan_env = getenv("CALLA_TEST_NAN_AT_STEP");  // tests: inject a NaN loss
    const int64_t nan_at = nan_env ? atoll(nan_env) : -1;
    cleanup_set_graceful(1);
    Progress prog;
    progress_init(&prog, 1.0);
    if (!prog.tty) prog.interval = 10.0;  // logs: fewer lines
    double t_run = now_seconds(), wall0 = st.wall_s;
    int64_t step0 = st.step;
    int stop = 0;  // 1 early stop / schedule end, 2 interrupted, 3 max steps
    while (!stop && st.epoch < c->epochs) {
        Rng epoch_rng = st.data_rng;
        Rng r = epoch_rng;
        int offset;
        dataset_epoch_order(&d, &r, perm, &offset);
        double t_epoch = now_seconds();
        int64_t samples_epoch = 0;
        int slot = 0, have_next = 0;  // --device cuda: the input slot holding batch b
        for (int64_t b = st.batch_in_epoch; b < spe; b++) {
            if (!cm) {
                dataset_batch_rows(&d, perm, offset, b, rows);
                dataset_fill(&d, &m, rows + lo_row, b_local, x, labels);
            } else if (!have_next) {  // the epoch's first batch: nothing was prefetched
                device_fill(&d, &m, cm, perm, offset, b, rows, lo_row, b_local, slot);
            }
            if (test_fail(st.step + 1) < 0) goto done;
            // Every rank holds the same m.rng (one draw per step seeds the dropout streams) and
            // masks are keyed by the row's place in the global batch: the masks of a one-process run.
            m.row0 = lo_row;
            double loss;
            if (cm) {
                // --device cuda: forward, backward and update enqueued as one device step (on
                // several ranks, the forward only: the step is split around the gradient
                // reduction); while the device computes, the host reads batch b+1 into the other
                // slot and starts its upload; then the one host wait, for the loss. clair3-fa's
                // batch norm trains even without dropout, as on the CPU.
                const int fa = m.arch == ARCH_CLAIR3_FA;
                if (fa) m.no_dropout = c->no_dropout;
                cuda_train_enqueue(cm, &m, W == 1 ? &o : NULL, slot, fa || !c->no_dropout,
                                   schedule_lr(&s, st.step + 1) * lr_factor(c, st.step + 1), s.scale);
                have_next = b + 1 < spe;
                if (have_next)
                    device_fill(&d, &m, cm, perm, offset, b + 1, rows, lo_row, b_local, slot ^ 1);
                loss = cuda_train_wait(cm, &m);
            } else if (m.arch == ARCH_CLAIR3_FA) {  // batch norm trains even without dropout
                m.no_dropout = c->no_dropout;
                loss = model_forward(&m, x, labels, b_local, 1);
            } else {
                loss = model_forward(&m, x, labels, b_local, !c->no_dropout);
            }
            if (st.step + 1 == nan_at) loss = NAN;
            // [summed loss of the global batch, ranks asking to stop]
            double agg[2] = {metrics_batch_sum(&m, loss, b_local), cleanup_stop_requested()};
            dist_sum_f64(agg, 2, "loss all-reduce");
            if (!isfinite(agg[0])) {
                agreed = 1;
                if (R == 0)
                    calla_err("loss is %g at step %" PRId64 " (epoch %d); stopping, %s%s%s", agg[0],
                              st.step + 1, st.epoch + 1,
                              ckpt_exists ? "the last good checkpoint \"" : "no checkpoint written yet",
                              ckpt_exists ? c->ckpt : "", ckpt_exists ? "\" is kept" : "");
                goto done;
            }
            // With several ranks, each finished bucket of gradients starts its all-reduce while
            // the backward pass goes on through the earlier layers.
            GradReady gr = {&m, red, (float)((double)b_local / c->batch)};
            DevGradReady dgr = {gr, cm};
            if (W > 1) m.grad_ready = grads_ready, m.grad_ready_ud = &gr;
            if (!cm) model_backward(&m);
            else if (W > 1) cuda_model_backward_ready(cm, dev_grads_ready, &dgr);
            m.grad_ready = NULL, m.grad_ready_ud = NULL;
            if (W > 1) dist_reducer_finish(red);
            double lr = schedule_lr(&s, st.step + 1) * lr_factor(c, st.step + 1);
            if (!cm)
                optim_step(&o, m.params + z_lo, g_shard ? g_shard : m.grads, mask + z_lo, lr,
                           s.scale);
            else if (W > 1)
                cuda_optim_step(cm, &o, lr, s.scale);
            if (red && c->zero) dist_reducer_gather_params(red, cm ? cuda_model_params_dev(cm) : m.params);
            if (!no_bn_sync && W > 1 && m.n_state) {  // BN statistics: the ranks' average
                if (cm) cuda_model_get_state(cm, m.state);
                sync_state(&m, state_all);
                if (cm) cuda_model_set_state(cm, m.state);
            }
            st.step++;
            st.batch_in_epoch = b + 1;
            slot ^= 1;
            st.train_loss_sum += agg[0];
            st.train_n += c->batch;
            samples_epoch += c->batch;
            if (R == 0 && progress_due(&prog)) {
                double el = now_seconds() - t_run, rate = (st.step - step0) / (el > 0 ? el : 1e-9);
                int64_t left = spe * c->epochs - st.step;
                if (c->max_steps > 0 && c->max_steps - st.step < left)
                    left = c->max_steps - st.step;
                char eta[32];
                fmt_hms(left / (rate > 0 ? rate : 1e-9), eta, sizeof eta);
                fprintf(stderr,
                        "[calla train] epoch %d step %" PRId64 " loss %.5f %.0f samples/s ETA %s%s",
                        st.epoch + 1, st.step, st.train_loss_sum / st.train_n, rate * c->batch, eta,
                        prog.tty ? "\r" : "\n");
            }
            if (W > 1 ? agg[1] > 0 : cleanup_stop_requested())
                stop = 2;
            else if (c->max_steps > 0 && st.step >= c->max_steps)
                stop = 3;
            if (stop && b + 1 < spe) break;
            if (stop) stop = -stop;  // stopped exactly at the end of the epoch: finish it first
        }
        if (prog.tty && R == 0) fputc('\n', stderr), prog.last = 0;
        int mid = stop > 0;
        if (stop < 0) stop = -stop;
        st.wall_s = wall0 + (now_seconds() - t_run);
        if (cm)  // to the host: parameters, BN statistics (clair3-fa), optimizer state
            cuda_model_get_params(cm, m.params), cuda_model_get_state(cm, m.state),
                cuda_optim_get_state(cm, &o);
        if (!params_finite(&m)) {
            agreed = 1;
            if (R == 0)
            calla_err("parameters became non-finite by step %" PRId64
                      " (epoch %d); stopping, %s%s%s",
                      st.step, st.epoch + 1,
                      ckpt_exists ? "the last good checkpoint \"" : "no checkpoint written yet",
                      ckpt_exists ? c->ckpt : "", ckpt_exists ? "\" is kept" : "");
            goto done;
        }
        if (mid) {  // interrupted inside the epoch: checkpoint the position within it
            st.data_rng = epoch_rng;
            if (save_checkpoint(c, &m, &o, &s, &st) < 0) goto done;
            ckpt_exists = 1;
            break;
        }
        // End of epoch: validate, log, keep the best model, checkpoint.
        double tr_rate = samples_epoch / fmax(now_seconds() - t_epoch, 1e-9);
        Metrics v;
        validate(&d, &m, cm, b_max, x, labels, &v);
        check_same_params(&m, st.epoch + 1);
        double lr_now = schedule_lr(&s, st.step) * lr_factor(c, st.step);
        st.epoch++;
        st.batch_in_epoch = 0;
        st.data_rng = r;
        st.wall_s = wall0 + (now_seconds() - t_run);
        log_epoch(lf, &m, &st, lr_now, &v, tr_rate);
        double vl = v.n ? v.loss_sum / v.n : NAN;
        double tl = st.train_n ? st.train_loss_sum / st.train_n : NAN;
        if (v.n)
            INFO("epoch %d: train loss %.5f, val loss %.5f, val F1 %.4f, genotype F1 %.4f",
                       st.epoch, tl, vl, metrics_f1(&v), metrics_genotype_f1(&v));
        else
            INFO("epoch %d: train loss %.5f (no validation set)", st.epoch, tl);
        st.train_loss_sum = 0;
        st.train_n = 0;
        if (!v.n || vl < st.best_val) {  // no validation set: keep the latest model
            if (v.n) st.best_val = vl;
            st.best_epoch = st.epoch;
            st.since_best = 0;
            if (R == 0 && save_model(c, &m, st.epoch, &v) < 0) goto done;
            wrote_model = 1;
        } else {
            st.since_best++;
        }
        int sr = v.n ? schedule_epoch_end(&s, v.loss_sum) : 0;
        if (sr == 1) INFO("validation loss plateaued: learning rate and L2 now x%g", s.scale);
        if (save_checkpoint(c, &m, &o, &s, &st) < 0) goto done;
        ckpt_exists = 1;
        int sq = cleanup_stop_requested();
        dist_max_int(&sq, "stop flag");
        if (!stop && st.epoch < c->epochs && sq) stop = 2;  // during validation
        if (stop) {
            // interrupted or --max-steps at the end of the epoch: reported after the loop
        } else if (sr == 2) {
            INFO("validation loss plateaued for the third time: stopping");
            stop = 1;
        } else if (c->early_stop > 0 && st.since_best >= c->early_stop) {
            INFO("no validation improvement for %d epochs: stopping", st.since_best);
            stop = 1;
        }
    }
    if (stop == 2) {
        agreed = 1;
        if (R == 0)
        calla_err("interrupted at step %" PRId64 "; checkpoint written to \"%s\" (continue with --resume)",
                  st.step, c->ckpt);
        goto done;
    }
    if (stop == 3)
        INFO("stopped after %" PRId64 " steps (--max-steps); checkpoint \"%s\"", st.step,
                   c->ckpt);
    else if (isfinite(st.best_val) && !wrote_model)  // a resume that beat nothing (or ran no epoch)
        INFO("done: no epoch of this run beat epoch %d (val loss %.5f); \"%s\" was not rewritten "
             "(the best model is what the earlier run wrote there)",
             st.best_epoch, st.best_val, c->out);
    else if (isfinite(st.best_val))
        INFO("done: best epoch %d (val loss %.5f), model \"%s\"", st.best_epoch,
                   st.best_val, c->out);
    else
        INFO("done: model of epoch %d (no validation set) in \"%s\"", st.best_epoch, c->out);
    rc = 0;
done:
    if (rc != 0 && W > 1 && !agreed) dist_abort("stopping the whole job after the error above");
    dist_reducer_free(red);
    cuda_model_free(cm);
    free(g_shard);
    cleanup_set_graceful(0);
    if (lf && (lf == stdout ? fflush(lf) != 0 || ferror(lf) : fclose(lf) != 0)) {
        calla_err("failed to write log \"%s\"", c->log);
        rc = CALLA_EXIT_RUNTIME;
    }
    free(x);
    free(labels);
    free(state_all);
    free(perm);
    free(rows);
    free(mask);
    if (have_model) {
        optim_free(&o);
        model_free(&m);
    }
    if (have_data) dataset_close(&d);
    return rc;
}
