/*
 * Read bandwidth of this machine: the sum of 1 GiB of floats, best of 5, with 1 and 2 threads.
 * Build and run: gcc -O3 -march=native -ffast-math -fopenmp benchmarks/bandwidth.c -o /tmp/bw && /tmp/bw
 * The bandwidth-bound decode limit is (GB/s) / (weight bytes read per step).
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(void) {
    size_t n = 256UL * 1024 * 1024;
    float *a = aligned_alloc(64, n * sizeof(float));
    for (size_t i = 0; i < n; i++) a[i] = 1.0f;
    for (int t = 1; t <= 2; t++) {
        double best = 0;
        for (int r = 0; r < 5; r++) {
            struct timespec s, e;
            clock_gettime(CLOCK_MONOTONIC, &s);
            float total = 0;
#pragma omp parallel for num_threads(t) reduction(+ : total)
            for (size_t i = 0; i < n; i++) total += a[i];
            clock_gettime(CLOCK_MONOTONIC, &e);
            double sec = (e.tv_sec - s.tv_sec) + (e.tv_nsec - s.tv_nsec) / 1e9;
            double gbs = n * sizeof(float) / sec / 1e9;
            if (gbs > best) best = gbs;
            if (total < 1) printf("?");
        }
        printf("threads=%d read %.1f GB/s\n", t, best);
    }
    free(a);
    return 0;
}
