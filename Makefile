# calla — build with `make`, test with `make test`.
# Options: BUILD=dir (default build), SAN=1 (ASan+UBSan, default dir build-san),
#          DEBUG=1, NO_CUDA=1, NO_MPI=1 (MPI is on when mpicc is found), NO_OMP=1.
CC      ?= cc
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
NVFLAGS  ?= -O3 -std=c++17 -Isrc -arch=sm_90 -DCALLA_CUDA
LDLIBS   += -L$(CUDA_HOME)/lib64 -Wl,-rpath,$(CUDA_HOME)/lib64 -lcudart -lcublas -lcublasLt
CU_OBJS  := $(patsubst src/%.cu,$(BUILD)/obj/%.o,$(CU_SRCS))
endif

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

.PHONY: all test unit-tests clean demo
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

$(BUILD)/tools/%: tests/tools/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS)

unit-tests: $(TEST_BINS) $(TOOL_BINS)

# Runs every unit test binary and every tests/cli/test_*.sh; prints "N passed, N failed, N skipped".
test: $(BUILD)/calla $(TEST_BINS) $(TOOL_BINS)
	@BUILD=$(BUILD) bash tests/run.sh $(T)

# The demo installs missing packages and builds calla itself (BUILD is passed on).
demo:
	@BUILD=$(BUILD) bash examples/demo.sh

clean:
	rm -rf build build-san

-include $(shell find $(BUILD)/obj $(BUILD)/tests -name '*.d' 2>/dev/null)
