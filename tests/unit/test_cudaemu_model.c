// test_cudaemu_model.c — the pileup and Clairvoyante models' forward, backward and optimizer
// steps on the device (emulation build) against the CPU model; checks and bounds in
// test_cuda_model_checks.h.
#include "test_cuda_model_checks.h"

int main(void) {
    blas_set_threads(1);
    m_seed();
    check_model(ARCH_CLAIR3_PILEUP, 5, 0, 0);
    check_model(ARCH_CLAIRVOYANTE, 6, 0, 0);
    check_model(ARCH_CLAIR3_PILEUP, 3, 0, 1);
    check_model(ARCH_CLAIRVOYANTE, 4, 0, 2);
    // clair3-fa: test_cudaemu_fa.c (test_cuda_fa_checks.h)
    T_DONE();
}
