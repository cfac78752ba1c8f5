// jsonflat.c — test helper: prints a JSON document as "PATH<TAB>VALUE" lines, one per scalar, so
// that shell tests can check JSON with grep/awk (no Python, no jq).
//
// usage: jsonflat [-l] FILE
//   PATH    keys and 0-based array indices joined by '.', e.g. SNP.allele.tp, curves.0.x
//   VALUE   numbers in the shortest form that reads back exactly (integers without a point),
//           strings as they are (tab, newline, backslash written \t \n \\), true/false/null;
//           an empty object or array prints {} or []
//   -l      JSON Lines: each non-empty line is one document; PATHs start with its 1-based number
//           among the non-empty lines
// Exit 1 (one error line naming the file and line) when the input is not valid JSON.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "training/json.h"

static void put_str(const char *s) {
    for (; *s; s++) {
        if (*s == '\t')
            fputs("\\t", stdout);
        else if (*s == '\n')
            fputs("\\n", stdout);
        else if (*s == '\\')
            fputs("\\\\", stdout);
        else
            putchar(*s);
    }
}

static void put_num(double v) {
    char buf[64];
    if (v == (double)(long long)v && v > -1e15 && v < 1e15) {
        printf("%lld", (long long)v);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    fputs(buf, stdout);
}

// path: a growable buffer holding the current path; len: its length.
static void flat(const JsonVal *v, char **path, size_t *cap, size_t len) {
    if (v->type == JSON_OBJ || v->type == JSON_ARR) {
        if (v->n == 0) {
            printf("%s\t%s\n", *path, v->type == JSON_OBJ ? "{}" : "[]");
            return;
        }
        for (int i = 0; i < v->n; i++) {
            char idx[16];
            const char *k = idx;
            if (v->type == JSON_OBJ)
                k = v->keys[i];
            else
                snprintf(idx, sizeof idx, "%d", i);
            size_t need = len + 1 + strlen(k) + 1;
            if (need > *cap) {
                *cap = need * 2;
                *path = xrealloc(*path, *cap);
            }
            size_t nl = len;
            if (len) (*path)[nl++] = '.';
            strcpy(*path + nl, k);
            flat(&v->items[i], path, cap, nl + strlen(k));
            (*path)[len] = 0;
        }
        return;
    }
    fputs(*path, stdout);
    putchar('\t');
    switch (v->type) {
    case JSON_NULL: fputs("null", stdout); break;
    case JSON_BOOL: fputs(v->num != 0 ? "true" : "false", stdout); break;
    case JSON_NUM: put_num(v->num); break;
    default: put_str(v->str); break;
    }
    putchar('\n');
}

static int doc(const char *path, long line, const char *text, size_t n, const char *prefix) {
    JsonVal v;
    char err[256];
    if (json_parse(text, n, &v, err, sizeof err) != 0) {
        if (line)
            calla_err("\"%s\" line %ld is not valid JSON: %s", path, line, err);
        else
            calla_err("\"%s\" is not valid JSON: %s", path, err);
        return -1;
    }
    size_t cap = strlen(prefix) + 64;
    char *p = xmalloc(cap);
    strcpy(p, prefix);
    flat(&v, &p, &cap, strlen(prefix));
    free(p);
    json_free(&v);
    return 0;
}

int main(int argc, char **argv) {
    calla_set_cmd("jsonflat");
    int lines = argc == 3 && strcmp(argv[1], "-l") == 0;
    if (argc != 2 + lines) {
        fprintf(stderr, "usage: jsonflat [-l] FILE\n");
        return 2;
    }
    const char *path = argv[argc - 1];
    FILE *f = fopen(path, "rb");
    if (!f) {
        calla_err("failed to open \"%s\": %s", path, strerror(errno));
        return 1;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = xmalloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) buf = xrealloc(buf, cap *= 2);
    }
    int rc = ferror(f) ? 1 : 0;
    if (rc) calla_err("failed to read \"%s\"", path);
    fclose(f);
    if (!rc && !lines) {
        rc = doc(path, 0, buf, n, "") != 0;
    } else if (!rc) {
        long ln = 0, nd = 0;
        for (size_t b = 0; b < n && !rc;) {
            size_t e = b;
            while (e < n && buf[e] != '\n') e++;
            ln++;
            size_t k = b;
            while (k < e && (buf[k] == ' ' || buf[k] == '\t' || buf[k] == '\r')) k++;
            if (k < e) {
                char prefix[32];
                snprintf(prefix, sizeof prefix, "%ld", ++nd);
                rc = doc(path, ln, buf + b, e - b, prefix) != 0;
            }
            b = e + 1;
        }
    }
    free(buf);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        calla_err("failed to write the output");
        rc = 1;
    }
    return rc;
}
