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

    // joined regions (--join-gap): gaps 5 and 20 on contig 0, then contig 1 (never joined to 0)
    {
        Region j[4] = {{0, 0, 10}, {0, 15, 20}, {0, 40, 48}, {1, 0, 4}};
        // join_gap 5: [0,10) + [15,20) form one span [0,20); [40,48) and contig 1 stay alone
        c = regions_chunks_joined(j, 4, 100, 5, &n, &tot);
        T_EQ_INT(n, 3);
        T_EQ_INT(tot, 10 + 5 + 8 + 4);  // the gaps are not counted
        if (n == 3) {
            T_CHECK(c[0].tid == 0 && c[0].beg == 0 && c[0].end == 20 && c[0].iv == j && c[0].n_iv == 2);
            T_CHECK(c[1].beg == 40 && c[1].end == 48 && c[1].iv == NULL && c[1].n_iv == 0);
            T_CHECK(c[2].tid == 1 && c[2].beg == 0 && c[2].end == 4 && c[2].iv == NULL);
            T_EQ_INT(chunk_positions(&c[0]), 15);
            T_EQ_INT(chunk_positions(&c[1]), 8);
            // covered: 0..9 and 15..19, not 10..14 (the gap) or 20
            int cov = 0;
            for (int64_t p = -2; p < 25; p++) cov += chunk_covers(&c[0], p);
            T_EQ_INT(cov, 15);
            T_CHECK(chunk_covers(&c[0], 9) && !chunk_covers(&c[0], 10) && !chunk_covers(&c[0], 14) &&
                    chunk_covers(&c[0], 15) && !chunk_covers(&c[0], 20));
            T_CHECK(chunk_covers(&c[1], 40) && !chunk_covers(&c[1], 48) && !chunk_covers(&c[1], 39));
        }
        free(c);
        // join_gap 20: one span [0,48) on contig 0 (gaps 5 and 20), split by chunk size 8 into
        // [0,8) [8,16) [16,24) [24,32) [32,40) [40,48); [24,32) and [32,40) lie in the gap: left out
        c = regions_chunks_joined(j, 4, 8, 20, &n, &tot);
        T_EQ_INT(n, 5);
        T_EQ_INT(tot, 27);
        if (n == 5) {
            const int64_t want[5][4] = {{0, 8, 0, 1}, {8, 16, 0, 2}, {16, 24, 1, 1}, {40, 48, 2, 1},
                                        {0, 4, -1, 0}};
            int64_t sum = 0;
            for (int i = 0; i < 5; i++) {
                T_EQ_INT(c[i].beg, want[i][0]);
                T_EQ_INT(c[i].end, want[i][1]);
                T_EQ_INT(c[i].index, i);
                T_EQ_INT(c[i].n_iv, want[i][3]);
                if (want[i][2] >= 0) T_CHECK(c[i].iv == j + want[i][2]);
                else T_CHECK(c[i].iv == NULL);
                sum += chunk_positions(&c[i]);
            }
            T_EQ_INT(sum, tot);
            T_EQ_INT(chunk_positions(&c[1]), 2 + 1);  // 8,9 and 15
        }
        free(c);
        // join_gap < 0: exactly regions_chunks
        size_t n2;
        int64_t tot2;
        c = regions_chunks_joined(j, 4, 8, -1, &n, &tot);
        Chunk *c2 = regions_chunks(j, 4, 8, &n2, &tot2);
        T_CHECK(n == n2 && tot == tot2 && n == 5);
        for (size_t i = 0; i < n && i < n2; i++)
            T_CHECK(c[i].beg == c2[i].beg && c[i].end == c2[i].end && c[i].iv == NULL);
        free(c);
        free(c2);
    }

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
