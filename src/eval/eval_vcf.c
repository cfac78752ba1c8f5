// eval_vcf.c — VCF records -> normalised, bi-allelic, BED-restricted variants.
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <htslib/vcf.h>

#include "common/util.h"
#include "eval/eval_vcf.h"

static int is_symbolic(const char *a) {
    return a[0] == '<' || a[0] == '*' || a[0] == '.' || strchr(a, '[') || strchr(a, ']');
}

static void upper(kstring_t *s) {
    for (size_t i = 0; i < s->l; i++) s->s[i] = (char)toupper((unsigned char)s->s[i]);
}

// Adds one normalised variant (splitting an equal-length MNP into its SNPs), applying the BED.
static void keep_variant(const EvalReadOpts *o, EvalVarSet *out, EvalReadStats *st, int ctg,
                         int64_t pos, const kstring_t *ref, const kstring_t *alt, int zyg) {
    if (ref->l == alt->l && ref->l > 1) {
        for (size_t i = 0; i < ref->l; i++) {
            if (ref->s[i] == alt->s[i]) continue;
            if (o->bed && !eval_bed_contains(o->bed, ctg, pos + i, pos + i + 1)) {
                st->outside++;
                continue;
            }
            evalset_push(out, ctg, pos + i, ref->s + i, 1, alt->s + i, 1, zyg);
            st->kept++;
        }
        return;
    }
    if (o->bed && !eval_bed_contains(o->bed, ctg, pos, pos + (int64_t)ref->l)) {
        st->outside++;
        return;
    }
    evalset_push(out, ctg, pos, ref->s, ref->l, alt->s, alt->l, zyg);
    st->kept++;
}

