// test_cuda_model.c — both models' forward, backward and optimizer steps on a real CUDA device
// against the CPU model (test_cuda_model_checks.h, shared with the emulation test), at the batch
// sizes the GPU is meant for as well as tiny ones. Skipped (exit 77) without CUDA or a device.
#ifdef CALLA_CUDA
#include "test_cuda_model_checks.h"

int main(void) {
    char why[256] = "";
    if (cuda_device_count(why, sizeof why) < 1) T_SKIP(why);
    blas_set_threads(1);
    m_seed();
    check_model(ARCH_CLAIR3_PILEUP, 5, 0, 0);
    check_model(ARCH_CLAIRVOYANTE, 6, 0, 0);
    check_model(ARCH_CLAIR3_PILEUP, 128, 0, 0);
    check_model(ARCH_CLAIRVOYANTE, 256, 0, 0);
    check_model(ARCH_CLAIR3_PILEUP, 64, 0, 1);
    check_model(ARCH_CLAIRVOYANTE, 64, 0, 2);
    T_DONE();
}
#else
#include "testlib.h"
int main(void) {
    (void)t_failures;
    T_SKIP("calla was built without CUDA");
}
#endif
