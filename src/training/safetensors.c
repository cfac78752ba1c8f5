// safetensors.c — writer and validating reader of safetensors files.
#include "training/safetensors.h"

#include <errno.h>
#include <math.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "training/json.h"

static const char *DTYPE_NAMES[] = {"F32", "F16", "BF16"};
static const int DTYPE_BYTES[] = {4, 2, 2};

static size_t numel_of(int ndim, const int64_t *shape) {
    size_t n = 1;
    for (int i = 0; i < ndim; i++) n *= (size_t)shape[i];
    return n;
}

// Growable string buffer for the header.
typedef struct {
    char *s;
    size_t len, cap;
} Buf;
static void buf_reserve(Buf *b, size_t extra) {
    if (b->len + extra + 1 > b->cap) {
        b->cap = (b->len + extra + 1) * 2;
        b->s = xrealloc(b->s, b->cap);
    }
}
static void buf_add(Buf *b, const char *s) {
    size_t l = strlen(s);
    buf_reserve(b, l);
    memcpy(b->s + b->len, s, l + 1);
    b->len += l;
}
static void buf_str(Buf *b, const char *s) {
    size_t need = strlen(s) * 6 + 3;
    buf_reserve(b, need);
    int r = json_escape(b->s, b->cap, b->len, s);
    b->len = (size_t)r;
}

int st_write(const char *path, const StTensorOut *t, int n, const StMeta *meta, int n_meta) {
    Buf h = {0};
    buf_add(&h, "{");
    if (n_meta > 0) {
        buf_str(&h, "__metadata__");
        buf_add(&h, ":{");
        for (int i = 0; i < n_meta; i++) {
            if (i) buf_add(&h, ",");
            buf_str(&h, meta[i].key);
            buf_add(&h, ":");
            buf_str(&h, meta[i].value ? meta[i].value : "");
        }
        buf_add(&h, "}");
    }
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        char tmp[128];
        if (i || n_meta > 0) buf_add(&h, ",");
        buf_str(&h, t[i].name);
        buf_add(&h, ":{\"dtype\":\"");
        buf_add(&h, DTYPE_NAMES[t[i].dtype]);
        buf_add(&h, "\",\"shape\":[");
        for (int d = 0; d < t[i].ndim; d++) {
            snprintf(tmp, sizeof tmp, "%s%" PRId64, d ? "," : "", t[i].shape[d]);
            buf_add(&h, tmp);
        }
        size_t bytes = numel_of(t[i].ndim, t[i].shape) * (t[i].dtype == ST_F32 ? 4 : 2);
        snprintf(tmp, sizeof tmp, "],\"data_offsets\":[%zu,%zu]}", off, off + bytes);
        buf_add(&h, tmp);
        off += bytes;
    }
    buf_add(&h, "}");
    while (h.len % 8) buf_add(&h, " ");

    AtomicOut a;
    if (atomic_begin(&a, path) < 0) {
        free(h.s);
        return -1;
    }
    FILE *f = fopen(a.tmp, "wb");
    int ok = f != NULL;
    uint8_t len8[8];
    for (int i = 0; i < 8; i++) len8[i] = (uint8_t)((uint64_t)h.len >> (8 * i));
    if (ok) ok = fwrite(len8, 1, 8, f) == 8 && fwrite(h.s, 1, h.len, f) == h.len;
    for (int i = 0; ok && i < n; i++) {
        size_t ne = numel_of(t[i].ndim, t[i].shape);
        if (t[i].dtype == ST_F32) {
            ok = fwrite(t[i].data, 4, ne, f) == ne;  // little-endian hosts only (x86-64, aarch64)
            continue;
        }
        uint8_t b[2];
        for (size_t k = 0; ok && k < ne; k++) {
            uint16_t v = t[i].dtype == ST_F16 ? st_float_to_f16(t[i].data[k])
                                              : st_float_to_bf16(t[i].data[k]);
            b[0] = (uint8_t)v, b[1] = (uint8_t)(v >> 8);
            ok = fwrite(b, 1, 2, f) == 2;
        }
    }
    if (f && fclose(f) != 0) ok = 0;
    free(h.s);
    if (!ok) {
        calla_err("failed to write \"%s\": %s", path, strerror(errno));
        atomic_abort(&a);
        return -1;
    }
    return atomic_commit(&a);
}

void st_close(StFile *f) {
    for (int i = 0; i < f->n; i++) free(f->t[i].name);
    for (int i = 0; i < f->n_meta; i++) {
        free(f->meta_keys[i]);
        free(f->meta_vals[i]);
    }
    free(f->t);
    free(f->meta_keys);
    free(f->meta_vals);
    free(f->buf);
    free(f->path);
    memset(f, 0, sizeof *f);
}

static int cmp_begin(const void *a, const void *b) {
    const StEntry *x = *(const StEntry *const *)a, *y = *(const StEntry *const *)b;
    return x->begin < y->begin ? -1 : x->begin > y->begin;
}

