// `calla call` end to end with hand-constructed models whose outputs are known: every weight is
// zero, so every hidden activation is 0 (LSTM: h = o * tanh(c) = 0; SELU(0) = 0; conv/pool of 0),
// and each head's output is softmax(SELU(bias)) (sigmoid(bias) for the base-change head). The
// biases force one class everywhere, so the expected VCF follows from the reads by hand:
// - Clair3 pileup model forced to gt21 "AG" + het: an A site gives 0/1 A>G, a G site 0/1 G>A,
//   with QUAL from p = G[AG] * Pz[het]. At a C or T site "AG" would be 1/2 A,G, but no read shows
//   A or G there, so the outcome falls through (genotype.c: no ALT without read support) to the
//   next outcomes, which all tie at p2 = G[other] * Pz[het]; the first realisable one in gt21
//   order is taken: CT (0/1 C>T) at the C site, TDel (0/1 deletion) at the T site, LowQual.
// - Clairvoyante model forced to SNP + HET with base change G > A: ALT G (A when the reference is
//   G), QUAL = int(10 log10(e^(s_zyg) * e^(s_type))) (the length head ties: ratio 1).
// The reads are generated here; DP/AD are counted from the same loops that build them.
#include <htslib/vcf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "common/util.h"
#include "network/model.h"
#include "testlib.h"
#include "training/modelfile.h"

#define REFLEN 260
#define NREADS 24
#define RLEN 100
static const double SELU_SCALE = 1.0507009873554804934193349852946;

static char REF[REFLEN + 1];
static char dir[] = "/tmp/calla-callforced.XXXXXX";

// Sites: SNP A>G at 60 (reads with (i/2) even), SNP C>T at 100 (i % 3 == 0), SNP G>A at 140
// (i % 4 >= 2), 2-base deletion after anchor T at 169 (even i starting at >= 80).
static int start_of(int i) { return (i / 2) * 10; }
static int has_snp60(int i) { return (i / 2) % 2 == 0; }
static int has_snp100(int i) { return i % 3 == 0; }
static int has_snp140(int i) { return i % 4 >= 2; }
static int has_del(int i) { return i % 2 == 0 && start_of(i) >= 80; }

static int covers(int i, int pos) {  // aligned base (or deletion) at pos
    int s = start_of(i), e = s + RLEN + (has_del(i) ? 2 : 0);
    return s <= pos && pos < e;
}

static void make_ref(void) {
    uint32_t x = 12345;
    for (int i = 0; i < REFLEN; i++) {
        x = x * 1103515245u + 12345u;
        REF[i] = "ACGT"[(x >> 16) & 3];
    }
    REF[60] = 'A', REF[100] = 'C', REF[140] = 'G', REF[169] = 'T';
    REF[REFLEN] = 0;
}

static int write_inputs(void) {
    char p[512];
    snprintf(p, sizeof p, "%s/ref.fa", dir);
    FILE *f = fopen(p, "w");
    if (!f) return -1;
    fprintf(f, ">chr1\n%s\n", REF);
    fclose(f);
    snprintf(p, sizeof p, "%s/reads.sam", dir);
    f = fopen(p, "w");
    if (!f) return -1;
    fprintf(f, "@HD\tVN:1.6\tSO:coordinate\n@SQ\tSN:chr1\tLN:%d\n@RG\tID:rg1\tSM:NA_TEST\n", REFLEN);
    for (int i = 0; i < NREADS; i++) {
        int s = start_of(i);
        char seq[RLEN + 1], cig[64];
        int n = 0;
        for (int pos = s; n < RLEN; pos++) {
            if (has_del(i) && (pos == 170 || pos == 171)) continue;
            char b = REF[pos];
            if (pos == 60 && has_snp60(i)) b = 'G';
            if (pos == 100 && has_snp100(i)) b = 'T';
            if (pos == 140 && has_snp140(i)) b = 'A';
            seq[n++] = b;
        }
        seq[RLEN] = 0;
        if (has_del(i)) snprintf(cig, sizeof cig, "%dM2D%dM", 170 - s, RLEN - (170 - s));
        else snprintf(cig, sizeof cig, "%dM", RLEN);
        fprintf(f, "r%d\t%d\tchr1\t%d\t60\t%s\t*\t0\t0\t%s\t*\tRG:Z:rg1\n", i, i % 2 ? 16 : 0,
                s + 1, cig, seq);
    }
    fclose(f);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "cd %s && samtools faidx ref.fa && samtools sort -o reads.bam reads.sam 2>/dev/null && "
             "samtools index reads.bam",
             dir);
    return system(cmd) == 0 ? 0 : -1;
}

