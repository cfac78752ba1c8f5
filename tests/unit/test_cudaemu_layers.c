// test_cudaemu_layers.c — every GPU kernel (src/cuda, emulation build: the device bodies run on
// the host) against its CPU reference on fresh random inputs; checks and bounds in
// test_cuda_checks.h.
#include "test_cuda_checks.h"

int main(void) {
    CuCtx *c = cu_ctx_new(0, CU_PREC_FP32);
    run_layer_checks(c, 1);
    cu_ctx_free(c);
    T_DONE();
}