int eval_read_vcf(const char *path, EvalRef *ref, const EvalReadOpts *o, EvalVarSet *out,
                  EvalReadStats *st) {
    memset(st, 0, sizeof(*st));
    errno = 0;
    htsFile *fp = hts_open(path, "r");
    if (!fp) {
        calla_err("failed to open VCF \"%s\": %s", path, errno ? strerror(errno) : "unknown format");
        return -1;
    }
    bcf_hdr_t *hdr = bcf_hdr_read(fp);
    if (!hdr) {
        calla_err("failed to read the VCF header of \"%s\"", path);
        hts_close(fp);
        return -1;
    }
    int rc = -1;
    bcf1_t *rec = bcf_init();
    int32_t *gt = NULL, ngt_arr = 0;
    int *rid2ctg = NULL, nrid = 0;
    int *copies = NULL, ncopies = 0;
    kstring_t kref = {0, 0, NULL}, kalt = {0, 0, NULL};
    char *sample = NULL;

    if (bcf_hdr_nsamples(hdr) == 0) {
        calla_err("VCF \"%s\" has no sample column (a genotype is needed)", path);
        goto done;
    }
    sample = xstrdup(o->sample ? o->sample : hdr->samples[0]);  // set_samples rewrites the header
    if (bcf_hdr_id2int(hdr, BCF_DT_SAMPLE, sample) < 0) {
        calla_err("VCF \"%s\" has no sample \"%s\"", path, sample);
        goto done;
    }
    if (bcf_hdr_set_samples(hdr, sample, 0) != 0) {
        calla_err("failed to select sample \"%s\" in VCF \"%s\"", sample, path);
        goto done;
    }
    if (bcf_hdr_id2int(hdr, BCF_DT_ID, "GT") < 0 ||
        !bcf_hdr_idinfo_exists(hdr, BCF_HL_FMT, bcf_hdr_id2int(hdr, BCF_DT_ID, "GT"))) {
        calla_err("VCF \"%s\" declares no FORMAT/GT (a genotype is needed)", path);
        goto done;
    }

    int ret;
    while ((ret = bcf_read(fp, hdr, rec)) == 0) {
        st->records++;
        if (rec->errcode) {
            calla_err("VCF \"%s\": malformed record %ld (error code %d)", path, st->records,
                      rec->errcode);
            goto done;
        }
        if (bcf_unpack(rec, BCF_UN_STR | BCF_UN_FLT) < 0) {
            calla_err("VCF \"%s\": failed to unpack record %ld", path, st->records);
            goto done;
        }
        const char *chrom = bcf_seqname(hdr, rec);
        if (rec->rid >= nrid) {
            int n = rec->rid + 64;
            rid2ctg = xrealloc(rid2ctg, n * sizeof(*rid2ctg));
            for (int i = nrid; i < n; i++) rid2ctg[i] = -2;
            nrid = n;
        }
        if (rid2ctg[rec->rid] == -2) rid2ctg[rec->rid] = eval_ref_ctg(ref, chrom ? chrom : "");
        int ctg = rid2ctg[rec->rid];
        if (ctg < 0) {
            calla_err("VCF \"%s\": contig \"%s\" is not in the reference \"%s\"", path,
                      chrom ? chrom : "?", eval_ref_path(ref));
            goto done;
        }
        if (o->pass_only && rec->d.n_flt > 0 && bcf_has_filter(hdr, rec, "PASS") != 1) {
            st->filtered++;
            continue;
        }
        if (rec->n_allele < 1) {  // htslib leaves a record whose REF is empty without alleles
            calla_err("VCF \"%s\": record %ld at %s:%lld has no REF allele", path, st->records,
                      chrom, (long long)rec->pos + 1);
            goto done;
        }
        // Allele copies in the genotype; ploidy counts missing alleles too ("1/." is het).
        int ngt = bcf_get_genotypes(hdr, rec, &gt, &ngt_arr);
        if (ncopies < rec->n_allele) {
            ncopies = rec->n_allele;
            copies = xrealloc(copies, ncopies * sizeof(*copies));
        }
        memset(copies, 0, rec->n_allele * sizeof(*copies));
        int ploidy = 0, any_alt = 0;
        for (int i = 0; i < ngt && gt[i] != bcf_int32_vector_end; i++) {
            ploidy++;
            if (bcf_gt_is_missing(gt[i])) continue;
            int a = bcf_gt_allele(gt[i]);
            if (a < 0 || a >= rec->n_allele) {
                calla_err("VCF \"%s\": GT allele %d out of range at %s:%lld", path, a, chrom,
                          (long long)rec->pos + 1);
                goto done;
            }
            copies[a]++;
            if (a > 0) any_alt = 1;
        }
        if (!any_alt) {
            st->no_alt++;
            continue;
        }
        // REF must agree with the reference: a mismatch means the wrong reference.
        const char *r0 = rec->d.allele[0];
        size_t rlen = strlen(r0);
        if (rec->pos < 0 || rec->pos + (int64_t)rlen > eval_ref_ctg_len(ref, ctg)) {
            calla_err("VCF \"%s\": record %ld (POS %lld, REF length %zu) lies outside %s of the "
                      "reference \"%s\" (length %lld)",
                      path, st->records, (long long)rec->pos + 1, rlen, chrom, eval_ref_path(ref),
                      (long long)eval_ref_ctg_len(ref, ctg));
            goto done;
        }
        const char *rs = eval_ref_seq(ref, ctg, rec->pos, rec->pos + (int64_t)rlen);
        if (!rs) goto done;
        for (size_t i = 0; i < rlen; i++) {
            if (toupper((unsigned char)r0[i]) != rs[i]) {
                calla_err("VCF \"%s\": REF %.20s at %s:%lld differs from the reference \"%s\" "
                          "(%.*s)",
                          path, r0, chrom, (long long)rec->pos + 1, eval_ref_path(ref),
                          (int)(rlen < 20 ? rlen : 20), rs);
                goto done;
            }
        }
        for (int a = 1; a < rec->n_allele; a++) {
            if (copies[a] == 0) continue;
            if (is_symbolic(rec->d.allele[a])) {
                st->skipped++;
                continue;
            }
            kref.l = kalt.l = 0;
            if (kputs(r0, &kref) < 0 || kputs(rec->d.allele[a], &kalt) < 0) {
                calla_err("out of memory reading \"%s\"", path);
                goto done;
            }
            upper(&kref);
            upper(&kalt);
            if (kref.l == kalt.l && memcmp(kref.s, kalt.s, kref.l) == 0) continue;  // ALT == REF
            int64_t pos = rec->pos;
            if (eval_normalize(ref, ctg, &pos, &kref, &kalt) < 0) goto done;
            int zyg = copies[a] == ploidy ? EVAL_HOM : EVAL_HET;
            keep_variant(o, out, st, ctg, pos, &kref, &kalt, zyg);
        }
    }
    if (ret < -1) {
        calla_err("VCF \"%s\": failed to read record %ld (truncated or malformed)", path,
                  st->records + 1);
        goto done;
    }
    rc = 0;
done:
    free(sample);
    free(kref.s);
    free(kalt.s);
    free(copies);
    free(rid2ctg);
    free(gt);
    bcf_destroy(rec);
    bcf_hdr_destroy(hdr);
    if (hts_close(fp) < 0 && rc == 0) {
        calla_err("failed to close VCF \"%s\"", path);
        rc = -1;
    }
    return rc;
}
