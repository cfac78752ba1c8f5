# calla — build with `make`, test with `make test`.
# Options: BUILD=dir (default build), SAN=1 (ASan+UBSan, default dir build-san),
#          DEBUG=1, NO_CUDA=1, NO_MPI=1 (MPI is on when mpicc is found), NO_OMP=1.
#          `make fuzz FUZZ_S=N`: libFuzzer harnesses (fuzz/, clang; docs/reliability.md).
CC      ?= cc
# FUZZ=1 (set by `make fuzz`): the library built by clang with -fsanitize=fuzzer-no-link and
# ASan+UBSan into build-fuzz, without CUDA, MPI and OpenMP (libFuzzer runs one thread).
FUZZ_CC ?= $(firstword $(shell command -v clang-14 clang 2>/dev/null) clang)
ifeq ($(FUZZ),1)
CC      := $(FUZZ_CC)
BUILD   ?= build-fuzz
NO_CUDA := 1
NO_MPI  := 1
NO_OMP  := 1
endif
ifeq ($(SAN),1)
BUILD   ?= build-san
else
BUILD   ?= build
endif
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Isrc -MMD -MP -DCALLA_VERSION='"$(VERSION)"'
LDLIBS  := -lhts -lz -lm -lpthread
ifeq ($(DEBUG),1)
CFLAGS  += -O0
endif
ifeq ($(FUZZ),1)
CFLAGS  += -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
           -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
ifeq ($(SAN),1)
CFLAGS  += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
ifneq ($(NO_OMP),1)
CFLAGS  += -fopenmp
LDFLAGS += -fopenmp
else
CFLAGS  += -Wno-unknown-pragmas
endif

# BLAS: OpenBLAS (Debian libopenblas-dev); cblas.h lives under /usr/include/x86_64-linux-gnu/openblas-pthread
BLAS_CFLAGS := $(shell pkg-config --cflags openblas 2>/dev/null)
BLAS_LIBS   := $(shell pkg-config --libs openblas 2>/dev/null || echo -lopenblas)
CFLAGS  += $(BLAS_CFLAGS)
LDLIBS  += $(BLAS_LIBS)

# MPI (Debian libopenmpi-dev): on by default when mpicc is found; WITH_MPI=0 or NO_MPI=1 builds
# without it (then `calla train` / `calla call` are single-process and `calla --version` says
# "mpi: no"). The compiler stays $(CC); only mpicc's compile and link flags are added.
ifeq ($(NO_MPI),1)
WITH_MPI := 0
endif
WITH_MPI ?= $(if $(shell command -v mpicc 2>/dev/null),1,0)
ifeq ($(WITH_MPI),1)
MPI_CFLAGS := $(shell mpicc --showme:compile 2>/dev/null)
MPI_LIBS   := $(shell mpicc --showme:link 2>/dev/null)
ifneq ($(strip $(MPI_LIBS)),)
CFLAGS  += -DCALLA_MPI $(MPI_CFLAGS)
LDLIBS  += $(MPI_LIBS)
endif
endif

