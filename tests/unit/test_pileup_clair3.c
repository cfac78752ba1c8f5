// Clair3 parity of the read walk and the pileup encoding (docs/tensors.md "Clair3 parity"):
// hand-made reads with adjacent indel CIGARs, a read N, a reference N and flagged reads, scanned
// with the calla defaults, --compat clair3 for ont (Clair3's C pileup) and for ilmn (its
// samtools-mpileup path), and explicit read filters. Every expected value is worked out by hand
// below from the CIGARs (htslib/samtools 1.16 pileup semantics, checked with `samtools mpileup
// --reverse-del` on the same reads while writing this test).
#include <htslib/faidx.h>
#include <htslib/sam.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reads/candidates.h"
#include "testlib.h"

// ref (0-based): 13 C, 14 C, 15 C, 16 T, 17 A, 20 N, 33 C
static const char *REF = "CCGTAATGCCTTTCCCTAACNGAGTTTTTCGAACTCGTGTTGTCGAGCGACGGAATTAGA";

// Reads at 11 (1-based) = 10 (0-based); bases copy the reference (A where it is N).
//  r1 5M2D3I5M  M 10-14, D 15-16, I GGG, M 17-21
//  r2 5M3I2D5M  M 10-14, I TTT, D 15-16, M 17-21
//  r3 4M1I2I5M  reverse; M 10-13, I A, I CC, M 14-18
//  r4 5M1D2D5M  M 10-14, D 15, D 16-17, M 18-22
//  r5 12M       N at 15
// Reads at 31 (0-based 30), base at 33 (ref C) tells them apart:
//  r6 DUP (1024) A fwd, r7 paired not proper (1) G fwd, r8 QCFAIL (512) T fwd,
//  r9 paired + mate unmapped + reverse (25) A rev, r10 proper pair (3) C fwd.
static const char *SAM =
    "@HD\tVN:1.6\tSO:coordinate\n"
    "@SQ\tSN:c\tLN:60\n"
    "r1\t0\tc\t11\t60\t5M2D3I5M\t*\t0\t0\tTTTCCGGGAACAG\t*\n"
    "r2\t0\tc\t11\t60\t5M3I2D5M\t*\t0\t0\tTTTCCTTTAACAG\t*\n"
    "r3\t16\tc\t11\t60\t4M1I2I5M\t*\t0\t0\tTTTCACCCCTAA\t*\n"
    "r4\t0\tc\t11\t60\t5M1D2D5M\t*\t0\t0\tTTTCCACAGA\t*\n"
    "r5\t0\tc\t11\t60\t12M\t*\t0\t0\tTTTCCNTAACAG\t*\n"
    "r6\t1024\tc\t31\t60\t10M\t*\t0\t0\tGAAATCGTGT\t*\n"
    "r7\t1\tc\t31\t60\t10M\t*\t0\t0\tGAAGTCGTGT\t*\n"
    "r8\t512\tc\t31\t60\t10M\t*\t0\t0\tGAATTCGTGT\t*\n"
    "r9\t25\tc\t31\t60\t10M\t*\t0\t0\tGAAATCGTGT\t*\n"
    "r10\t3\tc\t31\t60\t10M\t*\t0\t0\tGAACTCGTGT\t*\n";

#define MAXC 8
typedef struct {
    int n;
    int64_t pos[MAXC];
    int depth[MAXC], n_indels[MAXC];
    char indel[MAXC][3][12];
    int16_t f[MAXC][33 * 18];
} Got;

static int collect(const Candidate *c, void *ud) {
    Got *g = ud;
    if (g->n < MAXC) {
        g->pos[g->n] = c->pos;
        g->depth[g->n] = c->depth;
        g->n_indels[g->n] = c->n_indels;
        for (int i = 0; i < c->n_indels && i < 3; i++)
            snprintf(g->indel[g->n][i], 12, "%c%s%d", c->indels[i].kind, c->indels[i].seq,
                     c->indels[i].count);
        memcpy(g->f[g->n], c->features, sizeof g->f[0]);
    }
    g->n++;
    return 0;
}

