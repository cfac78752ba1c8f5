// blas.c — see blas.h.
#include "common/blas.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/util.h"

char *openblas_get_corename(void);
char *openblas_get_config(void);
void openblas_set_num_threads(int n);

static int generic_core(const char *core) {
    static const char *generic[] = {"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem",
                                    "Atom",     "Katmai", "Coppermine", "Northwood", "Banias",
                                    "unknown",  NULL};
    for (int i = 0; generic[i]; i++)
        if (strcasecmp(core, generic[i]) == 0) return 1;
    return 0;
}

void blas_select_coretype(int argc, char **argv) {
    (void)argc;
    if (getenv("CALLA_REEXEC")) return;
    int changed = 0;
    // Under a finite address-space cap (ulimit -v), an OpenBLAS worker thread whose buffer
    // allocation fails retries it forever and the process never exits (found by
    // scripts/fault-inject.sh): one BLAS thread then, which allocates nothing up front.
    struct rlimit rl;
    if (!getenv("OPENBLAS_NUM_THREADS") && getrlimit(RLIMIT_AS, &rl) == 0 &&
        rl.rlim_cur != RLIM_INFINITY) {
        setenv("OPENBLAS_NUM_THREADS", "1", 1);
        changed = 1;
    }
    if (!getenv("OPENBLAS_CORETYPE") && !getenv("CALLA_NO_CORETYPE")) {
        const char *core = openblas_get_corename();
        // CALLA_TEST_GENERIC_CORE=1 makes any core count as generic (tests/cli/test_blas_coretype.sh
        // exercises the re-exec on machines whose OpenBLAS recognises the CPU).
        int force = getenv("CALLA_TEST_GENERIC_CORE") != NULL;
        const char *want = NULL;
        if (core && (generic_core(core) || force)) {
            __builtin_cpu_init();
            if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                __builtin_cpu_supports("avx512vl"))
                want = "SkylakeX";
            else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
                want = "Haswell";
        }
        if (want) {
            setenv("OPENBLAS_CORETYPE", want, 1);
            changed = 2;
        }
    }
    if (!changed) return;
    setenv("CALLA_REEXEC", "1", 1);
    execv("/proc/self/exe", argv);
    // exec failed: carry on as we are (the environment only matters at library start-up)
    unsetenv("CALLA_REEXEC");
}

const char *blas_describe(char *buf, int n) {
    const char *cfg = openblas_get_config();
    const char *core = openblas_get_corename();
    // config looks like "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH ..."; keep the first two words
    char name[64] = "OpenBLAS";
    if (cfg) {
        int words = 0, i = 0;
        for (; cfg[i] && i < 63; i++) {
            if (cfg[i] == ' ' && ++words == 2) break;
            name[i] = cfg[i];
        }
        name[i] = 0;
    }
    snprintf(buf, n, "%s (core %s%s)", name, core ? core : "?",
             getenv("CALLA_REEXEC") ? ", selected by calla" : "");
    return buf;
}

void blas_check_buffer(int callers) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return;
    if (callers < 1) callers = 1;
    // OpenBLAS allocates a 128 MiB work buffer for each concurrent caller at its first GEMM and,
    // when that fails, retries forever; find out now, while an error can still be reported. Each
    // extra calling thread also reserves a malloc arena (64 MiB) and a stack (8 MiB) of address
    // space: hold all of it at once, then give it back.
    const size_t buf = (size_t)136 << 20, per_thread = (size_t)80 << 20;
    const int n = 2 * callers - 1;  // callers buffers, callers - 1 threads' arenas and stacks
    void **p = calloc((size_t)n, sizeof *p);
    int ok = p != NULL;
    for (int i = 0; ok && i < n; i++) ok = (p[i] = malloc(i < callers ? buf : per_thread)) != NULL;
    if (p)
        for (int i = 0; i < n; i++) free(p[i]);
    free(p);
    if (!ok)
        calla_die("not enough address space for %d thread%s of OpenBLAS work buffers (128 MiB "
                  "each) under the limit of %llu MiB (ulimit -v): raise the limit%s",
                  callers, callers == 1 ? "" : "s", (unsigned long long)(rl.rlim_cur >> 20),
                  callers > 1 ? " or lower -@" : "");
}

void blas_set_threads(int n) {
    // Under an address-space limit keep the one thread blas_select_coretype chose: raising the
    // count starts workers whose buffer allocation can fail and then spin forever.
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) n = 1;
    openblas_set_num_threads(n > 0 ? n : 1);
}
