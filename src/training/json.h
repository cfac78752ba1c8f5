// json.h — a small JSON reader for the safetensors header and the training logs. It parses a
// whole document into a tree of JsonVal; numbers are doubles, strings are NUL-terminated UTF-8.
#ifndef CALLA_JSON_H
#define CALLA_JSON_H
#include <stddef.h>

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUM, JSON_STR, JSON_ARR, JSON_OBJ } JsonType;

typedef struct JsonVal {
    JsonType type;
    double num;             // JSON_NUM, JSON_BOOL (0/1)
    char *str;              // JSON_STR
    int n;                  // JSON_ARR / JSON_OBJ: number of items
    char **keys;            // JSON_OBJ: n keys
    struct JsonVal *items;  // JSON_ARR / JSON_OBJ: n values
} JsonVal;

// Parses text[0..len). Returns 0, or -1 with a short reason in err (with the byte offset).
int json_parse(const char *text, size_t len, JsonVal *out, char *err, size_t errlen);
void json_free(JsonVal *v);
// The value of key in an object, or NULL.
const JsonVal *json_get(const JsonVal *obj, const char *key);
// Appends s to buf as a JSON string literal (with quotes); returns the new length or -1 if full.
int json_escape(char *buf, size_t cap, size_t len, const char *s);

#endif