# Optional CUDA backend: compiled when nvcc exists and src/cuda has sources.
CUDA_HOME ?= /usr/local/cuda
NVCC      := $(CUDA_HOME)/bin/nvcc
CU_SRCS   := $(wildcard src/cuda/*.cu)
ifneq ($(NO_CUDA),1)
ifneq ($(wildcard $(NVCC)),)
ifneq ($(strip $(CU_SRCS)),)
HAVE_CUDA := 1
endif
endif
endif
ifeq ($(HAVE_CUDA),1)
CFLAGS   += -DCALLA_CUDA -I$(CUDA_HOME)/include
# CUDA_ARCH: sm_90 = H100/H200 (the benchmark cards); override e.g. CUDA_ARCH=sm_80.
CUDA_ARCH ?= sm_90
# -fmad=false: no multiply-add contraction in device code, as in the CPU reference (C11 without
# contraction): elementwise kernels then give the CPU's bits (alpha-dropout's mask * x + b
# differed in the last bit on an H200 with contraction; docs/gpu-notes.md v5). cuBLAS is unaffected.
NVFLAGS  ?= -O3 -g -std=c++17 -Isrc -arch=$(CUDA_ARCH) -DCALLA_CUDA --extended-lambda -fmad=false \
            -Xcompiler -Wall,-Wextra -MMD -MP
# cuBLAS is not linked: src/cuda/cublas_lazy.c loads it with dlopen when a GPU GEMM first runs
# (linked, libcublasLt alone costs every process ~210 MB RSS and ~0.9 GB of address space).
CUBLAS_SONAME := $(or $(shell objdump -p $(CUDA_HOME)/lib64/libcublas.so 2>/dev/null | awk '/SONAME/ {print $$2}'),libcublas.so)
CFLAGS   += -DCALLA_CUBLAS_SONAME='"$(CUBLAS_SONAME)"' -DCALLA_CUDA_LIBDIR='"$(CUDA_HOME)/lib64"'
LDLIBS   += -L$(CUDA_HOME)/lib64 -Wl,-rpath,$(CUDA_HOME)/lib64 -lcudart -ldl -lstdc++
CU_OBJS  := $(patsubst src/%.cu,$(BUILD)/obj/%.o,$(CU_SRCS))
endif
# NCCL (docs/distributed.md; owner: the MPI/NCCL work): with MPI and CUDA both on and libnccl
# found, -DCALLA_NCCL compiles src/training/dist_nccl.c (the DIST_NCCL gradient backend).
# NO_NCCL=1 leaves it out (device gradients then go through host-staged MPI).
ifeq ($(HAVE_CUDA),1)
ifneq ($(strip $(MPI_LIBS)),)
ifneq ($(NO_NCCL),1)
NCCL_LIBDIR ?= $(patsubst %/,%,$(dir $(firstword $(wildcard $(CUDA_HOME)/lib/libnccl.so \
               $(CUDA_HOME)/lib64/libnccl.so /usr/lib/x86_64-linux-gnu/libnccl.so))))
ifneq ($(NCCL_LIBDIR),)
CFLAGS  += -DCALLA_NCCL
LDLIBS  += -L$(NCCL_LIBDIR) -Wl,-rpath,$(NCCL_LIBDIR) -lnccl
endif
endif
endif
endif
# CUDA emulation build (docs/cuda.md): the same src/cuda/*.cu compiled by the host C++ compiler
# with -DCALLA_CUDA_EMU (kernels become host loops, device memory host memory, cuBLAS the CPU
# GEMM), linked only into tests/unit/test_cudaemu_*.c, so machines without a GPU (CI) run the
# device code paths, plainly and under SAN=1. Built whenever src/cuda has sources; needs no nvcc.
EMU_CXXFLAGS := -std=c++17 -x c++ -DCALLA_CUDA_EMU -Isrc -O2 -g -Wall -Wextra -MMD -MP
ifeq ($(SAN),1)
EMU_CXXFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif
EMU_OBJS := $(patsubst src/%.cu,$(BUILD)/cuda-emu/%.o,$(CU_SRCS))

SRCS     := $(wildcard src/*/*.c)
MAIN_SRC := src/cli/main.c
LIB_SRCS := $(filter-out $(MAIN_SRC),$(SRCS))
LIB_OBJS := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LIB_SRCS)) $(CU_OBJS)
LIB      := $(BUILD)/libcalla.a
TEST_SRCS := $(wildcard tests/unit/test_*.c)
TEST_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(TEST_SRCS))
# Helper programs used by the command-line tests (not tests themselves): $(BUILD)/tools/NAME
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOL_BINS := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(TOOL_SRCS))

.PHONY: all test unit-tests seed-sweep clean demo man install uninstall models model-ilmn model-hifi model-ont model-clairvoyante model-clairvoyante-ilmn model-ilmn-fa model-hifi-fa model-ont-fa
all: $(BUILD)/calla

