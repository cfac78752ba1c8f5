// phased_vcf.c — the phased VCF output of `calla haplotag` (phased_vcf.h).
#include "phasing/phased_vcf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <htslib/tbx.h>
#include <htslib/vcf.h>

#include "calling/vcf_writer.h"
#include "common/util.h"

static const PhaseResult *lookup(char *const *names, PhaseResult *const *res, int n,
                                 const char *name) {
    for (int i = 0; i < n; i++)
        if (names[i] && strcmp(names[i], name) == 0) return res[i];
    return NULL;
}

// Builds the index of the finished temporary file and renames both. Returns 0 or -1.
static int index_and_commit(AtomicOut *out, char type) {
    if (type != 'z' && type != 'b') return atomic_commit(out);
    const char *ext = type == 'z' ? "tbi" : "csi";
    size_t n = strlen(out->tmp) + 6, m = strlen(out->path) + 6;
    char *tmp_idx = xmalloc(n), *idx = xmalloc(m);
    snprintf(tmp_idx, n, "%s.%s", out->tmp, ext);
    snprintf(idx, m, "%s.%s", out->path, ext);
    cleanup_register(tmp_idx);
    int rc = 0;
    if ((type == 'z' ? tbx_index_build(out->tmp, 0, &tbx_conf_vcf)
                     : bcf_index_build(out->tmp, 14)) != 0) {
        calla_err("failed to index \"%s\"", out->path);
        rc = -1;
    }
    if (rc == 0) rc = atomic_commit(out);
    else atomic_abort(out);
    if (rc == 0 && rename(tmp_idx, idx) != 0) {
        calla_err("cannot rename the index to \"%s\": %s", idx, strerror(errno));
        rc = -1;
    }
    unlink(tmp_idx);
    cleanup_unregister(tmp_idx);
    free(tmp_idx);
    free(idx);
    return rc;
}

