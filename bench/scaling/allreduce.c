// allreduce.c — time MPI_Allreduce (float sum) of the gradient sizes on this machine, to fit the
// latency + bandwidth terms of the cost model (bench/scaling/model.py). Build and run:
//   mpicc -O2 -o allreduce bench/scaling/allreduce.c && mpirun -np 2 ./allreduce
// Prints "bytes best_s median_s busbw_GBps" per size (busbw = 2(N-1)/N * bytes / time).
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, world;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world);
    // 4 B .. 8 MiB, plus the two models' fp32 gradients (Clairvoyante, Clair3 pileup)
    long sizes[32];
    int ns = 0;
    for (long b = 4; b <= (8L << 20); b *= 4) sizes[ns++] = b;
    sizes[ns++] = 1631496L * 4;
    sizes[ns++] = 2072216L * 4;
    enum { REPS = 15 };
    float *buf = malloc((size_t)sizes[ns - 1]);
    if (!buf) MPI_Abort(MPI_COMM_WORLD, 1);
    for (long i = 0; i < sizes[ns - 1] / 4; i++) buf[i] = 1.0f;
    if (rank == 0) printf("# ranks %d\n# bytes best_s median_s busbw_GBps\n", world);
    for (int s = 0; s < ns; s++) {
        int n = (int)(sizes[s] / 4);
        double t[REPS];
        for (int r = 0; r < REPS; r++) {
            MPI_Barrier(MPI_COMM_WORLD);
            double t0 = MPI_Wtime();
            if (MPI_Allreduce(MPI_IN_PLACE, buf, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD) != MPI_SUCCESS)
                MPI_Abort(MPI_COMM_WORLD, 1);
            double dt = MPI_Wtime() - t0;
            MPI_Allreduce(MPI_IN_PLACE, &dt, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
            t[r] = dt;
        }
        qsort(t, REPS, sizeof t[0], cmp);
        if (rank == 0)
            printf("%ld %.6g %.6g %.3f\n", sizes[s], t[0], t[REPS / 2],
                   2.0 * (world - 1) / world * sizes[s] / t[0] / 1e9);
    }
    free(buf);
    MPI_Finalize();
    return 0;
}
