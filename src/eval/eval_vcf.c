// eval_vcf.c — VCF records -> normalised, bi-allelic, BED-restricted variants.
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <htslib/tbx.h>
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
                         int64_t pos, const kstring_t *ref, const kstring_t *alt, int zyg,
                         int multi, float gq) {
    if (ref->l == alt->l && ref->l > 1) {
        for (size_t i = 0; i < ref->l; i++) {
            if (ref->s[i] == alt->s[i]) continue;
            if (o->bed && !eval_bed_contains(o->bed, ctg, pos + i, pos + i + 1)) {
                st->outside++;
                continue;
            }
            evalset_push(out, ctg, pos + i, ref->s + i, 1, alt->s + i, 1, zyg);
            out->v[out->n - 1].multi = (uint8_t)multi;
            out->v[out->n - 1].gq = gq;
            st->kept++;
        }
        return;
    }
    if (o->bed && !eval_bed_contains(o->bed, ctg, pos, pos + (int64_t)ref->l)) {
        st->outside++;
        return;
    }
    evalset_push(out, ctg, pos, ref->s, ref->l, alt->s, alt->l, zyg);
    out->v[out->n - 1].multi = (uint8_t)multi;
    out->v[out->n - 1].gq = gq;
    st->kept++;
}

// Where records come from: the whole file in order, or, with regions and an index (.tbi/.csi
// for bgzipped VCF, .csi for BCF), one index query per merged interval of the regions.
typedef struct {
    htsFile *fp;
    bcf_hdr_t *hdr;
    const EvalBed *bed;
    const EvalRef *ref;
    tbx_t *tbx;       // bgzipped VCF index
    hts_idx_t *idx;   // BCF index
    hts_itr_t *itr;   // the current interval's query
    int ctg, k;       // the current interval: bed->iv[ctg][k]
    kstring_t line;
} RecSource;

static void src_close(RecSource *s) {
    hts_itr_destroy(s->itr);
    if (s->tbx) tbx_destroy(s->tbx);
    if (s->idx) hts_idx_destroy(s->idx);
    free(s->line.s);
}

// Loads the index when there are regions and the file has one; otherwise streams.
static void src_open(RecSource *s, const char *path, htsFile *fp, bcf_hdr_t *hdr, const EvalBed *bed,
                     const EvalRef *ref) {
    memset(s, 0, sizeof(*s));
    s->fp = fp, s->hdr = hdr, s->bed = bed, s->ref = ref;
    s->k = -1;
    if (!bed) return;
    const htsFormat *f = hts_get_format(fp);
    if (f->format == bcf && f->compression == bgzf)
        s->idx = bcf_index_load3(path, NULL, HTS_IDX_SILENT_FAIL);
    else if (f->format == vcf && f->compression == bgzf)
        s->tbx = tbx_index_load3(path, NULL, HTS_IDX_SILENT_FAIL);
}