$(BUILD)/calla: $(BUILD)/obj/cli/main.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(LIB): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/obj/%.o: src/%.cu
	@mkdir -p $(dir $@)
	$(NVCC) $(NVFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS)

$(EMU_OBJS): $(BUILD)/cuda-emu/%.o: src/%.cu
	@mkdir -p $(dir $@)
	$(CXX) $(EMU_CXXFLAGS) -c -o $@ $<

# Emulation tests: the emulated device objects come before the library, so they provide the
# cuda_* functions (the library's CUDA objects or stubs are then not pulled in).
EMU_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_cudaemu_*.c))
$(EMU_TESTS): $(BUILD)/tests/%: tests/unit/%.c $(LIB) $(EMU_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests -o $@ $< $(EMU_OBJS) $(LIB) $(LDFLAGS) $(LDLIBS) -lstdc++

# calla with the emulated device, for tests/cli/test_cuda_emu.sh: `--device cuda` then runs the
# device code on the host, end to end through the command line.
$(BUILD)/tools/calla-cudaemu: $(BUILD)/obj/cli/main.o $(EMU_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(BUILD)/obj/cli/main.o $(EMU_OBJS) $(LIB) $(LDLIBS) -lstdc++
ifneq ($(strip $(EMU_OBJS)),)
test: $(BUILD)/tools/calla-cudaemu
endif

# GPU benchmark driver (bench/gpu/run.sh; meaningful in CUDA builds only).
$(BUILD)/bench_gpu: bench/gpu/bench_gpu.c $(LIB)
	$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS)

$(BUILD)/tools/%: tests/tools/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS)

