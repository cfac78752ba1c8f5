// test_cublas_lazy.c — src/cuda/cublas_lazy.c: cuBLAS is not mapped until the first cuBLAS call,
// is then loaded, and each forwarded entry point answers as the library's own (called here through
// our own dlopen of the same file, independently of the shim). Skipped in builds without CUDA.
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "testlib.h"

#ifdef CALLA_CUDA
#include <cublas_v2.h>

#include "cuda/cuda_backend.h"

// 1 when a file whose name contains `name` is mapped into this process.
static int mapped(const char *name) {
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) return -1;
    char line[4096];
    int found = 0;
    while (fgets(line, sizeof line, f))
        if (strstr(line, name)) found = 1;
    fclose(f);
    return found;
}

int main(void) {
    T_EQ_INT(mapped("libcublas"), 0);  // not linked: nothing at start-up
    const char *shim_ok = cublasGetStatusString(CUBLAS_STATUS_SUCCESS);
    T_CHECK(calla_cublas_load_error() == NULL);
    T_EQ_INT(mapped("libcublas.so"), 1);
    T_EQ_INT(mapped("libcublasLt.so"), 1);  // (loaded by cuBLAS itself)

    // The library's own answers, through a handle of our own on the same file.
    void *h = dlopen(CALLA_CUBLAS_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) h = dlopen(CALLA_CUDA_LIBDIR "/" CALLA_CUBLAS_SONAME, RTLD_NOW | RTLD_LOCAL);
    T_CHECK(h != NULL);
    const char *(*status)(cublasStatus_t);
    cublasStatus_t (*create)(cublasHandle_t *), (*destroy)(cublasHandle_t);
    *(void **)&status = dlsym(h, "cublasGetStatusString");
    *(void **)&create = dlsym(h, "cublasCreate_v2");
    *(void **)&destroy = dlsym(h, "cublasDestroy_v2");
    T_CHECK(status && create && destroy);
    T_CHECK(strcmp(shim_ok, status(CUBLAS_STATUS_SUCCESS)) == 0);
    T_CHECK(strcmp(cublasGetStatusString(CUBLAS_STATUS_NOT_SUPPORTED),
                   status(CUBLAS_STATUS_NOT_SUPPORTED)) == 0);
    T_CHECK(strcmp(cublasGetStatusString(CUBLAS_STATUS_NOT_SUPPORTED), shim_ok) != 0);

    // cublasCreate: a handle where a GPU exists, the library's own error where none does.
    cublasHandle_t a = NULL, b = NULL;
    cublasStatus_t sa = cublasCreate(&a), sb = create(&b);
    T_EQ_INT((int)sa, (int)sb);
    if (sa == CUBLAS_STATUS_SUCCESS) {
        T_EQ_INT((int)cublasDestroy(a), (int)CUBLAS_STATUS_SUCCESS);
        T_EQ_INT((int)destroy(b), (int)CUBLAS_STATUS_SUCCESS);
    }
    dlclose(h);
    T_DONE();
}
#else
int main(void) { T_SKIP("built without CUDA"); }
#endif
