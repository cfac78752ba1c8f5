// version.h — `calla --version`: the version and what the build includes.
#ifndef CALLA_VERSION_H
#define CALLA_VERSION_H
#include <stdio.h>
void version_print(FILE *out);
int build_has_mpi(void);
int build_has_cuda(void);
#endif
