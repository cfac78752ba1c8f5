// xmlcheck.c — test helper: checks that a file is well-formed XML and prints the name of every
// element, one per line in document order, so that shell tests can grep for them (no Python).
//
// usage: xmlcheck FILE
// Checked: one root element; start and end tags nest and match; attributes are name="value" or
// name='value', unique within a tag, with no '<' in values; references are &name; or &#N; /
// &#xH;; comments, processing instructions, CDATA and a DOCTYPE (without an internal subset)
// are skipped. Not checked: DTD validity, encodings, the full name character classes.
// Exit 1 with one error line naming the file and the line on the first problem.
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

typedef struct {
    const char *path, *s;
    size_t n, i;
} Doc;

static int line_of(const Doc *d) {
    int l = 1;
    for (size_t k = 0; k < d->i && k < d->n; k++) l += d->s[k] == '\n';
    return l;
}

static int bad(const Doc *d, const char *what) {
    calla_err("\"%s\" line %d: %s", d->path, line_of(d), what);
    return -1;
}

static int name_start(int c) { return isalpha(c) || c == '_' || c == ':' || c >= 0x80; }
static int name_char(int c) { return name_start(c) || isdigit(c) || c == '-' || c == '.'; }

// Reads a name at d->i; returns its length (0 if none).
static size_t name_at(Doc *d) {
    size_t b = d->i;
    if (b >= d->n || !name_start((unsigned char)d->s[b])) return 0;
    while (d->i < d->n && name_char((unsigned char)d->s[d->i])) d->i++;
    return d->i - b;
}

static void skip_ws(Doc *d) {
    while (d->i < d->n && isspace((unsigned char)d->s[d->i])) d->i++;
}

// Skips to just after `end`; -1 when absent.
static int skip_past(Doc *d, const char *end) {
    size_t el = strlen(end);
    for (; d->i + el <= d->n; d->i++)
        if (memcmp(d->s + d->i, end, el) == 0) {
            d->i += el;
            return 0;
        }
    return -1;
}

// Checks text (or an attribute value) in [b, e): every '&' starts a valid reference.
static int check_refs(Doc *d, size_t b, size_t e) {
    for (size_t k = b; k < e; k++) {
        if (d->s[k] != '&') continue;
        size_t j = k + 1;
        if (j < e && d->s[j] == '#') {
            j++;
            int hex = j < e && d->s[j] == 'x';
            j += hex;
            size_t db = j;
            while (j < e && (hex ? isxdigit((unsigned char)d->s[j]) : isdigit((unsigned char)d->s[j])))
                j++;
            if (j == db) goto fail;
        } else {
            if (j >= e || !name_start((unsigned char)d->s[j])) goto fail;
            while (j < e && name_char((unsigned char)d->s[j])) j++;
        }
        if (j >= e || d->s[j] != ';') goto fail;
        k = j;
        continue;
    fail:
        d->i = k;
        return bad(d, "malformed reference after '&'");
    }
    return 0;
}

