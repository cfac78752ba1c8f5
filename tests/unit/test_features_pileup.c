// Clair3 pileup and Clairvoyante encodings from hand-made counts (values worked out by hand from
// clair3.md §1.2/§1.4 and clairvoyante.md §1.1-1.2).
#include <string.h>

#include "tensors/features_pileup.h"
#include "tensors/tensorfile.h"
#include "testlib.h"

#define C3(p, ch) out[(p) * 18 + (ch)]
#define CV(p, b, ch) cv[(p) * 16 + 4 * (b) + (ch)]

int main(void) {
    PileupCol cols[33];
    memset(cols, 0, sizeof cols);
    char ref[33];
    memset(ref, 'N', sizeof ref);
    // Column 16: ref C; forward reads: 3 C, 2 T; reverse: 4 C, 1 A, 1 N-skipped (not counted).
    // Two forward reads insert (one "AG", one "T": ins=2, best=1), one reverse read inserts "AG".
    // One forward deletion of length 2 starts here; 1 reverse read covers a deletion.
    ref[16] = 'C';
    PileupCol *c = &cols[16];
    c->base[0][1] = 3; c->base[0][3] = 2;
    c->base[1][1] = 4; c->base[1][0] = 1;
    c->ins[0] = 2; c->ins_best[0] = 1; c->ins[1] = 1; c->ins_best[1] = 1;
    c->del[0] = 1; c->del_best[0] = 1;
    c->delcov[1] = 1;
    // Column 17: ref G, forward 2 G; two deletion-covered forward reads.
    ref[17] = 'G';
    cols[17].base[0][2] = 2;
    cols[17].delcov[0] = 2;
    // Column 0: padding (all zero, ref N).
    int16_t out[33 * 18];
    T_EQ_INT(pileup_depth(c), 3 + 2 + 4 + 1 + 1);
    T_EQ_INT(features_clair3(cols, ref, pileup_depth(c), 144, out), 0);
    // forward: A C G T I I1 D D1 *
    T_EQ_INT(C3(16, 0), 0); T_EQ_INT(C3(16, 1), -5); T_EQ_INT(C3(16, 2), 0); T_EQ_INT(C3(16, 3), 2);
    T_EQ_INT(C3(16, 4), 2); T_EQ_INT(C3(16, 5), 1); T_EQ_INT(C3(16, 6), 1); T_EQ_INT(C3(16, 7), 1);
    T_EQ_INT(C3(16, 8), 0);
    // reverse: a c g t i i1 d d1 #
    T_EQ_INT(C3(16, 9), 1); T_EQ_INT(C3(16, 10), -5); T_EQ_INT(C3(16, 11), 0); T_EQ_INT(C3(16, 12), 0);
    T_EQ_INT(C3(16, 13), 1); T_EQ_INT(C3(16, 14), 1); T_EQ_INT(C3(16, 15), 0); T_EQ_INT(C3(16, 16), 0);
    T_EQ_INT(C3(16, 17), 1);
    T_EQ_INT(C3(17, 2), -2); T_EQ_INT(C3(17, 8), 2); T_EQ_INT(C3(17, 11), 0);
    for (int ch = 0; ch < 18; ch++) T_EQ_INT(C3(0, ch), 0);

    // Rescale: 301 reads at the centre (251 fwd ref A, 50 rev T) > 216: divide by 301/144, truncate.
    PileupCol deep[33];
    memset(deep, 0, sizeof deep);
    char dref[33];
    memset(dref, 'A', sizeof dref);
    deep[16].base[0][0] = 251;
    deep[16].base[1][3] = 50;
    deep[16].base[1][0] = 0;
    T_EQ_INT(features_clair3(deep, dref, 301, 144, out), 0);
    T_EQ_INT(C3(16, 0), -120);  // -251*144/301 = -120.08
    T_EQ_INT(C3(16, 9), -23);   // -50*144/301 = -23.92 -> truncated toward zero
    T_EQ_INT(C3(16, 12), 23);
    // Depth 216 exactly is not rescaled.
    deep[16].base[0][0] = 166;
    T_EQ_INT(features_clair3(deep, dref, 216, 144, out), 0);
    T_EQ_INT(C3(16, 0), -166);
    // Absurd depth without rescale saturates instead of wrapping.
    deep[16].base[0][0] = 40000;
    T_EQ_INT(features_clair3(deep, dref, 40050, 0, out), 1);
    T_EQ_INT(C3(16, 0), -32768);

    // Clairvoyante on the first example; inserted bases: "AG" anchored at column 16 (x2 reads)
    // go to columns 17 (A) and 18 (G); "T" to column 17. One insertion "ACGT" anchored at column
    // 30 (following base column 31): A->31, C->32, G->32 (clamped), T->32.
    int32_t insb[33][4];
    memset(insb, 0, sizeof insb);
    insb[17][0] += 2; insb[18][2] += 2; insb[17][3] += 1;
    insb[31][0] += 1; insb[32][1] += 1; insb[32][2] += 1; insb[32][3] += 1;
    int16_t cv[33 * 16];
    T_EQ_INT(features_clairvoyante(cols, ref, (const int32_t(*)[4])insb, cv), 0);
    // column 16, ref C: aligned A=1, C=7, T=2 (10 aligned); delcov 1.
    T_EQ_INT(CV(16, 1, 0), 10); T_EQ_INT(CV(16, 0, 0), 0); T_EQ_INT(CV(16, 3, 0), 0);
    T_EQ_INT(CV(16, 0, 1), 1); T_EQ_INT(CV(16, 1, 1), 7 - 10); T_EQ_INT(CV(16, 3, 1), 2);
    T_EQ_INT(CV(16, 1, 2), 1); T_EQ_INT(CV(16, 0, 2), 0);
    T_EQ_INT(CV(16, 0, 3), 1); T_EQ_INT(CV(16, 1, 3), -3); T_EQ_INT(CV(16, 3, 3), 2);
    // column 17, ref G: 2 aligned G, 2 deleted, inserted A x2 and T x1.
    T_EQ_INT(CV(17, 2, 0), 2); T_EQ_INT(CV(17, 2, 1), 0); T_EQ_INT(CV(17, 0, 1), 2);
    T_EQ_INT(CV(17, 3, 1), 1); T_EQ_INT(CV(17, 2, 2), 2); T_EQ_INT(CV(17, 2, 3), 0);
    // column 18: ref N (nothing aligned), inserted G x2 in ch1 only.
    T_EQ_INT(CV(18, 2, 1), 2); T_EQ_INT(CV(18, 2, 0), 0);
    T_EQ_INT(CV(32, 1, 1), 1); T_EQ_INT(CV(32, 2, 1), 1); T_EQ_INT(CV(32, 3, 1), 1);
    T_EQ_INT(CV(31, 0, 1), 1);
    for (int k = 0; k < 16; k++) T_EQ_INT(cv[k], 0);
    T_DONE();
}
