// predict.c — test helper: runs a model over the records of a tensor file, one at a time, and
// prints one line per record: "contig<TAB>pos(1-based)<TAB>p0,p1,..." (%.6g, as `calla call
// --fa-sites` writes them). The forward pass is the model's own (model_forward, batch 1), so a test
// can check the caller's batched inference against it.
// usage: predict MODEL.safetensors TENSORS.ctf
#include <stdio.h>
#include <stdlib.h>

#include "network/model.h"
#include "tensors/tensorfile.h"
#include "training/modelfile.h"

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: predict MODEL.safetensors TENSORS.ctf\n");
        return 2;
    }
    Model m;
    if (modelfile_load(argv[1], &m, 1, 0) < 0) return 1;
    TensorFile tf;
    if (tensorfile_open(&tf, argv[2]) < 0) return 1;
    if (tf.meta.n_pos * tf.meta.n_chan != m.n_pos * m.n_chan) {
        fprintf(stderr, "predict: tensors of %d x %d values, the model takes %d x %d\n",
                tf.meta.n_pos, tf.meta.n_chan, m.n_pos, m.n_chan);
        return 1;
    }
    float *x = malloc(sizeof *x * (size_t)m.n_pos * m.n_chan);
    for (uint64_t i = 0; i < tf.n_records; i++) {
        if (tensorfile_check_record(&tf, i) < 0) return 1;
        const uint8_t *rec = tensorfile_record(&tf, i);
        const TensorRecordHead *h = tf_head(rec);
        model_input_from_features(&m, tf_features(rec, tf.meta.n_labels), x);
        model_forward(&m, x, NULL, 1, 0);
        printf("%s\t%lld\t", tf.meta.contig_names[h->contig], (long long)h->pos + 1);
        for (int k = 0; k < m.n_out; k++) printf(k ? ",%.6g" : "%.6g", m.out[k]);
        putchar('\n');
    }
    free(x);
    tensorfile_close(&tf);
    model_free(&m);
    return 0;
}
