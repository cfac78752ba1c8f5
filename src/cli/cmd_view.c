// cmd_view.c — `calla view`: print a tensor file's records (or its header) as text.
// One line per record: contig, 1-based position, reference base, labels, features (five
// tab-separated columns; labels and features comma-separated, features position-major).
// Full-alignment (clair3-fa) files also print as blocks, one text line per read row (-c).
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "common/region.h"
#include "common/util.h"
#include "tensors/tensorfile.h"

static void usage(FILE *out) {
    fprintf(out,
            "\nUsage: calla view [options] FILE.ctf\n\n"
            "Prints the records of a tensor file, one line each, tab-separated:\n"
            "  contig, 1-based position, reference base, labels (comma-separated, '.' when\n"
            "  unlabelled), features (comma-separated, position-major: 33 positions x\n"
            "  channels).\n\n"
            "Options:\n"
            "  -H, --header          print the header (key: value lines) instead of the records\n"
            "  -r, --region REGION   only records in REGION (chr, chr:beg or chr:beg-end,\n"
            "                        1-based; --regions is the same)\n"
            "  -o, --output FILE     write to FILE (atomically) instead of standard output;\n"
            "                        '-' is standard output [-]\n"
            "  -c, --channel C       clair3-fa files: each record as a block, a '#' line (contig,\n"
            "                        position, reference, labels) then one line per read row:\n"
            "                        C = 0..7 prints that channel at the 33 positions; C = reads\n"
            "                        draws the rows as text ('.'/',' match forward/reverse, a\n"
            "                        base for a mismatch, upper case forward, '+' insertion\n"
            "                        anchor, '-' deletion anchor, '*' deleted base) followed by\n"
            "                        the row's strand, MQ, AF and HP values\n"
            "  -h, --help            this text\n\n");
}

// Compact float: integers without decimals, others with %g.
static void put_label(FILE *out, float v) {
    if (v == (float)(long)v)
        fprintf(out, "%ld", (long)v);
    else
        fprintf(out, "%g", (double)v);
}

static char *put_int(char *p, int v) {
    char tmp[8];
    int n = 0;
    unsigned u = v < 0 ? (unsigned)(-(long)v) : (unsigned)v;
    if (v < 0) *p++ = '-';
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    while (n) *p++ = tmp[--n];
    return p;
}

// Clair3 FA base codes back to letters (100 is A or N; A is printed).
static char fa_base(int v, int fwd) {
    char c = v == 100 ? 'A' : v == 25 ? 'C' : v == 75 ? 'G' : v == 50 ? 'T' : '?';
    return fwd || c == '?' ? c : (char)(c + 32);
}

// One clair3-fa record as rows x 33 text: channel ch (0..7), or the reads drawing (ch < 0).
static void print_fa_block(const TensorFileMeta *m, const int16_t *f, int ch, FILE *out) {
    const int rows = m->n_chan / TF_FA_CHAN_PER_ROW;
    for (int r = 0; r < rows; r++) {
#define CELL(p, c) f[(size_t)(p) * m->n_chan + (size_t)r * TF_FA_CHAN_PER_ROW + (c)]
        if (ch >= 0) {
            fprintf(out, "%3d ", r);
            for (int p = 0; p < m->n_pos; p++) fprintf(out, "%5d", CELL(p, ch));
            fputc('\n', out);
            continue;
        }
        int first = -1, last = -1, any = -1;
        for (int p = 0; p < m->n_pos; p++)
            if (CELL(p, 0) != 0) {
                if (first < 0) first = p;
                last = p;
                any = p;
            }
        char line[64];
        for (int p = 0; p < m->n_pos; p++) {
            int fwd = CELL(p, 2) == 100, a = CELL(p, 1);
            char c = ' ';
            if (CELL(p, 0) == 0) c = p > first && p < last ? '*' : ' ';
            else if (a == 0) c = fwd ? '.' : ',';
            else if (a == -50) c = '+';
            else if (a == -100) c = '-';
            else c = fa_base(a, fwd);
            line[p] = c;
        }
        line[m->n_pos] = 0;
        fprintf(out, "%3d %s", r, line);
        if (any >= 0)
            fprintf(out, "  strand=%d mq=%d af=%d hp=%d", CELL(any, 2), CELL(any, 3), CELL(any, 5),
                    CELL(any, 7));
        fputc('\n', out);
#undef CELL
    }
}

