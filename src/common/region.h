// region.h — the one parser of samtools region strings for every command (-r of tensors, call,
// view, simulate): htslib's hts_parse_region with the caller's contig-name lookup.
#ifndef CALLA_REGION_H
#define CALLA_REGION_H
#include <stdint.h>

// End value of an open region ("chr", "chr:beg", "chr:beg-"): to the end of the contig.
#define REGION_OPEN_END INT64_MAX

// Looks a contig name up: its index (>= 0), or -1 when unknown.
typedef int (*RegionNameFn)(void *ud, const char *name);

// Parses `arg` with samtools semantics: "chr", "chr:beg", "chr:beg-", "chr:beg-end" (1-based,
// inclusive, commas allowed in numbers), "{chr}:beg-end" for names that contain ':' (a name that
// is itself a whole contig name, e.g. "HLA-A*01:01", is taken as such; an ambiguous one is an
// error). Positions above 10^15 are malformed (no overflow).
// Returns 0 with *tid, *beg (0-based) and *end (exclusive; REGION_OPEN_END when open);
// -1 when the contig is unknown to `name2id`; -2 when the text is malformed. Prints nothing.
int region_parse(const char *arg, RegionNameFn name2id, void *ud, int *tid, int64_t *beg,
                 int64_t *end);

// For commands that read the region before they know the contig names (view, simulate): the same
// syntax, any name accepted (a name containing ':' must be braced), returned in *name (free it).
// Returns 0, or -2 when malformed.
int region_parse_name(const char *arg, char **name, int64_t *beg, int64_t *end);

#endif
