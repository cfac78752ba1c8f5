// vcf_writer.c — see vcf_writer.h.
#include "calling/vcf_writer.h"

#include <errno.h>
#include <htslib/tbx.h>
#include <htslib/vcf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"

struct VcfWriter {
    AtomicOut out;  // files; stdout: out.path "-", out.tmp NULL
    char type;
    int gvcf;
    htsFile *fp;
    bcf_hdr_t *hdr;
    bcf1_t *rec;
    int last_contig;
    int64_t last_pos;
};

static int hdr_line(bcf_hdr_t *h, const char *line) { return bcf_hdr_append(h, line); }

static int ends_with(const char *s, const char *suf) {
    size_t n = strlen(s), m = strlen(suf);
    return n > m && strcmp(s + n - m, suf) == 0;
}

int vcf_type_from_name(const char *path, char *type) {
    if (strcmp(path, "-") == 0 || ends_with(path, ".vcf")) *type = 'v';
    else if (ends_with(path, ".gz") || ends_with(path, ".bgz")) *type = 'z';
    else if (ends_with(path, ".bcf")) *type = 'b';
    else return -1;
    return 0;
}

VcfWriter *vcfwriter_open(const char *path, const char *sample, int n_contigs,
                          char *const *contigs, const int64_t *lens, const char *cmdline,
                          const char *model_desc) {
    return vcfwriter_open_ex(path, 'z', 0, sample, n_contigs, contigs, lens, cmdline, model_desc);
}

VcfWriter *vcfwriter_open_ex(const char *path, char type, int gvcf, const char *sample,
                             int n_contigs, char *const *contigs, const int64_t *lens,
                             const char *cmdline, const char *model_desc) {
    return vcfwriter_open_extra(path, type, gvcf, sample, n_contigs, contigs, lens, cmdline,
                                model_desc, NULL);
}

