/*
 * The floor under any hasher of a small-file tree on this machine: the system calls alone, from C,
 * on two threads, with no hashing and no checks. For each path of a NUL-separated list (relative
 * to the current directory): open(O_RDONLY|O_NOFOLLOW), one read into a 1 MiB buffer, fstat,
 * close -- what `relseal hash` must do per file at the least (docs: bench/hash.mjs). The bench
 * compiles it with the system's cc when there is one and times it beside everything else.
 * Usage: syscall-floor LIST [THREADS]
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char **paths;
static size_t count;
static int threads;

static void *work(void *arg) {
  size_t first = (size_t)arg;
  char *buffer = malloc(1 << 20);
  struct stat st;
  for (size_t i = first; i < count; i += (size_t)threads) {
    int fd = open(paths[i], O_RDONLY | O_NOFOLLOW);
    if (fd < 0) {
      perror(paths[i]);
      exit(1);
    }
    if (read(fd, buffer, 1 << 20) < 0 || fstat(fd, &st) != 0) {
      perror(paths[i]);
      exit(1);
    }
    close(fd);
  }
  free(buffer);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: syscall-floor LIST [THREADS]\n");
    return 2;
  }
  threads = argc > 2 ? atoi(argv[2]) : 2;
  if (threads < 1 || threads > 64) threads = 2;
  FILE *f = fopen(argv[1], "rb");
  if (!f) {
    perror(argv[1]);
    return 1;
  }
  size_t size = 0, cap = 1 << 20;
  char *list = malloc(cap);
  for (size_t n; (n = fread(list + size, 1, cap - size, f)) > 0;) {
    size += n;
    if (size == cap) list = realloc(list, cap *= 2);
  }
  fclose(f);
  for (size_t i = 0; i < size; i++) count += list[i] == '\0';
  paths = malloc(count * sizeof *paths);
  for (size_t i = 0, k = 0, start = 0; i < size; i++)
    if (list[i] == '\0') {
      paths[k++] = list + start;
      start = i + 1;
    }
  pthread_t t[64];
  for (int k = 0; k < threads; k++) pthread_create(&t[k], NULL, work, (void *)(size_t)k);
  for (int k = 0; k < threads; k++) pthread_join(t[k], NULL);
  return 0;
}
