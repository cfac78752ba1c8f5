// fuzz_common.h — shared helpers for the libFuzzer harnesses in fuzz/ (docs/reliability.md).
// Each harness defines LLVMFuzzerTestOneInput (and may define LLVMFuzzerInitialize); the same
// source links either with libFuzzer (`make fuzz`, clang, -fsanitize=fuzzer) or with
// fuzz/replay_main.c (`make test`: $(BUILD)/tools/fuzz_NAME replays fuzz/corpus/NAME and
// fuzz/regress/NAME). Inputs go through a private temporary directory because the parsers under
// test take file names, as the commands do.
#ifndef CALLA_FUZZ_COMMON_H
#define CALLA_FUZZ_COMMON_H
#include <stddef.h>
#include <stdint.h>

// The private directory (created on first use, removed at exit).
const char *fz_dir(void);
// Writes data to fz_dir()/name and returns the path (static storage per name slot; copy it when
// keeping two). Aborts on I/O failure (an environment problem, not a finding).
const char *fz_write(const char *name, const uint8_t *data, size_t size);
// Writes data bgzip-compressed (for tabix/CSI-indexed files); returns the path.
const char *fz_write_bgzf(const char *name, const uint8_t *data, size_t size);
// The fixture reference (tests/fixtures/tensors_ref.fa, two 60-bp contigs ctg1/ctg2), copied and
// faidx-indexed once; and the fixture reads as an indexed BAM. Source root: $CALLA_ROOT, else
// the compile-time CALLA_SRC_ROOT.
const char *fz_fixture_ref(void);
const char *fz_fixture_bam(void);
// Stops the fuzz target with a message when a parser breaks its own contract (a result that is
// inconsistent with what it returned); libFuzzer and the replay both report the abort.
#define FZ_CHECK(c)                                                                      \
    do {                                                                                 \
        if (!(c)) fz_contract(__FILE__, __LINE__, #c);                                   \
    } while (0)
void fz_contract(const char *file, int line, const char *what) __attribute__((noreturn));
#endif
