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

void blas_set_threads(int n) { openblas_set_num_threads(n > 0 ? n : 1); }
