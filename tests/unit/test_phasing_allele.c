// test_phasing_allele.c — a read's allele at a het SNP by edit distance (src/phasing/allele.c) on
// hand-written reads, including a SNP next to a deletion and next to an insertion, and a read's
// haplotype score (phasing_read_hp) on a hand-made phasing, with the values worked out by hand.
#include <string.h>

#include <htslib/kstring.h>
#include <htslib/sam.h>

#include "phasing/allele.h"
#include "phasing/phasing.h"
#include "testlib.h"

// Reference of contig "c" (60 bases). The SNP is at 0-based 30 (REF G, ALT T).
static const char *REF = "ACGTTGCAAC" "TTAGCCATGA" "CATCGGATCA" "GCATTCAGGA" "TTCGACTGCA" "AGTCCATGAC";

static sam_hdr_t *hdr;

static bam1_t *read_sam(const char *name, int pos1, int mapq, const char *cigar, const char *seq) {
    kstring_t ks = {0, 0, NULL};
    ksprintf(&ks, "%s\t0\tc\t%d\t%d\t%s\t*\t0\t0\t%s\t*", name, pos1, mapq, cigar, seq);
    bam1_t *b = bam_init1();
    if (sam_parse1(&ks, hdr, b) < 0) {
        fprintf(stderr, "bad SAM line: %s\n", ks.s);
        exit(1);
    }
    free(ks.s);
    return b;
}

static PhasedSite site_at(int64_t pos, char alt) {
    PhasedSite s;
    memset(&s, 0, sizeof s);
    s.pos = pos;
    s.ref = REF[pos];
    s.alt = alt;
    s.hap1 = -1;
    s.win_beg = pos - PHASE_FLANK;
    s.win_len = PHASE_WIN;
    memcpy(s.win, REF + s.win_beg, PHASE_WIN);
    return s;
}

static int allele_of(const bam1_t *b, const PhasedSite *s) {
    ReadMap m = {0};
    int a = read_map_build(&m, b) == 0 ? phase_read_allele(&m, b, s) : -9;
    read_map_free(&m);
    return a;
}

// A read of the reference [beg, end) with base `snp` at 30 (0 keeps the reference base).
static char *ref_read(int beg, int end, char snp) {
    char *s = malloc((size_t)(end - beg + 1));
    memcpy(s, REF + beg, (size_t)(end - beg));
    s[end - beg] = 0;
    if (snp && 30 >= beg && 30 < end) s[30 - beg] = snp;
    return s;
}

