// test_safetensors_io.c — safetensors round trip, the header read back as JSON by byte offsets
// computed here, F16/BF16 decoding of a hand-built file, the JSON parser, and rejection of
// truncated, corrupt and mismatched files.
#include <math.h>
#include <stdint.h>

#include "testlib.h"
#include "training/json.h"
#include "training/safetensors.h"
#include "unit/train_util.h"

static void write_raw(const char *path, const char *header, const uint8_t *data, size_t n) {
    FILE *f = fopen(path, "wb");
    uint64_t hl = strlen(header);
    uint8_t l8[8];
    for (int i = 0; i < 8; i++) l8[i] = (uint8_t)(hl >> (8 * i));
    fwrite(l8, 1, 8, f);
    fwrite(header, 1, hl, f);
    if (n) fwrite(data, 1, n, f);
    fclose(f);
}

static void test_json(void) {
    JsonVal v;
    char err[128];
    const char *s = "{\"a\": [1, -2.5e3, true, null], \"b\\\"\": \"x\\u00e9\\n\", \"c\": {}}";
    T_EQ_INT(json_parse(s, strlen(s), &v, err, sizeof err), 0);
    const JsonVal *a = json_get(&v, "a");
    T_CHECK(a && a->type == JSON_ARR && a->n == 4);
    if (a && a->n == 4) {
        T_NEAR(a->items[1].num, -2500, 0, 0);
        T_EQ_INT(a->items[2].type, JSON_BOOL);
        T_EQ_INT(a->items[3].type, JSON_NULL);
    }
    const JsonVal *b = json_get(&v, "b\"");
    T_CHECK(b && b->type == JSON_STR && strcmp(b->str, "x\xc3\xa9\n") == 0);
    T_CHECK(json_get(&v, "c") && json_get(&v, "c")->type == JSON_OBJ);
    json_free(&v);
    const char *bad[] = {"{", "{\"a\":}", "[1,]", "{\"a\" 1}", "\"abc", "{} x", "tru", "[1 2]", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        T_EQ_INT(json_parse(bad[i], strlen(bad[i]), &v, err, sizeof err), -1);
    char buf[64];
    T_CHECK(json_escape(buf, sizeof buf, 0, "q\"\\\n") > 0 && strcmp(buf, "\"q\\\"\\\\\\n\"") == 0);
}

static void test_roundtrip(void) {
    const char *p = tu_path("rt.safetensors");
    float w[6] = {1.5f, -2.0f, 3.25f, 0, 1e-30f, -7.0f}, b[2] = {0.125f, 9.0f}, w2[6], b2[2];
    StTensorOut t[2] = {{.name = "layer.kernel", .data = w, .ndim = 2, .shape = {2, 3}},
                        {.name = "layer.bias", .data = b, .ndim = 1, .shape = {2}}};
    StMeta md[2] = {{"architecture", "test \"arch\""}, {"epochs", "3"}};
    T_EQ_INT(st_write(p, t, 2, md, 2), 0);
    // Header by hand: 8-byte LE length, JSON, tensors back to back in the given order.
    size_t len = 0;
    char *raw = tu_slurp(p, &len);
    uint64_t hl = 0;
    for (int i = 0; i < 8; i++) hl |= (uint64_t)(uint8_t)raw[i] << (8 * i);
    T_EQ_INT(hl % 8, 0);
    T_EQ_INT(len, 8 + hl + 6 * 4 + 2 * 4);
    JsonVal h;
    T_EQ_INT(json_parse(raw + 8, hl, &h, NULL, 0), 0);
    const JsonVal *k = json_get(&h, "layer.kernel"), *bb = json_get(&h, "layer.bias"),
                  *m = json_get(&h, "__metadata__");
    T_CHECK(k && bb && m);
    if (k && bb && m) {
        T_CHECK(strcmp(json_get(k, "dtype")->str, "F32") == 0);
        const JsonVal *sh = json_get(k, "shape"), *of = json_get(k, "data_offsets"),
                      *ob = json_get(bb, "data_offsets");
        T_CHECK(sh->n == 2 && sh->items[0].num == 2 && sh->items[1].num == 3);
        T_CHECK(of->items[0].num == 0 && of->items[1].num == 24);
        T_CHECK(ob->items[0].num == 24 && ob->items[1].num == 32);
        T_CHECK(strcmp(json_get(m, "architecture")->str, "test \"arch\"") == 0);
        T_CHECK(memcmp(raw + 8 + hl, w, 24) == 0 && memcmp(raw + 8 + hl + 24, b, 8) == 0);
    }
    json_free(&h);
    StFile f;
    T_EQ_INT(st_open(&f, p), 0);
    T_EQ_INT(f.n, 2);
    int64_t s23[2] = {2, 3}, s2[1] = {2}, s32[2] = {3, 2};
    T_EQ_INT(st_read_f32(&f, "layer.kernel", 2, s23, w2), 0);
    T_EQ_INT(st_read_f32(&f, "layer.bias", 1, s2, b2), 0);
    T_CHECK(memcmp(w, w2, sizeof w) == 0 && memcmp(b, b2, sizeof b) == 0);
    T_CHECK(strcmp(st_meta(&f, "epochs"), "3") == 0);
    T_CHECK(st_meta(&f, "nope") == NULL);
    fprintf(stderr, "(expected errors follow)\n");
    T_EQ_INT(st_read_f32(&f, "layer.kernel", 2, s32, w2), -1);  // wrong shape
    T_EQ_INT(st_read_f32(&f, "missing", 1, s2, w2), -1);
    st_close(&f);

    // Truncations at every interesting length are rejected.
    const char *q = tu_path("trunc.safetensors");
    size_t cuts[] = {0, 4, 8, 20, 8 + hl, len - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        FILE *o = fopen(q, "wb");
        fwrite(raw, 1, cuts[i], o);
        fclose(o);
        T_EQ_INT(st_open(&f, q), -1);
    }
    // Trailing garbage, and a corrupted header byte.
    FILE *o = fopen(q, "wb");
    fwrite(raw, 1, len, o);
    fwrite("xx", 1, 2, o);
    fclose(o);
    T_EQ_INT(st_open(&f, q), -1);
    raw[8] = '[';
    o = fopen(q, "wb");
    fwrite(raw, 1, len, o);
    fclose(o);
    T_EQ_INT(st_open(&f, q), -1);
    free(raw);
    T_EQ_INT(st_open(&f, tu_path("does-not-exist")), -1);
}

static void test_hand_built(void) {
    const char *p = tu_path("hand.safetensors");
    // F16 [1.0, -2.0, 0.5], BF16 [1.0, -3.0], padded header with spaces.
    uint8_t data[10] = {0x00, 0x3c, 0x00, 0xc0, 0x00, 0x38, 0x80, 0x3f, 0x40, 0xc0};
    write_raw(p,
              "{\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]},"
              "\"g\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[6,10]}}   ",
              data, 10);
    StFile f;
    T_EQ_INT(st_open(&f, p), 0);
    float h[3], g[2];
    int64_t s3[1] = {3}, s2[1] = {2};
    T_EQ_INT(st_read_f32(&f, "h", 1, s3, h), 0);
    T_EQ_INT(st_read_f32(&f, "g", 1, s2, g), 0);
    T_NEAR(h[0], 1.0, 0, 0);
    T_NEAR(h[1], -2.0, 0, 0);
    T_NEAR(h[2], 0.5, 0, 0);
    T_NEAR(g[0], 1.0, 0, 0);
    T_NEAR(g[1], -3.0, 0, 0);
    st_close(&f);
    // Each of these headers is inconsistent with 8 data bytes.
    const char *bad[] = {
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}",   // size != shape
        "{\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}",   // dtype
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",  // past the end
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",   // hole at the end
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",    // overlap
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}",                          // no offsets
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}",  // negative dim
        "{\"__metadata__\":{\"k\":1},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}"
        "}",
        "[]",
    };
    uint8_t eight[8] = {0};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_raw(p, bad[i], eight, 8);
        T_EQ_INT(st_open(&f, p), -1);
    }
}

