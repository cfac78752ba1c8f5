// shard_merge.c — `calla merge-shards`: checks and joins the shards of one run (shard.h).
#include <errno.h>
#include <htslib/hts.h>
#include <htslib/kstring.h>
#include <htslib/tbx.h>
#include <htslib/vcf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calling/overlap.h"
#include "calling/shard.h"
#include "common/util.h"

typedef struct {
    const char *path;
    htsFile *fp;
    bcf_hdr_t *hdr;
    int index, count;
    size_t lo, hi, total;
    char run[17];
    char *text;  // the header without ##calla_command and ##calla_shard
} ShardIn;

// The header as text without the lines that may differ between shards.
static char *header_text(const bcf_hdr_t *h) {
    kstring_t all = {0, 0, NULL}, out = {0, 0, NULL};
    if (bcf_hdr_format(h, 0, &all) < 0) {
        free(all.s);
        return NULL;
    }
    for (char *line = all.s, *nl; line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) + 1 : strlen(line);
        if (strncmp(line, "##calla_command=", 16) && strncmp(line, "##calla_shard=", 14))
            kputsn(line, n, &out);
    }
    free(all.s);
    if (!out.s) out.s = xstrdup("");
    return out.s;
}

static int shard_open(ShardIn *s, const char *path) {
    memset(s, 0, sizeof *s);
    s->path = path;
    s->fp = hts_open(path, "r");
    if (!s->fp) {
        calla_err("cannot open shard \"%s\": %s", path, strerror(errno));
        return -1;
    }
    if (s->fp->format.category != variant_data || !(s->hdr = bcf_hdr_read(s->fp))) {
        calla_err("\"%s\" is not a VCF/BCF file", path);
        return -1;
    }
    bcf_hrec_t *hr = bcf_hdr_get_hrec(s->hdr, BCF_HL_GEN, "calla_shard", NULL, NULL);
    int used = 0;
    if (!hr || !hr->value ||
        sscanf(hr->value, "%d/%d chunks=%zu-%zu/%zu run=%16[0-9a-f]%n", &s->index, &s->count,
               &s->lo, &s->hi, &s->total, s->run, &used) != 6 ||
        hr->value[used] || s->index < 1 || s->index > s->count || s->lo > s->hi ||
        s->hi > s->total) {
        calla_err("\"%s\" is not a shard of `calla call --shard` (no valid ##calla_shard line)",
                  path);
        return -1;
    }
    s->text = header_text(s->hdr);
    if (!s->text) {
        calla_err("cannot read the header of \"%s\"", path);
        return -1;
    }
    return 0;
}

static void shard_close(ShardIn *s) {
    if (s->hdr) bcf_hdr_destroy(s->hdr);
    if (s->fp) hts_close(s->fp);
    free(s->text);
}

static int by_index(const void *a, const void *b) {
    return ((const ShardIn *)a)->index - ((const ShardIn *)b)->index;
}

// The shards must be the N shards of one run, each once. Sorts them by index.
static int check_shards(ShardIn *s, int n) {
    for (int i = 1; i < n; i++) {
        if (strcmp(s[i].run, s[0].run) || s[i].count != s[0].count || s[i].total != s[0].total) {
            calla_err("\"%s\" and \"%s\" are shards of different `calla call` runs (run %s, %d "
                      "shards vs run %s, %d shards)",
                      s[0].path, s[i].path, s[0].run, s[0].count, s[i].run, s[i].count);
            return -1;
        }
        if (strcmp(s[i].text, s[0].text)) {
            calla_err("\"%s\" and \"%s\" have different headers (another model, sample or "
                      "reference?)",
                      s[0].path, s[i].path);
            return -1;
        }
    }
    qsort(s, n, sizeof *s, by_index);
    for (int i = 1; i < n; i++)
        if (s[i].index == s[i - 1].index) {
            calla_err("\"%s\" and \"%s\" are both shard %d/%d", s[i - 1].path, s[i].path,
                      s[i].index, s[i].count);
            return -1;
        }
    if (n != s[0].count) {
        int miss = 1;
        for (int i = 0; i < n && s[i].index == miss; i++) miss++;
        calla_err("shard %d/%d is missing (%d of %d shards given; rerun it with --shard %d/%d)",
                  miss, s[0].count, n, s[0].count, miss, s[0].count);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        size_t want = i ? s[i - 1].hi : 0;
        if (s[i].lo != want || (i == n - 1 && s[i].hi != s[i].total)) {
            calla_err("\"%s\": chunks %zu-%zu do not follow shard %d's (the shard plans differ)",
                      s[i].path, s[i].lo, s[i].hi, i);
            return -1;
        }
    }
    return 0;
}

