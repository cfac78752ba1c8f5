// test_cudaemu_graphs.c — CUDA graphs in the emulation build: training steps replayed from
// captured (recorded) graphs equal eagerly launched ones bit for bit (test_cuda_graph_checks.h).
#include "test_cuda_graph_checks.h"

int main(void) {
    blas_set_threads(1);
    check_graphs(ARCH_CLAIR3_PILEUP, OPT_ADAMW, 1);
    check_graphs(ARCH_CLAIR3_PILEUP, OPT_RADAM_LOOKAHEAD, 1);
    check_graphs(ARCH_CLAIRVOYANTE, OPT_ADAM, 1);
    check_graphs(ARCH_CLAIR3_FA, OPT_ADAMW, 1);
    T_DONE();
}