VcfWriter *vcfwriter_open_extra(const char *path, char type, int gvcf, const char *sample,
                                int n_contigs, char *const *contigs, const int64_t *lens,
                                const char *cmdline, const char *model_desc,
                                const char *extra_line) {
    VcfWriter *w = xcalloc(1, sizeof *w);
    w->last_contig = -1;
    const int cascade = (gvcf & VCFW_CASCADE) != 0, hapcheck = (gvcf & VCFW_HAPCHECK) != 0;
    const int spanchk = (gvcf & VCFW_SPANCHK) != 0;
    const int phased = cascade || (gvcf & VCFW_PHASED) != 0;
    gvcf &= VCFW_GVCF;
    w->type = type;
    w->gvcf = gvcf;
    const char *mode = type == 'z' ? "wz" : type == 'b' ? "wb" : type == 'u' ? "wbu" : "w";
    if (strcmp(path, "-") == 0) {
        w->out.path = xstrdup("-");
    } else if (atomic_begin(&w->out, path) != 0) {
        free(w);
        return NULL;
    }
    w->fp = hts_open(w->out.tmp ? w->out.tmp : "-", mode);
    w->hdr = bcf_hdr_init("w");
    w->rec = bcf_init();
    if (!w->fp || !w->hdr || !w->rec) {
        calla_err("cannot write \"%s\": %s", path, strerror(errno));
        goto fail;
    }
    int rc = 0;
    rc |= hdr_line(w->hdr, "##FILTER=<ID=RefCall,Description=\"Reference call (genotype 0/0)\">");
    rc |= hdr_line(w->hdr, "##FILTER=<ID=LowQual,Description=\"QUAL below the --qual threshold\">");
    rc |= hdr_line(w->hdr, "##FILTER=<ID=Overlap,Description=\"Starts inside a deletion called homozygous with a higher QUAL\">");
    if (hapcheck)
        rc |= hdr_line(w->hdr, "##FILTER=<ID=HapNoise,Description=\"Het indel whose ALT reads do not follow the read haplotypes (calla call --hap-p)\">");
    rc |= hdr_line(w->hdr, "##INFO=<ID=P,Number=0,Type=Flag,Description=\"Called by the pileup model\">");
    if (cascade)
        rc |= hdr_line(w->hdr, "##INFO=<ID=F,Number=0,Type=Flag,Description=\"Called by the full-alignment model\">");
    if (spanchk)
        rc |= hdr_line(w->hdr, "##INFO=<ID=SPANCHK,Number=0,Type=Flag,Description=\"Genotype changed by the span check: reads spanning the repeat show REF (1/1 to 0/1) or a second ALT (to 1/2) (calla call --span-check)\">");
    rc |= hdr_line(w->hdr, "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">");
    rc |= hdr_line(w->hdr, "##FORMAT=<ID=GQ,Number=1,Type=Integer,Description=\"Genotype quality\">");
    rc |= hdr_line(w->hdr, "##FORMAT=<ID=DP,Number=1,Type=Integer,Description=\"Read depth\">");
    rc |= hdr_line(w->hdr, "##FORMAT=<ID=AD,Number=R,Type=Integer,Description=\"Read depth for each allele\">");
    rc |= hdr_line(w->hdr, "##FORMAT=<ID=AF,Number=A,Type=Float,Description=\"Observed allele frequency in reads, for each ALT allele\">");
    rc |= hdr_line(w->hdr, "##FORMAT=<ID=PL,Number=G,Type=Integer,Description=\"Phred-scaled genotype likelihoods from the model's genotype probabilities, best 0, capped at 999\">");
    if (phased)
        rc |= hdr_line(w->hdr, "##FORMAT=<ID=PS,Number=1,Type=Integer,Description=\"Phase set: 1-based position of the first SNP of the phase block\">");
    if (gvcf) {
        rc |= hdr_line(w->hdr, "##ALT=<ID=*,Description=\"Any allele not named in ALT (gVCF)\">");
        rc |= hdr_line(w->hdr, "##INFO=<ID=END,Number=1,Type=Integer,Description=\"End position of the reference block\">");
        rc |= hdr_line(w->hdr, "##FORMAT=<ID=MIN_DP,Number=1,Type=Integer,Description=\"Minimum read depth over the reference block\">");
    }
    for (int i = 0; i < n_contigs && rc == 0; i++) {
        kstring_t s = {0, 0, NULL};
        ksprintf(&s, "##contig=<ID=%s,length=%lld>", contigs[i], (long long)lens[i]);
        rc |= hdr_line(w->hdr, s.s);
        free(s.s);
    }
    if (rc == 0) {
        kstring_t s = {0, 0, NULL};
        ksprintf(&s, "##source=calla %s", CALLA_VERSION);
        rc |= hdr_line(w->hdr, s.s);
        s.l = 0;
        if (model_desc) {
            ksprintf(&s, "##calla_model=%s", model_desc);
            rc |= hdr_line(w->hdr, s.s);
            s.l = 0;
        }
        if (cmdline) {
            ksprintf(&s, "##calla_command=%s", cmdline);
            rc |= hdr_line(w->hdr, s.s);
        }
        if (extra_line) rc |= hdr_line(w->hdr, extra_line);
        free(s.s);
    }
    if (rc != 0 || bcf_hdr_add_sample(w->hdr, sample) != 0 || bcf_hdr_add_sample(w->hdr, NULL) != 0 ||
        bcf_hdr_write(w->fp, w->hdr) != 0) {
        calla_err("cannot write the VCF header to \"%s\"", path);
        goto fail;
    }
    return w;
fail:
    vcfwriter_abort(w);
    return NULL;
}

int vcfwriter_write(VcfWriter *w, int contig, const Call *c) {
    if (contig < w->last_contig || (contig == w->last_contig && c->pos < w->last_pos)) {
        calla_err("internal error: VCF records out of order at contig %d position %lld", contig,
                  (long long)c->pos + 1);
        return -1;
    }
    w->last_contig = contig, w->last_pos = c->pos;
    bcf1_t *r = w->rec;
    bcf_clear(r);
    r->rid = contig;
    r->pos = c->pos;
    r->qual = (float)c->qual;
    const char *alleles[4] = {c->ref, c->alt[0], c->alt[1], NULL};
    int n_all = 1 + c->n_alt;  // a reference call has no ALT (written as a dot)
    if (w->gvcf) alleles[n_all++] = "<*>";
    int rc = bcf_update_alleles(w->hdr, r, alleles, n_all);
    const char *fname = c->filter == FILTER_PASS      ? "PASS"
                        : c->filter == FILTER_REFCALL ? "RefCall"
                        : c->filter == FILTER_OVERLAP ? "Overlap"
                        : c->filter == FILTER_HAPNOISE ? "HapNoise"
                                                      : "LowQual";
    int fid = bcf_hdr_id2int(w->hdr, BCF_DT_ID, fname);
    rc |= bcf_update_filter(w->hdr, r, &fid, 1);
    if (c->source == 'P') rc |= bcf_update_info_flag(w->hdr, r, "P", NULL, 1);
    if (c->source == 'F') rc |= bcf_update_info_flag(w->hdr, r, "F", NULL, 1);
    if (c->spanchk) rc |= bcf_update_info_flag(w->hdr, r, "SPANCHK", NULL, 1);
    int32_t gt[2] = {bcf_gt_unphased(c->gt[0]),
                     c->phased ? bcf_gt_phased(c->gt[1]) : bcf_gt_unphased(c->gt[1])};
    rc |= bcf_update_genotypes(w->hdr, r, gt, c->haploid ? 1 : 2);
    int32_t gq = c->gq, dp = c->dp;
    rc |= bcf_update_format_int32(w->hdr, r, "GQ", &gq, 1);
    rc |= bcf_update_format_int32(w->hdr, r, "DP", &dp, 1);
    int32_t ad[4] = {c->ad[0], c->ad[1], c->ad[2], 0};
    if (w->gvcf) ad[n_all - 1] = 0;  // no read is counted for <*>
    rc |= bcf_update_format_int32(w->hdr, r, "AD", ad, n_all);
    if (n_all > 1) {
        float af[3] = {(float)c->af[0], (float)c->af[1], 0.0f};
        if (w->gvcf) af[n_all - 2] = 0.0f;
        rc |= bcf_update_format_float(w->hdr, r, "AF", af, n_all - 1);
    }
    const int *pl = w->gvcf ? c->pl_star : c->pl;
    int n_pl = w->gvcf ? c->n_pl_star : c->n_pl;
    if (n_pl > 0) {
        int32_t v[10];
        for (int i = 0; i < n_pl && i < 10; i++) v[i] = pl[i];
        rc |= bcf_update_format_int32(w->hdr, r, "PL", v, n_pl);
    }
    if (c->phased) {
        int32_t ps = c->ps;
        rc |= bcf_update_format_int32(w->hdr, r, "PS", &ps, 1);
    }
    if (rc < 0 || bcf_write(w->fp, w->hdr, r) != 0) {
        calla_err("failed to write a VCF record to \"%s\": %s", w->out.path, strerror(errno));
        return -1;
    }
    return 0;
}

int vcfwriter_write_block(VcfWriter *w, int contig, int64_t pos, int64_t end, char ref, int gq,
                          int min_dp, const int *pl, int n_pl, int haploid) {
    if (contig < w->last_contig || (contig == w->last_contig && pos < w->last_pos) || end < pos) {
        calla_err("internal error: gVCF block out of order at contig %d position %lld", contig,
                  (long long)pos + 1);
        return -1;
    }
    w->last_contig = contig, w->last_pos = pos;
    bcf1_t *r = w->rec;
    bcf_clear(r);
    r->rid = contig;
    r->pos = pos;
    bcf_float_set_missing(r->qual);
    char refs[2] = {ref, 0};
    const char *alleles[2] = {refs, "<*>"};
    int rc = bcf_update_alleles(w->hdr, r, alleles, 2);
    int32_t e = (int32_t)(end + 1);
    rc |= bcf_update_info_int32(w->hdr, r, "END", &e, 1);
    int32_t gt[2] = {bcf_gt_unphased(0), bcf_gt_unphased(0)};
    rc |= bcf_update_genotypes(w->hdr, r, gt, haploid ? 1 : 2);
    int32_t v = gq, d = min_dp, p[3] = {0, 0, 0};
    rc |= bcf_update_format_int32(w->hdr, r, "GQ", &v, 1);
    rc |= bcf_update_format_int32(w->hdr, r, "MIN_DP", &d, 1);
    for (int i = 0; i < n_pl && i < 3; i++) p[i] = pl[i];
    rc |= bcf_update_format_int32(w->hdr, r, "PL", p, n_pl);
    if (rc < 0 || bcf_write(w->fp, w->hdr, r) != 0) {
        calla_err("failed to write a gVCF block to \"%s\": %s", w->out.path, strerror(errno));
        return -1;
    }
    return 0;
}

// Removes "<path>.<ext>" for each index kind the new file does not get (keep: "tbi", "csi" or
// NULL): an older index left beside a rewritten file would describe other bytes.
static void remove_stale_index(const char *path, const char *keep) {
    static const char *const exts[] = {"tbi", "csi"};
    size_t m = strlen(path) + 8;
    char *idx = xmalloc(m);
    for (int k = 0; k < 2; k++) {
        if (keep && !strcmp(keep, exts[k])) continue;
        snprintf(idx, m, "%s.%s", path, exts[k]);
        if (unlink(idx) != 0 && errno != ENOENT)
            calla_warn("cannot remove the stale index \"%s\": %s", idx, strerror(errno));
    }
    free(idx);
}

int vcfwriter_close(VcfWriter *w) {
    int rc = hts_close(w->fp);
    w->fp = NULL;
    if (rc != 0) {
        calla_err("failed to finish \"%s\" (disk full?)", w->out.path);
        vcfwriter_abort(w);
        return -1;
    }
    if (!w->out.tmp || (w->type != 'z' && w->type != 'b')) {  // stdout, or a type without index
        char *path = w->out.tmp ? xstrdup(w->out.path) : NULL;  // atomic_commit frees it
        rc = w->out.tmp ? atomic_commit(&w->out) : 0;
        if (rc == 0 && path) remove_stale_index(path, NULL);
        free(path);
        if (!w->out.tmp) free(w->out.path);
        bcf_hdr_destroy(w->hdr);
        bcf_destroy(w->rec);
        free(w);
        return rc;
    }
    const char *ext = w->type == 'z' ? "tbi" : "csi";
    size_t n = strlen(w->out.tmp) + 8, m = strlen(w->out.path) + 8;
    char *tmp_idx = xmalloc(n), *idx = xmalloc(m);
    snprintf(tmp_idx, n, "%s.%s", w->out.tmp, ext);
    snprintf(idx, m, "%s.%s", w->out.path, ext);
    cleanup_register(tmp_idx);
    if ((w->type == 'z' ? tbx_index_build(w->out.tmp, 0, &tbx_conf_vcf)
                        : bcf_index_build(w->out.tmp, 14)) != 0) {
        calla_err("failed to index \"%s\"", w->out.path);
        unlink(tmp_idx);
        cleanup_unregister(tmp_idx);
        free(tmp_idx), free(idx);
        vcfwriter_abort(w);
        return -1;
    }
    rc = atomic_commit(&w->out);
    if (rc == 0 && rename(tmp_idx, idx) != 0) {
        calla_err("cannot rename the index to \"%s\": %s", idx, strerror(errno));
        unlink(idx);  // never leave an older index beside the new VCF
        rc = -1;
    }
    if (rc == 0) {  // idx is "<path>.<ext>"
        idx[strlen(idx) - strlen(ext) - 1] = 0;
        remove_stale_index(idx, ext);
    }
    if (rc != 0) unlink(tmp_idx);
    cleanup_unregister(tmp_idx);
    free(tmp_idx), free(idx);
    bcf_hdr_destroy(w->hdr);
    bcf_destroy(w->rec);
    free(w);
    return rc;
}

void vcfwriter_abort(VcfWriter *w) {
    if (!w) return;
    if (w->fp) hts_close(w->fp);
    if (w->out.tmp) atomic_abort(&w->out);
    else free(w->out.path);
    if (w->hdr) bcf_hdr_destroy(w->hdr);
    if (w->rec) bcf_destroy(w->rec);
    free(w);
}