// Clairvoyante variant types for save_model's `clv_type`.
enum { CLV_REF = 0, CLV_SNP = 1, CLV_DEL = 3 };

static int save_model(ModelArch arch, const char *path, int clv_type) {
    Model m;
    if (model_create(&m, arch, 4) < 0) return -1;  // all parameters zero
    float *gt = NULL, *zy = NULL;
    if (arch == ARCH_CLAIR3_PILEUP) {
        gt = m.params + m.tensors[model_find_tensor(&m, "gt21.bias")].offset;
        zy = m.params + m.tensors[model_find_tensor(&m, "zygosity.bias")].offset;
        gt[2] = 5.0f;  // AG
        zy[2] = 5.0f;  // het
    } else {
        float *bc = m.params + m.tensors[model_find_tensor(&m, "base_change.bias")].offset;
        zy = m.params + m.tensors[model_find_tensor(&m, "zygosity.bias")].offset;
        float *ty = m.params + m.tensors[model_find_tensor(&m, "variant_type.bias")].offset;
        bc[2] = 3.0f, bc[0] = 2.0f;  // G best, A second
        zy[0] = 2.0f;                // HET
        ty[clv_type] = 2.0f;
        if (clv_type == CLV_DEL) {
            float *ln = m.params + m.tensors[model_find_tensor(&m, "indel_length.bias")].offset;
            ln[2] = 2.0f;  // length 2
        }
    }
    StMeta md[] = {{"platform", "ilmn"}};
    int rc = modelfile_save(path, &m, md, 1, NULL, 0);
    model_free(&m);
    return rc;
}

typedef struct {
    int pos;
    const char *ref, *alt;  // alt: comma-joined
    int gt0, gt1, dp, ad[3], n_ad;
    double qual;
    const char *filter;  // NULL: PASS
} Expect;

static int run_call(const char *model, const char *out, const char *threads, const char *chunk,
                    int ref_calls) {
    char b[512], f[512], m[512], o[512];
    snprintf(b, sizeof b, "%s/reads.bam", dir);
    snprintf(f, sizeof f, "%s/ref.fa", dir);
    snprintf(m, sizeof m, "%s/%s", dir, model);
    snprintf(o, sizeof o, "%s/%s", dir, out);
    char *argv[] = {"call", "-b", b, "-f", f, "-m", m, "-o", o, "-@", (char *)threads,
                    "--chunk-size", (char *)chunk, "--batch", "3", "--ref-calls", NULL};
    return main_call(ref_calls ? 16 : 15, argv);
}