static int index_and_commit(AtomicOut *a, char type) {
    if (type != 'z' && type != 'b') return atomic_commit(a);
    const char *ext = type == 'z' ? "tbi" : "csi";
    size_t n = strlen(a->tmp) + 8, m = strlen(a->path) + 8;
    char *tmp_idx = xmalloc(n), *idx = xmalloc(m);
    snprintf(tmp_idx, n, "%s.%s", a->tmp, ext);
    snprintf(idx, m, "%s.%s", a->path, ext);
    cleanup_register(tmp_idx);
    int rc = 0;
    int irc = type == 'z' ? tbx_index_build(a->tmp, 0, &tbx_conf_vcf) : bcf_index_build(a->tmp, 14);
    if (irc != 0) {
        calla_err("failed to index \"%s\"", a->path);
        atomic_abort(a);
        rc = -1;
    } else if ((rc = atomic_commit(a)) == 0 && rename(tmp_idx, idx) != 0) {
        calla_err("cannot rename the index to \"%s\": %s", idx, strerror(errno));
        unlink(idx);
        rc = -1;
    }
    unlink(tmp_idx);
    cleanup_unregister(tmp_idx);
    free(tmp_idx), free(idx);
    return rc;
}

// gVCF shards (calling/gvcf.h): a reference block is a record whose only ALT is <*>. The shards'
// first positions are one-position blocks (cmd_call.c); the merge drops the blocks a deletion of
// the shard before covers and joins adjacent blocks of one GQ band and ploidy, as the
// one-process writer does: END the later one's, GQ and its PL the smaller one's (the earlier on a
// tie), MIN_DP the smaller.
typedef struct {
    bcf_hdr_t *hdr;  // the output's
    bcf1_t *pend;    // the block being extended, or NULL
    int32_t end, gq, min_dp, pl[3], n_pl, ploidy;
    int skip_rid;
    hts_pos_t skip_end;  // positions covered by the REF of the last variant (0-based, inclusive)
    int32_t *buf;
    int nbuf;
} Joiner;

static int is_block(const bcf_hdr_t *h, bcf1_t *r) {
    if (r->n_allele != 2 || bcf_unpack(r, BCF_UN_STR) < 0) return 0;
    return strcmp(r->d.allele[1], "<*>") == 0 && bcf_get_info(h, r, "END") != NULL;
}

// Reads the block's END, GQ, MIN_DP, PL and ploidy. Returns 0 or -1.
static int block_fields(Joiner *j, const bcf_hdr_t *h, bcf1_t *r, int32_t *end, int32_t *gq,
                        int32_t *min_dp, int32_t *pl, int32_t *n_pl, int32_t *ploidy) {
    if (bcf_get_info_int32(h, r, "END", &j->buf, &j->nbuf) != 1) return -1;
    *end = j->buf[0];
    if (bcf_get_format_int32(h, r, "GQ", &j->buf, &j->nbuf) != 1) return -1;
    *gq = j->buf[0];
    if (bcf_get_format_int32(h, r, "MIN_DP", &j->buf, &j->nbuf) != 1) return -1;
    *min_dp = j->buf[0];
    int n = bcf_get_format_int32(h, r, "PL", &j->buf, &j->nbuf);
    if (n < 1 || n > 3) return -1;
    memcpy(pl, j->buf, (size_t)n * sizeof *pl);
    *n_pl = n;
    n = bcf_get_genotypes(h, r, &j->buf, &j->nbuf);
    if (n < 1) return -1;
    *ploidy = n;
    return 0;
}

static int joiner_flush(Joiner *j, htsFile *out) {
    if (!j->pend) return 0;
    bcf1_t *p = j->pend;
    j->pend = NULL;
    int rc = bcf_update_info_int32(j->hdr, p, "END", &j->end, 1);
    rc |= bcf_update_format_int32(j->hdr, p, "GQ", &j->gq, 1);
    rc |= bcf_update_format_int32(j->hdr, p, "MIN_DP", &j->min_dp, 1);
    rc |= bcf_update_format_int32(j->hdr, p, "PL", j->pl, j->n_pl);
    if (rc < 0 || bcf_write(out, j->hdr, p) != 0) rc = -1;
    bcf_destroy(p);
    return rc;
}

