// shard.h — `calla call --shard I/N` and `calla merge-shards` (docs/distributed.md, "Shards").
// A shard is a contiguous group of the work chunks (reads/regions.h: the same fixed chunks for
// any thread or rank count), the groups balanced by positions; each shard is an ordinary,
// complete, indexed VCF whose header has one more line,
//   ##calla_shard=I/N chunks=LO-HI/TOTAL run=HASH
// (I 1-based; chunks [LO, HI) of TOTAL, 0-based, end exclusive; HASH identifies the command: its
// arguments except -@, --shard, -o, -O, --gvcf, --quiet and --progress-interval). The merge
// checks that its inputs are all N shards of one run, concatenates their records in shard order
// and indexes the result; the records are those of a one-process run. gVCF shards start with
// one-position blocks (cmd_call.c); the merge drops those covered by a deletion of the shard
// before and joins adjacent blocks as calling/gvcf.h does, giving the one-process gVCF.
#ifndef CALLA_SHARD_H
#define CALLA_SHARD_H
#include <stddef.h>
#include <stdint.h>

#include "reads/regions.h"

// Parses "I/N" (1 <= I <= N <= 1000000). Returns 0, or -1 (no message).
int shard_parse(const char *s, int *index, int *count);

// Shard index (1-based) of count: chunks [*lo, *hi). Boundary k (0 < k < count) is the first
// chunk j whose preceding chunks hold at least k/count of all positions, so shards are
// contiguous, cover every chunk once, and differ in positions by at most one chunk.
void shard_range(const Chunk *chunks, size_t n_chunks, int index, int count, size_t *lo,
                 size_t *hi);

// The identity of a command (FNV-1a 64 of its arguments but those named above), as 16 hex digits
// and a NUL in out[17].
void shard_run_id(int argc, char **argv, char out[17]);

// The command line for the ##calla_command header line: without -@/--threads and --shard (so the
// shards of one run and a one-process run record the same command but for -o). Free it.
char *shard_cmdline(int argc, char **argv);

// The ##calla_shard header line. Free it.
char *shard_header_line(int index, int count, size_t lo, size_t hi, size_t total,
                        const char *run_id);

// Merges shards into out_path (type v, z, b or u; z and b indexed), written atomically. Returns 0,
// or -1 after a one-line error naming the file and the problem.
int shard_merge(const char *out_path, char out_type, char *const *inputs, int n_inputs);

#endif