// 16-bit encodings against values worked out by hand from the IEEE 754 binary16 and bfloat16
// layouts (sign | exponent | fraction), and a file written with F16/BF16 storage read back.
static void test_half_encodings(void) {
    // binary16: 1.0 = 0 01111 0000000000; 0.1 = 1.6 * 2^-4 -> fraction 0.6*1024 = 614.4 -> 614
    // (0x266), exponent 11; 65504 = largest normal; 65520 = halfway to 2^16: ties to even ->
    // infinity; 2^-24 = smallest subnormal (0x0001); 2^-25 = half of it: ties to even -> 0;
    // 3 * 2^-25 = 1.5 subnormal units -> rounds to even 2 (0x0002); 1 + 2^-11 = halfway between 1
    // and 1 + 2^-10 -> even (1.0); 1 + 3*2^-11 -> 1 + 2*2^-10 (0x3C02); -2.5 = -(1.25 * 2^1).
    T_EQ_INT(st_float_to_f16(1.0f), 0x3C00);
    T_EQ_INT(st_float_to_f16(0.1f), 0x2E66);
    T_EQ_INT(st_float_to_f16(65504.0f), 0x7BFF);
    T_EQ_INT(st_float_to_f16(65520.0f), 0x7C00);
    T_EQ_INT(st_float_to_f16(ldexpf(1, -24)), 0x0001);
    T_EQ_INT(st_float_to_f16(ldexpf(1, -25)), 0x0000);
    T_EQ_INT(st_float_to_f16(3 * ldexpf(1, -25)), 0x0002);
    T_EQ_INT(st_float_to_f16(1 + ldexpf(1, -11)), 0x3C00);
    T_EQ_INT(st_float_to_f16(1 + 3 * ldexpf(1, -11)), 0x3C02);
    T_EQ_INT(st_float_to_f16(-2.5f), 0xC100);
    T_EQ_INT(st_float_to_f16(ldexpf(1, -14) * (1 - ldexpf(1, -11))), 0x0400);  // rounds up to the smallest normal
    T_EQ_INT(st_float_to_f16(NAN) & 0x7C00, 0x7C00);
    T_CHECK((st_float_to_f16(NAN) & 0x3FF) != 0);
    // bfloat16 = the top 16 bits of the float, rounded: 1.0 = 0x3F80; 1 + 2^-8 is halfway
    // between 1 and 1 + 2^-7 -> even (0x3F80); 1 + 3*2^-8 -> 0x3F82; -2.5 = 0xC020.
    T_EQ_INT(st_float_to_bf16(1.0f), 0x3F80);
    T_EQ_INT(st_float_to_bf16(1 + ldexpf(1, -8)), 0x3F80);
    T_EQ_INT(st_float_to_bf16(1 + 3 * ldexpf(1, -8)), 0x3F82);
    T_EQ_INT(st_float_to_bf16(-2.5f), 0xC020);
    // every binary16 value survives decode -> encode
    int bad = 0;
    for (uint32_t h = 0; h < 0x10000; h++) {
        if ((h & 0x7C00) == 0x7C00 && (h & 0x3FF)) continue;  // NaN payloads
        if (st_float_to_f16(st_f16_to_float((uint16_t)h)) != h) bad++;
    }
    T_EQ_INT(bad, 0);

    // a file with one tensor of each storage type
    const char *p = tu_path("half.safetensors");
    float v[3] = {0.1f, -2.5f, 1000.3f};
    StTensorOut t[3] = {{.name = "a", .data = v, .ndim = 1, .shape = {3}, .dtype = ST_F16},
                        {.name = "b", .data = v, .ndim = 1, .shape = {3}, .dtype = ST_BF16},
                        {.name = "c", .data = v, .ndim = 1, .shape = {3}}};
    T_EQ_INT(st_write(p, t, 3, NULL, 0), 0);
    StFile f;
    T_EQ_INT(st_open(&f, p), 0);
    float o[3];
    int64_t sh[1] = {3};
    T_EQ_INT((int)f.size, (int)f.data_start + 3 * 2 + 3 * 2 + 3 * 4);
    T_EQ_INT(st_read_f32(&f, "a", 1, sh, o), 0);
    // 1000.3 in binary16: 1000.3 = 1.9537 * 2^9, spacing 2^-1 -> 1000.5
    T_NEAR(o[0], 0.0999755859375, 0, 0);
    T_NEAR(o[1], -2.5, 0, 0);
    T_NEAR(o[2], 1000.5, 0, 0);
    T_EQ_INT(st_read_f32(&f, "b", 1, sh, o), 0);
    // bfloat16 keeps 8 significant bits: 0.1 -> 0.10009765625; 1000.3 -> spacing 4 -> 1000
    T_NEAR(o[0], 0.10009765625, 0, 0);
    T_NEAR(o[2], 1000, 0, 0);
    T_EQ_INT(st_read_f32(&f, "c", 1, sh, o), 0);
    T_NEAR(o[2], 1000.3f, 0, 0);
    st_close(&f);
}

int main(void) {
    if (tu_mkdir() < 0) T_SKIP("no temporary directory");
    test_half_encodings();
    test_json();
    test_roundtrip();
    test_hand_built();
    T_DONE();
}
