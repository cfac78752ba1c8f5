// fuzz_region.c — region strings (-r in tensors/call: chr, chr:beg, chr:beg-end, commas) through
// regions_build against the fixture BAM + reference, then the chunk split. The input is split at
// newlines into up to 8 -r arguments.
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_common.h"
#include "reads/candidates.h"
#include "reads/regions.h"

static ScanInputs *g_in;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    g_in = scan_inputs_open(fz_fixture_bam(), fz_fixture_ref());
    if (!g_in) abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = 0;
    char *args[8];
    int na = 0;
    for (char *p = text; na < 8;) {
        args[na++] = p;
        char *nl = strchr(p, '\n');
        if (!nl) break;
        *nl = 0;
        p = nl + 1;
    }
    Region *regs = NULL;
    int n = 0;
    int r = regions_build(g_in, args, na, NULL, &regs, &n);
    FZ_CHECK(r == 0 || r == -1 || r == -2);
    if (r == 0) {
        int64_t covered = 0;
        for (int i = 0; i < n; i++) {
            FZ_CHECK(regs[i].tid >= 0 && regs[i].tid < scan_inputs_ncontigs(g_in));
            FZ_CHECK(regs[i].beg >= 0 && regs[i].beg < regs[i].end &&
                     regs[i].end <= scan_inputs_contig_len(g_in, regs[i].tid));
            if (i > 0)
                FZ_CHECK(regs[i - 1].tid < regs[i].tid ||
                         (regs[i - 1].tid == regs[i].tid && regs[i - 1].end < regs[i].beg));
            covered += regs[i].end - regs[i].beg;
        }
        size_t nch = 0;
        int64_t total = 0;
        Chunk *ch = regions_chunks(regs, n, 7, &nch, &total);
        FZ_CHECK(total == covered);
        for (size_t i = 0; i < nch; i++) FZ_CHECK(ch[i].end - ch[i].beg <= 7 && ch[i].index == i);
        free(ch);
        free(regs);
    }
    free(text);
    return 0;
}
