// test_cuda_layers.c — every GPU kernel on a real CUDA device against its CPU reference (the
// checks and bounds of test_cuda_checks.h, shared with the emulation test). Skipped (exit 77)
// in builds without CUDA or when no device is usable.
#ifdef CALLA_CUDA
#include "cuda/cuda_backend.h"
#include "test_cuda_checks.h"

int main(void) {
    char why[256] = "";
    if (cuda_device_count(why, sizeof why) < 1) T_SKIP(why);
    CuCtx *c = cu_ctx_new(0, CU_PREC_FP32);
    run_layer_checks(c, 0);  // a GPU may fuse multiply-adds: optimizer updates to 1e-6
    cu_ctx_free(c);
    T_DONE();
}
#else
#include "testlib.h"
int main(void) {
    (void)t_failures;
    T_SKIP("calla was built without CUDA");
}
#endif