int main(void) {
    hdr = sam_hdr_parse(strlen("@SQ\tSN:c\tLN:60\n"), "@SQ\tSN:c\tLN:60\n");
    T_CHECK(hdr != NULL);
    if (!hdr) T_DONE();
    T_EQ_INT(REF[30], 'G');

    // edit distance
    T_EQ_INT(phase_edit_distance("kitteg", 6, "sittigg", 7), 3);  // kitten/sitting with n -> g
    T_EQ_INT(phase_edit_distance("", 0, "ACG", 3), 3);
    T_EQ_INT(phase_edit_distance("ACGT", 4, "acgt", 4), 0);
    T_EQ_INT(phase_edit_distance("ANGT", 4, "ANGT", 4), 1);  // N matches nothing

    PhasedSite s = site_at(30, 'T');
    char *q;
    bam1_t *b;
    // reference read over 10-50: allele 1 (d_ref 0, d_alt 1)
    q = ref_read(10, 50, 0);
    b = read_sam("ref", 11, 60, "40M", q);
    T_EQ_INT(allele_of(b, &s), 1);
    bam_destroy1(b), free(q);
    // ALT read: allele 2
    q = ref_read(10, 50, 'T');
    b = read_sam("alt", 11, 60, "40M", q);
    T_EQ_INT(allele_of(b, &s), 2);
    bam_destroy1(b), free(q);
    // a third base (C): one edit from either window -> tie 0
    q = ref_read(10, 50, 'C');
    b = read_sam("third", 11, 60, "40M", q);
    T_EQ_INT(allele_of(b, &s), 0);
    bam_destroy1(b), free(q);
    // N at the SNP: tie 0
    q = ref_read(10, 50, 'N');
    b = read_sam("n", 11, 60, "40M", q);
    T_EQ_INT(allele_of(b, &s), 0);
    bam_destroy1(b), free(q);

    // ALT next to a 1-base deletion of reference 32 (the read's window [20, 41) has 20 bases):
    // d(read, ref window) = 2 (substitution + deletion), d(read, alt window) = 1 -> allele 2
    {
        char seq[64];
        int n = 0;
        for (int i = 10; i < 50; i++) {
            if (i == 32) continue;
            seq[n++] = i == 30 ? 'T' : REF[i];
        }
        seq[n] = 0;
        b = read_sam("alt_del", 11, 60, "22M1D17M", seq);
        T_EQ_INT(allele_of(b, &s), 2);
        bam_destroy1(b);
        // the same deletion with the reference base: d_ref 1, d_alt 2 -> allele 1
        n = 0;
        for (int i = 10; i < 50; i++)
            if (i != 32) seq[n++] = REF[i];
        seq[n] = 0;
        b = read_sam("ref_del", 11, 60, "22M1D17M", seq);
        T_EQ_INT(allele_of(b, &s), 1);
        bam_destroy1(b);
    }
    // reference base followed by a 2-base insertion (AA after reference 30, inside the window):
    // d_ref 2, d_alt 3 -> allele 1; with ALT: d_ref 3, d_alt 2 -> allele 2
    {
        char seq[64];
        int n = 0;
        for (int i = 10; i < 50; i++) {
            seq[n++] = REF[i];
            if (i == 30) seq[n++] = 'A', seq[n++] = 'A';
        }
        seq[n] = 0;
        b = read_sam("ref_ins", 11, 60, "21M2I19M", seq);
        T_EQ_INT(allele_of(b, &s), 1);
        bam_destroy1(b);
        seq[20] = 'T';
        b = read_sam("alt_ins", 11, 60, "21M2I19M", seq);
        T_EQ_INT(allele_of(b, &s), 2);
        bam_destroy1(b);
    }
    // an aligner that placed the ALT as a deletion + insertion (1D1I at 30): the bases still
    // spell the ALT haplotype -> allele 2
    {
        q = ref_read(10, 50, 'T');
        b = read_sam("alt_indel", 11, 60, "20M1D1I19M", q);
        T_EQ_INT(allele_of(b, &s), 2);
        bam_destroy1(b), free(q);
    }
    // read starting 3 bases left of the SNP (window clipped to [27, 41)): still decided
    q = ref_read(27, 50, 'T');
    b = read_sam("clip", 28, 60, "23M", q);
    T_EQ_INT(allele_of(b, &s), 2);
    bam_destroy1(b), free(q);
    // soft clip over the SNP: the read's aligned span does not contain it -> -1
    q = ref_read(20, 50, 'T');
    b = read_sam("soft", 32, 60, "12S18M", q);
    T_EQ_INT(allele_of(b, &s), -1);
    bam_destroy1(b), free(q);
    // no SEQ ('*'): -1
    b = read_sam("noseq", 11, 60, "40M", "*");
    T_EQ_INT(allele_of(b, &s), -1);
    bam_destroy1(b);

    // read haplotypes on a hand-made phasing: sites at 15 (hap1 = ALT, PS 16), 30 (hap1 = REF,
    // PS 16) and 45 (hap1 = REF, PS 46)
    PhaseResult r;
    memset(&r, 0, sizeof r);
    phase_params_default(&r.params);
    PhasedSite sites[3] = {site_at(15, 'A'), site_at(30, 'T'), site_at(45, 'A')};
    T_EQ_INT(REF[15], 'C');
    T_EQ_INT(REF[45], 'C');
    sites[0].hap1 = 1, sites[0].ps = 16;
    sites[1].hap1 = 0, sites[1].ps = 16;
    sites[2].hap1 = 0, sites[2].ps = 46;
    r.sites = sites;
    r.n_sites = 3;
    int ps;
    // haplotype 1 over 5-40: ALT at 15, REF at 30 -> score +2 in PS 16 -> HP 1
    q = ref_read(5, 40, 0);
    q[10] = 'A';
    b = read_sam("h1", 6, 60, "35M", q);
    T_EQ_INT(phasing_read_hp(&r, b, &ps), 1);
    T_EQ_INT(ps, 16);
    // low MAPQ: untagged
    bam_destroy1(b);
    b = read_sam("h1lowq", 6, 19, "35M", q);
    T_EQ_INT(phasing_read_hp(&r, b, &ps), 0);
    T_EQ_INT(ps, 0);
    bam_destroy1(b);
    // secondary alignment: untagged
    b = read_sam("h1", 6, 60, "35M", q);
    b->core.flag |= BAM_FSECONDARY;
    T_EQ_INT(phasing_read_hp(&r, b, &ps), 0);
    bam_destroy1(b), free(q);
    // tie: ALT at 15 (+1) and ALT at 30 (-1) -> score 0 -> untagged
    q = ref_read(5, 40, 'T');
    q[10] = 'A';
    b = read_sam("tie", 6, 60, "35M", q);
    T_EQ_INT(phasing_read_hp(&r, b, &ps), 0);
    bam_destroy1(b), free(q);
    // two phase sets: REF at 15 and ALT at 30 (-2 in PS 16), REF at 45 (+1 in PS 46) -> the
    // larger |score| wins: HP 2 in PS 16
    q = ref_read(5, 55, 'T');
    b = read_sam("h2", 6, 60, "50M", q);
    T_EQ_INT(phasing_read_hp(&r, b, &ps), 2);
    T_EQ_INT(ps, 16);
    bam_destroy1(b), free(q);
    // equal |scores| in two phase sets (ALT at 30: -1 in PS 16; REF at 45: +1 in PS 46): the
    // first phase set wins -> HP 2, PS 16
    q = ref_read(25, 55, 'T');
    b = read_sam("eq", 26, 60, "30M", q);
    T_EQ_INT(phasing_read_hp(&r, b, &ps), 2);
    T_EQ_INT(ps, 16);
    bam_destroy1(b), free(q);
    // no phased SNP under the read
    q = ref_read(46, 60, 0);
    b = read_sam("none", 47, 60, "14M", q);
    T_EQ_INT(phasing_read_hp(&r, b, &ps), 0);
    bam_destroy1(b), free(q);
    sam_hdr_destroy(hdr);
    T_DONE();
}