// One record of the merged stream. Returns 0, or -1 after an error naming path.
static int joiner_put(Joiner *j, htsFile *out, const bcf_hdr_t *ih, bcf1_t *r, const char *path) {
    if (!is_block(ih, r)) {
        if (joiner_flush(j, out) < 0 || bcf_write(out, j->hdr, r) != 0) return -2;
        hts_pos_t e = r->pos + r->rlen - 1;
        if (r->rid != j->skip_rid || e > j->skip_end) j->skip_rid = r->rid, j->skip_end = e;
        return 0;
    }
    int32_t end, gq, min_dp, pl[3], n_pl, ploidy;
    if (block_fields(j, ih, r, &end, &gq, &min_dp, pl, &n_pl, &ploidy) < 0) {
        calla_err("\"%s\": malformed gVCF block at %s:%lld", path, bcf_hdr_id2name(ih, r->rid),
                  (long long)r->pos + 1);
        return -1;
    }
    if (r->rid == j->skip_rid && r->pos <= j->skip_end) {
        if (end - 1 > j->skip_end) {
            calla_err("\"%s\": gVCF block %s:%lld-%d crosses the deletion before it (not a shard "
                      "of this calla version?)",
                      path, bcf_hdr_id2name(ih, r->rid), (long long)r->pos + 1, end);
            return -1;
        }
        return 0;  // covered by the REF of a variant of the shard before
    }
    int cap = gq > 99 ? 99 : gq;
    if (j->pend && j->pend->rid == r->rid && j->end == r->pos && j->ploidy == ploidy &&
        (j->gq > 99 ? 99 : j->gq) / 5 == cap / 5) {
        j->end = end;
        if (min_dp < j->min_dp) j->min_dp = min_dp;
        if (gq < j->gq) {
            j->gq = gq;
            memcpy(j->pl, pl, sizeof pl);
            j->n_pl = n_pl;
        }
        return 0;
    }
    if (joiner_flush(j, out) < 0) return -2;
    j->pend = bcf_dup(r);
    if (!j->pend) return -2;
    j->end = end, j->gq = gq, j->min_dp = min_dp, j->n_pl = n_pl, j->ploidy = ploidy;
    memcpy(j->pl, pl, sizeof pl);
    return 0;
}

// FILTER Overlap across shard boundaries (calling/overlap.h): a shard checks its own calls only,
// so a call at the start of a shard inside a homozygous deletion from the shard before is PASS
// there. The merge runs the check again over the whole stream, with the calls a shard filtered
// Overlap fed as PASS: the check depends on the PASS calls alone, so the result is the
// one-process FILTER (and a call that a shard filtered because of a deletion the merge now
// filters becomes PASS again, as in one process).
typedef struct {
    HomDelSpan span;
    int pass_id, overlap_id;  // header ids; overlap_id < 0: the shards predate FILTER Overlap
    int32_t *gt;
    int ngt;
    long n_filtered, n_unfiltered;
} OverlapCheck;

// Returns 0, or -1 when the record cannot be read.
static int overlap_check(OverlapCheck *o, const bcf_hdr_t *h, bcf1_t *r) {
    if (o->overlap_id < 0) return 0;
    if (bcf_unpack(r, BCF_UN_FLT | BCF_UN_STR) < 0) return -1;
    int was_pass = r->d.n_flt == 1 && r->d.flt[0] == o->pass_id;
    int was_overlap = r->d.n_flt == 1 && r->d.flt[0] == o->overlap_id;
    int n = bcf_get_genotypes(h, r, &o->gt, &o->ngt);
    Call c;
    memset(&c, 0, sizeof c);
    c.pos = r->pos;
    c.ref = r->n_allele > 0 ? r->d.allele[0] : NULL;  // (the merge refuses records without REF)
    for (int a = 1; a < r->n_allele && c.n_alt < 2; a++) c.alt[c.n_alt++] = r->d.allele[a];
    c.filter = FILTER_LOWQUAL;  // anything but PASS and Overlap alone
    if ((was_pass || was_overlap) && !bcf_float_is_missing(r->qual) && n >= 1 && n <= 2 &&
        !bcf_gt_is_missing(o->gt[0]) && (n == 1 || !bcf_gt_is_missing(o->gt[1]))) {
        c.filter = FILTER_PASS;
        c.haploid = n == 1;
        c.gt[0] = bcf_gt_allele(o->gt[0]);
        c.gt[1] = n == 2 ? bcf_gt_allele(o->gt[1]) : c.gt[0];
        c.qual = r->qual;
    }
    homdel_filter(&o->span, r->rid, &c);
    if (c.filter == FILTER_OVERLAP && was_pass) {
        o->n_filtered++;
        return bcf_update_filter(h, r, &o->overlap_id, 1) < 0 ? -1 : 0;
    }
    if (c.filter == FILTER_PASS && was_overlap) {
        o->n_unfiltered++;
        return bcf_update_filter(h, r, &o->pass_id, 1) < 0 ? -1 : 0;
    }
    return 0;
}

