// fuzz_bed.c — the BED readers: the tensors/labels one (src/tensors/bed.c), `calla eval`'s
// (src/eval/eval_bed.c, against the fixture reference) and -R in tensors/call
// (regions_build, src/reads/regions.c, against the fixture BAM + reference). Checks the
// documented invariants of what each returns: sorted, merged, inside the contigs.
#include <stdlib.h>
#include <string.h>

#include "eval/eval_bed.h"
#include "eval/eval_ref.h"
#include "fuzz/fuzz_common.h"
#include "reads/candidates.h"
#include "reads/regions.h"
#include "tensors/bed.h"

static EvalRef *g_ref;
static ScanInputs *g_in;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    g_ref = eval_ref_open(fz_fixture_ref());
    g_in = scan_inputs_open(fz_fixture_bam(), fz_fixture_ref());
    if (!g_ref || !g_in) abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fz_write("in.bed", data, size);
    BedRegions *b = bed_read(path);
    if (b) {
        for (int c = 0; c < b->n_contigs; c++) {
            const BedContig *bc = &b->contigs[c];
            if (c > 0) FZ_CHECK(strcmp(b->contigs[c - 1].name, bc->name) < 0);
            FZ_CHECK(bed_contig(b, bc->name) == bc);
            int64_t tot = 0;
            for (int i = 0; i < bc->n; i++) {
                FZ_CHECK(bc->beg[i] >= 0 && bc->beg[i] < bc->end[i]);
                if (i > 0) FZ_CHECK(bc->end[i - 1] < bc->beg[i]);
                FZ_CHECK(bed_contains(bc, bc->beg[i]) && bed_contains(bc, bc->end[i] - 1));
                FZ_CHECK(!bed_contains(bc, bc->end[i]) && !bed_contains(bc, bc->beg[i] - 1));
                FZ_CHECK(bed_overlaps(bc, bc->beg[i], bc->beg[i] + 1));
                FZ_CHECK(bed_lower_bound(bc, bc->beg[i]) == i);
                tot += bc->end[i] - bc->beg[i];
            }
            FZ_CHECK(tot == bc->total);
        }
        bed_free(b);
    }
    EvalBed *eb = eval_bed_read(path, g_ref);
    if (eb) {
        for (int c = 0; c < eb->nctg; c++)
            for (int i = 0; i < eb->n[c]; i++) {
                FZ_CHECK(eb->iv[c][i].beg >= 0 && eb->iv[c][i].beg < eb->iv[c][i].end &&
                         eb->iv[c][i].end <= eval_ref_ctg_len(g_ref, c));
                if (i > 0) FZ_CHECK(eb->iv[c][i - 1].end < eb->iv[c][i].beg);
                FZ_CHECK(eval_bed_contains(eb, c, eb->iv[c][i].beg, eb->iv[c][i].end));
            }
        (void)eval_bed_bases(eb);
        eval_bed_free(eb);
    }
    Region *regs = NULL;
    int n = 0;
    if (regions_build(g_in, NULL, 0, path, &regs, &n) == 0) {
        for (int i = 0; i < n; i++) {
            FZ_CHECK(regs[i].tid >= 0 && regs[i].tid < scan_inputs_ncontigs(g_in));
            FZ_CHECK(regs[i].beg >= 0 && regs[i].beg < regs[i].end &&
                     regs[i].end <= scan_inputs_contig_len(g_in, regs[i].tid));
        }
        free(regs);
    }
    return 0;
}
