// fuzz_tensorfile.c — the tensor file reader (src/tensors/tensorfile.c): open (header, contig
// table, sizes), then check and read every record the way `calla view`/`calla train` do.
#include <string.h>

#include "fuzz/fuzz_common.h"
#include "tensors/tensorfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fz_write("in.ctf", data, size);
    TensorFile tf;
    if (tensorfile_open(&tf, path) != 0) return 0;
    const TensorFileMeta *m = &tf.meta;
    FZ_CHECK(m->n_contigs >= 0 && m->record_bytes >= tf_features_offset(m->n_labels));
    FZ_CHECK((size_t)m->n_pos * m->n_chan * 2 + tf_features_offset(m->n_labels) <=
             m->record_bytes);
    for (int c = 0; c < m->n_contigs; c++) FZ_CHECK(m->contig_names[c] && m->contig_lens[c] >= 0);
    FZ_CHECK(m->platform && m->cmdline);
    volatile long sink = (long)strlen(m->platform) + (long)strlen(m->cmdline);
    for (uint64_t i = 0; i < tf.n_records && i < 256; i++) {
        if (tensorfile_check_record(&tf, i) != 0) continue;
        const uint8_t *rec = tensorfile_record(&tf, i);
        const TensorRecordHead *h = tf_head(rec);
        FZ_CHECK(h->contig >= 0 && h->contig < m->n_contigs && h->pos >= 0 &&
                 h->pos < m->contig_lens[h->contig] && h->labelled <= 1);
        const float *lab = tf_labels(rec);
        const int16_t *feat = tf_features(rec, m->n_labels);
        float s = 0;
        for (int k = 0; k < m->n_labels; k++) s += lab[k];
        for (int k = 0; k < m->n_pos * m->n_chan; k++) sink += feat[k];
        sink += (long)(s == s);
    }
    (void)sink;
    tensorfile_close(&tf);
    return 0;
}
