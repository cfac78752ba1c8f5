// cmd_train.c — `calla train`: option parsing and recipes; the loop is src/training/trainer.c.
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "common/util.h"
#include "cuda/cuda_backend.h"
#include "tensors/tensorfile.h"
#include "training/dist.h"
#include "training/trainer.h"

static void usage(FILE *out) {
    fprintf(
        out,
        "\nUsage: calla train -i FILE [FILE...] [--model clair3-pileup|clairvoyante|clair3-fa] -o "
        "OUT.safetensors [options]\n\n"
        "Input:\n"
        "  -i, --input FILE       training tensor file (repeat, or list several)\n"
        "  --val FILE             validation tensor file (repeatable); default: chunked split\n"
        "  --val-fraction F       held-out fraction of each input's rows, at its end [0.1]\n"
        "  --chunk N              rows per contiguous chunk [250; clair3-fa 200]\n"
        "  --add-no-phasing-copy  clair3-fa: also train on an unphased copy of every record\n"
        "                         (HP channel 60, rows re-sorted; Clair3's\n"
        "                         --add_no_phasing_data_training)\n"
        "Model and recipe:\n"
        "  --model, --arch ARCH   clair3-pileup | clairvoyante | clair3-fa [from the first\n"
        "                         input's tensor kind; on --resume: the checkpoint's]\n"
        "  --batch N              samples per batch, a multiple of --chunk [2000; clairvoyante "
        "10000]\n"
        "  --epochs N             maximum epochs [30; on --resume: as saved]\n"
        "  --optimizer NAME       adamw | adam | radam-lookahead [clair3: adamw; clairvoyante: "
        "adam]\n"
        "  --lr X                 base learning rate [1e-3]\n"
        "  --weight-decay X       adamw: decoupled decay [1e-4; clair3-fa 1e-7]; adam: L2 lambda\n"
        "                         [1e-3];\n"
        "                         radam-lookahead: L2 lambda [1e-7]\n"
        "  --schedule NAME        constant | warmup-linear | warmup-cosine | plateau\n"
        "                         [adamw: constant (clair3-fa: warmup-linear to a constant\n"
        "                         lr); adam: plateau; radam-lookahead: warmup-linear]\n"
        "  --warmup-steps N       warm-up updates [10%% of all updates]\n"
        "  --min-lr-ratio X       end of the linear/cosine decay, times lr [radam: 0.75;\n"
        "                         clair3-fa adamw: 1 (no decay); else 0]\n"
        "  --early-stop N         stop after N epochs without a better validation loss [10; 0 off; "
        "on --resume: as saved]\n"
        "  --seed S               seed of initialisation, dropout and data order [1]\n"
        "  --init MODEL           start from MODEL's parameters (fine-tuning): same architecture\n"
        "                         and shapes (clair3-fa: any read-row count); optimizer fresh\n"
        "  --platform NAME        recorded in the model file (ilmn, hifi, ont)\n"
        "Output:\n"
        "  -o, --output FILE      best model (lowest validation loss), safetensors (a file:\n"
        "                         not '-'; the checkpoint is written next to it)\n"
        "  --checkpoint FILE      per-epoch checkpoint [OUT.ckpt]\n"
        "  --resume FILE          continue exactly from a checkpoint\n"
        "  --log FILE             a header line, then one JSON line per epoch ('-': stdout)\n"
        "  -@, --threads N        threads [all]\n"
        "  --device cpu|cuda|cuda:N  train on the CPU or a GPU, one per rank under mpirun [cpu]\n"
        "                         (docs/cuda.md)\n"
        "  --precision fp32|tf32|bf16  GPU matrix products (tf32/bf16: tensor cores) [fp32]\n"
        "  --cuda-graphs          replay each GPU training step from a captured CUDA graph\n"
        "                         (one process; results identical to without) [off]\n"
        "  --max-steps N          stop after N updates, writing a checkpoint (for tests)\n"
        "Data parallelism (mpirun -np N calla train ...; docs/distributed.md):\n"
        "  --global-batch N       same as --batch: rows per update over all ranks\n"
        "  --batch-per-rank N     global batch = N x ranks\n"
        "  --lr-scaling linear|none  linear: lr x global batch / --lr-base-batch [none]\n"
        "  --lr-base-batch N      reference batch of the scaling [the per-rank batch]\n"
        "  --lr-scale-warmup N    ramp the scale factor from 1 over N updates [0]\n"
        "  --no-dropout           train without dropout (rank-count equivalence checks)\n"
        "  --bucket-size N        floats per gradient all-reduce bucket [1048576]\n"
        "  --mpi-timeout S        abort the job when a collective waits longer than S s [600]\n"
        "  --zero 0|1             1: ZeRO-1, shard the optimizer state over the ranks [0]\n"
        "  (-@ is the thread count of each rank)\n"
        "  -h, --help             this text\n\n");
}