int phased_vcf_write(const char *in_path, const char *out_path, const char *sample,
                     char *const *names, PhaseResult *const *results, int n,
                     const char *cmdline, long *n_phased) {
    *n_phased = 0;
    char type;
    if (vcf_type_from_name(out_path, &type) != 0) {
        calla_err("cannot tell the type of \"%s\" from its name (.vcf, .vcf.gz or .bcf)", out_path);
        return -1;
    }
    htsFile *in = bcf_open(in_path, "r");
    if (!in) {
        calla_err("failed to open \"%s\"", in_path);
        return -1;
    }
    bcf_hdr_t *hdr = bcf_hdr_read(in);
    if (!hdr) {
        calla_err("failed to read the header of \"%s\"", in_path);
        hts_close(in);
        return -1;
    }
    int rc = -1, si = sample ? bcf_hdr_id2int(hdr, BCF_DT_SAMPLE, sample) : 0;
    int nsmp = bcf_hdr_nsamples(hdr);
    AtomicOut out = {0};
    htsFile *fo = NULL;
    bcf1_t *rec = bcf_init();
    int32_t *gt = NULL, *ps = NULL;
    int n_gt = 0, n_ps = 0;
    if (si < 0 || nsmp == 0) {
        calla_err("sample \"%s\" is not in \"%s\"", sample ? sample : "(first)", in_path);
        goto done;
    }
    if (bcf_hdr_id2int(hdr, BCF_DT_ID, "PS") < 0 ||
        !bcf_hdr_idinfo_exists(hdr, BCF_HL_FMT, bcf_hdr_id2int(hdr, BCF_DT_ID, "PS"))) {
        if (bcf_hdr_append(hdr, "##FORMAT=<ID=PS,Number=1,Type=Integer,Description=\"Phase set "
                                "identifier\">") != 0 || bcf_hdr_sync(hdr) != 0) {
            calla_err("failed to add FORMAT/PS to the header of \"%s\"", in_path);
            goto done;
        }
    }
    if (cmdline) {
        size_t l = strlen(cmdline) + 64;
        char *line = xmalloc(l);
        snprintf(line, l, "##calla_haplotagCommand=%s", cmdline);
        int e = bcf_hdr_append(hdr, line);
        free(line);
        if (e != 0 || bcf_hdr_sync(hdr) != 0) {
            calla_err("failed to extend the header of \"%s\"", in_path);
            goto done;
        }
    }
    const char *mode = type == 'z' ? "wz" : type == 'b' ? "wb" : "w";
    if (strcmp(out_path, "-") == 0) {
        fo = hts_open("-", mode);
    } else {
        if (atomic_begin(&out, out_path) != 0) goto done;
        fo = hts_open(out.tmp, mode);
    }
    if (!fo) {
        calla_err("failed to write \"%s\": %s", out_path, strerror(errno));
        goto done;
    }
    if (bcf_hdr_write(fo, hdr) != 0) {
        calla_err("failed to write \"%s\"", out_path);
        goto done;
    }
    int r;
    const PhaseResult *pr = NULL;
    int pr_rid = -1;
    while ((r = bcf_read(in, hdr, rec)) == 0) {
        if (rec->rid != pr_rid) {
            pr_rid = rec->rid;
            pr = lookup(names, results, n, bcf_seqname(hdr, rec));
        }
        int k = pr && rec->n_allele == 2 ? phase_result_find(pr, rec->pos) : -1;
        if (k >= 0 && bcf_unpack(rec, BCF_UN_ALL) == 0 &&
            (rec->d.allele[0][0] & ~0x20) == pr->sites[k].ref && !rec->d.allele[0][1] &&
            (rec->d.allele[1][0] & ~0x20) == pr->sites[k].alt && !rec->d.allele[1][1] &&
            bcf_get_genotypes(hdr, rec, &gt, &n_gt) == 2 * nsmp) {
            int32_t a = gt[2 * si], b = gt[2 * si + 1];
            int x = bcf_gt_allele(a), y = bcf_gt_allele(b);
            if (!bcf_gt_is_missing(a) && !bcf_gt_is_missing(b) && x + y == 1 && x * y == 0) {
                const PhasedSite *s = &pr->sites[k];
                int have_ps = bcf_get_format_int32(hdr, rec, "PS", &ps, &n_ps);
                if (have_ps != nsmp) {
                    if (n_ps < nsmp) {
                        ps = xrealloc(ps, (size_t)nsmp * sizeof *ps);
                        n_ps = nsmp;
                    }
                    for (int j = 0; j < nsmp; j++) ps[j] = bcf_int32_missing;
                }
                if (s->hap1 >= 0) {
                    gt[2 * si] = bcf_gt_unphased(s->hap1 == 0 ? 0 : 1);
                    gt[2 * si + 1] = bcf_gt_phased(s->hap1 == 0 ? 1 : 0);
                    ps[si] = s->ps;
                    (*n_phased)++;
                } else {
                    gt[2 * si] = bcf_gt_unphased(x);
                    gt[2 * si + 1] = bcf_gt_unphased(y);
                    ps[si] = bcf_int32_missing;
                }
                int all_missing = 1;
                for (int j = 0; j < nsmp; j++) all_missing &= ps[j] == bcf_int32_missing;
                if (bcf_update_genotypes(hdr, rec, gt, 2 * nsmp) != 0 ||
                    (all_missing ? (have_ps > 0 ? bcf_update_format_int32(hdr, rec, "PS", NULL, 0)
                                                : 0)
                                 : bcf_update_format_int32(hdr, rec, "PS", ps, nsmp)) != 0) {
                    calla_err("failed to update a record of \"%s\"", out_path);
                    goto done;
                }
            }
        }
        if (bcf_write(fo, hdr, rec) != 0) {
            calla_err("failed to write \"%s\": %s", out_path, strerror(errno));
            goto done;
        }
    }
    if (r < -1) {
        calla_err("failed to read a record of \"%s\": truncated or corrupt file", in_path);
        goto done;
    }
    int e = hts_close(fo);
    fo = NULL;
    if (e != 0) {
        calla_err("failed to write \"%s\": %s", out_path, strerror(errno));
        goto done;
    }
    rc = out.tmp ? index_and_commit(&out, type) : 0;
done:
    if (fo) hts_close(fo);
    if (rc != 0 && out.tmp) atomic_abort(&out);
    free(gt);
    free(ps);
    bcf_destroy(rec);
    bcf_hdr_destroy(hdr);
    hts_close(in);
    return rc;
}