static void print_header(const TensorFile *tf, FILE *out) {
    const TensorFileMeta *m = &tf->meta;
    fprintf(out, "magic: %s\n", TF_MAGIC);
    fprintf(out, "version: %d\n", TF_VERSION);
    fprintf(out, "feature_kind: %s\n", feature_kind_name(m->kind));
    if (m->kind == FEAT_CLAIR3_FA)
        fprintf(out, "shape: %d x %d (%d rows x %d channels)\n", m->n_pos, m->n_chan,
                m->n_chan / TF_FA_CHAN_PER_ROW, TF_FA_CHAN_PER_ROW);
    else
        fprintf(out, "shape: %d x %d\n", m->n_pos, m->n_chan);
    fprintf(out, "dtype: int16\n");
    fprintf(out, "n_labels: %d\n", m->n_labels);
    fprintf(out, "record_bytes: %zu\n", m->record_bytes);
    fprintf(out, "header_bytes: %zu\n", (size_t)(tf->records - (const uint8_t *)tf->map));
    fprintf(out, "records: %llu\n", (unsigned long long)tf->n_records);
    fprintf(out, "platform: %s\n", m->platform[0] ? m->platform : ".");
    fprintf(out, "contigs: %d\n", m->n_contigs);
    for (int i = 0; i < m->n_contigs; i++)
        fprintf(out, "contig: %s %lld\n", m->contig_names[i], (long long)m->contig_lens[i]);
    fprintf(out, "command: %s\n", m->cmdline);
}