// Value of channel ch at genomic position q in the window of candidate k.
#define F(g, k, q, ch) ((g).f[k][((q) - (g).pos[k] + 16) * 18 + (ch)])
enum { A, C, G, T, I, I1, D, D1, STAR, a, c, g, t, i_, i1, d, d1, HASH };

static int write_text(const char *path, const char *text) {
    FILE *fp = fopen(path, "w");
    if (!fp) return -1;
    fputs(text, fp);
    return fclose(fp);
}

static int scan(ScanInputs *si, const ScanParams *p, Got *g) {
    // 16 (an insertion in 1 of 5 reads) and 33 are candidates anyway; 13-15 are forced.
    static const int64_t force[] = {13, 14, 15, 16, 33};
    memset(g, 0, sizeof *g);
    int r = scan_region(si, p, 0, 0, 60, force, 5, collect, g);
    T_EQ_INT(g->n, 5);
    for (int k = 0; k < 5 && k < g->n; k++) T_EQ_INT(g->pos[k], force[k]);
    return r;
}

int main(void) {
    char dir[] = "/tmp/calla-c3-XXXXXX", sam[64], bam[64], fa[64], fafile[80];
    if (!mkdtemp(dir)) T_SKIP("mkdtemp");
    snprintf(sam, sizeof sam, "%s/r.sam", dir);
    snprintf(bam, sizeof bam, "%s/r.bam", dir);
    snprintf(fa, sizeof fa, "%s/ref.fa", dir);
    snprintf(fafile, sizeof fafile, ">c\n%s\n", REF);
    T_CHECK(write_text(fa, fafile) == 0);
    T_CHECK(write_text(sam, SAM) == 0);
    T_CHECK(fai_build(fa) == 0);
    samFile *in = sam_open(sam, "r"), *out = sam_open(bam, "wb");
    T_CHECK(in && out);
    if (!in || !out) T_DONE();
    sam_hdr_t *h = sam_hdr_read(in);
    T_CHECK(h && sam_hdr_write(out, h) == 0);
    bam1_t *b = bam_init1();
    int nr = 0;
    while (sam_read1(in, h, b) >= 0) nr += sam_write1(out, h, b) >= 0;
    T_EQ_INT(nr, 10);
    bam_destroy1(b);
    sam_hdr_destroy(h);
    sam_close(in);
    T_CHECK(sam_close(out) == 0);
    T_CHECK(sam_index_build(bam, 0) == 0);
    ScanInputs *si = scan_inputs_open(bam, fa);
    T_CHECK(si != NULL);
    if (!si) T_DONE();

    Got g;
    ScanParams p;
    // ---- calla defaults (samtools mpileup text semantics for adjacent indels) ----
    scan_params_default(&p, PLATFORM_ONT, FEAT_CLAIR3_PILEUP);
    T_EQ_INT(scan(si, &p, &g), 0);
    // 13: r3's 1I2I is ONE reverse insertion "ACC" (not two events); fwd C x4, rev c x1.
    T_EQ_INT(F(g, 0, 13, C), -4); T_EQ_INT(F(g, 0, 13, c), -1);
    T_EQ_INT(F(g, 0, 13, i_), 1); T_EQ_INT(F(g, 0, 13, i1), 1); T_EQ_INT(F(g, 0, 13, I), 0);
    T_EQ_INT(g.n_indels[0], 1);
    T_CHECK(!strcmp(g.indel[0][0], "IACC1"));
    // 14: r1 D2, r2 I3 + D2 (3I2D: both on the base before), r4 D1 -> D 3, D1 2 (two 2-bp).
    T_EQ_INT(F(g, 1, 14, I), 1); T_EQ_INT(F(g, 1, 14, I1), 1);
    T_EQ_INT(F(g, 1, 14, D), 3); T_EQ_INT(F(g, 1, 14, D1), 2);
    T_EQ_INT(F(g, 1, 14, HASH), 0);
    T_EQ_INT(g.n_indels[1], 3);
    T_CHECK(!strcmp(g.indel[1][0], "DCT2"));
    T_CHECK(!strcmp(g.indel[1][1], "DC1"));
    T_CHECK(!strcmp(g.indel[1][2], "ITTT1"));
    // 15: r1 r2 r4 deleted (*3), r3 rev C, r5 N (not counted); r4's 1D2D: 2-bp deletion here.
    T_EQ_INT(g.depth[2], 4);
    T_EQ_INT(F(g, 2, 15, STAR), 3); T_EQ_INT(F(g, 2, 15, C), 0); T_EQ_INT(F(g, 2, 15, c), -1);
    T_EQ_INT(F(g, 2, 15, D), 1); T_EQ_INT(F(g, 2, 15, D1), 1);
    T_EQ_INT(g.n_indels[2], 1);
    T_CHECK(!strcmp(g.indel[2][0], "DTA1"));
    // 16 (ref T): r1's 2D3I insertion sits on its last deleted base; * 3, rev t 1, fwd T 1 (r5).
    T_EQ_INT(F(g, 2, 16, I), 1); T_EQ_INT(F(g, 2, 16, I1), 1);
    T_EQ_INT(F(g, 2, 16, STAR), 3); T_EQ_INT(F(g, 2, 16, T), -1); T_EQ_INT(F(g, 2, 16, t), -1);
    // 20 (reference N): 4 forward A reads, no reference channel.
    T_EQ_INT(F(g, 2, 20, A), 4); T_EQ_INT(F(g, 2, 20, C), 0);
    // 33: DUP r6 and QCFAIL r8 dropped; r7 G fwd, r9 A rev, r10 C fwd.
    T_EQ_INT(g.depth[4], 3);
    T_EQ_INT(F(g, 4, 33, C), -2); T_EQ_INT(F(g, 4, 33, G), 1); T_EQ_INT(F(g, 4, 33, A), 0);
    T_EQ_INT(F(g, 4, 33, T), 0);
    T_EQ_INT(F(g, 4, 33, a), 1); T_EQ_INT(F(g, 4, 33, c), -1);

    // ---- --compat clair3, ont: Clair3's C pileup ----
    scan_params_default(&p, PLATFORM_ONT, FEAT_CLAIR3_PILEUP);
    T_EQ_INT(scan_params_compat(&p, "clair3"), 0);
    T_EQ_INT(scan(si, &p, &g), 0);
    // 13: htslib's p->indel is the next op only: a 1-bp insertion "A".
    T_EQ_INT(F(g, 0, 13, i_), 1); T_EQ_INT(F(g, 0, 13, i1), 1);
    T_CHECK(!strcmp(g.indel[0][0], "IA1"));
    // 14: r2's 3I2D has no deletion start; D = r1 (2) + r4 (1), D1 1; r5's N at 15 lands in '#'.
    T_EQ_INT(F(g, 1, 14, I), 1); T_EQ_INT(F(g, 1, 14, I1), 1);
    T_EQ_INT(F(g, 1, 14, D), 2); T_EQ_INT(F(g, 1, 14, D1), 1);
    T_EQ_INT(F(g, 1, 14, HASH), 1);
    T_EQ_INT(F(g, 1, 14, C), -4); T_EQ_INT(F(g, 1, 14, c), -1);
    T_EQ_INT(g.n_indels[1], 3);
    T_CHECK(!strcmp(g.indel[1][0], "DC1"));
    T_CHECK(!strcmp(g.indel[1][1], "DCT1"));
    T_CHECK(!strcmp(g.indel[1][2], "ITTT1"));
    // 15: the N read counts in depth (5); '#' of 15 itself is 0.
    T_EQ_INT(g.depth[2], 5);
    T_EQ_INT(F(g, 2, 15, STAR), 3); T_EQ_INT(F(g, 2, 15, HASH), 0);
    T_EQ_INT(F(g, 2, 15, D), 1); T_EQ_INT(F(g, 2, 15, D1), 1);
    T_EQ_INT(F(g, 2, 14, HASH), 1);  // the same column seen from the window of 15
    T_EQ_INT(F(g, 2, 16, I), 1);
    // 20: reference N encoded as A: A = -(A+C+G+T) = -4.
    T_EQ_INT(F(g, 2, 20, A), -4); T_EQ_INT(F(g, 2, 20, a), 0);
    // 33: same filters as calla's defaults.
    T_EQ_INT(F(g, 4, 33, C), -2); T_EQ_INT(F(g, 4, 33, G), 1); T_EQ_INT(F(g, 4, 33, a), 1);

    // ---- --compat clair3, ilmn: samtools mpileup --excl-flags 2316 without -A ----
    scan_params_default(&p, PLATFORM_ILMN, FEAT_CLAIR3_PILEUP);
    T_EQ_INT(scan_params_compat(&p, "clair3"), 0);
    T_EQ_INT(p.excl_flags, 2316u);
    T_EQ_INT(scan(si, &p, &g), 0);
    // indels and N as the calla defaults (the mpileup text), reference N as A.
    T_CHECK(!strcmp(g.indel[0][0], "IACC1"));
    T_EQ_INT(F(g, 1, 14, D), 3); T_EQ_INT(F(g, 1, 14, D1), 2); T_EQ_INT(F(g, 1, 14, HASH), 0);
    T_EQ_INT(g.depth[2], 4);
    T_EQ_INT(F(g, 2, 20, A), -4);
    // 33: DUP r6 (A) and QCFAIL r8 (T) kept; improper r7 and mate-unmapped r9 dropped.
    T_EQ_INT(g.depth[4], 3);
    T_EQ_INT(F(g, 4, 33, C), -3); T_EQ_INT(F(g, 4, 33, A), 1); T_EQ_INT(F(g, 4, 33, T), 1);
    T_EQ_INT(F(g, 4, 33, G), 0); T_EQ_INT(F(g, 4, 33, a), 0); T_EQ_INT(F(g, 4, 33, c), 0);

    // ---- explicit filters: --excl-flags 0 keeps all five; DUP only + --drop-improper ----
    scan_params_default(&p, PLATFORM_ILMN, FEAT_CLAIR3_PILEUP);
    unsigned fl = 99;
    T_EQ_INT(scan_parse_flags("0", &fl), 0);
    p.excl_flags = fl;
    T_EQ_INT(scan(si, &p, &g), 0);
    T_EQ_INT(g.depth[4], 5);
    T_EQ_INT(F(g, 4, 33, C), -4); T_EQ_INT(F(g, 4, 33, a), 1); T_EQ_INT(F(g, 4, 33, c), -1);
    T_EQ_INT(scan_parse_flags("DUP", &fl), 0);
    T_EQ_INT(fl, 1024u);
    p.excl_flags = fl;
    p.drop_improper = 1;
    T_EQ_INT(scan(si, &p, &g), 0);  // r8 (QCFAIL, unpaired) and r10 remain
    T_EQ_INT(g.depth[4], 2);
    T_EQ_INT(F(g, 4, 33, T), 1); T_EQ_INT(F(g, 4, 33, C), -2);

    // flag parsing
    T_EQ_INT(scan_parse_flags("UNMAP,MUNMAP,SECONDARY,SUPPLEMENTARY", &fl), 0);
    T_EQ_INT(fl, 2316u);
    T_EQ_INT(scan_parse_flags("0x904", &fl), 0);
    T_EQ_INT(fl, 0x904u);
    T_EQ_INT(scan_parse_flags("DUP,", &fl), -1);
    T_EQ_INT(scan_parse_flags("NOPE", &fl), -1);
    T_EQ_INT(scan_parse_flags("12x", &fl), -1);
    T_EQ_INT(scan_params_compat(&p, "clair2"), -1);

    scan_inputs_close(si);
    char path[96];
    const char *files[] = {"r.sam", "r.bam", "r.bam.bai", "ref.fa", "ref.fa.fai"};
    for (size_t k = 0; k < sizeof files / sizeof *files; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[k]);
        unlink(path);
    }
    rmdir(dir);
    T_DONE();
}
