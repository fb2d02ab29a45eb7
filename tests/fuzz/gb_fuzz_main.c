/* A main() for the fuzz targets outside libFuzzer: runs LLVMFuzzerTestOneInput once per file
 * given, or per file of each folder given (sorted by name, dot files skipped), so that the
 * ordinary build (gcc, and ASan+UBSan in CI) checks every target's properties on its seed corpus
 * (ctest fuzz_NAME_seeds) and a crash reproducer can be replayed without clang:
 *   build/tests/fuzz/fuzz_event_json crash-1234abcd
 * Exit status: 0 when every input passed (a finding aborts), 2 when a file cannot be read or
 * there is no input at all. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gb_fuzz.h"

enum { INPUT_MAX = 1 << 24 };

/* Reads path and runs the target on it; returns 0, or -1 when it cannot be read. */
static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "fuzz: %s: cannot open\n", path);
    return -1;
  }
  uint8_t *buf = malloc(INPUT_MAX);
  if (!buf) {
    fclose(f);
    fprintf(stderr, "fuzz: out of memory\n");
    return -1;
  }
  size_t n = fread(buf, 1, INPUT_MAX, f);
  int bad = ferror(f) || !feof(f);
  fclose(f);
  if (bad) {
    free(buf);
    fprintf(stderr, "fuzz: %s: cannot read (or over %d bytes)\n", path, INPUT_MAX);
    return -1;
  }
  /* an exact-size copy, so that AddressSanitizer sees a read past the input's end */
  uint8_t *input = malloc(n ? n : 1);
  if (!input) {
    free(buf);
    fprintf(stderr, "fuzz: out of memory\n");
    return -1;
  }
  memcpy(input, buf, n);
  free(buf);
  LLVMFuzzerTestOneInput(input, n);
  free(input);
  return 0;
}

static int skip_dot(const struct dirent *e) { return e->d_name[0] != '.'; }

int main(int argc, char **argv) {
  size_t inputs = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      fprintf(stderr, "fuzz: %s: no such file or folder\n", argv[i]);
      return 2;
    }
    if (!S_ISDIR(st.st_mode)) {
      if (run_file(argv[i]) != 0)
        return 2;
      inputs++;
      continue;
    }
    struct dirent **names = NULL;
    int n = scandir(argv[i], &names, skip_dot, alphasort);
    if (n < 0) {
      fprintf(stderr, "fuzz: %s: cannot list\n", argv[i]);
      return 2;
    }
    int rc = 0;
    for (int k = 0; k < n; k++) {
      char path[4096];
      snprintf(path, sizeof path, "%s/%s", argv[i], names[k]->d_name);
      if (rc == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        rc = run_file(path);
        inputs++;
      }
      free(names[k]);
    }
    free(names);
    if (rc != 0)
      return 2;
  }
  if (inputs == 0) { /* an empty corpus would pass without checking anything */
    fprintf(stderr, "fuzz: no inputs\n");
    return 2;
  }
  printf("%s: %zu inputs, every property held\n", argv[0], inputs);
  return 0;
}