int main_view(int argc, char **argv) {
    static const struct option lopts[] = {{"help", no_argument, NULL, 'h'},
                                          {"header", no_argument, NULL, 'H'},
                                          {"region", required_argument, NULL, 'r'},
                                          {"regions", required_argument, NULL, 'r'},
                                          {"output", required_argument, NULL, 'o'},
                                          {"channel", required_argument, NULL, 'c'},
                                          {NULL, 0, NULL, 0}};
    int header = 0, c, fa_ch = -2;  // -2: one line per record; -1: reads drawing; 0..7: channel
    const char *region = NULL, *out_path = NULL;
    optind = 1;
    while ((c = getopt_long(argc, argv, "Hr:o:c:h", lopts, NULL)) >= 0) {
        switch (c) {
        case 'H': header = 1; break;
        case 'r': region = optarg; break;
        case 'o': out_path = strcmp(optarg, "-") == 0 ? NULL : optarg; break;
        case 'c':
            if (strcmp(optarg, "reads") == 0) {
                fa_ch = -1;
            } else if (optarg[0] >= '0' && optarg[0] <= '7' && optarg[1] == 0) {
                fa_ch = optarg[0] - '0';
            } else {
                calla_err("bad --channel \"%s\" (0..7 or reads)", optarg);
                usage(stderr);
                return CALLA_EXIT_USAGE;
            }
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return CALLA_EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        usage(stderr);
        return CALLA_EXIT_USAGE;
    }
    const char *path = argv[optind];
    char *rname = NULL;
    int64_t rbeg = 0, rend = 0;
    if (region && region_parse_name(region, &rname, &rbeg, &rend) != 0) {
        calla_err("bad region \"%s\" (expected chr, chr:beg or chr:beg-end, 1-based)", region);
        free(rname);
        return CALLA_EXIT_USAGE;
    }
    TensorFile tf;
    if (tensorfile_open(&tf, path) != 0) {
        free(rname);
        return CALLA_EXIT_RUNTIME;
    }
    int rc = 0, rtid = -1;
    FILE *out = stdout;
    AtomicOut ao = {0};
    if (out_path) {  // a file: written as <name>.tmp.<pid>, renamed when complete
        if (atomic_begin(&ao, out_path) < 0 || !(out = fopen(ao.tmp, "w"))) {
            if (ao.tmp) {
                calla_err("failed to create \"%s\": %s", ao.tmp, strerror(errno));
                atomic_abort(&ao);
            }
            tensorfile_close(&tf);
            free(rname);
            return CALLA_EXIT_RUNTIME;
        }
    }
    if (fa_ch > -2 && tf.meta.kind != FEAT_CLAIR3_FA) {
        calla_err("--channel applies to clair3-fa tensor files; \"%s\" holds %s", path,
                  feature_kind_name(tf.meta.kind));
        rc = CALLA_EXIT_USAGE;
    }
    if (rc == 0 && rname) {
        for (int i = 0; i < tf.meta.n_contigs; i++)
            if (strcmp(tf.meta.contig_names[i], rname) == 0) rtid = i;
        if (rtid < 0) {
            calla_err("region contig \"%s\" is not in the contig table of \"%s\"", rname, path);
            rc = CALLA_EXIT_RUNTIME;
        }
    }
    if (rc == 0 && header) {
        print_header(&tf, out);
    } else if (rc == 0) {
        const TensorFileMeta *m = &tf.meta;
        size_t nf = (size_t)m->n_pos * (size_t)m->n_chan;
        char *line = xmalloc(nf * 7 + 16);
        for (uint64_t i = 0; i < tf.n_records; i++) {
            const uint8_t *rec = tensorfile_record(&tf, i);
            const TensorRecordHead *h = tf_head(rec);
            if (tensorfile_check_record(&tf, i) != 0) {
                rc = CALLA_EXIT_RUNTIME;
                break;
            }
            if (rname && (h->contig != rtid || h->pos < rbeg || h->pos >= rend)) continue;
            if (fa_ch > -2) fputs("# ", out);
            fprintf(out, "%s\t%d\t%c\t", m->contig_names[h->contig], h->pos + 1,
                    h->ref ? h->ref : 'N');
            if (h->labelled) {
                const float *L = tf_labels(rec);
                for (int j = 0; j < m->n_labels; j++) {
                    if (j) fputc(',', out);
                    put_label(out, L[j]);
                }
            } else {
                fputc('.', out);
            }
            const int16_t *f = tf_features(rec, m->n_labels);
            if (fa_ch > -2) {
                fputc('\n', out);
                print_fa_block(m, f, fa_ch, out);
                if (ferror(out)) break;
                continue;
            }
            fputc('\t', out);
            char *p = line;
            for (size_t k = 0; k < nf; k++) {
                if (k) *p++ = ',';
                p = put_int(p, f[k]);
            }
            *p++ = '\n';
            fwrite(line, 1, (size_t)(p - line), out);
            if (ferror(out)) break;
        }
        free(line);
    }
    if (fflush(out) != 0 || ferror(out)) {
        calla_err("failed to write %s%s%s: write error", out_path ? "\"" : "the output",
                  out_path ? out_path : "", out_path ? "\"" : "");
        rc = CALLA_EXIT_RUNTIME;
    }
    if (out_path) {
        if (fclose(out) != 0 && rc == 0) {
            calla_err("failed to write \"%s\": %s", out_path, strerror(errno));
            rc = CALLA_EXIT_RUNTIME;
        }
        if (rc == 0 && atomic_commit(&ao) < 0) rc = CALLA_EXIT_RUNTIME;
        if (rc != 0) atomic_abort(&ao);
    }
    tensorfile_close(&tf);
    free(rname);
    return rc;
}
