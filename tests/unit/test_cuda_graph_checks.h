// test_cuda_graph_checks.h — CUDA graphs (cuda_model_set_graphs) against eager launches: the same
// training steps through the input pipeline (cuda_batch_slot / cuda_train_enqueue), once with
// every kernel launched as issued and once replayed from captured graphs, must give the same
// losses, parameters and optimizer state. The learning rate changes every step and dropout is
// on, RAdam's rectification and Lookahead's synchronisation switch on at steps 6 and 6: a graph
// that froze any per-step value at capture (instead of reading it from device memory) replays the
// stale value and the runs part. The last step changes the batch size (a new capture).
// clair3-fa: the batch-norm running statistics (device state updated in place by every step)
// must agree too.
// In emulation the two runs perform identical arithmetic, so they must agree bit for bit; on a
// GPU, to 1e-6 relative (cuBLAS may choose another algorithm inside a capture).
// Shared by test_cudaemu_graphs.c and test_cuda_graphs.c.
#ifndef TEST_CUDA_GRAPH_CHECKS_H
#define TEST_CUDA_GRAPH_CHECKS_H
#include "test_cuda_model_checks.h"

typedef struct {
    double loss[16];
    float *params, *m, *v, *slow, *state;
    size_t n_state;
    int captures;
} GraphRun;

enum { G_STEPS = 7, G_BATCH = 4 };

static void graph_run(ModelArch arch, OptKind kind, int graphs, GraphRun *r) {
    Model m;
    T_CHECK(model_create(&m, arch, G_BATCH) == 0);
    model_init_params(&m, 20261128);
    m.row0 = 3;
    Optimizer o;
    optim_init(&o, kind, m.n_params, 1e-4, m.params);
    uint8_t *mask = malloc(m.n_params);
    for (int i = 0; i < m.n_tensors; i++)
        memset(mask + m.tensors[i].offset, m.tensors[i].decay, m.tensors[i].numel);
    CudaModel *cm = cuda_model_new(&m, 0, 0);
    T_CHECK(cm != NULL);
    if (!cm) exit(1);
    cuda_model_set_graphs(cm, graphs);
    cuda_optim_attach(cm, &o, mask);
    rng_seed(&MR, 99);  // the same batches in both runs
    float *x = malloc(sizeof(float) * G_BATCH * m.n_pos * m.n_chan);
    float *lab = malloc(sizeof(float) * G_BATCH * m.n_labels);
    for (int s = 0; s <= G_STEPS; s++) {
        const int k = s & 1, B = s < G_STEPS ? G_BATCH : G_BATCH - 1;
        float *sx, *sl;
        m_random_batch(&m, B, x, lab);
        cuda_batch_slot(cm, k, &sx, &sl);
        memcpy(sx, x, sizeof(float) * B * m.n_pos * m.n_chan);
        memcpy(sl, lab, sizeof(float) * B * m.n_labels);
        cuda_batch_upload(cm, k, B);
        cuda_train_enqueue(cm, &m, &o, k, 1, 1e-3 * (1.0 + 0.25 * s), 1.0);
        r->loss[s] = cuda_train_wait(cm, &m);
    }
    r->params = malloc(sizeof(float) * m.n_params);
    cuda_model_get_params(cm, r->params);
    cuda_optim_get_state(cm, &o);
    r->m = malloc(sizeof(float) * m.n_params), r->v = malloc(sizeof(float) * m.n_params);
    memcpy(r->m, o.m, sizeof(float) * m.n_params), memcpy(r->v, o.v, sizeof(float) * m.n_params);
    r->slow = NULL;
    if (o.slow) {
        r->slow = malloc(sizeof(float) * m.n_params);
        memcpy(r->slow, o.slow, sizeof(float) * m.n_params);
    }
    r->n_state = m.n_state;
    r->state = malloc(sizeof(float) * (m.n_state ? m.n_state : 1));
    cuda_model_get_state(cm, r->state);
    r->captures = cuda_model_graph_captures(cm);
    cuda_model_free(cm);
    optim_free(&o);
    model_free(&m);
    free(mask), free(x), free(lab);
}

static void graph_free(GraphRun *r) {
    free(r->params), free(r->m), free(r->v), free(r->slow), free(r->state);
}

// exact: bit for bit (emulation); otherwise relative 1e-6.
static void check_graphs(ModelArch arch, OptKind kind, int exact) {
    GraphRun e, g;
    graph_run(arch, kind, 0, &e);
    graph_run(arch, kind, 1, &g);
    Model tmp;
    T_CHECK(model_create(&tmp, arch, 1) == 0);
    const size_t n = tmp.n_params;
    model_free(&tmp);
    printf("%s, %s: %d steps, captures %d (eager run: %d)\n", model_arch_name(arch),
           optim_kind_name(kind), G_STEPS + 1, g.captures, e.captures);
    T_CHECK(e.captures == 0);
    T_CHECK(g.captures == 3);  // one per input slot, then one for the smaller last batch
    for (int s = 0; s <= G_STEPS; s++) {
        printf("  step %d loss: graphs %.9g, eager %.9g\n", s + 1, g.loss[s], e.loss[s]);
        if (exact)
            T_CHECK(g.loss[s] == e.loss[s]);
        else
            T_NEAR(g.loss[s], e.loss[s], 0, 1e-6);
    }
    const double bound = exact ? 0 : 1e-6;
    m_check("parameters (graphs vs eager)", g.params, e.params, n, bound);
    m_check("first moments (graphs vs eager)", g.m, e.m, n, bound);
    m_check("second moments (graphs vs eager)", g.v, e.v, n, bound);
    T_CHECK(!g.slow == !e.slow);
    if (g.slow && e.slow) m_check("slow weights (graphs vs eager)", g.slow, e.slow, n, bound);
    T_CHECK(g.n_state == e.n_state);
    if (e.n_state) {
        m_check("BN running statistics (graphs vs eager)", g.state, e.state, e.n_state, bound);
        if (exact) T_CHECK(memcmp(g.state, e.state, sizeof(float) * e.n_state) == 0);
    }
    if (exact) {
        T_CHECK(memcmp(g.params, e.params, sizeof(float) * n) == 0);
        T_CHECK(memcmp(g.m, e.m, sizeof(float) * n) == 0);
    }
    // and training did move the parameters (the comparison is not between two untouched models)
    Model init;
    T_CHECK(model_create(&init, arch, 1) == 0);
    model_init_params(&init, 20261128);
    T_CHECK(m_rel_l2(e.params, init.params, n) > 1e-4);
    model_free(&init);
    graph_free(&e);
    graph_free(&g);
}

#endif
