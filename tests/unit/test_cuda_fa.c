// test_cuda_fa.c — the clair3-fa (full-alignment) layers, model, training steps and BN state
// round trip on a real CUDA device against the CPU reference (test_cuda_fa_checks.h, shared with
// the emulation test), at tiny batches and at the batch sizes a GPU is meant for. Skipped (exit
// 77) without CUDA or a device.
#ifdef CALLA_CUDA
#include "test_cuda_fa_checks.h"
#include "unit/train_util.h"

int main(void) {
    char why[256] = "";
    if (cuda_device_count(why, sizeof why) < 1) T_SKIP(why);
    blas_set_threads(1);
    fa_seed();
    CuCtx *c = cu_ctx_new(0, CU_PREC_FP32);
    fa_layer_checks(c);
    cu_ctx_free(c);
    fa_check_model(9, 3, 0, 0);
    fa_check_model(55, 2, 0, 1);
    fa_check_model(55, 128, 0, 0);  // two conv blocks of 64 samples
    fa_check_model(89, 100, 0, 0);  // ONT's row count, a partial block
    if (tu_mkdir() < 0) T_SKIP("no temporary directory");
    fa_check_train(7, 4, 0, tu_path("fa.safetensors"));
    fa_check_train(55, 64, 0, tu_path("fa64.safetensors"));
    T_DONE();
}
#else
#include "testlib.h"
int main(void) {
    (void)t_failures;
    T_SKIP("calla was built without CUDA");
}
#endif
