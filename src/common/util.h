// util.h — error reporting, checked allocation, atomic output files, progress lines.
// Messages follow samtools: "[calla CMD] what failed: why".
#ifndef CALLA_UTIL_H
#define CALLA_UTIL_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdnoreturn.h>

#define CALLA_EXIT_RUNTIME 1
#define CALLA_EXIT_USAGE 2

// The command name used as message prefix; set once by the command entry point.
void calla_set_cmd(const char *cmd);
const char *calla_cmd(void);

void calla_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void calla_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void calla_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void calla_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void *xmalloc_(size_t n, const char *file, int line);
void *xcalloc_(size_t n, size_t size, const char *file, int line);
void *xrealloc_(void *p, size_t n, const char *file, int line);
char *xstrdup_(const char *s, const char *file, int line);
#define xmalloc(n) xmalloc_((n), __FILE__, __LINE__)
#define xcalloc(n, s) xcalloc_((n), (s), __FILE__, __LINE__)
#define xrealloc(p, n) xrealloc_((p), (n), __FILE__, __LINE__)
#define xstrdup(s) xstrdup_((s), __FILE__, __LINE__)

// Atomic output: write to "<path>.tmp.<pid>", rename to <path> on commit.
// The temporary path is registered so that SIGINT/SIGTERM/SIGHUP remove it before exiting.
typedef struct {
    char *path;  // final name
    char *tmp;   // temporary name
} AtomicOut;
// Returns 0, or -1 with a message printed (e.g. directory not writable).
int atomic_begin(AtomicOut *a, const char *path);
// fsync-free rename of tmp onto path; returns 0 or -1 with a message printed.
int atomic_commit(AtomicOut *a);
// Removes the temporary file (if any) and frees the names.
void atomic_abort(AtomicOut *a);

// Registered temporary files are removed when the process is killed by SIGINT/SIGTERM/SIGHUP
// and at every exit() of the registering process (an atexit handler armed by the first
// registration): calla_die, an error status returned by a command, or exit() anywhere. This is
// the one error path for all code (docs/design.md); a forked child's exit removes nothing.
void cleanup_install_signal_handlers(void);
void cleanup_register(const char *path);
void cleanup_unregister(const char *path);
// Removes (and forgets) every registered temporary file now.
void cleanup_remove_all(void);
// Non-zero once SIGINT/SIGTERM arrived when handlers are in "graceful" mode (training).
int cleanup_stop_requested(void);
void cleanup_set_graceful(int on);

// Seconds since an arbitrary epoch (monotonic clock).
double now_seconds(void);
// Peak resident set size in KiB (from getrusage).
long peak_rss_kib(void);

// A progress line on stderr, rate-limited to one update per `interval` seconds.
typedef struct {
    double start, last, interval;
    int tty;
} Progress;
void progress_init(Progress *p, double interval);
// Returns 1 when a line should be printed now (and updates the timer).
int progress_due(Progress *p);

// 1 when an index next to `path` (path.bai/.csi/.crai/.tbi) is older than the file itself: the
// file was probably rewritten after it was indexed (a stale index points into the wrong bytes).
int index_older_than_data(const char *path);

// Parse helpers for option values; return 0 on success, -1 on malformed text.
int parse_int(const char *s, long *out);
int parse_double(const char *s, double *out);

#endif
