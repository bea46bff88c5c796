/*
 * The native peer for `pnpm bench hashing`: a batched brute-force PDQ radius scan, as a user would
 * write it in C and run it on every core. Blocks of 64 queries run against blocks of 2048 stored
 * hashes (64 KiB, cache-resident), four 64-bit XOR + popcount per pair; gcc -O3 -march=native turns
 * the inner loop into AVX-512 VPOPCNTQ where the CPU has it. Threads split the queries.
 *
 *   pdq-scan SET.bin QUERIES.bin RADIUS THREADS OUT.bin
 * SET.bin / QUERIES.bin: 32 bytes per hash. OUT.bin: per query, a u32 count then (u32 index, u32
 * distance) per hit in the set's order. Prints the scan's wall-clock seconds (file I/O excluded).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define QB 64
#define SB 2048

typedef struct { uint32_t *v; size_t n, cap; } hits_t;
typedef struct {
  const uint64_t *set; size_t n;
  const uint64_t *q; size_t from, to;
  int radius;
  hits_t *hits; /* one list per query */
} job_t;

static void push(hits_t *h, uint32_t a, uint32_t b) {
  if (h->n + 2 > h->cap) { h->cap = h->cap ? h->cap * 2 : 8; h->v = realloc(h->v, h->cap * 4); }
  h->v[h->n++] = a; h->v[h->n++] = b;
}

static void *scan(void *arg) {
  job_t *j = arg;
  for (size_t qb = j->from; qb < j->to; qb += QB) {
    size_t qe = qb + QB < j->to ? qb + QB : j->to;
    for (size_t sb = 0; sb < j->n; sb += SB) {
      size_t se = sb + SB < j->n ? sb + SB : j->n;
      for (size_t q = qb; q < qe; q++) {
        const uint64_t *qq = j->q + q * 4;
        const uint64_t a = qq[0], b = qq[1], c = qq[2], d = qq[3];
        for (size_t s = sb; s < se; s++) {
          const uint64_t *h = j->set + s * 4;
          int dist = __builtin_popcountll(h[0] ^ a) + __builtin_popcountll(h[1] ^ b) + __builtin_popcountll(h[2] ^ c) + __builtin_popcountll(h[3] ^ d);
          if (dist <= j->radius) push(&j->hits[q - j->from], (uint32_t)s, (uint32_t)dist);
        }
      }
    }
  }
  return 0;
}

static uint64_t *load(const char *path, size_t *count) {
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); exit(1); }
  fseek(f, 0, SEEK_END); long bytes = ftell(f); fseek(f, 0, SEEK_SET);
  uint64_t *p = aligned_alloc(64, ((size_t)bytes + 63) / 64 * 64);
  if (fread(p, 1, bytes, f) != (size_t)bytes) { perror(path); exit(1); }
  fclose(f);
  *count = bytes / 32;
  return p;
}

int main(int argc, char **argv) {
  if (argc != 6) { fprintf(stderr, "usage: pdq-scan SET.bin QUERIES.bin RADIUS THREADS OUT.bin\n"); return 64; }
  size_t n, nq;
  uint64_t *set = load(argv[1], &n), *q = load(argv[2], &nq);
  int radius = atoi(argv[3]), threads = atoi(argv[4]);
  if (threads < 1 || threads > 64) threads = 1;
  hits_t *hits = calloc(nq, sizeof(hits_t));
  pthread_t th[64]; job_t jobs[64];
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int t = 0; t < threads; t++) {
    size_t from = nq * t / threads, to = nq * (t + 1) / threads;
    jobs[t] = (job_t){ set, n, q, from, to, radius, hits + from };
    pthread_create(&th[t], 0, scan, &jobs[t]);
  }
  for (int t = 0; t < threads; t++) pthread_join(th[t], 0);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  FILE *out = fopen(argv[5], "wb");
  for (size_t i = 0; i < nq; i++) { uint32_t c = (uint32_t)(hits[i].n / 2); fwrite(&c, 4, 1, out); fwrite(hits[i].v, 4, hits[i].n, out); }
  fclose(out);
  printf("%.6f\n", (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
  return 0;
}
