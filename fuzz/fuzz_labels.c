// fuzz_labels.c — truth-VCF labelling (src/tensors/labels.c) as `calla tensors --truth` runs it:
// the input is a VCF (bgzipped and tabix-indexed here; inputs tabix rejects are not labelled),
// optionally followed by a line "#CONFIDENT" and a confident BED. Every position of the two
// fixture contigs (60 bp each) is labelled in both feature kinds, and every label must lie in
// its documented range.
#include <stdlib.h>
#include <string.h>

#include <htslib/faidx.h>
#include <htslib/hts.h>
#include <htslib/tbx.h>

#include "fuzz/fuzz_common.h"
#include "tensors/labels.h"

static char *g_seq[2];
static int g_len[2];
static const char *g_ctg[2] = {"ctg1", "ctg2"};

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    faidx_t *fai = fai_load(fz_fixture_ref());
    if (!fai) abort();
    for (int c = 0; c < 2; c++) {
        hts_pos_t len;
        g_seq[c] = fai_fetch64(fai, g_ctg[c], &len);
        if (!g_seq[c]) abort();
        g_len[c] = (int)len;
    }
    fai_destroy(fai);
    hts_set_log_level(HTS_LOG_OFF);
    return 0;
}

static void check_labels(FeatureKind kind, int rc, const float *lab) {
    if (rc < 0) return;
    if (kind == FEAT_CLAIR3_PILEUP) {
        FZ_CHECK(lab[0] >= 0 && lab[0] <= 20 && lab[1] >= 0 && lab[1] <= 2);
        FZ_CHECK(lab[2] >= 0 && lab[2] <= 32 && lab[3] >= 0 && lab[3] <= 32);
        for (int k = 0; k < 4; k++) FZ_CHECK(lab[k] == (float)(int)lab[k]);
    } else {
        for (int k = 0; k < TF_CLV_NLABELS; k++) FZ_CHECK(lab[k] >= 0 && lab[k] <= 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char sep[] = "#CONFIDENT\n";
    size_t vcf_size = size;
    const char *bed = NULL;
    const uint8_t *m = size >= sizeof sep - 1 ? memmem(data, size, sep, sizeof sep - 1) : NULL;
    if (m) {
        vcf_size = (size_t)(m - data);
        size_t off = vcf_size + sizeof sep - 1;
        bed = fz_write("confident.bed", data + off, size - off);
    }
    const char *vcf = fz_write_bgzf("truth.vcf.gz", data, vcf_size);
    if (tbx_index_build(vcf, 0, &tbx_conf_vcf) != 0) return 0;
    TruthSet *t = truth_open(vcf, bed);
    if (!t) return 0;
    for (int c = 0; c < 2; c++) {
        (void)truth_has_contig(t, g_ctg[c]);
        TruthRegion *r = truth_region_load(t, g_ctg[c], 0, g_len[c]);
        if (!r) continue;
        int np = truth_region_npos(r);
        const int64_t *pos = truth_region_pos(r);
        for (int i = 0; i < np; i++) {
            FZ_CHECK(pos[i] >= 0 && pos[i] < g_len[c]);
            if (i > 0) FZ_CHECK(pos[i - 1] < pos[i]);
        }
        for (int p = 0; p < g_len[c]; p++) {
            float lab[TF_CLV_NLABELS];
            for (int k = 0; k < 2; k++) {
                FeatureKind kind = k ? FEAT_CLAIRVOYANTE : FEAT_CLAIR3_PILEUP;
                int rc = truth_region_label(r, kind, p, g_seq[c][p], lab);
                FZ_CHECK(rc >= -1 && rc <= 1);
                check_labels(kind, rc, lab);
            }
        }
        truth_region_free(r);
    }
    truth_close(t);
    return 0;
}
