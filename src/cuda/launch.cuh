// launch.cuh — the one way every calla GPU kernel is launched, and the shim that lets the same
// .cu sources run on the host ("emulation build").
//
// A kernel is a per-index body, a CALLA_HD lambda `[=] CALLA_HD (size_t i) { ... }`, handed to
// launch(n, stream, body):
//   - CUDA build (-DCALLA_CUDA, nvcc --extended-lambda): a grid-stride kernel runs body(i) for
//     every i in [0, n) on `stream` (asynchronously, like every CUDA launch);
//   - emulation build (-DCALLA_CUDA_EMU, the same file compiled by g++ -x c++): a plain for-loop
//     on the calling thread, in index order.
// Bodies never share writes (one thread per output element, per row or per column: a "gather"
// formulation, no atomics), so both builds perform the same arithmetic in each body and the
// emulation build exercises exactly the index maths, bounds and data flow of the device code.
// Only the order of floating-point operations inside cuBLAS differs (emulation uses the CPU GEMM).
#ifndef CALLA_CUDA_LAUNCH_CUH
#define CALLA_CUDA_LAUNCH_CUH
#include <stddef.h>
#include <stdint.h>
#include <math.h>

#if defined(CALLA_CUDA) && defined(CALLA_CUDA_EMU)
#error "CALLA_CUDA and CALLA_CUDA_EMU are exclusive"
#endif
#if !defined(CALLA_CUDA) && !defined(CALLA_CUDA_EMU)
#error "compile src/cuda/*.cu with -DCALLA_CUDA (nvcc) or -DCALLA_CUDA_EMU (g++ -x c++)"
#endif

#ifdef CALLA_CUDA
#include <cuda_runtime.h>
#define CALLA_HD __host__ __device__
typedef cudaStream_t CuStream;
#else
#define __host__
#define __device__
#define __global__
#define CALLA_HD
#include <functional>
#include <vector>
// An emulated stream runs each operation when it is issued, except while it is being captured
// into an emulated CUDA graph (cu_capture_begin): then operations are recorded, with the
// arguments they were issued with, and run when the graph is launched, as on a GPU. A graph
// that froze a value meant to change per launch therefore replays the stale value here too.
struct CuEmuStream {
    std::vector<std::function<void()>> *capture;
};
typedef CuEmuStream *CuStream;  // NULL: a stream that is never captured (the copy stream)
template <class F>
static inline void emu_issue(CuStream s, F op) {
    if (s && s->capture)
        s->capture->push_back(op);
    else
        op();
}
#endif

#ifdef CALLA_CUDA
template <class F>
__global__ void calla_grid_stride(size_t n, F body) {
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (size_t)blockDim.x * gridDim.x)
        body(i);
}

// Reports a failed launch (bad configuration, no kernel image for this card) at its call site.
void cu_check_launch(const char *file, int line);

template <class F>
static inline void launch_at(size_t n, CuStream s, const char *file, int line, F body) {
    if (n == 0) return;
    const int threads = 256;
    size_t blocks = (n + threads - 1) / threads;
    if (blocks > 65535u * 8u) blocks = 65535u * 8u;  // grid-stride covers the rest
    calla_grid_stride<<<(unsigned)blocks, threads, 0, s>>>(n, body);
    cu_check_launch(file, line);
}
#else
template <class F>
static inline void launch_at(size_t n, CuStream s, const char *file, int line, F body) {
    (void)file, (void)line;
    emu_issue(s, [=]() {
        for (size_t i = 0; i < n; i++) body(i);
    });
}
#endif
// Variadic so that commas inside the body need no extra parentheses.
#define launch(n, stream, ...) launch_at((n), (stream), __FILE__, __LINE__, __VA_ARGS__)

#endif
