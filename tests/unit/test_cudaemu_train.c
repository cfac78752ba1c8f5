// test_cudaemu_train.c — `calla train --device cuda` (train_run with the device selected; the
// emulation build runs the device code on the host) reaches the CPU run's losses and validation
// metrics epoch by epoch (test_cuda_train_checks.h).
#include "test_cuda_train_checks.h"

int main(void) {
    if (tu_mkdir() < 0) T_SKIP("no temporary directory");
    compare_runs(ARCH_CLAIR3_PILEUP, "c3", 400, 2, 0);
    compare_runs(ARCH_CLAIRVOYANTE, "cv", 400, 6, 0);
    T_DONE();
}
