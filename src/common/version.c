// version.c — see version.h.
#include "common/version.h"

#include <htslib/hts.h>

#include "common/blas.h"

int build_has_mpi(void) {
#ifdef CALLA_MPI
    return 1;
#else
    return 0;
#endif
}

int build_has_cuda(void) {
#ifdef CALLA_CUDA
    return 1;
#else
    return 0;
#endif
}

void version_print(FILE *out) {
    char blas[256];
    fprintf(out, "calla %s\n", CALLA_VERSION);
    fprintf(out, "htslib: %s\n", hts_version());
    fprintf(out, "blas: %s\n", blas_describe(blas, sizeof blas));
#ifdef _OPENMP
    fprintf(out, "openmp: yes\n");
#else
    fprintf(out, "openmp: no\n");
#endif
    fprintf(out, "mpi: %s\n", build_has_mpi() ? "yes" : "no");
    fprintf(out, "cuda: %s\n", build_has_cuda() ? "yes" : "no");
#ifdef CALLA_CUDNN
    fprintf(out, "cudnn: yes\n");
#else
    fprintf(out, "cudnn: no\n");
#endif
#ifdef CALLA_NCCL
    fprintf(out, "nccl: yes\n");
#else
    fprintf(out, "nccl: no\n");
#endif
}