static void check_vcf(const char *out, const Expect *ex, int n_ex) {
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, out);
    htsFile *fp = hts_open(p, "r");
    T_CHECK(fp != NULL);
    if (!fp) return;
    bcf_hdr_t *h = bcf_hdr_read(fp);
    T_CHECK(h && bcf_hdr_nsamples(h) == 1 && !strcmp(h->samples[0], "NA_TEST"));
    bcf1_t *r = bcf_init();
    int k = 0;
    while (bcf_read(fp, h, r) == 0) {
        bcf_unpack(r, BCF_UN_ALL);
        if (k >= n_ex) {
            fprintf(stderr, "unexpected record at %lld\n", (long long)r->pos + 1);
            t_failures++;
            k++;
            continue;
        }
        const Expect *e = &ex[k++];
        T_EQ_INT(r->pos, e->pos);
        T_CHECK(!strcmp(r->d.allele[0], e->ref));
        kstring_t alt = {0, 0, NULL};
        for (int a = 1; a < r->n_allele; a++) ksprintf(&alt, a > 1 ? ",%s" : "%s", r->d.allele[a]);
        if (strcmp(alt.s ? alt.s : "", e->alt) != 0) {
            fprintf(stderr, "pos %d: ALT %s, expected %s\n", e->pos + 1, alt.s, e->alt);
            t_failures++;
        }
        free(alt.s);
        T_NEAR(r->qual, e->qual, 0.011, 0);
        T_CHECK(bcf_has_filter(h, r, (char *)(e->filter ? e->filter : "PASS")) == 1);
        int32_t *gt = NULL, *dp = NULL, *ad = NULL, *gq = NULL;
        int ng = 0, nd = 0, na = 0, nq = 0;
        T_EQ_INT(bcf_get_genotypes(h, r, &gt, &ng), 2);
        T_EQ_INT(r->n_allele, e->n_ad);  // a 0/0 record has ALT ".", read back as no ALT
        if (ng == 2) {
            T_EQ_INT(bcf_gt_allele(gt[0]), e->gt0);
            T_EQ_INT(bcf_gt_allele(gt[1]), e->gt1);
        }
        T_EQ_INT(bcf_get_format_int32(h, r, "DP", &dp, &nd), 1);
        if (nd == 1) T_EQ_INT(dp[0], e->dp);
        T_EQ_INT(bcf_get_format_int32(h, r, "AD", &ad, &na), e->n_ad);
        for (int a = 0; a < na && a < e->n_ad; a++) T_EQ_INT(ad[a], e->ad[a]);
        T_EQ_INT(bcf_get_format_int32(h, r, "GQ", &gq, &nq), 1);
        // Clair3 (INFO/P): GQ = round(-10 log10(1 - p)) with p from QUAL = 10 log10(p/(1-p)) + 10,
        // i.e. round(10 log10(1 + 10^((QUAL - 10) / 10))); Clairvoyante: GQ = QUAL.
        if (nq == 1) {
            int want = (int)e->qual;
            if (bcf_get_info_flag(h, r, "P", NULL, NULL) == 1) {
                double g = 10 * log10(1 + pow(10, (e->qual - 10) / 10));
                want = (int)lround(g > 99 ? 99 : g);
            }
            T_EQ_INT(gq[0], want);
        }
        free(gt), free(dp), free(ad), free(gq);
    }
    T_EQ_INT(k, n_ex);
    bcf_destroy(r);
    bcf_hdr_destroy(h);
    hts_close(fp);
}

static int count_reads(int pos, int (*alt)(int)) {
    int n = 0;
    for (int i = 0; i < NREADS; i++)
        if (covers(i, pos) && (!alt || alt(i))) n++;
    return n;
}

// Decompressed content equal, apart from the ##calla_command line (it names the output file).
static int files_equal(const char *a, const char *b) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "cd %s && cmp -s <(gzip -dc %s | grep -v ^##calla_command) "
             "<(gzip -dc %s | grep -v ^##calla_command)",
             dir, a, b);
    char full[1100];
    snprintf(full, sizeof full, "bash -c '%s'", cmd);
    return system(full) == 0;
}

