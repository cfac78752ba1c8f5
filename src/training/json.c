// json.c — recursive-descent JSON parser (RFC 8259 subset: no surrogate-pair checks).
#include "training/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

typedef struct {
    const char *s;
    size_t i, n;
    int depth;
    char *err;
    size_t errlen;
} P;

static int fail(P *p, const char *what) {
    if (p->err && p->errlen) snprintf(p->err, p->errlen, "%s at byte %zu", what, p->i);
    return -1;
}

static void ws(P *p) {
    while (p->i < p->n &&
           (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' || p->s[p->i] == '\r'))
        p->i++;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int parse_string(P *p, char **out) {
    if (p->i >= p->n || p->s[p->i] != '"') return fail(p, "expected string");
    p->i++;
    size_t cap = 16, len = 0;
    char *b = xmalloc(cap);
    for (;;) {
        if (p->i >= p->n) {
            free(b);
            return fail(p, "unterminated string");
        }
        unsigned char c = (unsigned char)p->s[p->i++];
        if (c == '"') break;
        if (c < 0x20) {
            free(b);
            return fail(p, "control character in string");
        }
        char tmp[4];
        int k = 1;
        tmp[0] = (char)c;
        if (c == '\\') {
            if (p->i >= p->n) {
                free(b);
                return fail(p, "bad escape");
            }
            char e = p->s[p->i++];
            switch (e) {
                case '"': tmp[0] = '"'; break;
                case '\\': tmp[0] = '\\'; break;
                case '/': tmp[0] = '/'; break;
                case 'b': tmp[0] = '\b'; break;
                case 'f': tmp[0] = '\f'; break;
                case 'n': tmp[0] = '\n'; break;
                case 'r': tmp[0] = '\r'; break;
                case 't': tmp[0] = '\t'; break;
                case 'u': {
                    unsigned u = 0;
                    for (int j = 0; j < 4; j++) {
                        int h = p->i < p->n ? hexval(p->s[p->i]) : -1;
                        if (h < 0) {
                            free(b);
                            return fail(p, "bad \\u escape");
                        }
                        u = u * 16 + (unsigned)h;
                        p->i++;
                    }
                    if (u < 0x80) {
                        tmp[0] = (char)u;
                    } else if (u < 0x800) {
                        tmp[0] = (char)(0xc0 | (u >> 6));
                        tmp[1] = (char)(0x80 | (u & 0x3f));
                        k = 2;
                    } else {
                        tmp[0] = (char)(0xe0 | (u >> 12));
                        tmp[1] = (char)(0x80 | ((u >> 6) & 0x3f));
                        tmp[2] = (char)(0x80 | (u & 0x3f));
                        k = 3;
                    }
                    break;
                }
                default: free(b); return fail(p, "bad escape");
            }
        }
        if (len + k + 1 > cap) {
            cap = cap * 2 + k;
            b = xrealloc(b, cap);
        }
        memcpy(b + len, tmp, k);
        len += k;
    }
    b[len] = 0;
    *out = b;
    return 0;
}

static int parse_value(P *p, JsonVal *v);

static int parse_container(P *p, JsonVal *v, int obj) {
    char close = obj ? '}' : ']';
    v->type = obj ? JSON_OBJ : JSON_ARR;
    p->i++;
    int cap = 0;
    ws(p);
    if (p->i < p->n && p->s[p->i] == close) {
        p->i++;
        return 0;
    }
    for (;;) {
        if (v->n == cap) {
            cap = cap ? cap * 2 : 8;
            v->items = xrealloc(v->items, cap * sizeof *v->items);
            if (obj) v->keys = xrealloc(v->keys, cap * sizeof *v->keys);
        }
        ws(p);
        if (obj) {
            if (parse_string(p, &v->keys[v->n]) < 0) return -1;
            ws(p);
            if (p->i >= p->n || p->s[p->i] != ':') {
                free(v->keys[v->n]);
                return fail(p, "expected ':'");
            }
            p->i++;
        }
        memset(&v->items[v->n], 0, sizeof v->items[0]);
        if (parse_value(p, &v->items[v->n]) < 0) {
            json_free(&v->items[v->n]);
            if (obj) free(v->keys[v->n]);
            return -1;
        }
        v->n++;
        ws(p);
        if (p->i < p->n && p->s[p->i] == ',') {
            p->i++;
            continue;
        }
        if (p->i < p->n && p->s[p->i] == close) {
            p->i++;
            return 0;
        }
        return fail(p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int parse_value(P *p, JsonVal *v) {
    memset(v, 0, sizeof *v);
    ws(p);
    if (p->i >= p->n) return fail(p, "unexpected end");
    char c = p->s[p->i];
    if (c == '{' || c == '[') {
        if (++p->depth > 64) return fail(p, "nesting too deep");
        int r = parse_container(p, v, c == '{');
        p->depth--;
        return r;
    }
    if (c == '"') {
        v->type = JSON_STR;
        return parse_string(p, &v->str);
    }
    static const char *words[] = {"true", "false", "null"};
    for (int w = 0; w < 3; w++) {
        size_t l = strlen(words[w]);
        if (p->n - p->i >= l && memcmp(p->s + p->i, words[w], l) == 0) {
            p->i += l;
            v->type = w == 2 ? JSON_NULL : JSON_BOOL;
            v->num = w == 0;
            return 0;
        }
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        char buf[64];
        size_t k = 0;
        while (p->i < p->n && k < sizeof buf - 1 && strchr("+-0123456789.eE", p->s[p->i]))
            buf[k++] = p->s[p->i++];
        buf[k] = 0;
        char *end;
        v->type = JSON_NUM;
        v->num = strtod(buf, &end);
        if (*end || k == 0) return fail(p, "bad number");
        return 0;
    }
    return fail(p, "unexpected character");
}

int json_parse(const char *text, size_t len, JsonVal *out, char *err, size_t errlen) {
    P p = {text, 0, len, 0, err, errlen};
    if (parse_value(&p, out) < 0) {
        json_free(out);
        return -1;
    }
    ws(&p);
    if (p.i != p.n) {
        json_free(out);
        return fail(&p, "trailing characters");
    }
    return 0;
}

void json_free(JsonVal *v) {
    if (!v) return;
    if (v->type == JSON_STR) free(v->str);
    for (int i = 0; i < v->n; i++) {
        json_free(&v->items[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    memset(v, 0, sizeof *v);
}

const JsonVal *json_get(const JsonVal *obj, const char *key) {
    if (!obj || obj->type != JSON_OBJ) return NULL;
    for (int i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0) return &obj->items[i];
    return NULL;
}

int json_escape(char *buf, size_t cap, size_t len, const char *s) {
    if (len + 1 >= cap) return -1;
    buf[len++] = '"';
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        char tmp[8];
        int k;
        if (*c == '"' || *c == '\\')
            k = snprintf(tmp, sizeof tmp, "\\%c", *c);
        else if (*c == '\n')
            k = snprintf(tmp, sizeof tmp, "\\n");
        else if (*c < 0x20)
            k = snprintf(tmp, sizeof tmp, "\\u%04x", *c);
        else
            k = snprintf(tmp, sizeof tmp, "%c", *c);
        if (len + k + 2 > cap) return -1;
        memcpy(buf + len, tmp, k);
        len += k;
    }
    buf[len++] = '"';
    buf[len] = 0;
    return (int)len;
}
