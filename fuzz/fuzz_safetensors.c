// fuzz_safetensors.c — the safetensors container reader and the model loader
// (src/training/safetensors.c, modelfile.c): st_open, every tensor read back as floats with its
// own shape, the metadata, then modelfile_load_st as `calla call`/`calla model` use it.
// Two input forms: a whole safetensors file, or (so that real model headers, whose tensors take
// megabytes, can be mutated) "CSTH" + uint32 LE data size + the JSON header: the harness then
// writes the 8-byte length, the header and that many zero bytes of tensor data (at most 16 MiB).
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_common.h"
#include "network/model.h"
#include "training/modelfile.h"
#include "training/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path;
    if (size >= 8 && memcmp(data, "CSTH", 4) == 0) {
        uint32_t dsize = data[4] | (uint32_t)data[5] << 8 | (uint32_t)data[6] << 16 |
                         (uint32_t)data[7] << 24;
        if (dsize > (16u << 20)) dsize = 16u << 20;
        size_t hlen = size - 8, total = 8 + hlen + dsize;
        uint8_t *file = calloc(total, 1);
        FZ_CHECK(file != NULL);
        for (int k = 0; k < 8; k++) file[k] = (uint8_t)((uint64_t)hlen >> (8 * k));
        memcpy(file + 8, data + 8, hlen);
        path = fz_write("in.safetensors", file, total);
        free(file);
    } else {
        path = fz_write("in.safetensors", data, size);
    }
    StFile f;
    if (st_open(&f, path) != 0) return 0;
    FZ_CHECK(f.data_start <= f.size && f.n >= 0);
    for (int i = 0; i < f.n; i++) {
        const StEntry *e = &f.t[i];
        FZ_CHECK(e->begin <= e->end && f.data_start + e->end <= f.size);
        size_t width = e->dtype == ST_F32 ? 4 : 2;
        FZ_CHECK(e->end - e->begin == e->numel * width);
        FZ_CHECK(st_find(&f, e->name) != NULL);
        float *out = malloc((e->numel ? e->numel : 1) * sizeof(float));
        FZ_CHECK(out != NULL);
        FZ_CHECK(st_read_f32(&f, e->name, e->ndim, e->shape, out) == 0);
        free(out);
    }
    for (int i = 0; i < f.n_meta; i++) FZ_CHECK(st_meta(&f, f.meta_keys[i]) != NULL);
    Model m;
    memset(&m, 0, sizeof m);
    if (modelfile_load_st(&f, &m, 1, 0) == 0) model_free(&m);
    st_close(&f);
    return 0;
}
