// test_util_cleanup.c — the one error path (util.h): every exit of the process that registered a
// temporary output removes it (calla_die, exit with an error status), a committed output stays,
// and a forked child's exit leaves the parent's temporary alone.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/util.h"
#include "testlib.h"

static int exists(const char *p) {
    struct stat st;
    return stat(p, &st) == 0;
}

// Runs body(mode) in a child; returns its exit status (or -1 when killed), and the temporary
// name the child used in tmp (computed from its pid).
static int run_child(int mode, const char *out, char *tmp, size_t ntmp) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        calla_set_cmd("test");
        AtomicOut ao;
        if (atomic_begin(&ao, out) != 0) _exit(90);
        FILE *f = fopen(ao.tmp, "w");
        if (!f) _exit(91);
        fputs("partial\n", f);
        fclose(f);
        if (mode == 0) calla_die("fatal error after the temporary was created (expected)");
        if (mode == 1) exit(CALLA_EXIT_RUNTIME);
        if (mode == 2) {
            if (atomic_commit(&ao) != 0) _exit(92);
            exit(0);
        }
        if (mode == 3) {  // a grandchild exits; the temporary must still be there afterwards
            pid_t g = fork();
            if (g == 0) exit(0);
            int st;
            waitpid(g, &st, 0);
            exit(exists(ao.tmp) ? 0 : 93);
        }
        _exit(99);
    }
    snprintf(tmp, ntmp, "%s.tmp.%ld", out, (long)pid);
    int st;
    if (waitpid(pid, &st, 0) != pid) return -2;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(void) {
    char dir[] = "/tmp/calla-cleanup.XXXXXX";
    if (!mkdtemp(dir)) T_SKIP("mkdtemp failed");
    char out[512], tmp[600];
    snprintf(out, sizeof out, "%s/out.bin", dir);

    T_EQ_INT(run_child(0, out, tmp, sizeof tmp), CALLA_EXIT_RUNTIME);  // calla_die
    T_CHECK(!exists(tmp));
    T_CHECK(!exists(out));

    T_EQ_INT(run_child(1, out, tmp, sizeof tmp), CALLA_EXIT_RUNTIME);  // plain exit(1)
    T_CHECK(!exists(tmp));
    T_CHECK(!exists(out));

    T_EQ_INT(run_child(3, out, tmp, sizeof tmp), 0);  // grandchild's exit removed nothing
    T_CHECK(!exists(tmp));  // ... and the child's own exit then did

    T_EQ_INT(run_child(2, out, tmp, sizeof tmp), 0);  // committed: stays
    T_CHECK(exists(out));
    T_CHECK(!exists(tmp));

    unlink(out);
    rmdir(dir);
    T_DONE();
}
