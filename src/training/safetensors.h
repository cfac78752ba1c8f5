// safetensors.h — the safetensors container (https://huggingface.co/docs/safetensors): an 8-byte
// little-endian header length, a JSON header {name: {dtype, shape, data_offsets}, "__metadata__":
// {string: string}}, then the tensor bytes. calla writes and reads F32, F16 and BF16 (16-bit
// storage: rounded to nearest, ties to even, from the float values).
#ifndef CALLA_SAFETENSORS_H
#define CALLA_SAFETENSORS_H
#include <stddef.h>
#include <stdint.h>

#define ST_MAX_DIMS 8

typedef enum { ST_F32 = 0, ST_F16 = 1, ST_BF16 = 2 } StDtype;

// One tensor to write: numel floats at data, shape[0..ndim) (ndim 0 = scalar), stored as dtype
// (zero-initialised: F32).
typedef struct {
    const char *name;
    const float *data;
    int ndim;
    int64_t shape[ST_MAX_DIMS];
    StDtype dtype;
} StTensorOut;

// IEEE binary16 and bfloat16 encodings of a float, rounded to nearest, ties to even; values
// beyond the format's range become infinity, NaN stays NaN.
uint16_t st_float_to_f16(float x);
uint16_t st_float_to_bf16(float x);
float st_f16_to_float(uint16_t h);

typedef struct {
    const char *key, *value;
} StMeta;

// Writes the file atomically (temporary name, renamed on success). Tensors are laid out in the
// given order; the header is padded with spaces to a multiple of 8 bytes. Returns 0, or -1 after a
// one-line error.
int st_write(const char *path, const StTensorOut *t, int n, const StMeta *meta, int n_meta);

typedef struct {
    char *name;
    StDtype dtype;
    int ndim;
    int64_t shape[ST_MAX_DIMS];
    size_t numel;
    size_t begin, end;  // byte offsets into the data section
} StEntry;

typedef struct {
    char *path;
    uint8_t *buf;  // the whole file
    size_t size;
    size_t data_start;
    int n;
    StEntry *t;
    int n_meta;
    char **meta_keys, **meta_vals;
} StFile;

// Reads and validates a file: header length, JSON syntax, dtypes, shapes against byte ranges,
// ranges inside the file, no overlaps or holes. Returns 0, or -1 after a one-line error naming the
// file.
int st_open(StFile *f, const char *path);
void st_close(StFile *f);
const StEntry *st_find(const StFile *f, const char *name);
const char *st_meta(const StFile *f, const char *key);  // NULL when absent
// Copies tensor `name` into out as floats after checking that it exists and has exactly the given
// shape. Returns 0, or -1 after a one-line error naming the file and the tensor.
int st_read_f32(const StFile *f, const char *name, int ndim, const int64_t *shape, float *out);

#endif
