// align.c — see align.h.
#include "sim/align.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/util.h"

int sim_aligner_parse(const char *s, SimAligner *a) {
    if (strcmp(s, "auto") == 0)
        *a = SIM_ALIGNER_AUTO;
    else if (strcmp(s, "bwa") == 0)
        *a = SIM_ALIGNER_BWA;
    else if (strcmp(s, "minimap2") == 0)
        *a = SIM_ALIGNER_MINIMAP2;
    else
        return -1;
    return 0;
}

SimAligner sim_aligner_resolve(SimAligner a, SimPlatform p) {
    if (a != SIM_ALIGNER_AUTO) return a;
    return p == SIM_ILMN ? SIM_ALIGNER_BWA : SIM_ALIGNER_MINIMAP2;
}

const char *sim_aligner_program(SimAligner a) { return a == SIM_ALIGNER_BWA ? "bwa" : "minimap2"; }

int sim_in_path(const char *prog) {
    const char *path = getenv("PATH");
    if (!path) return 0;
    char buf[4096];
    while (*path) {
        const char *colon = strchr(path, ':');
        size_t n = colon ? (size_t)(colon - path) : strlen(path);
        snprintf(buf, sizeof buf, "%.*s/%s", (int)n, n ? path : ".", prog);
        if (access(buf, X_OK) == 0) return 1;
        path += n + (colon ? 1 : 0);
    }
    return 0;
}

// Running subprocesses, so that an interrupted run can stop them.
static volatile pid_t g_children[2];

void sim_align_kill_children(int sig) {
    for (int i = 0; i < 2; i++)
        if (g_children[i] > 0) kill(g_children[i], sig);
}

// Last non-empty line of the log, for error messages.
static void log_tail(const char *log, char *out, size_t n) {
    out[0] = 0;
    FILE *f = fopen(log, "r");
    if (!f) return;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        size_t k = strlen(line);
        while (k && (line[k - 1] == '\n' || line[k - 1] == '\r')) line[--k] = 0;
        if (k) snprintf(out, n, "%.400s", line);
    }
    fclose(f);
}

// fork+exec argv in dir with stdin/stdout from the given fds (-1: inherit / /dev/null) and
// stderr appended to log_fd.
static pid_t spawn(char *const *argv, const char *dir, int in_fd, int out_fd, int log_fd,
                   int close_fd) {
    pid_t pid = fork();
    if (pid != 0) return pid;
    if (chdir(dir) != 0) _exit(126);
    if (in_fd >= 0) dup2(in_fd, STDIN_FILENO);
    if (out_fd >= 0) dup2(out_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    if (close_fd >= 0) close(close_fd);
    if (in_fd >= 0) close(in_fd);
    if (out_fd >= 0) close(out_fd);
    execvp(argv[0], argv);
    _exit(127);
}

static int check_status(const char *what, int status, const char *log) {
    char tail[512];
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    log_tail(log, tail, sizeof tail);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        calla_err("failed to run \"%s\" (not installed?)", what);
    else if (WIFEXITED(status))
        calla_err("%s exited with status %d%s%s", what, WEXITSTATUS(status), tail[0] ? ": " : "",
                  tail);
    else
        calla_err("%s was killed by signal %d", what, WIFSIGNALED(status) ? WTERMSIG(status) : -1);
    return -1;
}

// Opens dir/<prog>.log (truncated) for a subprocess's stderr; name gets the path.
static int open_log(const char *dir, const char *prog, char *name, size_t n) {
    snprintf(name, n, "%s/%s.log", dir, prog);
    int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) calla_err("failed to write \"%s\": %s", name, strerror(errno));
    return fd;
}

