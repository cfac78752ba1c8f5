// fuzz_eval_vcf.c — `calla eval`'s VCF reading and normalisation (src/eval/eval_vcf.c,
// eval_ref.c: split multi-allelics, check REF, trim, left-align, split MNPs) against the fixture
// reference, with and without PASS filtering and a fixed confident BED, then the comparison of
// the set with itself (every allele must match).
#include <stdlib.h>
#include <string.h>

#include <htslib/hts.h>

#include "eval/eval.h"
#include "eval/eval_bed.h"
#include "eval/eval_ref.h"
#include "eval/eval_vcf.h"
#include "fuzz/fuzz_common.h"

static EvalRef *g_ref;
static EvalBed *g_bed;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    g_ref = eval_ref_open(fz_fixture_ref());
    static const char bed[] = "ctg1\t2\t40\nctg2\t0\t60\n";
    if (!g_ref) abort();
    g_bed = eval_bed_read(fz_write("conf.bed", (const uint8_t *)bed, sizeof bed - 1), g_ref);
    if (!g_bed) abort();
    hts_set_log_level(HTS_LOG_OFF);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fz_write("calls.vcf", data, size);
    for (int pass = 0; pass < 2; pass++) {
        EvalReadOpts o = {NULL, pass, pass ? g_bed : NULL};
        EvalVarSet a = {0}, b = {0};
        EvalReadStats st = {0};
        if (eval_read_vcf(path, g_ref, &o, &a, &st) != 0) {
            evalset_free(&a);
            return 0;
        }
        FZ_CHECK(st.kept >= 0 && (size_t)st.kept <= a.n + (size_t)st.outside);
        for (size_t i = 0; i < a.n; i++) {
            const EvalVar *v = &a.v[i];
            FZ_CHECK(v->ctg >= 0 && v->ctg < eval_ref_nctg(g_ref) && v->pos >= 0);
            size_t lr = strlen(v->ref), la = strlen(v->alt);
            FZ_CHECK(lr >= 1 && la >= 1 && strcmp(v->ref, v->alt) != 0);
            FZ_CHECK(v->pos + (int64_t)lr <= eval_ref_ctg_len(g_ref, v->ctg));
            FZ_CHECK(v->zyg == EVAL_HET || v->zyg == EVAL_HOM);
            evalset_push(&b, v->ctg, v->pos, v->ref, lr, v->alt, la, v->zyg);
        }
        EvalResult res;
        eval_compare(&a, &b, &res);
        for (int t = 0; t < EVAL_NTYPES; t++)
            FZ_CHECK(res.allele[t].fp == 0 && res.allele[t].fn == 0 &&
                     res.genotype[t].fp == 0 && res.genotype[t].fn == 0);
        evalset_free(&a);
        evalset_free(&b);
    }
    return 0;
}