int shard_merge(const char *out_path, char out_type, char *const *inputs, int n_inputs) {
    ShardIn *s = xcalloc(n_inputs, sizeof *s);
    int rc = -1, n_open = 0;
    AtomicOut a = {NULL, NULL};
    htsFile *out = NULL;
    bcf_hdr_t *hdr = NULL;
    bcf1_t *rec = bcf_init();
    for (; n_open < n_inputs; n_open++)
        if (shard_open(&s[n_open], inputs[n_open]) < 0) {
            n_open++;
            goto done;
        }
    if (check_shards(s, n_inputs) < 0) goto done;
    hdr = bcf_hdr_dup(s[0].hdr);
    if (!hdr || !rec) {
        calla_err("out of memory reading \"%s\"", s[0].path);
        goto done;
    }
    bcf_hdr_remove(hdr, BCF_HL_GEN, "calla_shard");
    const int to_stdout = strcmp(out_path, "-") == 0;
    if (!to_stdout && atomic_begin(&a, out_path) != 0) goto done;
    const char *mode = out_type == 'z'   ? "wz"
                       : out_type == 'b' ? "wb"
                       : out_type == 'u' ? "wbu"
                                         : "w";
    out = hts_open(to_stdout ? "-" : a.tmp, mode);
    if (!out || bcf_hdr_write(out, hdr) != 0) {
        calla_err("cannot write \"%s\": %s", out_path, strerror(errno));
        goto done;
    }
    int last_rid = -1;
    hts_pos_t last_pos = -1;
    Joiner jn = {hdr, NULL, 0, 0, 0, {0, 0, 0}, 0, 0, -1, -1, NULL, 0};
    OverlapCheck ov = {.pass_id = bcf_hdr_id2int(hdr, BCF_DT_ID, "PASS"),
                       .overlap_id = bcf_hdr_id2int(hdr, BCF_DT_ID, "Overlap")};
    homdel_init(&ov.span);
    if (ov.overlap_id >= 0 && !bcf_hdr_idinfo_exists(hdr, BCF_HL_FLT, ov.overlap_id))
        ov.overlap_id = -1;
    for (int i = 0; i < n_inputs; i++) {
        int r, first = 1;
        while ((r = bcf_read(s[i].fp, s[i].hdr, rec)) == 0) {
            if (rec->rid < last_rid || (rec->rid == last_rid && rec->pos < last_pos)) {
                calla_err("\"%s\": record at %s:%lld %s the previous one (shards overlap?)",
                          s[i].path, bcf_hdr_id2name(s[i].hdr, rec->rid), (long long)rec->pos + 1,
                          first ? "comes before the last record of the shard before" : "precedes");
                goto jdone;
            }
            first = 0;
            last_rid = rec->rid, last_pos = rec->pos;
            if (bcf_unpack(rec, BCF_UN_STR) < 0 || rec->n_allele < 1) {
                calla_err("\"%s\": record at %s:%lld has no REF allele", s[i].path,
                          bcf_hdr_id2name(s[i].hdr, rec->rid), (long long)rec->pos + 1);
                goto jdone;
            }
            if (!is_block(s[i].hdr, rec) && overlap_check(&ov, s[i].hdr, rec) < 0) {
                calla_err("\"%s\": unreadable record at %s:%lld", s[i].path,
                          bcf_hdr_id2name(s[i].hdr, rec->rid), (long long)rec->pos + 1);
                goto jdone;
            }
            int jr = joiner_put(&jn, out, s[i].hdr, rec, s[i].path);
            if (jr == -2)
                calla_err("failed to write a record to \"%s\": %s", out_path, strerror(errno));
            if (jr < 0) goto jdone;
        }
        if (r < -1) {
            calla_err("\"%s\": truncated or corrupt record after %s:%lld", s[i].path,
                      last_rid >= 0 ? bcf_hdr_id2name(s[i].hdr, last_rid) : "(start)",
                      (long long)last_pos + 1);
            goto jdone;
        }
    }
    if (joiner_flush(&jn, out) < 0) {
        calla_err("failed to write a record to \"%s\": %s", out_path, strerror(errno));
        goto jdone;
    }
    free(jn.buf), free(ov.gt);
    jn.buf = NULL, ov.gt = NULL;
    int crc = hts_close(out);
    out = NULL;
    if (crc != 0) {
        calla_err("failed to finish \"%s\" (disk full?)", out_path);
        goto done;
    }
    rc = to_stdout ? 0 : index_and_commit(&a, out_type);
    if (rc == 0 && ov.n_filtered + ov.n_unfiltered)
        calla_info("FILTER Overlap across shard boundaries: %ld call(s) inside a homozygous "
                   "deletion of the shard before now Overlap, %ld back to PASS",
                   ov.n_filtered, ov.n_unfiltered);
jdone:
    if (jn.pend) bcf_destroy(jn.pend);
    free(jn.buf);
    free(ov.gt);
done:
    if (out) hts_close(out);
    if (rc != 0) atomic_abort(&a);  // no-op after a commit or with stdout
    if (hdr) bcf_hdr_destroy(hdr);
    bcf_destroy(rec);
    for (int i = 0; i < n_open; i++) shard_close(&s[i]);
    free(s);
    return rc;
}