#define BAD(...)                                                      \
    do {                                                              \
        char msg_[256];                                               \
        snprintf(msg_, sizeof msg_, __VA_ARGS__);                     \
        calla_err("invalid safetensors file \"%s\": %s", path, msg_); \
        goto fail;                                                    \
    } while (0)

int st_open(StFile *f, const char *path) {
    memset(f, 0, sizeof *f);
    JsonVal root = {0};
    StEntry **order = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        calla_err("failed to open \"%s\": %s", path, strerror(errno));
        return -1;
    }
    f->path = xstrdup(path);
    if (fseek(fp, 0, SEEK_END) != 0 || (long)(f->size = (size_t)ftell(fp)) < 0 ||
        fseek(fp, 0, SEEK_SET) != 0) {
        fclose(fp);
        calla_err("failed to read \"%s\": %s", path, strerror(errno));
        st_close(f);
        return -1;
    }
    f->buf = xmalloc(f->size ? f->size : 1);
    if (fread(f->buf, 1, f->size, fp) != f->size) {
        fclose(fp);
        calla_err("failed to read \"%s\": %s", path, strerror(errno));
        st_close(f);
        return -1;
    }
    fclose(fp);
    if (f->size < 8) BAD("truncated (%zu bytes)", f->size);
    uint64_t hlen = 0;
    for (int i = 0; i < 8; i++) hlen |= (uint64_t)f->buf[i] << (8 * i);
    if (hlen < 2 || hlen > 100000000 || hlen > f->size - 8)
        BAD("header length %" PRIu64 " does not fit in %zu bytes", hlen, f->size);
    f->data_start = 8 + hlen;
    char err[128];
    if (json_parse((const char *)f->buf + 8, hlen, &root, err, sizeof err) < 0)
        BAD("header JSON: %s", err);
    if (root.type != JSON_OBJ) BAD("header is not a JSON object");
    f->t = xcalloc(root.n ? root.n : 1, sizeof *f->t);
    for (int i = 0; i < root.n; i++) {
        const char *key = root.keys[i];
        const JsonVal *v = &root.items[i];
        if (strcmp(key, "__metadata__") == 0) {
            if (v->type != JSON_OBJ) BAD("__metadata__ is not an object");
            f->meta_keys = xcalloc(v->n ? v->n : 1, sizeof(char *));
            f->meta_vals = xcalloc(v->n ? v->n : 1, sizeof(char *));
            for (int j = 0; j < v->n; j++) {
                if (v->items[j].type != JSON_STR)
                    BAD("metadata \"%s\" is not a string", v->keys[j]);
                f->meta_keys[f->n_meta] = xstrdup(v->keys[j]);
                f->meta_vals[f->n_meta++] = xstrdup(v->items[j].str);
            }
            continue;
        }
        StEntry *e = &f->t[f->n];
        const JsonVal *dt = json_get(v, "dtype"), *sh = json_get(v, "shape"),
                      *of = json_get(v, "data_offsets");
        if (!dt || dt->type != JSON_STR || !sh || sh->type != JSON_ARR || !of ||
            of->type != JSON_ARR || of->n != 2)
            BAD("tensor \"%s\" lacks dtype, shape or data_offsets", key);
        int d;
        for (d = 0; d < 3; d++)
            if (strcmp(dt->str, DTYPE_NAMES[d]) == 0) break;
        if (d == 3) BAD("tensor \"%s\" has unsupported dtype %s", key, dt->str);
        if (sh->n > ST_MAX_DIMS) BAD("tensor \"%s\" has %d dimensions", key, sh->n);
        e->dtype = (StDtype)d;
        e->ndim = sh->n;
        e->numel = 1;
        for (int k = 0; k < sh->n; k++) {
            double x = sh->items[k].num;
            if (sh->items[k].type != JSON_NUM || x < 0 || x > 1e12 || x != (double)(int64_t)x)
                BAD("tensor \"%s\" has a bad shape", key);
            e->shape[k] = (int64_t)x;
            e->numel *= (size_t)x;
        }
        for (int k = 0; k < 2; k++) {
            double x = of->items[k].num;
            if (of->items[k].type != JSON_NUM || x < 0 || x > 1e15 || x != (double)(int64_t)x)
                BAD("tensor \"%s\" has bad data_offsets", key);
        }
        e->begin = (size_t)of->items[0].num;
        e->end = (size_t)of->items[1].num;
        if (e->end < e->begin || e->end - e->begin != e->numel * DTYPE_BYTES[d])
            BAD("tensor \"%s\": data_offsets [%zu,%zu] do not match its shape", key, e->begin,
                e->end);
        if (e->end > f->size - f->data_start)
            BAD("truncated: tensor \"%s\" ends at byte %zu of a %zu-byte data section", key, e->end,
                f->size - f->data_start);
        e->name = xstrdup(key);
        f->n++;
    }
    // The tensors must tile the data section exactly (no overlaps, no holes, no trailing bytes).
    order = xmalloc((f->n ? f->n : 1) * sizeof *order);
    for (int i = 0; i < f->n; i++) order[i] = &f->t[i];
    qsort(order, f->n, sizeof *order, cmp_begin);
    size_t at = 0;
    for (int i = 0; i < f->n; i++) {
        if (order[i]->begin != at) BAD("tensor \"%s\" overlaps or leaves a gap", order[i]->name);
        at = order[i]->end;
    }
    if (at != f->size - f->data_start)
        BAD("%zu bytes of data but tensors cover %zu", f->size - f->data_start, at);
    for (int i = 0; i < f->n; i++)
        for (int j = i + 1; j < f->n; j++)
            if (strcmp(f->t[i].name, f->t[j].name) == 0)
                BAD("duplicate tensor \"%s\"", f->t[i].name);
    free(order);
    json_free(&root);
    return 0;
