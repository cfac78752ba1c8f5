// evalctf.c — scores a Clair3 model (clair3-pileup or clair3-fa) on labelled tensor files: the
// model's decision per record (argmax of gt21 and zygosity, as `calla train` validates), counted
// overall and per stratum. A record is a variant when its zygosity is not hom-ref (0); a truth
// variant is an INDEL when an indel-length label is not 0 (stored 16), else a SNP; a false
// positive is an INDEL when the predicted gt21 class has an insertion or deletion allele. Per
// stratum: TP, FP, FN, precision, recall, F1, and genotype F1 (TP with the right gt21 and
// zygosity). Also the zygosity head's accuracy per true zygosity. One line per stratum, as
// key=value. Used by models/recipe.sh (FA stage) to compare the FA and pileup models on the same
// held-out candidates. With -c, also the gt21 confusion of the truth variants: one line per
// (true class, predicted class) pair that occurs, "gt21_confusion true=XY pred=XY n=N", in class
// order (X, Y: A C G T, I insertion, D deletion; Clair3's 21 classes, calling/genotype.h).
// usage: evalctf [-c] MODEL.safetensors IN.ctf [IN.ctf...]
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calling/genotype.h"
#include "network/gemm.h"
#include "tensors/tensorfile.h"
#include "training/modelfile.h"

enum { S_ALL, S_SNP, S_INDEL, NS };
static const char *SN[NS] = {"ALL", "SNP", "INDEL"};

static int argmax(const float *v, int n) {
    int b = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[b]) b = i;
    return b;
}

int main(int argc, char **argv) {
    const int conf = argc > 1 && strcmp(argv[1], "-c") == 0;
    argv += conf, argc -= conf;
    if (argc < 3) {
        fprintf(stderr, "usage: evalctf [-c] MODEL.safetensors IN.ctf [IN.ctf...]\n");
        return 2;
    }
    // gt21 classes with an indel allele, and the classes' names
    int gt_indel[21] = {0};
    char gt_name[21][3] = {{0}};
    const char al[] = "ACGTID";
    for (int i = 0; i < 6; i++)
        for (int j = i; j < 6; j++) {
            int k = gt21_index(al[i], al[j]);
            if (k < 0) continue;
            if (i >= 4 || j >= 4) gt_indel[k] = 1;
            gt_name[k][0] = al[i], gt_name[k][1] = al[j];
        }
    static long cm[21][21];
    network_set_threads(2);
    const int BM = 256;
    Model m;
    if (modelfile_load(argv[1], &m, BM, 0) < 0) return 1;
    if (m.arch == ARCH_CLAIRVOYANTE) {
        fprintf(stderr, "evalctf: Clair3 models only\n");
        return 1;
    }
    long tp[NS] = {0}, fp[NS] = {0}, fn[NS] = {0}, gtp[NS] = {0}, zn[3] = {0}, zok[3] = {0};
    long n = 0;
    float *x = malloc(sizeof(float) * BM * m.n_pos * m.n_chan);
    float *lab = malloc(sizeof(float) * BM * m.n_labels);
    for (int a = 2; a < argc; a++) {
        TensorFile tf;
        if (tensorfile_open(&tf, argv[a]) < 0) return 1;
        if (tf.meta.kind != m.feature_kind || tf.meta.n_chan != m.n_chan) {
            fprintf(stderr, "evalctf: %s does not fit the model (kind or rows)\n", argv[a]);
            return 1;
        }
        for (uint64_t at = 0; at < tf.n_records; at += BM) {
            int B = (int)(tf.n_records - at < (uint64_t)BM ? tf.n_records - at : (uint64_t)BM);
            for (int i = 0; i < B; i++) {
                const uint8_t *rec = tensorfile_record(&tf, at + i);
                model_input_from_features(&m, tf_features(rec, tf.meta.n_labels),
                                          x + (size_t)i * m.n_pos * m.n_chan);
                memcpy(lab + (size_t)i * m.n_labels, tf_labels(rec), sizeof(float) * m.n_labels);
            }
            model_forward(&m, x, NULL, B, 0);
            for (int i = 0; i < B; i++) {
                const float *o = m.out + (size_t)i * m.n_out, *l = lab + (size_t)i * m.n_labels;
                int pg = argmax(o + m.heads[0].offset, 21), pz = argmax(o + m.heads[1].offset, 3);
                int lg = (int)l[0], lz = (int)l[1];
                int lv = lz != 0, pv = pz != 0;
                int lindel = l[2] != 16 || l[3] != 16;
                if (lv && lg >= 0 && lg < 21) cm[lg][pg]++;
                zn[lz]++;
                zok[lz] += pz == lz;
                n++;
                int s = lv ? (lindel ? S_INDEL : S_SNP) : (gt_indel[pg] ? S_INDEL : S_SNP);
                for (int k = 0; k < 2; k++) {
                    int st = k ? s : S_ALL;
                    if (lv && pv) {
                        tp[st]++;
                        gtp[st] += pg == lg && pz == lz;
                    } else if (pv) {
                        fp[st]++;
                    } else if (lv) {
                        fn[st]++;
                    }
                }
            }
        }
        tensorfile_close(&tf);
    }
    printf("model=%s arch=%s records=%ld\n", argv[1], model_arch_name(m.arch), n);
    for (int s = 0; s < NS; s++) {
        double p = tp[s] + fp[s] ? (double)tp[s] / (tp[s] + fp[s]) : 0;
        double r = tp[s] + fn[s] ? (double)tp[s] / (tp[s] + fn[s]) : 0;
        double gp = tp[s] + fp[s] ? (double)gtp[s] / (tp[s] + fp[s]) : 0;
        double gr = tp[s] + fn[s] ? (double)gtp[s] / (tp[s] + fn[s]) : 0;
        printf("stratum=%s tp=%ld fp=%ld fn=%ld precision=%.4f recall=%.4f f1=%.4f "
               "genotype_f1=%.4f\n",
               SN[s], tp[s], fp[s], fn[s], p, r, p + r ? 2 * p * r / (p + r) : 0,
               gp + gr ? 2 * gp * gr / (gp + gr) : 0);
    }
    static const char *ZN[3] = {"hom-ref", "hom-alt", "het"};
    for (int z = 0; z < 3; z++)
        printf("zygosity=%s n=%ld accuracy=%.4f\n", ZN[z], zn[z],
               zn[z] ? (double)zok[z] / zn[z] : 0);
    for (int t = 0; conf && t < 21; t++)
        for (int p = 0; p < 21; p++)
            if (cm[t][p])
                printf("gt21_confusion true=%s pred=%s n=%ld\n", gt_name[t], gt_name[p], cm[t][p]);
    free(x);
    free(lab);
    model_free(&m);
    return 0;
}
