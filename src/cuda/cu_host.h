// cu_host.h — the few host helpers of src/common/util.h that src/cuda uses, declared for C++
// (util.h itself uses C11's <stdnoreturn.h>, which C++ lacks).
#ifndef CALLA_CU_HOST_H
#define CALLA_CU_HOST_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif
void calla_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void calla_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void *xmalloc_(size_t n, const char *file, int line);
void *xcalloc_(size_t n, size_t size, const char *file, int line);
#define xmalloc(n) xmalloc_((n), __FILE__, __LINE__)
#define xcalloc(n, s) xcalloc_((n), (s), __FILE__, __LINE__)
#ifdef __cplusplus
}
#endif
#endif