int main(void) {
    if (system("samtools --version >/dev/null 2>&1") != 0) T_SKIP("samtools not installed");
    T_CHECK(mkdtemp(dir) != NULL);
    make_ref();
    T_EQ_INT(write_inputs(), 0);
    char mp[512];
    snprintf(mp, sizeof mp, "%s/clair3.safetensors", dir);
    T_EQ_INT(save_model(ARCH_CLAIR3_PILEUP, mp, 0), 0);
    snprintf(mp, sizeof mp, "%s/clv.safetensors", dir);
    T_EQ_INT(save_model(ARCH_CLAIRVOYANTE, mp, CLV_SNP), 0);
    snprintf(mp, sizeof mp, "%s/clvref.safetensors", dir);
    T_EQ_INT(save_model(ARCH_CLAIRVOYANTE, mp, CLV_REF), 0);
    snprintf(mp, sizeof mp, "%s/clvdel.safetensors", dir);
    T_EQ_INT(save_model(ARCH_CLAIRVOYANTE, mp, CLV_DEL), 0);

    // Read counts at the four candidate sites, from the construction above.
    int dp60 = count_reads(60, NULL), g60 = count_reads(60, has_snp60);
    int dp100 = count_reads(100, NULL), t100 = count_reads(100, has_snp100);
    int dp140 = count_reads(140, NULL), a140 = count_reads(140, has_snp140);
    int dp169 = count_reads(169, NULL), d169 = count_reads(169, has_del);
    T_CHECK(d169 >= 2 && t100 >= 2);

    // Clair3 forced model: softmax over SELU(bias) with one non-zero bias b: p = e^s/(e^s + n-1).
    double s = SELU_SCALE * 5.0;
    double p = exp(s) / (exp(s) + 20) * (exp(s) / (exp(s) + 2));
    double q = round((10 * log10((p + 1e-10) / (1 - p + 1e-10)) + 10) * 100) / 100;
    double p2 = 1.0 / (exp(s) + 20) * (exp(s) / (exp(s) + 2));
    double q2 = fmax(round((10 * log10((p2 + 1e-10) / (1 - p2 + 1e-10)) + 10) * 100) / 100, 0);
    char del3[4] = {REF[169], REF[170], REF[171], 0};
    Expect c3[] = {
        {60, "A", "G", 0, 1, dp60, {dp60 - g60, g60, 0}, 2, q, NULL},
        {100, "C", "T", 0, 1, dp100, {dp100 - t100, t100, 0}, 2, q2, "LowQual"},
        {140, "G", "A", 0, 1, dp140, {dp140 - a140, a140, 0}, 2, q, NULL},
        {169, del3, "T", 0, 1, dp169, {dp169 - d169, d169, 0}, 2, q2, "LowQual"},
    };
    T_EQ_INT(run_call("clair3.safetensors", "c3.vcf.gz", "1", "50", 0), 0);
    check_vcf("c3.vcf.gz", c3, 4);
    T_EQ_INT(run_call("clair3.safetensors", "c3t2.vcf.gz", "2", "50", 0), 0);
    T_CHECK(files_equal("c3.vcf.gz", "c3t2.vcf.gz"));

    // Clairvoyante forced model: QUAL = int(10 log10(e^s_zyg * e^s_type)), s = SELU(2).
    double s2 = SELU_SCALE * 2.0;
    double qv = (int)(10 * log10(exp(s2) * exp(s2)));
    Expect cv[] = {
        {60, "A", "G", 0, 1, dp60, {dp60 - g60, g60, 0}, 2, qv, NULL},
        {100, "C", "G", 0, 1, dp100, {dp100 - t100, 0, 0}, 2, qv, NULL},
        {140, "G", "A", 0, 1, dp140, {dp140 - a140, a140, 0}, 2, qv, NULL},
        {169, "T", "G", 0, 1, dp169, {dp169 - d169, 0, 0}, 2, qv, NULL},
    };
    T_EQ_INT(run_call("clv.safetensors", "cv.vcf.gz", "1", "50", 0), 0);
    check_vcf("cv.vcf.gz", cv, 4);

    // Forced REF: no record without --ref-calls (a valid, empty VCF); RefCall 0/0 records with it.
    T_EQ_INT(run_call("clvref.safetensors", "ref0.vcf.gz", "1", "50", 0), 0);
    check_vcf("ref0.vcf.gz", NULL, 0);
    Expect rf[] = {
        {60, "A", "", 0, 0, dp60, {dp60 - g60, 0, 0}, 1, qv, "RefCall"},
        {100, "C", "", 0, 0, dp100, {dp100 - t100, 0, 0}, 1, qv, "RefCall"},
        {140, "G", "", 0, 0, dp140, {dp140 - a140, 0, 0}, 1, qv, "RefCall"},
        {169, "T", "", 0, 0, dp169, {dp169, 0, 0}, 1, qv, "RefCall"},
    };
    rf[3].ad[0] = dp169 - d169;
    T_EQ_INT(run_call("clvref.safetensors", "ref1.vcf.gz", "1", "50", 1), 0);
    check_vcf("ref1.vcf.gz", rf, 4);

    // Forced DEL of length 2: only the deletion site has a supporting read allele. With chunks of
    // 10 positions the anchor (169) is the last base of its chunk [160, 170), so REF must come from
    // the reference fetched beyond the chunk end. QUAL: zygosity x type x length (all SELU(2)).
    char del_ref[4] = {REF[169], REF[170], REF[171], 0};
    double qd = (int)(10 * log10(exp(s2) * exp(s2) * exp(s2)));
    Expect dl[] = {{169, del_ref, "T", 0, 1, dp169, {dp169 - d169, d169, 0}, 2, qd, NULL}};
    T_EQ_INT(run_call("clvdel.safetensors", "del.vcf.gz", "1", "10", 0), 0);
    check_vcf("del.vcf.gz", dl, 1);

    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (!t_failures) T_CHECK(system(cmd) == 0);
    T_DONE();
}