// Next record: 0, -1 at the end, < -1 on a read error.
static int src_next(RecSource *s, bcf1_t *rec) {
    if (!s->tbx && !s->idx) return bcf_read(s->fp, s->hdr, rec);
    const EvalBed *b = s->bed;
    for (;;) {
        if (!s->itr) {  // the next interval
            if (s->k < 0) s->k = 0;
            while (s->ctg < b->nctg && s->k >= b->n[s->ctg]) s->ctg++, s->k = 0;
            if (s->ctg >= b->nctg) return -1;
            const EvalIval *iv = &b->iv[s->ctg][s->k];
            const char *name = eval_ref_ctg_name(s->ref, s->ctg);
            int tid = s->tbx ? tbx_name2id(s->tbx, name) : bcf_hdr_name2id(s->hdr, name);
            if (tid >= 0)
                s->itr = s->tbx ? tbx_itr_queryi(s->tbx, tid, iv->beg, iv->end)
                                : bcf_itr_queryi(s->idx, tid, iv->beg, iv->end);
            if (!s->itr) {  // the file has no records on this contig
                s->ctg++, s->k = 0;
                continue;
            }
        }
        int r;
        if (s->tbx) {
            r = tbx_itr_next(s->fp, s->tbx, s->itr, &s->line);
            if (r >= 0) r = vcf_parse1(&s->line, s->hdr, rec) < 0 ? -2 : 0;
        } else {
            r = bcf_itr_next(s->fp, s->itr, rec);
        }
        if (r == -1) {
            hts_itr_destroy(s->itr);
            s->itr = NULL;
            s->k++;
            continue;
        }
        if (r < -1) return r;
        // A record overlapping the previous interval was returned by its query already.
        if (s->k > 0 && rec->pos < b->iv[s->ctg][s->k - 1].end) continue;
        return 0;
    }
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
    int32_t *gt = NULL, ngt_arr = 0, *gqi = NULL, ngqi = 0;
    float *gqf = NULL;
    int ngqf = 0, gq_type = -1;  // BCF_HT_INT or BCF_HT_REAL when FORMAT/GQ is declared
    int *rid2ctg = NULL, nrid = 0;
    int *copies = NULL, ncopies = 0;
    kstring_t kref = {0, 0, NULL}, kalt = {0, 0, NULL};
    const char *sample = NULL;
    int si = -1, nsmpl = bcf_hdr_nsamples(hdr);
    RecSource src;
    src_open(&src, path, fp, hdr, o->bed, ref);

    if (nsmpl == 0) {
        calla_err("VCF \"%s\" has no sample column (a genotype is needed)", path);
        goto done;
    }
    // The sample's GT is picked from all samples' (the index iterators do not subset samples).
    sample = o->sample ? o->sample : hdr->samples[0];
    if ((si = bcf_hdr_id2int(hdr, BCF_DT_SAMPLE, sample)) < 0) {
        calla_err("VCF \"%s\" has no sample \"%s\"", path, sample);
        goto done;
    }
    if (bcf_hdr_id2int(hdr, BCF_DT_ID, "GT") < 0 ||
        !bcf_hdr_idinfo_exists(hdr, BCF_HL_FMT, bcf_hdr_id2int(hdr, BCF_DT_ID, "GT"))) {
        calla_err("VCF \"%s\" declares no FORMAT/GT (a genotype is needed)", path);
        goto done;
    }

    {
        int id = bcf_hdr_id2int(hdr, BCF_DT_ID, "GQ");
        if (id >= 0 && bcf_hdr_idinfo_exists(hdr, BCF_HL_FMT, id))
            gq_type = bcf_hdr_id2type(hdr, BCF_HL_FMT, id) == BCF_HT_REAL ? BCF_HT_REAL : BCF_HT_INT;
    }
    int ret;
    while ((ret = src_next(&src, rec)) == 0) {
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
        if (o->bed) {  // only records whose REF span overlaps the regions are looked at
            int64_t rl = rec->rlen > 0 ? rec->rlen : 1;
            if (ctg < 0 || !eval_bed_overlaps(o->bed, ctg, rec->pos, rec->pos + rl)) {
                st->outside_records++;
                continue;
            }
        }
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
        int ngt_all = bcf_get_genotypes(hdr, rec, &gt, &ngt_arr);
        int per = ngt_all > 0 ? ngt_all / nsmpl : 0;  // ploidy slots per sample
        int ngt = per;
        const int32_t *sgt = gt ? gt + (size_t)si * per : NULL;
        if (ncopies < rec->n_allele) {
            ncopies = rec->n_allele;
            copies = xrealloc(copies, ncopies * sizeof(*copies));
        }
        memset(copies, 0, rec->n_allele * sizeof(*copies));
        int ploidy = 0, any_alt = 0, n_alt_kinds = 0;
        for (int i = 0; i < ngt && sgt[i] != bcf_int32_vector_end; i++) {
            ploidy++;
            if (bcf_gt_is_missing(sgt[i])) continue;
            int a = bcf_gt_allele(sgt[i]);
            if (a < 0 || a >= rec->n_allele) {
                calla_err("VCF \"%s\": GT allele %d out of range at %s:%lld", path, a, chrom,
                          (long long)rec->pos + 1);
                goto done;
            }
            if (a > 0 && copies[a] == 0) n_alt_kinds++;
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
        // Genotype quality for calibration: FORMAT/GQ, else QUAL, else none (-1).
        float gq = -1;
        // (one value per sample: the selected sample's is at index si)
        int ng;
        if (gq_type == BCF_HT_INT && (ng = bcf_get_format_int32(hdr, rec, "GQ", &gqi, &ngqi)) >= nsmpl &&
            gqi[si * (ng / nsmpl)] != bcf_int32_missing &&
            gqi[si * (ng / nsmpl)] != bcf_int32_vector_end && gqi[si * (ng / nsmpl)] >= 0)
            gq = (float)gqi[si * (ng / nsmpl)];
        else if (gq_type == BCF_HT_REAL &&
                 (ng = bcf_get_format_float(hdr, rec, "GQ", &gqf, &ngqf)) >= nsmpl &&
                 !bcf_float_is_missing(gqf[si * (ng / nsmpl)]) &&
                 !bcf_float_is_vector_end(gqf[si * (ng / nsmpl)]) && gqf[si * (ng / nsmpl)] >= 0 &&
                 gqf[si * (ng / nsmpl)] < 1e6f)
            gq = gqf[si * (ng / nsmpl)];
        else if (gq_type < 0 && !bcf_float_is_missing(rec->qual) && rec->qual >= 0 &&
                 rec->qual < 1e6f)
            gq = rec->qual;
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
            keep_variant(o, out, st, ctg, pos, &kref, &kalt, zyg, n_alt_kinds > 1, gq);
        }
    }
    if (ret < -1) {
        calla_err("VCF \"%s\": failed to read record %ld (truncated or malformed)", path,
                  st->records + 1);
        goto done;
    }
    rc = 0;
done:
    src_close(&src);
    free(kref.s);
    free(kalt.s);
    free(copies);
    free(rid2ctg);
    free(gt);
    free(gqi);
    free(gqf);
    bcf_destroy(rec);
    bcf_hdr_destroy(hdr);
    if (hts_close(fp) < 0 && rc == 0) {
        calla_err("failed to close VCF \"%s\"", path);
        rc = -1;
    }
    return rc;
}