// Runs `a | b` (b may be NULL) in dir, each program's stderr in dir/<program>.log; both exit
// statuses are checked and a failure names the program with the last line it printed.
static int run_pipeline(const char *dir, char *const *a, char *const *b) {
    char log_a[4200], log_b[4200];
    int fa = open_log(dir, a[0], log_a, sizeof log_a), fb = -1;
    if (fa < 0) return -1;
    if (b && (fb = open_log(dir, b[0], log_b, sizeof log_b)) < 0) {
        close(fa);
        return -1;
    }
    int p[2] = {-1, -1};
    if (b && pipe(p) != 0) {
        calla_err("pipe failed: %s", strerror(errno));
        close(fa), close(fb);
        return -1;
    }
    fflush(NULL);
    pid_t pa = spawn(a, dir, -1, b ? p[1] : -1, fa, b ? p[0] : -1);
    pid_t pb = -1;
    if (pa > 0 && b) pb = spawn(b, dir, p[0], -1, fb, p[1]);
    g_children[0] = pa, g_children[1] = pb;
    if (b) close(p[0]), close(p[1]), close(fb);
    close(fa);
    if (pa < 0 || (b && pb < 0)) {
        calla_err("fork failed: %s", strerror(errno));
        if (pa > 0) waitpid(pa, NULL, 0);
        return -1;
    }
    int sa = 0, sb = 0;
    if (waitpid(pa, &sa, 0) < 0) sa = -1;
    if (b && waitpid(pb, &sb, 0) < 0) sb = -1;
    g_children[0] = g_children[1] = 0;
    char what[256];
    snprintf(what, sizeof what, "%s %s", a[0], a[1] ? a[1] : "");
    if (check_status(what, sa, log_a) != 0) return -1;
    if (b) {
        snprintf(what, sizeof what, "%s %s", b[0], b[1] ? b[1] : "");
        if (check_status(what, sb, log_b) != 0) return -1;
    }
    return 0;
}

int sim_align(const char *dir, const char *fastq, SimAligner a, SimPlatform p, int paired,
              const char *sample, int threads) {
    char th[32], rg[512];
    snprintf(th, sizeof th, "%d", threads < 1 ? 1 : threads);
    snprintf(rg, sizeof rg, "@RG\\tID:%s\\tSM:%s\\tPL:%s", sample, sample,
             p == SIM_ILMN   ? "ILLUMINA"
             : p == SIM_HIFI ? "PACBIO"
                             : "ONT");
    char *sort[] = {"samtools", "sort", "-@", th, "-T", "sort.tmp", "-o", "reads.bam", "-", NULL};
    char fq[1024];
    snprintf(fq, sizeof fq, "%s", fastq);
    if (a == SIM_ALIGNER_BWA) {
        if (p != SIM_ILMN) {
            calla_err("bwa mem is for short reads; use --aligner minimap2 for %s",
                      sim_platform_name(p));
            return -1;
        }
        char *index[] = {"bwa", "index", "-p", "bwaidx", "ref.fa", NULL};
        calla_info("indexing the reference with bwa index");
        if (run_pipeline(dir, index, NULL) != 0) return -1;
        char *mem[12];
        int k = 0;
        mem[k++] = "bwa", mem[k++] = "mem", mem[k++] = "-t", mem[k++] = th, mem[k++] = "-R";
        mem[k++] = rg;
        if (paired) mem[k++] = "-p";  // interleaved pairs
        mem[k++] = "bwaidx", mem[k++] = fq, mem[k] = NULL;
        calla_info("aligning with bwa mem | samtools sort");
        if (run_pipeline(dir, mem, sort) != 0) return -1;
    } else {
        const char *preset = p == SIM_ILMN ? "sr" : p == SIM_HIFI ? "map-hifi" : "map-ont";
        char *mm[] = {"minimap2", "-a", "-x", (char *)preset, "-t", th, "-R", rg,
                      "ref.fa",   fq,   NULL};
        calla_info("aligning with minimap2 -x %s | samtools sort", preset);
        if (run_pipeline(dir, mm, sort) != 0) return -1;
    }
    char *index[] = {"samtools", "index", "reads.bam", NULL};
    return run_pipeline(dir, index, NULL);
}
