// test_cuda_graphs.c — CUDA graphs on a real device: training steps replayed from captured graphs
// against eagerly launched ones (test_cuda_graph_checks.h). Skipped (exit 77) without a device.
#ifdef CALLA_CUDA
#include "test_cuda_graph_checks.h"

int main(void) {
    char why[256] = "";
    if (cuda_device_count(why, sizeof why) < 1) T_SKIP(why);
    blas_set_threads(1);
    check_graphs(ARCH_CLAIR3_PILEUP, OPT_ADAMW, 0);
    check_graphs(ARCH_CLAIR3_PILEUP, OPT_RADAM_LOOKAHEAD, 0);
    check_graphs(ARCH_CLAIRVOYANTE, OPT_ADAM, 0);
    check_graphs(ARCH_CLAIR3_FA, OPT_ADAMW, 0);
    T_DONE();
}
#else
#include "testlib.h"
int main(void) {
    (void)t_failures;
    T_SKIP("calla was built without CUDA");
}
#endif
