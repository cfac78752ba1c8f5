// haplotag_bam.h — copy a coordinate-sorted BAM/CRAM with HP/PS tags from a phasing result
// (the second pass of `calla haplotag`): every record kept, in input order; previous HP/PS tags
// removed from every record (and counted); reads that phasing_read_hp assigns get HP:i:1|2 and
// PS:i:<phase set>. An @PG line is added. Output BAM/CRAM/SAM written under a temporary name and
// renamed (with its .csi/.crai index when asked); "-" writes to standard output. Reads are
// tagged in batches on `threads` threads (OpenMP) and htslib compresses on as many; the output
// does not depend on the thread count.
#ifndef CALLA_PHASING_HAPLOTAG_BAM_H
#define CALLA_PHASING_HAPLOTAG_BAM_H
#include "phasing/phasing.h"

typedef struct {
    const char *in_path, *ref_path, *out_path;
    char out_fmt;       // 'b' BAM, 'c' CRAM, 's' SAM
    int write_index;    // .csi (BAM) / .crai (CRAM) next to the output (a file, not "-", not SAM)
    int threads;
    const char *pg_cl;  // @PG CL (the command line without -@)
    double progress_interval;  // > 0: progress lines on stderr
} HaplotagOpts;

typedef struct {
    long n_reads;      // records written
    long n_hp[3];      // untagged, HP 1, HP 2
    long n_had_tags;   // records that carried HP or PS before
} HaplotagStats;

// by_tid: n_tid entries (NULL: contig not phased). Returns 0, or -1 after a one-line error (the
// output is then removed).
int haplotag_bam(const HaplotagOpts *o, PhaseResult *const *by_tid, int n_tid, HaplotagStats *st);

#endif
