// test_cudaemu_fa.c — the clair3-fa (full-alignment) layers, model, training steps and BN state
// round trip on the device (emulation build: the device code run on the host) against the CPU
// reference; checks and bounds in test_cuda_fa_checks.h.
#include "test_cuda_fa_checks.h"
#include "unit/train_util.h"

int main(void) {
    blas_set_threads(1);
    fa_seed();
    CuCtx *c = cu_ctx_new(0, CU_PREC_FP32);
    fa_layer_checks(c);
    cu_ctx_free(c);
    fa_check_model(9, 3, 0, 0);   // dropout on: the device draws the CPU's masks
    fa_check_model(55, 2, 0, 1);  // Clair3's ilmn/hifi row count, dropout off
    if (tu_mkdir() < 0) T_SKIP("no temporary directory");
    fa_check_train(7, 4, 0, tu_path("fa.safetensors"));
    T_DONE();
}