fail:
    free(order);
    json_free(&root);
    st_close(f);
    return -1;
}

const StEntry *st_find(const StFile *f, const char *name) {
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->t[i].name, name) == 0) return &f->t[i];
    return NULL;
}

const char *st_meta(const StFile *f, const char *key) {
    for (int i = 0; i < f->n_meta; i++)
        if (strcmp(f->meta_keys[i], key) == 0) return f->meta_vals[i];
    return NULL;
}

float st_f16_to_float(uint16_t h) {
    int s = h >> 15, e = (h >> 10) & 31, m = h & 1023;
    float v;
    if (e == 0)
        v = ldexpf((float)m, -24);
    else if (e == 31)
        v = m ? NAN : INFINITY;
    else
        v = ldexpf((float)(m | 1024), e - 25);
    return s ? -v : v;
}

uint16_t st_float_to_bf16(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);  // quiet NaN
    u += 0x7fffu + ((u >> 16) & 1);  // round to nearest, ties to even (overflow gives infinity)
    return (uint16_t)(u >> 16);
}

uint16_t st_float_to_f16(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    uint16_t s = (uint16_t)((u >> 16) & 0x8000);
    uint32_t a = u & 0x7fffffffu;
    if (a > 0x7f800000u) return s | 0x7e00;  // NaN
    if (a >= 0x477ff000u) return s | 0x7c00;  // >= 65520 rounds to infinity
    int e = (int)(a >> 23) - 127;             // unbiased exponent
    uint32_t m = (a & 0x7fffff) | 0x800000;   // 24-bit significand with the implicit bit
    if (e < -25) return s;                    // below half the smallest subnormal: zero
    // shift so that the result has 10 fraction bits: normal (e >= -14) or subnormal
    int shift = e >= -14 ? 13 : 13 + (-14 - e);
    uint32_t q = m >> shift, rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (q & 1))) q++;
    if (e >= -14) {
        // q holds 1.f in 11 bits (may carry into 12 bits: the exponent field absorbs it)
        return (uint16_t)(s | (((uint32_t)(e + 15) << 10) + (q - 0x400)));
    }
    return (uint16_t)(s | q);  // subnormal (a carry into bit 10 gives the smallest normal)
}

int st_read_f32(const StFile *f, const char *name, int ndim, const int64_t *shape, float *out) {
    const StEntry *e = st_find(f, name);
    if (!e) {
        calla_err("\"%s\" lacks tensor \"%s\"", f->path, name);
        return -1;
    }
    int same = e->ndim == ndim;
    for (int i = 0; same && i < ndim; i++) same = e->shape[i] == shape[i];
    if (!same) {
        char want[128] = "", got[128] = "";
        for (int i = 0; i < ndim; i++)
            snprintf(want + strlen(want), sizeof want - strlen(want), "%s%" PRId64, i ? "," : "",
                     shape[i]);
        for (int i = 0; i < e->ndim; i++)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%" PRId64, i ? "," : "",
                     e->shape[i]);
        calla_err("\"%s\": tensor \"%s\" has shape [%s], expected [%s]", f->path, name, got, want);
        return -1;
    }
    const uint8_t *p = f->buf + f->data_start + e->begin;
    if (e->dtype == ST_F32) {
        memcpy(out, p, e->numel * 4);
    } else {
        for (size_t i = 0; i < e->numel; i++) {
            uint16_t h = (uint16_t)(p[2 * i] | (p[2 * i + 1] << 8));
            if (e->dtype == ST_BF16) {
                uint32_t u = (uint32_t)h << 16;
                memcpy(&out[i], &u, 4);
            } else {
                out[i] = st_f16_to_float(h);
            }
        }
    }
    // A bit flip or a diverged training run: refuse non-finite values here, before they reach
    // the network (where they would only turn every probability into NaN).
    for (size_t i = 0; i < e->numel; i++)
        if (!isfinite(out[i])) {
            calla_err("\"%s\": tensor \"%s\" holds a non-finite value (%s) at element %zu; the "
                      "file is corrupt",
                      f->path, name, isnan(out[i]) ? "NaN" : "infinity", i);
            return -1;
        }
    return 0;
}
