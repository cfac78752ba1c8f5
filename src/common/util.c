// util.c — see util.h.
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *g_cmd = "calla";

void calla_set_cmd(const char *cmd) { g_cmd = cmd; }
const char *calla_cmd(void) { return g_cmd; }

static void vmsg(const char *kind, const char *fmt, va_list ap) {
    char buf[4096];
    vsnprintf(buf, sizeof buf, fmt, ap);
    if (strcmp(g_cmd, "calla") == 0)
        fprintf(stderr, "[calla]%s %s\n", kind, buf);
    else
        fprintf(stderr, "[calla %s]%s %s\n", g_cmd, kind, buf);
}

void calla_err(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vmsg("", fmt, ap);
    va_end(ap);
}

void calla_warn(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vmsg(" warning:", fmt, ap);
    va_end(ap);
}

void calla_info(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vmsg("", fmt, ap);
    va_end(ap);
}

// The one fatal path: the message, then exit(), whose handler (cleanup_at_exit) removes every
// registered temporary file, as it does for a command that returns an error status.
noreturn void calla_die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vmsg("", fmt, ap);
    va_end(ap);
    exit(CALLA_EXIT_RUNTIME);
}

void *xmalloc_(size_t n, const char *file, int line) {
    void *p = malloc(n ? n : 1);
    if (!p) calla_die("out of memory allocating %zu bytes (%s:%d)", n, file, line);
    return p;
}

void *xcalloc_(size_t n, size_t size, const char *file, int line) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) calla_die("out of memory allocating %zu x %zu bytes (%s:%d)", n, size, file, line);
    return p;
}

void *xrealloc_(void *p, size_t n, const char *file, int line) {
    void *q = realloc(p, n ? n : 1);
    if (!q) calla_die("out of memory reallocating %zu bytes (%s:%d)", n, file, line);
    return q;
}

char *xstrdup_(const char *s, const char *file, int line) {
    size_t n = strlen(s) + 1;
    char *d = xmalloc_(n, file, line);
    memcpy(d, s, n);
    return d;
}

// ---- temporary-file cleanup on signals ----
#define MAX_CLEANUP 64
static char *g_cleanup[MAX_CLEANUP];
static volatile sig_atomic_t g_stop;
static volatile sig_atomic_t g_graceful;
static pid_t g_cleanup_owner;  // the process that registered the files (not a forked child)

void cleanup_remove_all(void) {
    if (g_cleanup_owner && getpid() != g_cleanup_owner) return;
    for (int i = 0; i < MAX_CLEANUP; i++)
        if (g_cleanup[i]) {
            unlink(g_cleanup[i]);
            free(g_cleanup[i]);
            g_cleanup[i] = NULL;
        }
}

// Registered once: every exit() — calla_die, an error status returned from main, exit() from any
// other code — removes the temporaries still registered (committed outputs are unregistered).
static void cleanup_at_exit(void) { cleanup_remove_all(); }
static void cleanup_arm(void) {
    if (g_cleanup_owner) return;
    g_cleanup_owner = getpid();
    atexit(cleanup_at_exit);
}

static void on_signal(int sig) {
    if (g_graceful && !g_stop) {  // training: finish the step, checkpoint, exit
        g_stop = sig;
        return;
    }
    for (int i = 0; i < MAX_CLEANUP; i++)
        if (g_cleanup[i]) unlink(g_cleanup[i]);
    signal(sig, SIG_DFL);
    raise(sig);
}

void cleanup_install_signal_handlers(void) {
    cleanup_arm();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

void cleanup_register(const char *path) {
    cleanup_arm();
    for (int i = 0; i < MAX_CLEANUP; i++)
        if (!g_cleanup[i]) {
            g_cleanup[i] = xstrdup(path);
            return;
        }
}

void cleanup_unregister(const char *path) {
    for (int i = 0; i < MAX_CLEANUP; i++)
        if (g_cleanup[i] && strcmp(g_cleanup[i], path) == 0) {
            char *p = g_cleanup[i];
            g_cleanup[i] = NULL;
            free(p);
            return;
        }
}

int cleanup_stop_requested(void) { return g_stop; }
void cleanup_set_graceful(int on) { g_graceful = on; }

// ---- atomic output ----
int atomic_begin(AtomicOut *a, const char *path) {
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {  // fail now, not at the final rename
        calla_err("cannot write \"%s\": is a directory", path);
        a->path = a->tmp = NULL;
        return -1;
    }
    size_t n = strlen(path) + 32;
    a->path = xstrdup(path);
    a->tmp = xmalloc(n);
    // "<path>.tmp.<pid>", or "<path>.tmp.<pid>.<n>" when that name is taken (two outputs of
    // one process that name the same file, a stale temp of a killed process with our pid):
    // O_EXCL makes each call's temporary file its own.
    int fd = -1;
    for (int k = 0; k < 1000 && fd < 0; k++) {
        if (k == 0) snprintf(a->tmp, n, "%s.tmp.%ld", path, (long)getpid());
        else snprintf(a->tmp, n, "%s.tmp.%ld.%d", path, (long)getpid(), k);
        fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
        if (fd < 0 && errno != EEXIST) break;
    }
    if (fd < 0) {
        calla_err("cannot write \"%s\": %s", path, strerror(errno));
        free(a->path);
        free(a->tmp);
        a->path = a->tmp = NULL;
        return -1;
    }
    close(fd);
    cleanup_register(a->tmp);
    return 0;
}

int atomic_commit(AtomicOut *a) {
    if (!a->tmp) return -1;
    if (rename(a->tmp, a->path) != 0) {
        calla_err("cannot rename \"%s\" to \"%s\": %s", a->tmp, a->path, strerror(errno));
        atomic_abort(a);
        return -1;
    }
    cleanup_unregister(a->tmp);
    free(a->path);
    free(a->tmp);
    a->path = a->tmp = NULL;
    return 0;
}

void atomic_abort(AtomicOut *a) {
    if (a->tmp) {
        unlink(a->tmp);
        cleanup_unregister(a->tmp);
    }
    free(a->path);
    free(a->tmp);
    a->path = a->tmp = NULL;
}

double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

long peak_rss_kib(void) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return -1;
    return ru.ru_maxrss;
}

void progress_init(Progress *p, double interval) {
    p->start = p->last = now_seconds();
    p->interval = interval;
    p->tty = isatty(STDERR_FILENO);
}

int progress_due(Progress *p) {
    double t = now_seconds();
    if (t - p->last < p->interval) return 0;
    p->last = t;
    return 1;
}

int parse_int(const char *s, long *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end) return -1;
    *out = v;
    return 0;
}

int parse_double(const char *s, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end) return -1;
    *out = v;
    return 0;
}

int index_older_than_data(const char *path) {
    static const char *const EXT[] = {".bai", ".csi", ".crai", ".tbi"};
    struct stat ds, is;
    if (stat(path, &ds) != 0) return 0;
    size_t n = strlen(path) + 8;
    char *ip = xmalloc(n);
    int older = 0;
    for (int i = 0; i < 4 && !older; i++) {
        snprintf(ip, n, "%s%s", path, EXT[i]);
        if (stat(ip, &is) == 0)
            older = is.st_mtim.tv_sec < ds.st_mtim.tv_sec ||
                    (is.st_mtim.tv_sec == ds.st_mtim.tv_sec && is.st_mtim.tv_nsec < ds.st_mtim.tv_nsec);
    }
    free(ip);
    return older;
}