enum {
    O_MODEL = 256,
    O_VAL,
    O_VALF,
    O_CHUNK,
    O_BATCH,
    O_EPOCHS,
    O_OPT,
    O_LR,
    O_WD,
    O_SCHED,
    O_WARM,
    O_MINLR,
    O_EARLY,
    O_SEED,
    O_PLAT,
    O_CKPT,
    O_RESUME,
    O_INIT,
    O_LOG,
    O_MAXSTEPS,
    O_GBATCH,
    O_BPR,
    O_LRSCALE,
    O_LRBASE,
    O_LRWARM,
    O_NODROP,
    O_BUCKET,
    O_MPITO,
    O_ZERO,
    O_NOPHASE
};

enum { O_DEVICE = 400, O_PRECISION, O_CUDA_GRAPHS };  // --device, --precision (docs/cuda.md)

// The model that reads the tensors of `path` (one architecture per feature kind).
static int arch_from_input(const char *path, ModelArch *a) {
    TensorFile tf;
    if (tensorfile_open(&tf, path) < 0) return -1;
    FeatureKind k = tf.meta.kind;
    tensorfile_close(&tf);
    *a = k == FEAT_CLAIRVOYANTE ? ARCH_CLAIRVOYANTE
         : k == FEAT_CLAIR3_FA  ? ARCH_CLAIR3_FA
                                : ARCH_CLAIR3_PILEUP;
    return 0;
}

static int bad_value(const char *opt, const char *v) {
    calla_err("invalid value for %s: \"%s\"", opt, v);
    usage(stderr);
    return CALLA_EXIT_USAGE;
}

