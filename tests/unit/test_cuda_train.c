// test_cuda_train.c — `calla train --device cuda` on a real GPU reaches the CPU run's losses and
// validation metrics epoch by epoch (test_cuda_train_checks.h). Skipped without CUDA or a device.
#ifdef CALLA_CUDA
#include "test_cuda_train_checks.h"

int main(void) {
    char why[256] = "";
    if (cuda_device_count(why, sizeof why) < 1) T_SKIP(why);
    if (tu_mkdir() < 0) T_SKIP("no temporary directory");
    compare_runs(ARCH_CLAIR3_PILEUP, "c3", 400, 2, 0);
    compare_runs(ARCH_CLAIRVOYANTE, "cv", 400, 6, 0);
    T_DONE();
}
#else
#include "testlib.h"
int main(void) {
    (void)t_failures;
    T_SKIP("calla was built without CUDA");
}
#endif
