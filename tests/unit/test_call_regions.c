// reads/regions.h: chunk decomposition and the ordered parallel runner (sink calls arrive in chunk
// order for any thread count, whatever order the workers finish in; the run stops at the first
// failure in chunk order).
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reads/regions.h"
#include "testlib.h"

typedef struct {
    uint64_t next;    // next chunk index the sink expects
    int fail_at;      // chunk whose work fails (-1: none)
    int sink_fail_at;
    long sum;
} Ud;

static int work(void *ud, int thread, const Chunk *ch, void *slot) {
    Ud *u = ud;
    (void)thread;
    struct timespec ts = {0, (long)((ch->index * 7919) % 5) * 200000L};  // finish out of order
    nanosleep(&ts, NULL);
    *(long *)slot = (long)ch->index * 10 + 1;
    return (int)ch->index == u->fail_at ? -1 : 0;
}

static int sink(void *ud, const Chunk *ch, void *slot) {
    Ud *u = ud;
    if (ch->index != u->next || *(long *)slot != (long)ch->index * 10 + 1) return -1;
    u->next++;
    u->sum += *(long *)slot;
    return (int)ch->index == u->sink_fail_at ? -1 : 0;
}

int main(void) {
    Region r[2] = {{0, 0, 25}, {1, 10, 20}};
    size_t n;
    int64_t tot;
    Chunk *c = regions_chunks(r, 2, 10, &n, &tot);
    T_EQ_INT(n, 4);
    T_EQ_INT(tot, 35);
    if (n == 4) {
        const int64_t want[4][3] = {{0, 0, 10}, {0, 10, 20}, {0, 20, 25}, {1, 10, 20}};
        for (int i = 0; i < 4; i++) {
            T_EQ_INT(c[i].tid, want[i][0]);
            T_EQ_INT(c[i].beg, want[i][1]);
            T_EQ_INT(c[i].end, want[i][2]);
            T_EQ_INT(c[i].index, i);
        }
    }
    free(c);
    T_CHECK(regions_chunks(r, 0, 10, &n, &tot) == NULL && n == 0 && tot == 0);

    Region big = {0, 0, 370};
    c = regions_chunks(&big, 1, 10, &n, &tot);  // 37 chunks
    T_EQ_INT(n, 37);
    long want_sum = 0;
    for (long i = 0; i < 37; i++) want_sum += i * 10 + 1;
    for (int threads = 1; threads <= 4; threads++) {
        long *slots = calloc(2 * threads, sizeof *slots);
        Ud u = {0, -1, -1, 0};
        T_EQ_INT(chunks_run(c, n, threads, slots, sizeof *slots, work, sink, &u), 0);
        T_EQ_INT(u.next, 37);
        T_EQ_INT(u.sum, want_sum);
        // a failing worker: chunks before it are sunk, none after
        Ud f = {0, 13, -1, 0};
        T_EQ_INT(chunks_run(c, n, threads, slots, sizeof *slots, work, sink, &f), -1);
        T_EQ_INT(f.next, 13);
        // a failing sink stops the run too
        Ud g = {0, -1, 5, 0};
        T_EQ_INT(chunks_run(c, n, threads, slots, sizeof *slots, work, sink, &g), -1);
        T_EQ_INT(g.next, 6);
        free(slots);
    }
    free(c);

    char *argv[] = {"tensors", "-@", "4", "-b", "x.bam", "--threads=3", "-@2", "--threads", "8", "-o",
                    "y"};
    char *s = cmdline_without_threads(11, argv);
    T_CHECK(!strcmp(s, "tensors -b x.bam -o y"));
    free(s);
    T_DONE();
}