int main_train(int argc, char **argv) {
    static const struct option lo[] = {{"input", required_argument, 0, 'i'},
                                       {"output", required_argument, 0, 'o'},
                                       {"threads", required_argument, 0, '@'},
                                       {"help", no_argument, 0, 'h'},
                                       {"model", required_argument, 0, O_MODEL},
                                       {"arch", required_argument, 0, O_MODEL},
                                       {"add-no-phasing-copy", no_argument, 0, O_NOPHASE},
                                       {"val", required_argument, 0, O_VAL},
                                       {"val-fraction", required_argument, 0, O_VALF},
                                       {"chunk", required_argument, 0, O_CHUNK},
                                       {"batch", required_argument, 0, O_BATCH},
                                       {"epochs", required_argument, 0, O_EPOCHS},
                                       {"optimizer", required_argument, 0, O_OPT},
                                       {"lr", required_argument, 0, O_LR},
                                       {"weight-decay", required_argument, 0, O_WD},
                                       {"schedule", required_argument, 0, O_SCHED},
                                       {"warmup-steps", required_argument, 0, O_WARM},
                                       {"min-lr-ratio", required_argument, 0, O_MINLR},
                                       {"early-stop", required_argument, 0, O_EARLY},
                                       {"seed", required_argument, 0, O_SEED},
                                       {"platform", required_argument, 0, O_PLAT},
                                       {"checkpoint", required_argument, 0, O_CKPT},
                                       {"resume", required_argument, 0, O_RESUME},
                                       {"init", required_argument, 0, O_INIT},
                                       {"log", required_argument, 0, O_LOG},
                                       {"max-steps", required_argument, 0, O_MAXSTEPS},
                                       {"global-batch", required_argument, 0, O_GBATCH},
                                       {"batch-per-rank", required_argument, 0, O_BPR},
                                       {"lr-scaling", required_argument, 0, O_LRSCALE},
                                       {"lr-base-batch", required_argument, 0, O_LRBASE},
                                       {"lr-scale-warmup", required_argument, 0, O_LRWARM},
                                       {"no-dropout", no_argument, 0, O_NODROP},
                                       {"bucket-size", required_argument, 0, O_BUCKET},
                                       {"mpi-timeout", required_argument, 0, O_MPITO},
                                       {"zero", required_argument, 0, O_ZERO},
                                       {"device", required_argument, 0, O_DEVICE},
                                       {"precision", required_argument, 0, O_PRECISION},
                                       {"cuda-graphs", no_argument, 0, O_CUDA_GRAPHS},
                                       {0, 0, 0, 0}};
    TrainConfig c;
    memset(&c, 0, sizeof c);
    char **inputs = xcalloc(argc + 1, sizeof(char *)), **val = xcalloc(argc + 1, sizeof(char *));
    int ni = 0, nv = 0, have_model = 0, have_opt = 0, have_sched = 0, batch = 0, per_rank = 0;
    int have_chunk = 0;
    double mpi_timeout = 0;
    int device = -1, precision = 0;  // --device, --precision
    double wd = NAN, minlr = NAN;
    c.val_fraction = 0.1;
    c.chunk = 250;
    c.epochs = 0;  // 0 / -1: the default, or on --resume the checkpoint's value
    c.lr = 1e-3;
    c.warmup = -1;
    c.early_stop = -1;
    c.seed = 1;
    char *ckpt_default = NULL;
    int rc = CALLA_EXIT_USAGE, opt;
    long l;
    double dv;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "i:o:@:h", lo, NULL)) != -1) {
        switch (opt) {
            case 'i': inputs[ni++] = optarg; break;
            case 'o': c.out = optarg; break;
            case '@':
                if (parse_int(optarg, &l) < 0 || l < 1) {
                    rc = bad_value("--threads", optarg);
                    goto out;
                }
                c.threads = (int)l;
                break;
            case 'h':
                usage(stdout);
                rc = 0;
                goto out;
            case O_MODEL:
                if (model_arch_parse(optarg, &c.arch) < 0) {
                    rc = bad_value("--model", optarg);
                    goto out;
                }
                have_model = 1;
                break;
            case O_VAL: val[nv++] = optarg; break;
            case O_VALF:
                if (parse_double(optarg, &dv) < 0 || dv < 0 || dv >= 1) {
                    rc = bad_value("--val-fraction", optarg);
                    goto out;
                }
                c.val_fraction = dv;
                break;
            case O_CHUNK:
                if (parse_int(optarg, &l) < 0 || l < 1 || l > 1000000) {
                    rc = bad_value("--chunk", optarg);
                    goto out;
                }
                c.chunk = (int)l;
                have_chunk = 1;
                break;
            case O_BATCH:
            case O_GBATCH:
                if (parse_int(optarg, &l) < 0 || l < 1 || l > 10000000) {
                    rc = bad_value("--batch", optarg);
                    goto out;
                }
                batch = (int)l;
                break;
            case O_EPOCHS:
                if (parse_int(optarg, &l) < 0 || l < 1 || l > 1000000) {
                    rc = bad_value("--epochs", optarg);
                    goto out;
                }
                c.epochs = (int)l;
                break;
            case O_OPT:
                if (optim_kind_parse(optarg, &c.opt) < 0) {
                    rc = bad_value("--optimizer", optarg);
                    goto out;
                }
                have_opt = 1;
                break;
            case O_LR:
                if (parse_double(optarg, &dv) < 0 || !(dv > 0)) {
                    rc = bad_value("--lr", optarg);
                    goto out;
                }
                c.lr = dv;
                break;
            case O_WD:
                if (parse_double(optarg, &dv) < 0 || !(dv >= 0)) {
                    rc = bad_value("--weight-decay", optarg);
                    goto out;
                }
                wd = dv;
                break;
            case O_SCHED:
                if (schedule_kind_parse(optarg, &c.sched) < 0) {
                    rc = bad_value("--schedule", optarg);
                    goto out;
                }
                have_sched = 1;
                break;
            case O_WARM:
                if (parse_int(optarg, &l) < 0 || l < 0) {
                    rc = bad_value("--warmup-steps", optarg);
                    goto out;
                }
                c.warmup = l;
                break;
            case O_MINLR:
                if (parse_double(optarg, &dv) < 0 || dv < 0 || dv > 1) {
                    rc = bad_value("--min-lr-ratio", optarg);
                    goto out;
                }
                minlr = dv;
                break;
            case O_EARLY:
                if (parse_int(optarg, &l) < 0 || l < 0) {
                    rc = bad_value("--early-stop", optarg);
                    goto out;
                }
                c.early_stop = (int)l;
                break;
            case O_SEED:
                if (parse_int(optarg, &l) < 0 || l < 0) {
                    rc = bad_value("--seed", optarg);
                    goto out;
                }
                c.seed = (uint64_t)l;
                break;
            case O_PLAT: c.platform = optarg; break;
            case O_CKPT: c.ckpt = optarg; break;
            case O_RESUME: c.resume = optarg; break;
            case O_INIT: c.init = optarg; break;
            case O_LOG: c.log = optarg; break;
            case O_MAXSTEPS:
                if (parse_int(optarg, &l) < 0 || l < 1) {
                    rc = bad_value("--max-steps", optarg);
                    goto out;
                }
                c.max_steps = l;
                break;
            case O_BPR:
                if (parse_int(optarg, &l) < 0 || l < 1 || l > 10000000) {
                    rc = bad_value("--batch-per-rank", optarg);
                    goto out;
                }
                per_rank = (int)l;
                break;
            case O_LRSCALE:
                if (strcmp(optarg, "linear") && strcmp(optarg, "none")) {
                    rc = bad_value("--lr-scaling", optarg);
                    goto out;
                }
                c.lr_scaling = !strcmp(optarg, "linear");
                break;
            case O_LRBASE:
                if (parse_int(optarg, &l) < 0 || l < 1 || l > 10000000) {
                    rc = bad_value("--lr-base-batch", optarg);
                    goto out;
                }
                c.lr_base_batch = (int)l;
                break;
            case O_LRWARM:
                if (parse_int(optarg, &l) < 0 || l < 0) {
                    rc = bad_value("--lr-scale-warmup", optarg);
                    goto out;
                }
                c.lr_scale_warmup = l;
                break;
            case O_NODROP: c.no_dropout = 1; break;
            case O_NOPHASE: c.no_phasing_copy = 1; break;
            case O_BUCKET:
                if (parse_int(optarg, &l) < 0 || l < 1) {
                    rc = bad_value("--bucket-size", optarg);
                    goto out;
                }
                c.bucket = (size_t)l;
                break;
            case O_MPITO:
                if (parse_double(optarg, &dv) < 0 || !(dv > 0)) {
                    rc = bad_value("--mpi-timeout", optarg);
                    goto out;
                }
                mpi_timeout = dv;
                break;
            case O_ZERO:  // ZeRO stages 2 and 3 (gradient, parameter sharding) are not offered
                if (parse_int(optarg, &l) < 0 || l < 0 || l > 1) {
                    rc = bad_value("--zero", optarg);
                    goto out;
                }
                c.zero = (int)l;
                break;
            case O_DEVICE:
                if (calla_device_parse(optarg, &device) < 0) {
                    rc = bad_value("--device", optarg);
                    goto out;
                }
                break;
            case O_CUDA_GRAPHS: c.cuda_graphs = 1; break;
            case O_PRECISION:
                if (strcmp(optarg, "fp32") && strcmp(optarg, "tf32") && strcmp(optarg, "bf16")) {
                    rc = bad_value("--precision", optarg);
                    goto out;
                }
                precision = optarg[0] == 'f' ? 0 : optarg[0] == 't' ? 1 : 2;
                break;
            default: usage(stderr); goto out;
        }
    }
    while (optind < argc) inputs[ni++] = argv[optind++];
    if (ni == 0 || !c.out) {
        calla_err("%s", ni == 0 ? "no input tensor file (-i)" : "no output model (-o)");
        usage(stderr);
        goto out;
    }
    if (!have_model && !c.resume) {  // the architecture that reads the first input's tensors
        if (arch_from_input(inputs[0], &c.arch) < 0) {
            rc = CALLA_EXIT_RUNTIME;
            goto out;
        }
        have_model = 1;
    }
    if (strcmp(c.out, "-") == 0 || (c.ckpt && strcmp(c.ckpt, "-") == 0)) {
        calla_err("-o/--checkpoint: a model file cannot be written to standard output (it is "
                  "rewritten after each better epoch); give a file name");
        usage(stderr);
        goto out;
    }
    if (c.init && c.resume) {
        calla_err("--init and --resume exclude each other (a checkpoint holds its parameters)");
        usage(stderr);
        goto out;
    }
    if (batch && per_rank) {
        calla_err("--batch/--global-batch and --batch-per-rank exclude each other");
        usage(stderr);
        goto out;
    }
    if (c.cuda_graphs && device < 0) {
        calla_err("--cuda-graphs applies to --device cuda only");
        usage(stderr);
        goto out;
    }
    if (device >= 0 && cuda_device_check(device) < 0) {  // e.g. "built without CUDA"
        rc = CALLA_EXIT_RUNTIME;
        goto out;
    }
    calla_device_set(device);
    calla_device_set_precision(precision);
    // From here on every rank of an MPI job runs the same code; errors end the whole job.
    dist_init(&argc, &argv, "train", mpi_timeout);
    if (per_rank) batch = per_rank * dist_world();
    // Recipes (docs/training.md): Clair3 v2 = AdamW 1e-3, wd 1e-4, batch 2000, constant lr;
    // Clairvoyante = Adam 1e-3, L2 1e-3, batch 10000, plateau decay; Clair3 v1 = RAdam+Lookahead.
    if (!have_opt) c.opt = have_model && c.arch == ARCH_CLAIRVOYANTE ? OPT_ADAM : OPT_ADAMW;
    // clair3-fa: a linear warm-up, then constant (Clair3's README: "with warm-up"); without it
    // the first updates can leave a head's SELU logits all at SELU's floor, where no gradient
    // brings them back (docs/training.md)
    const int fa = have_model && c.arch == ARCH_CLAIR3_FA;
    if (!have_sched && fa && c.opt == OPT_ADAMW)
        c.sched = SCHED_WARMUP_LINEAR;
    else if (!have_sched)
        c.sched = c.opt == OPT_ADAM              ? SCHED_PLATEAU
                  : c.opt == OPT_RADAM_LOOKAHEAD ? SCHED_WARMUP_LINEAR
                                                 : SCHED_CONSTANT;
    // Clair3's full-alignment recipe: weight decay 1e-7 (param_f), chunks of 200 (clair3.md §6)
    c.weight_decay = !isnan(wd)                  ? wd
                     : c.opt == OPT_ADAMW && !fa ? 1e-4
                     : c.opt == OPT_ADAM         ? 1e-3
                                                 : 1e-7;
    if (fa && !have_chunk) c.chunk = 200;
    c.min_lr_ratio = !isnan(minlr)                   ? minlr
                     : c.opt == OPT_RADAM_LOOKAHEAD  ? 0.75
                     : fa && c.opt == OPT_ADAMW      ? 1.0  // the warm-up, then constant
                                                     : 0.0;
    c.batch = batch ? batch : have_model && c.arch == ARCH_CLAIRVOYANTE ? 10000 : 2000;
    if (c.batch < c.chunk) c.chunk = c.batch;  // small batches: one chunk per batch
    if (!have_chunk && c.batch % c.chunk) {   // the default chunk: the largest that divides
        int a = c.batch, b = c.chunk;
        while (b) { int t = a % b; a = b; b = t; }
        c.chunk = a;
    }
    if (!c.ckpt) {
        size_t n = strlen(c.out) + 6;
        ckpt_default = xmalloc(n);
        snprintf(ckpt_default, n, "%s.ckpt", c.out);
        c.ckpt = ckpt_default;
    }
    if (!have_model) c.arch = 0;  // taken from the checkpoint
    if (!c.resume && c.epochs == 0) c.epochs = 30;
    if (!c.resume && c.early_stop < 0) c.early_stop = 10;
    c.inputs = inputs;
    c.n_inputs = ni;
    c.val = val;
    c.n_val = nv;
    rc = train_run(&c);
    dist_finalize();
out:
    free(inputs);
    free(val);
    free(ckpt_default);
    return rc;
}