# Fuzz harnesses (fuzz/fuzz_NAME.c, docs/reliability.md). In every build each one is also linked
# with fuzz/replay_main.c into $(BUILD)/tools/fuzz_NAME, which tests/cli/test_fuzz_replay.sh runs
# over the seed corpus and the regression inputs; `make fuzz` builds the libFuzzer binaries
# (build-fuzz/fuzz/fuzz_NAME) and runs each for FUZZ_S seconds (fuzz/run.sh).
FUZZ_NAMES  := $(patsubst fuzz/fuzz_%.c,%,$(filter-out fuzz/fuzz_common.c,$(wildcard fuzz/fuzz_*.c)))
FUZZ_REPLAY := $(addprefix $(BUILD)/tools/fuzz_,$(FUZZ_NAMES))
FUZZ_BINS   := $(addprefix $(BUILD)/fuzz/fuzz_,$(FUZZ_NAMES))
FUZZ_DEFS   := -I. -DCALLA_SRC_ROOT='"$(CURDIR)"'
$(FUZZ_REPLAY): $(BUILD)/tools/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz_common.c fuzz/replay_main.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(FUZZ_DEFS) -o $@ $(filter %.c,$^) $(LIB) $(LDFLAGS) $(LDLIBS)
$(FUZZ_BINS): $(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz_common.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(FUZZ_DEFS) -fsanitize=fuzzer -o $@ $(filter %.c,$^) $(LIB) $(LDFLAGS) $(LDLIBS)
.PHONY: fuzz fuzz-bins
fuzz-bins: $(FUZZ_BINS)
fuzz:
	@command -v $(FUZZ_CC) >/dev/null || { echo "make fuzz needs clang (apt-get install clang-14 libclang-rt-14-dev)"; exit 1; }
	$(MAKE) FUZZ=1 fuzz-bins
	FUZZ_S=$(or $(FUZZ_S),60) FUZZ_SEED=$(or $(FUZZ_SEED),0) BUILD=build-fuzz bash fuzz/run.sh

unit-tests: $(TEST_BINS) $(TOOL_BINS) $(FUZZ_REPLAY)

# Runs every unit test binary and every tests/cli/test_*.sh; prints "N passed, N failed, N skipped".
test: $(BUILD)/calla $(TEST_BINS) $(TOOL_BINS) $(FUZZ_REPLAY)
	@BUILD=$(BUILD) bash tests/run.sh $(T)

# The randomized device-vs-CPU tests over many seeds (make test runs one fixed seed): SEEDS=N.
SWEEP_TESTS := $(addprefix $(BUILD)/tests/,test_cudaemu_layers test_cudaemu_model test_cuda_layers test_cuda_model)
seed-sweep: $(SWEEP_TESTS)
	BUILD=$(BUILD) bash scripts/seed-sweep.sh $(or $(SEEDS),50) $(notdir $(filter-out %.d,$^))

# The demo installs missing packages and builds calla itself (BUILD is passed on).
demo:
	@BUILD=$(BUILD) bash examples/demo.sh

# The shipped models (models/recipe.sh: simulate HG002 chr20 reads, tensors, train on CPU,
# evaluate on the held-out windows, install into models/). Hours on 2 cores; see docs/models.md.
model-ilmn model-hifi model-ont model-clairvoyante-ilmn: model-%: $(BUILD)/calla
	CALLA=$(abspath $(BUILD)/calla) bash models/recipe.sh $*
# Full-alignment models (the FA stage of models/recipe.sh; evalctf scores the held-out candidates)
model-ilmn-fa model-hifi-fa model-ont-fa: model-%: $(BUILD)/calla $(BUILD)/tools/evalctf
	CALLA=$(abspath $(BUILD)/calla) bash models/recipe.sh $*
model-clairvoyante: model-clairvoyante-ilmn
models: model-ilmn model-hifi model-ont model-clairvoyante-ilmn

# Installation (README.md "Build"): make install [PREFIX=/usr/local] [DESTDIR=staging-root]
#   $(PREFIX)/bin/calla, the shipped models with their training logs, curves and evaluations in
#   $(PREFIX)/share/calla/models (where calla looks, relative to its own path: <exe>/../share/calla/
#   models; CALLA_MODELS overrides), man pages from each command's --help in
#   $(PREFIX)/share/man/man1 (scripts/mkman.sh), README and docs in $(PREFIX)/share/doc/calla.
PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR   = $(PREFIX)/bin
DATADIR  = $(PREFIX)/share/calla
MAN1DIR  = $(PREFIX)/share/man/man1
DOCDIR   = $(PREFIX)/share/doc/calla
MODEL_FILES = $(wildcard models/*.safetensors models/*.train.jsonl models/*.eval.txt models/*.curves.svg)
DOC_FILES   = README.md $(wildcard docs/*.md)

man: $(BUILD)/calla scripts/mkman.sh
	@rm -rf $(BUILD)/man
	bash scripts/mkman.sh $(BUILD)/calla $(BUILD)/man

install: $(BUILD)/calla man
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/models $(DESTDIR)$(MAN1DIR) $(DESTDIR)$(DOCDIR)
	install -m 755 $(BUILD)/calla $(DESTDIR)$(BINDIR)/calla
	$(if $(MODEL_FILES),install -m 644 $(MODEL_FILES) $(DESTDIR)$(DATADIR)/models/)
	install -m 644 $(BUILD)/man/*.1 $(DESTDIR)$(MAN1DIR)/
	install -m 644 $(DOC_FILES) $(DESTDIR)$(DOCDIR)/

# Removes what install put there (the model and doc files by name, the man pages calla*.1), then
# the calla directories if they are empty.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/calla $(DESTDIR)$(MAN1DIR)/calla.1 $(DESTDIR)$(MAN1DIR)/calla-*.1
	rm -f $(addprefix $(DESTDIR)$(DATADIR)/models/,$(notdir $(MODEL_FILES)))
	rm -f $(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir $(DOC_FILES)))
	-rmdir $(DESTDIR)$(DATADIR)/models $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR) 2>/dev/null

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(BUILD)/obj $(BUILD)/tests $(BUILD)/cuda-emu $(BUILD)/tools $(BUILD)/fuzz -name '*.d' 2>/dev/null)