int main(int argc, char **argv) {
    calla_set_cmd("xmlcheck");
    if (argc != 2) {
        fprintf(stderr, "usage: xmlcheck FILE\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        calla_err("failed to open \"%s\": %s", argv[1], strerror(errno));
        return 1;
    }
    size_t cap = 1 << 16, n = 0, got;
    char *buf = xmalloc(cap);
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) buf = xrealloc(buf, cap *= 2);
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        calla_err("failed to read \"%s\"", argv[1]);
        free(buf);
        return 1;
    }
    Doc d = {argv[1], buf, n, 0};
    // open elements: offsets and lengths of their names in buf
    size_t scap = 64, depth = 0, *sb = xmalloc(scap * sizeof *sb), *sl = xmalloc(scap * sizeof *sl);
    int roots = 0, rc = 0;
    while (d.i < d.n && rc == 0) {
        if (d.s[d.i] != '<') {  // text
            size_t b = d.i;
            while (d.i < d.n && d.s[d.i] != '<') d.i++;
            if (depth == 0) {
                for (size_t k = b; k < d.i; k++)
                    if (!isspace((unsigned char)d.s[k])) {
                        d.i = k;
                        rc = bad(&d, "text outside the root element");
                        break;
                    }
            } else {
                size_t e = d.i;
                rc = check_refs(&d, b, e);
                d.i = e;
            }
            continue;
        }
        const char *p = d.s + d.i;
        size_t left = d.n - d.i;
        if (left >= 4 && memcmp(p, "<!--", 4) == 0) {
            d.i += 4;
            if (skip_past(&d, "-->") < 0) rc = bad(&d, "unterminated comment");
        } else if (left >= 2 && memcmp(p, "<?", 2) == 0) {
            d.i += 2;
            if (skip_past(&d, "?>") < 0) rc = bad(&d, "unterminated processing instruction");
        } else if (left >= 9 && memcmp(p, "<![CDATA[", 9) == 0) {
            if (depth == 0) rc = bad(&d, "CDATA outside the root element");
            d.i += 9;
            if (!rc && skip_past(&d, "]]>") < 0) rc = bad(&d, "unterminated CDATA section");
        } else if (left >= 9 && memcmp(p, "<!DOCTYPE", 9) == 0) {
            if (roots || depth) rc = bad(&d, "DOCTYPE after the root element");
            d.i += 9;
            while (!rc && d.i < d.n && d.s[d.i] != '>' && d.s[d.i] != '[') d.i++;
            if (!rc && (d.i >= d.n || d.s[d.i] != '>')) rc = bad(&d, "unsupported DOCTYPE");
            d.i++;
        } else if (left >= 2 && p[1] == '/') {  // end tag
            d.i += 2;
            size_t b = d.i, l = name_at(&d);
            skip_ws(&d);
            if (!l || d.i >= d.n || d.s[d.i] != '>') {
                rc = bad(&d, "malformed end tag");
            } else if (depth == 0 || sl[depth - 1] != l || memcmp(d.s + sb[depth - 1], d.s + b, l)) {
                rc = bad(&d, "end tag does not match the open element");
            } else {
                depth--;
                d.i++;
            }
        } else {  // start tag
            d.i++;
            size_t b = d.i, l = name_at(&d);
            if (!l) {
                rc = bad(&d, "malformed tag");
                break;
            }
            if (depth == 0 && roots++) {
                rc = bad(&d, "more than one root element");
                break;
            }
            printf("%.*s\n", (int)l, d.s + b);
            size_t ab[256], al[256];
            int na = 0;
            for (;;) {
                size_t ws = d.i;
                skip_ws(&d);
                if (d.i >= d.n) {
                    rc = bad(&d, "unterminated tag");
                    break;
                }
                if (d.s[d.i] == '>' || (d.s[d.i] == '/' && d.i + 1 < d.n && d.s[d.i + 1] == '>'))
                    break;
                if (d.i == ws) {
                    rc = bad(&d, "attributes must be separated by white space");
                    break;
                }
                size_t nb = d.i, nl = name_at(&d);
                if (!nl) {
                    rc = bad(&d, "malformed attribute name");
                    break;
                }
                for (int k = 0; k < na && !rc; k++)
                    if (al[k] == nl && memcmp(d.s + ab[k], d.s + nb, nl) == 0)
                        rc = bad(&d, "repeated attribute");
                if (rc) break;
                if (na < 256) {
                    ab[na] = nb;
                    al[na++] = nl;
                }
                skip_ws(&d);
                if (d.i >= d.n || d.s[d.i] != '=') {
                    rc = bad(&d, "attribute without '='");
                    break;
                }
                d.i++;
                skip_ws(&d);
                char q = d.i < d.n ? d.s[d.i] : 0;
                if (q != '"' && q != '\'') {
                    rc = bad(&d, "attribute value not quoted");
                    break;
                }
                size_t vb = ++d.i;
                while (d.i < d.n && d.s[d.i] != q && d.s[d.i] != '<') d.i++;
                if (d.i >= d.n || d.s[d.i] != q) {
                    rc = bad(&d, "unterminated attribute value");
                    break;
                }
                size_t ve = d.i;
                if ((rc = check_refs(&d, vb, ve)) != 0) break;
                d.i = ve + 1;
            }
            if (rc) break;
            if (d.s[d.i] == '/') {
                d.i += 2;  // empty element
            } else {
                d.i++;
                if (depth == scap) {
                    scap *= 2;
                    sb = xrealloc(sb, scap * sizeof *sb);
                    sl = xrealloc(sl, scap * sizeof *sl);
                }
                sb[depth] = b;
                sl[depth++] = l;
            }
        }
    }
    if (rc == 0 && depth) rc = bad(&d, "unclosed element at the end of the file");
    if (rc == 0 && !roots) rc = bad(&d, "no root element");
    free(sb);
    free(sl);
    free(buf);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        calla_err("failed to write the output");
        rc = -1;
    }
    return rc ? 1 : 0;
}
