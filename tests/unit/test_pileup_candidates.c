// scan_region on the hand-built reads of tests/fixtures/tensors_reads.sam (converted to an indexed
// BAM with htslib here): candidate fields worked out by hand.
#include <htslib/faidx.h>
#include <htslib/sam.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reads/candidates.h"
#include "testlib.h"

typedef struct {
    int n;
    Candidate c[16];
    char indel[16][2][8];
    int stop_after;
} Got;

static int collect(const Candidate *c, void *ud) {
    Got *g = ud;
    if (g->n < 16) {
        g->c[g->n] = *c;
        for (int i = 0; i < c->n_indels && i < 2; i++)
            snprintf(g->indel[g->n][i], 8, "%c%s%d", c->indels[i].kind, c->indels[i].seq, c->indels[i].count);
        g->c[g->n].indels = NULL;
        g->c[g->n].features = NULL;
    }
    g->n++;
    return g->stop_after && g->n >= g->stop_after;
}

static int copy_file(const char *src, const char *dst) {
    FILE *a = fopen(src, "rb"), *b = fopen(dst, "wb");
    if (!a || !b) return -1;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, a)) > 0) fwrite(buf, 1, n, b);
    fclose(a);
    return fclose(b);
}

int main(void) {
    const char *root = getenv("CALLA_ROOT");
    if (!root) T_SKIP("CALLA_ROOT not set");
    char sam[4096], fa[4096], dir[] = "/tmp/calla-pileup-XXXXXX", bam[4200], ref[4200], fai[4300];
    snprintf(sam, sizeof sam, "%s/tests/fixtures/tensors_reads.sam", root);
    snprintf(fa, sizeof fa, "%s/tests/fixtures/tensors_ref.fa", root);
    if (!mkdtemp(dir)) T_SKIP("mkdtemp");
    snprintf(bam, sizeof bam, "%s/r.bam", dir);
    snprintf(ref, sizeof ref, "%s/ref.fa", dir);
    snprintf(fai, sizeof fai, "%s/ref.fa.fai", dir);
    T_CHECK(copy_file(fa, ref) == 0);
    T_CHECK(fai_build(ref) == 0);
    // SAM -> BAM -> index with htslib
    samFile *in = sam_open(sam, "r"), *out = sam_open(bam, "wb");
    T_CHECK(in && out);
    if (!in || !out) T_DONE();
    sam_hdr_t *h = sam_hdr_read(in);
    T_CHECK(sam_hdr_write(out, h) == 0);
    bam1_t *b = bam_init1();
    while (sam_read1(in, h, b) >= 0) T_CHECK(sam_write1(out, h, b) >= 0);
    bam_destroy1(b);
    sam_hdr_destroy(h);
    sam_close(in);
    T_CHECK(sam_close(out) == 0);
    T_CHECK(sam_index_build(bam, 0) == 0);

    ScanInputs *si = scan_inputs_open(bam, ref);
    T_CHECK(si != NULL);
    if (!si) T_DONE();
    T_EQ_INT(scan_inputs_ncontigs(si), 2);
    T_EQ_INT(scan_inputs_tid(si, "ctg2"), 1);
    T_EQ_INT(scan_inputs_contig_len(si, 0), 60);
    ScanParams p;
    scan_params_default(&p, PLATFORM_ILMN, FEAT_CLAIR3_PILEUP);
    T_NEAR(p.snp_af, 0.08, 0, 0);
    T_EQ_INT(p.min_depth, 2);
    T_EQ_INT(p.min_mapq, 5);
    ScanParams ont;
    scan_params_default(&ont, PLATFORM_ONT, FEAT_CLAIR3_PILEUP);
    T_NEAR(ont.indel_af, 0.15, 0, 0);

    Got g;
    memset(&g, 0, sizeof g);
    // Forced: 40 (covered, not a candidate) and 44 (uncovered: never emitted).
    int64_t force[] = {39, 43};
    T_EQ_INT(scan_region(si, &p, 0, 0, 60, force, 2, collect, &g), 0);
    T_EQ_INT(g.n, 4);
    // ctg1:5 SNP A>G: A x1 (fwd), G x2
    T_EQ_INT(g.c[0].pos, 4);
    T_EQ_INT(g.c[0].ref, 'A');
    T_EQ_INT(g.c[0].depth, 3);
    T_EQ_INT(g.c[0].base_count[0], 1);
    T_EQ_INT(g.c[0].base_count[2], 2);
    T_EQ_INT(g.c[0].ref_count, 1);
    T_EQ_INT(g.c[0].n_indels, 0);
    // ctg1:30: 4 C reads, insertion TT x2, deletion GTA x1; ref count 4 - 3 = 1
    T_EQ_INT(g.c[1].pos, 29);
    T_EQ_INT(g.c[1].ref, 'C');
    T_EQ_INT(g.c[1].depth, 4);
    T_EQ_INT(g.c[1].base_count[1], 4);
    T_EQ_INT(g.c[1].ref_count, 1);
    T_EQ_INT(g.c[1].n_indels, 2);
    T_CHECK(!strcmp(g.indel[1][0], "ITT2"));
    T_CHECK(!strcmp(g.indel[1][1], "DGTA1"));
    // forced ctg1:40 (G): r4, r5, r6
    T_EQ_INT(g.c[2].pos, 39);
    T_EQ_INT(g.c[2].depth, 3);
    T_EQ_INT(g.c[2].base_count[1], 3);
    // ctg1:58 C>T near the contig end
    T_EQ_INT(g.c[3].pos, 57);
    T_EQ_INT(g.c[3].base_count[3], 2);
    T_EQ_INT(g.c[3].ref_count, 0);

    // Sub-range [10, 40) gives only ctg1:30; stop request after the first candidate.
    memset(&g, 0, sizeof g);
    T_EQ_INT(scan_region(si, &p, 0, 10, 40, NULL, 0, collect, &g), 0);
    T_EQ_INT(g.n, 1);
    memset(&g, 0, sizeof g);
    g.stop_after = 1;
    T_EQ_INT(scan_region(si, &p, 0, 0, 60, NULL, 0, collect, &g), 0);
    T_EQ_INT(g.n, 1);
    // min_mapq 0 lets the MAPQ-3 read (T at 28) in: 28 becomes a candidate (ref A 2 vs T 1 at 1/4).
    memset(&g, 0, sizeof g);
    p.min_mapq = 0;
    T_EQ_INT(scan_region(si, &p, 0, 20, 29, NULL, 0, collect, &g), 0);
    T_EQ_INT(g.n, 1);
    T_EQ_INT(g.c[0].pos, 27);
    T_EQ_INT(g.c[0].base_count[3], 1);
    scan_inputs_close(si);
    unlink(bam);
    char bai[4300];
    snprintf(bai, sizeof bai, "%s.bai", bam);
    unlink(bai);
    unlink(ref);
    unlink(fai);
    rmdir(dir);
    T_DONE();
}
